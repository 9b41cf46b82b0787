//! The cipher of a privacyIDEA container's synchronize answer
//! (docs/containers.md, "The answer and its encryption"): the phone sends a
//! fresh X25519 public key with each synchronize; the server answers with its
//! own fresh X25519 public key, and encrypts the token list with AES-256-GCM
//! under the **raw** X25519 shared secret (no KDF), a 16-byte IV, no
//! associated data, the 16-byte tag sent apart from the ciphertext.
//!
//! [`SyncKeyPair`] is the phone's half: made for one synchronize, used to open
//! that one answer, then dropped (its secret is zeroized). Nothing here
//! authenticates the server — only TLS does.

use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::consts::U16;
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, KeyInit};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::rng::{RandomError, RandomSource, random_array};
use crate::secret::SecretBytes;

/// Length of an X25519 public key (raw).
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of the AES-GCM IV privacyIDEA uses.
pub const IV_LEN: usize = 16;
/// Length of the AES-GCM tag.
pub const TAG_LEN: usize = 16;

/// AES-256-GCM with a 16-byte nonce (GHASH-derived counter block, as
/// `cryptography`'s `AESGCM` does for IVs other than 12 bytes).
type Aes256Gcm16 = AesGcm<Aes256, U16>;

/// Why a synchronize answer could not be opened. The messages name what was
/// wrong, never any key or plaintext byte.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SyncCipherError {
    /// The server's public key is not 32 bytes.
    #[error("the server's X25519 public key is not {PUBLIC_KEY_LEN} bytes")]
    ServerKeyLength,
    /// The IV is not 16 bytes.
    #[error("the AES-GCM IV is not {IV_LEN} bytes")]
    IvLength,
    /// The tag is not 16 bytes.
    #[error("the AES-GCM tag is not {TAG_LEN} bytes")]
    TagLength,
    /// The server's public key is a low-order point: the shared secret would
    /// be all zeros, a key anyone knows.
    #[error("the server's X25519 public key is a low-order point")]
    WeakServerKey,
    /// The tag does not verify: the answer was altered, or is meant for
    /// another key pair.
    #[error("the synchronize answer does not decrypt (altered, or for another key)")]
    Decrypt,
}

/// A fresh X25519 key pair for one synchronize. The private half is zeroized
/// on drop and never printed.
pub struct SyncKeyPair {
    secret: StaticSecret,
}

impl std::fmt::Debug for SyncKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncKeyPair(<redacted>)")
    }
}

impl SyncKeyPair {
    /// A new key pair from 32 random bytes of `rng`.
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, RandomError> {
        let secret = Zeroizing::new(random_array::<32>(rng)?);
        Ok(Self::from_secret(*secret))
    }

    /// The key pair of a known private key (tests and recorded vectors). The
    /// caller's copy of `secret` is its own to wipe.
    pub fn from_secret(secret: [u8; 32]) -> Self {
        Self {
            secret: StaticSecret::from(secret),
        }
    }

    /// The public key to send (`public_enc_key_client`), raw.
    pub fn public_key(&self) -> [u8; 32] {
        PublicKey::from(&self.secret).to_bytes()
    }

    /// Opens the server's answer: X25519 with `server_public` (raw, 32 bytes),
    /// the raw shared secret as the AES-256 key, AES-GCM with the 16-byte `iv`,
    /// no associated data, the 16-byte `tag` apart.
    pub fn open(
        &self,
        server_public: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<SecretBytes, SyncCipherError> {
        let server_public = <[u8; PUBLIC_KEY_LEN]>::try_from(server_public)
            .map_err(|_| SyncCipherError::ServerKeyLength)?;
        let iv = <[u8; IV_LEN]>::try_from(iv).map_err(|_| SyncCipherError::IvLength)?;
        let tag = <[u8; TAG_LEN]>::try_from(tag).map_err(|_| SyncCipherError::TagLength)?;
        let shared = self.secret.diffie_hellman(&PublicKey::from(server_public));
        if !shared.was_contributory() {
            return Err(SyncCipherError::WeakServerKey);
        }
        // EXPOSE: the shared secret becomes the AES key (dropped, zeroized, below).
        let cipher = Aes256Gcm16::new(shared.as_bytes().into());
        let mut plain = Zeroizing::new(ciphertext.to_vec());
        // On failure `plain` (whatever was decrypted) is zeroized as it drops.
        cipher
            .decrypt_inout_detached(&iv.into(), &[], plain.as_mut_slice().into(), &tag.into())
            .map_err(|_| SyncCipherError::Decrypt)?;
        Ok(SecretBytes::new(std::mem::take(&mut *plain)))
    }
}

/// What a server sends, sealed for tests: its public key, and the ciphertext
/// and tag.
#[cfg(any(test, feature = "test-server"))]
pub(crate) struct SealedForTests {
    pub(crate) server_public: [u8; 32],
    pub(crate) iv: [u8; IV_LEN],
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) tag: [u8; TAG_LEN],
}

/// Encrypts `plaintext` as privacyIDEA does for the phone whose sync public
/// key is `client_public`, with the server's X25519 secret `server_secret`
/// and `iv` (tests play the server).
#[cfg(any(test, feature = "test-server"))]
pub(crate) fn seal_for_tests(
    client_public: &[u8; 32],
    server_secret: [u8; 32],
    iv: [u8; IV_LEN],
    plaintext: &[u8],
) -> Option<SealedForTests> {
    let server = SyncKeyPair::from_secret(server_secret);
    let shared = server
        .secret
        .diffie_hellman(&PublicKey::from(*client_public));
    let cipher = Aes256Gcm16::new(shared.as_bytes().into());
    let mut buf = plaintext.to_vec();
    let tag = cipher
        .encrypt_inout_detached(&iv.into(), &[], buf.as_mut_slice().into())
        .ok()?;
    Some(SealedForTests {
        server_public: server.public_key(),
        iv,
        ciphertext: buf,
        tag: tag.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DeterministicRandom;
    use base64::Engine;
    use proptest::prelude::*;

    fn vectors() -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/privacyidea/containers/vectors.json"
            ))
            .unwrap(),
        )
        .unwrap()
    }

    fn b64(v: &serde_json::Value) -> Vec<u8> {
        base64::engine::general_purpose::URL_SAFE
            .decode(v.as_str().unwrap())
            .unwrap()
    }

    struct Recorded {
        pair: SyncKeyPair,
        server: Vec<u8>,
        iv: Vec<u8>,
        ciphertext: Vec<u8>,
        tag: Vec<u8>,
        decrypted: serde_json::Value,
        sent_public: Vec<u8>,
    }

    fn recorded() -> Recorded {
        let v = vectors();
        let sync = &v["synchronize"];
        let answer = &sync["response_value"];
        let secret: [u8; 32] = b64(&sync["client_x25519_private_raw_b64url"])
            .try_into()
            .unwrap();
        Recorded {
            pair: SyncKeyPair::from_secret(secret),
            server: b64(&answer["public_server_key"]),
            iv: b64(&answer["encryption_params"]["init_vector"]),
            ciphertext: b64(&answer["container_dict_server"]),
            tag: b64(&answer["encryption_params"]["tag"]),
            decrypted: sync["decrypted"].clone(),
            sent_public: b64(&sync["request"]["public_enc_key_client"]),
        }
    }

    #[test]
    fn opens_the_recorded_answer() {
        let r = recorded();
        assert_eq!(r.pair.public_key().as_slice(), r.sent_public.as_slice());
        let plain = r
            .pair
            .open(&r.server, &r.iv, &r.ciphertext, &r.tag)
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(plain.expose()).unwrap();
        assert_eq!(value, r.decrypted);
    }

    #[test]
    fn tampering_is_refused() {
        let r = recorded();
        let flip = |bytes: &[u8], i: usize| {
            let mut b = bytes.to_vec();
            b[i] ^= 1;
            b
        };
        let pair = &r.pair;
        let open = |s: &[u8], iv: &[u8], c: &[u8], t: &[u8]| pair.open(s, iv, c, t).map(|_| ());
        assert_eq!(
            open(&r.server, &r.iv, &r.ciphertext, &flip(&r.tag, 15)),
            Err(SyncCipherError::Decrypt)
        );
        assert_eq!(
            open(&r.server, &flip(&r.iv, 0), &r.ciphertext, &r.tag),
            Err(SyncCipherError::Decrypt)
        );
        assert_eq!(
            open(&flip(&r.server, 3), &r.iv, &r.ciphertext, &r.tag),
            Err(SyncCipherError::Decrypt)
        );
        assert_eq!(
            open(&r.server, &r.iv, &flip(&r.ciphertext, 7), &r.tag),
            Err(SyncCipherError::Decrypt)
        );
        let other = SyncKeyPair::generate(&DeterministicRandom::new(9)).unwrap();
        assert_eq!(
            other
                .open(&r.server, &r.iv, &r.ciphertext, &r.tag)
                .map(|_| ()),
            Err(SyncCipherError::Decrypt)
        );
        // Twelve bytes is GCM's usual IV, but not what privacyIDEA sends.
        assert_eq!(
            open(&r.server, &r.iv[..12], &r.ciphertext, &r.tag),
            Err(SyncCipherError::IvLength)
        );
        assert_eq!(
            open(&r.server[..31], &r.iv, &r.ciphertext, &r.tag),
            Err(SyncCipherError::ServerKeyLength)
        );
        assert_eq!(
            open(&r.server, &r.iv, &r.ciphertext, &r.tag[..12]),
            Err(SyncCipherError::TagLength)
        );
        // Low-order points (zero, and the order-8 point u = 1... here u = 0 and
        // u = 1): an all-zero shared secret.
        let mut one = [0u8; 32];
        one[0] = 1;
        for weak in [[0u8; 32], one] {
            assert_eq!(
                open(&weak, &r.iv, &r.ciphertext, &r.tag),
                Err(SyncCipherError::WeakServerKey)
            );
        }
        assert_eq!(
            open(&r.server, &r.iv, &r.ciphertext[..0], &r.tag),
            Err(SyncCipherError::Decrypt)
        );
    }

    #[test]
    fn key_pairs_are_fresh_and_redacted() {
        let rng = DeterministicRandom::new(1);
        let a = SyncKeyPair::generate(&rng).unwrap();
        let b = SyncKeyPair::generate(&rng).unwrap();
        assert_ne!(a.public_key(), b.public_key());
        assert_eq!(format!("{a:?}"), "SyncKeyPair(<redacted>)");
        let message = SyncCipherError::Decrypt.to_string();
        assert!(!message.is_empty());
    }

    proptest! {
        #[test]
        fn round_trip(
            phone in any::<[u8; 32]>(),
            server in any::<[u8; 32]>(),
            iv in any::<[u8; IV_LEN]>(),
            plaintext in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let phone = SyncKeyPair::from_secret(phone);
            let sealed = seal_for_tests(&phone.public_key(), server, iv, &plaintext).unwrap();
            let SealedForTests { ciphertext, tag, server_public, iv: sealed_iv } = &sealed;
            let server = SyncKeyPair::from_secret(server);
            prop_assert_eq!(server_public, &server.public_key());
            let opened = phone.open(server_public, sealed_iv, ciphertext, tag).unwrap();
            prop_assert_eq!(opened.expose(), plaintext.as_slice());
            let mut bad = *tag;
            bad[0] ^= 0x80;
            prop_assert_eq!(
                phone.open(&server.public_key(), &iv, ciphertext, &bad).map(|_| ()),
                Err(SyncCipherError::Decrypt)
            );
        }
    }
}
