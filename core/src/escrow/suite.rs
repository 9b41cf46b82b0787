//! The HPKE suite escrow records are sealed with (RFC 9180, base mode):
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 — and the
//! injected random source handed to the `hpke` crate.

use hpke::rand_core::{TryCryptoRng, TryRng};
use ring::digest;
use zeroize::Zeroizing;

use crate::rng::{RandomError, RandomSource};

/// The key encapsulation mechanism.
pub(super) type Kem = hpke::kem::X25519HkdfSha256;
/// The key schedule's KDF.
pub(super) type Kdf = hpke::kdf::HkdfSha256;
/// The AEAD.
pub(super) type Aead = hpke::aead::ChaCha20Poly1305;
/// HPKE's `info`: what the sealed key is for.
pub(super) const INFO: &[u8] = b"vakt/escrow/v1";

/// A random stream for the `hpke` crate, which needs an infallible
/// generator: 32 bytes drawn from the vault's injected [`RandomSource`] up
/// front (where a failure can be reported), expanded as SHA-256(seed ‖ n).
/// Tests with a deterministic source get deterministic records.
pub(super) struct Drawn {
    seed: Zeroizing<[u8; 32]>,
    block: Zeroizing<[u8; 32]>,
    used: usize,
    counter: u64,
}

impl Drawn {
    /// Draws the seed.
    pub(super) fn from(rng: &dyn RandomSource) -> Result<Self, RandomError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(&mut seed[..])?;
        Ok(Self {
            seed,
            block: Zeroizing::new([0u8; 32]),
            used: 32,
            counter: 0,
        })
    }

    fn next_byte(&mut self) -> u8 {
        if self.used >= self.block.len() {
            let mut ctx = digest::Context::new(&digest::SHA256);
            ctx.update(&self.seed[..]);
            ctx.update(&self.counter.to_be_bytes());
            self.counter = self.counter.wrapping_add(1);
            self.block.copy_from_slice(ctx.finish().as_ref());
            self.used = 0;
        }
        let byte = self.block.get(self.used).copied().unwrap_or(0);
        self.used += 1;
        byte
    }
}

impl TryRng for Drawn {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dst {
            *byte = self.next_byte();
        }
        Ok(())
    }
}

impl TryCryptoRng for Drawn {}
