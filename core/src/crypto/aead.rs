//! Authenticated encryption of vault records and key slots (AES-256-GCM, ring).
//!
//! A sealed value is `version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`, with a
//! fresh random nonce per write and associated data that binds what the value is
//! (purpose, format version, vault and record id). Opening fails with one opaque
//! error: wrong key and damaged data are indistinguishable on purpose.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::rng::{RandomSource, random_array};
use crate::secret::Key256;

const FORMAT: u8 = 1;
const TAG_LEN: usize = 16;

/// Sealing or opening failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AeadError {
    /// Wrong key, wrong associated data, or damaged data (deliberately one error).
    #[error("decryption failed")]
    Open,
    /// No random nonce could be drawn.
    #[error("the random number generator failed")]
    Random,
}

fn cipher(key: &Key256) -> Result<LessSafeKey, AeadError> {
    // EXPOSE: the key goes into the cipher, which keeps its own copy.
    UnboundKey::new(&AES_256_GCM, key.expose())
        .map(LessSafeKey::new)
        .map_err(|_| AeadError::Open)
}

/// Encrypts `plaintext` under `key`, bound to `aad`.
pub fn seal(
    key: &Key256,
    aad: &[u8],
    plaintext: &[u8],
    rng: &dyn RandomSource,
) -> Result<Vec<u8>, AeadError> {
    let nonce_bytes: [u8; NONCE_LEN] = random_array(rng).map_err(|_| AeadError::Random)?;
    let mut in_out = Zeroizing::new(plaintext.to_vec());
    let tag = cipher(key)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad),
            &mut in_out,
        )
        .map_err(|_| AeadError::Open)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + in_out.len() + TAG_LEN);
    out.push(FORMAT);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&in_out);
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Decrypts a value made by [`seal`] with the same key and `aad`.
pub fn open(key: &Key256, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, AeadError> {
    let (&format, rest) = sealed.split_first().ok_or(AeadError::Open)?;
    if format != FORMAT || rest.len() < NONCE_LEN + TAG_LEN {
        return Err(AeadError::Open);
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| AeadError::Open)?;
    let mut in_out = Zeroizing::new(body.to_vec());
    let plain_len = cipher(key)?
        .open_in_place(nonce, Aad::from(aad), &mut in_out)
        .map_err(|_| AeadError::Open)?
        .len();
    in_out.truncate(plain_len);
    Ok(in_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DeterministicRandom;

    #[test]
    fn round_trip_and_binding() {
        let rng = DeterministicRandom::new(1);
        let key = Key256::new([9; 32]);
        let sealed = seal(&key, b"purpose:1", b"hello", &rng).unwrap();
        assert_eq!(&open(&key, b"purpose:1", &sealed).unwrap()[..], b"hello");
        assert_eq!(open(&key, b"purpose:2", &sealed), Err(AeadError::Open));
        assert_eq!(
            open(&Key256::new([8; 32]), b"purpose:1", &sealed),
            Err(AeadError::Open)
        );
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert_eq!(open(&key, b"purpose:1", &bad), Err(AeadError::Open));
        }
        for len in 0..sealed.len() {
            assert_eq!(
                open(&key, b"purpose:1", &sealed[..len]),
                Err(AeadError::Open)
            );
        }
        // A fresh nonce per write.
        let again = seal(&key, b"purpose:1", b"hello", &rng).unwrap();
        assert_ne!(sealed, again);
    }
}
