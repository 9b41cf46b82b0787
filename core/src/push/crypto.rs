//! The push protocol's signatures: RSASSA-PKCS1-v1_5 with SHA-256 over the
//! UTF-8 bytes of a `|`-joined string, both directions, carried as standard
//! base32 (upper case, `=` padded) — privacyIDEA refuses any other spelling, so
//! only that exact spelling is accepted here too.
//!
//! ring verifies and signs; it cannot generate RSA keys, so the software
//! keystore generates them with the `rsa` crate ([`generate_rsa`]) and hands
//! the PKCS#8 document to ring for signing. The `rsa` crate's private-key
//! operations are not constant-time (RUSTSEC-2023-0071); they are never used
//! here — only its key generation and key encodings are.

use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;

use crate::rng::RandomSource;
use crate::secret::SecretBytes;

/// The smallest RSA key accepted from a server or a keystore (ring's floor).
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA key accepted (ring's ceiling).
pub const MAX_RSA_BITS: usize = 8192;

const BASE32: base32::Alphabet = base32::Alphabet::Rfc4648 { padding: true };

/// Why a key or signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Not canonical base32 (upper case, padded).
    #[error("the signature is not upper-case padded base32")]
    Encoding,
    /// The signature does not verify under the key.
    #[error("the signature does not match")]
    BadSignature,
    /// The key is not an RSA public key of 2048–8192 bits in the expected encoding.
    #[error("not an RSA public key of 2048 to 8192 bits")]
    BadKey,
    /// Key generation or signing failed.
    #[error("the RSA operation failed")]
    Failed,
}

/// Encodes a signature for the wire.
pub fn encode_signature(signature: &[u8]) -> String {
    base32::encode(BASE32, signature)
}

/// Decodes a signature from the wire; only the canonical spelling is accepted.
pub fn decode_signature(text: &str) -> Result<Vec<u8>, CryptoError> {
    let bytes = base32::decode(BASE32, text).ok_or(CryptoError::Encoding)?;
    if bytes.is_empty() || encode_signature(&bytes) != text {
        return Err(CryptoError::Encoding);
    }
    Ok(bytes)
}

/// A server's public key, checked once: PKCS#1 `RSAPublicKey` DER, 2048–8192 bits.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerKey(Vec<u8>);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKey({} bytes)", self.0.len())
    }
}

impl ServerKey {
    /// From PKCS#1 DER.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, CryptoError> {
        let key = rsa::RsaPublicKey::from_pkcs1_der(der).map_err(|_| CryptoError::BadKey)?;
        check_size(key.size() * 8)?;
        Ok(Self(der.to_vec()))
    }

    /// From the base64 body of a PEM `RSA PUBLIC KEY` (line breaks allowed), as
    /// privacyIDEA sends it in `detail.public_key`.
    pub fn from_pkcs1_base64(text: &str) -> Result<Self, CryptoError> {
        use base64::Engine;
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| CryptoError::BadKey)?;
        Self::from_pkcs1_der(&der)
    }

    /// The PKCS#1 DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.0
    }

    /// Checks `signature` (wire spelling) over `message`.
    pub fn verify(&self, message: &str, signature: &str) -> Result<(), CryptoError> {
        let signature = decode_signature(signature)?;
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.0)
            .verify(message.as_bytes(), &signature)
            .map_err(|_| CryptoError::BadSignature)
    }
}

fn check_size(bits: usize) -> Result<(), CryptoError> {
    if (MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(CryptoError::BadKey)
    }
}

/// A device's public key as a keystore returned it, normalised to the DER
/// `SubjectPublicKeyInfo` the server expects. Android's `PublicKey.getEncoded()`
/// is already SPKI; iOS's `SecKeyCopyExternalRepresentation` is PKCS#1 — both
/// are accepted.
pub fn normalize_public_key(der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = rsa::RsaPublicKey::from_public_key_der(der)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(der))
        .map_err(|_| CryptoError::BadKey)?;
    check_size(key.size() * 8)?;
    key.to_public_key_der()
        .map(|doc| doc.as_bytes().to_vec())
        .map_err(|_| CryptoError::BadKey)
}

/// The PKCS#1 DER of a public key given as SPKI (tests and fakes).
pub fn spki_to_pkcs1(spki: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = rsa::RsaPublicKey::from_public_key_der(spki).map_err(|_| CryptoError::BadKey)?;
    key.to_pkcs1_der()
        .map(|doc| doc.as_bytes().to_vec())
        .map_err(|_| CryptoError::BadKey)
}

/// Signs `message` with a PKCS#8 RSA private key (ring; deterministic output).
pub fn sign_pkcs8(pkcs8: &SecretBytes, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
    // EXPOSE: the private key is parsed by ring, which keeps its own copy.
    let pair = RsaKeyPair::from_pkcs8(pkcs8.expose()).map_err(|_| CryptoError::BadKey)?;
    let mut out = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message,
        &mut out,
    )
    .map_err(|_| CryptoError::Failed)?;
    Ok(out)
}

/// Adapts a [`RandomSource`] to the `rand_core` traits the `rsa` crate wants.
/// `fill_bytes` cannot fail, so a failure is remembered and reported after.
struct RngAdapter<'a> {
    source: &'a dyn RandomSource,
    failed: bool,
}

impl rand_core::RngCore for RngAdapter<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.source.fill(dest).is_err() {
            self.failed = true;
            dest.fill(0);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for RngAdapter<'_> {}

/// A new RSA key pair of `bits` bits: the private key as PKCS#8 DER (secret)
/// and the public key as SPKI DER.
pub fn generate_rsa(
    bits: usize,
    rng: &dyn RandomSource,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    check_size(bits)?;
    let mut adapter = RngAdapter {
        source: rng,
        failed: false,
    };
    let key = rsa::RsaPrivateKey::new(&mut adapter, bits).map_err(|_| CryptoError::Failed)?;
    if adapter.failed {
        return Err(CryptoError::Failed);
    }
    let pkcs8 = key.to_pkcs8_der().map_err(|_| CryptoError::Failed)?;
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|_| CryptoError::Failed)?;
    Ok((
        SecretBytes::from_slice(pkcs8.as_bytes()),
        spki.as_bytes().to_vec(),
    ))
}
