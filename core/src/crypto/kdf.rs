//! Key derivation from a PIN or an unblock code: Argon2id (RustCrypto `argon2`).
//!
//! The parameters are stored next to each slot, so they can be raised later
//! without breaking existing vaults. See docs/threat-model.md for the default
//! cost and why.

use argon2::{Algorithm, Argon2, Params, Version};

use crate::secret::Key256;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

/// The KDF could not run (parameters out of range).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("key derivation parameters are out of range")]
pub struct KdfError;

/// Bounds accepted when reading parameters back from a file: a damaged or
/// hostile file must not make us allocate gigabytes.
const MAX_MEMORY_KIB: u32 = 1 << 20; // 1 GiB
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 16;
/// Memory × passes (KiB × passes) a file may ask for: 4 × 64 MiB × 3, i.e.
/// 768 MiB·passes.
pub const FILE_MAX_WORK: u64 = 4 * 64 * 1024 * 3;

impl KdfParams {
    /// The PIN slot's default: 64 MiB, 3 passes, 1 lane (see the threat model).
    pub const PIN_DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    /// The unblock slot's default: the code carries 95 bits, so the KDF only
    /// adds margin (OWASP's minimum for Argon2id: 19 MiB, 2 passes).
    pub const UNBLOCK_DEFAULT: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// Very cheap parameters for tests and the crash-injection harness.
    /// **Never for a real vault**: a 4-digit PIN falls in moments.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    /// The dearest cost a file may ask for where the file chooses it (a
    /// backup's key slots): four times [`KdfParams::PIN_DEFAULT`], the dearest
    /// our own writers use, in each of memory, passes and lanes. Memory ×
    /// passes is bounded too, see [`KdfParams::fits_file_bounds`].
    pub const FILE_MAX: KdfParams = KdfParams {
        memory_kib: 4 * 64 * 1024,
        iterations: 4 * 3,
        parallelism: 4,
    };

    /// Whether a file may ask for this cost: each of memory, passes and lanes
    /// at most [`KdfParams::FILE_MAX`]'s, and memory × passes at most
    /// [`FILE_MAX_WORK`] (four times the PIN default's). Checked before any
    /// derivation whose cost a file chose.
    pub fn fits_file_bounds(self) -> bool {
        let max = Self::FILE_MAX;
        self.memory_kib <= max.memory_kib
            && self.iterations <= max.iterations
            && self.parallelism <= max.parallelism
            && u64::from(self.memory_kib) * u64::from(self.iterations) <= FILE_MAX_WORK
    }

    /// Serialises as 12 bytes (three big-endian u32).
    pub fn to_bytes(self) -> [u8; 12] {
        let mut out = [0u8; 12];
        for (chunk, v) in
            out.chunks_mut(4)
                .zip([self.memory_kib, self.iterations, self.parallelism])
        {
            chunk.copy_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// Reads [`KdfParams::to_bytes`] back; refuses out-of-range values.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KdfError> {
        let mut values = bytes
            .chunks_exact(4)
            .map(|c| c.try_into().map(u32::from_be_bytes));
        let (Some(Ok(memory_kib)), Some(Ok(iterations)), Some(Ok(parallelism)), None) =
            (values.next(), values.next(), values.next(), values.next())
        else {
            return Err(KdfError);
        };
        if bytes.len() != 12 {
            return Err(KdfError);
        }
        let params = KdfParams {
            memory_kib,
            iterations,
            parallelism,
        };
        params.argon2()?;
        Ok(params)
    }

    fn argon2(self) -> Result<Argon2<'static>, KdfError> {
        if self.memory_kib > MAX_MEMORY_KIB
            || self.iterations > MAX_ITERATIONS
            || self.parallelism > MAX_PARALLELISM
        {
            return Err(KdfError);
        }
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|_| KdfError)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Derives a 256-bit key from `secret` and `salt`.
    pub fn derive(self, secret: &[u8], salt: &[u8]) -> Result<Key256, KdfError> {
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        self.argon2()?
            .hash_password_into(secret, salt, &mut out[..])
            .map_err(|_| KdfError)?;
        Ok(Key256::new(*out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip_and_bounds() {
        for p in [
            KdfParams::PIN_DEFAULT,
            KdfParams::UNBLOCK_DEFAULT,
            KdfParams::INSECURE_FOR_TESTS,
        ] {
            assert_eq!(KdfParams::from_bytes(&p.to_bytes()), Ok(p));
        }
        assert_eq!(KdfParams::from_bytes(&[0; 11]), Err(KdfError));
        assert_eq!(KdfParams::from_bytes(&[0; 16]), Err(KdfError));
        let huge = KdfParams {
            memory_kib: u32::MAX,
            iterations: 1,
            parallelism: 1,
        };
        assert_eq!(KdfParams::from_bytes(&huge.to_bytes()), Err(KdfError));
    }

    #[test]
    fn file_bounds_are_four_times_the_pin_default() {
        for p in [
            KdfParams::PIN_DEFAULT,
            KdfParams::UNBLOCK_DEFAULT,
            KdfParams::INSECURE_FOR_TESTS,
            KdfParams {
                memory_kib: 256 * 1024,
                iterations: 3,
                parallelism: 4,
            },
            KdfParams {
                memory_kib: 64 * 1024,
                iterations: 12,
                parallelism: 1,
            },
        ] {
            assert!(p.fits_file_bounds(), "{p:?}");
        }
        let d = KdfParams::PIN_DEFAULT;
        for p in [
            KdfParams {
                memory_kib: 256 * 1024 + 1,
                ..d
            },
            KdfParams {
                iterations: 13,
                ..d
            },
            KdfParams {
                parallelism: 5,
                ..d
            },
            // Each within, but 256 MiB × 12 passes is 16 times the work.
            KdfParams::FILE_MAX,
            KdfParams {
                memory_kib: 1 << 20,
                iterations: 64,
                parallelism: 16,
            },
        ] {
            assert!(!p.fits_file_bounds(), "{p:?}");
        }
    }

    #[test]
    fn derivation_depends_on_every_input() {
        let p = KdfParams::INSECURE_FOR_TESTS;
        let a = p.derive(b"4829", b"salt-salt-salt-1").unwrap();
        assert!(a.ct_eq(&p.derive(b"4829", b"salt-salt-salt-1").unwrap()));
        assert!(!a.ct_eq(&p.derive(b"4828", b"salt-salt-salt-1").unwrap()));
        assert!(!a.ct_eq(&p.derive(b"4829", b"salt-salt-salt-2").unwrap()));
        let q = KdfParams { iterations: 2, ..p };
        assert!(!a.ct_eq(&q.derive(b"4829", b"salt-salt-salt-1").unwrap()));
    }
}
