//! The device key of a privacyIDEA container: ECDSA on P-384 (secp384r1)
//! over **SHA-256** (what the server names in the registration URL,
//! `key_algorithm=secp384r1&hash_algorithm=SHA256`), signatures DER-encoded;
//! the public key goes to the server as a PEM `SubjectPublicKeyInfo`
//! ([`spki_der_to_pem`]). docs/containers.md has the protocol.
//!
//! ring cannot sign P-384 with SHA-256, so the software keystore makes and
//! uses these keys with the RustCrypto `p384` crate ([`generate_p384`],
//! [`sign_p384_pkcs8`]: feature `p384-keys`, the CLI and the test doors). The
//! phone library leaves it out: the platform keystore (Android Keystore, iOS
//! Keychain) holds the key there. What every build has: the PEM encoding, the
//! check of a public key the platform returns ([`check_p384_spki`]), and
//! telling an RSA key from a P-384 one by its PKCS#8 algorithm
//! ([`pkcs8_key_kind`]).

use base64::Engine;
use der::asn1::ObjectIdentifier;
use spki::SubjectPublicKeyInfoRef;

#[cfg(feature = "p384-keys")]
use crate::rng::RandomSource;
#[cfg(feature = "p384-keys")]
use crate::secret::SecretBytes;

/// `id-ecPublicKey` (RFC 5480).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp384r1` (RFC 5480).
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// `rsaEncryption` (RFC 8017).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The DER `SubjectPublicKeyInfo` of every P-384 public key up to its point:
/// SEQUENCE { SEQUENCE { id-ecPublicKey, secp384r1 }, BIT STRING (0 unused
/// bits) … }, followed by the 97-byte uncompressed point `04 ‖ X ‖ Y`.
pub const P384_SPKI_PREFIX: [u8; 23] = [
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];

/// Length of an uncompressed P-384 point (`04 ‖ X ‖ Y`, X9.63).
pub const P384_POINT_LEN: usize = 97;

/// Why a container key or signature operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EcdsaError {
    /// Not a P-384 key in the expected encoding.
    #[error("not a P-384 (secp384r1) key")]
    BadKey,
    /// Key generation or signing failed.
    #[error("the ECDSA operation failed")]
    Failed,
}

/// Which kind of signing key a PKCS#8 document holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningKeyKind {
    /// An RSA key (`rsaEncryption`): push tokens.
    Rsa,
    /// An ECDSA key on P-384 (`id-ecPublicKey`, `secp384r1`): containers.
    EcP384,
}

/// The kind of the key in a PKCS#8 `PrivateKeyInfo`, from its algorithm
/// identifier; `None` if it is not PKCS#8 or another kind of key.
pub fn pkcs8_key_kind(pkcs8: &[u8]) -> Option<SigningKeyKind> {
    let info = pkcs8::PrivateKeyInfo::try_from(pkcs8).ok()?;
    let algorithm = info.algorithm;
    if algorithm.oid == RSA_ENCRYPTION {
        Some(SigningKeyKind::Rsa)
    } else if algorithm.oid == ID_EC_PUBLIC_KEY && algorithm.parameters_oid().ok()? == SECP384R1 {
        Some(SigningKeyKind::EcP384)
    } else {
        None
    }
}

/// Checks that `der` is a P-384 public key as a DER `SubjectPublicKeyInfo`
/// with an uncompressed point (what a platform keystore must return), strict
/// DER with nothing after it. The point's being on the curve is not checked
/// here: the server refuses one that is not.
pub fn check_p384_spki(der: &[u8]) -> Result<(), EcdsaError> {
    use der::Decode;
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|_| EcdsaError::BadKey)?;
    let point = info
        .subject_public_key
        .as_bytes()
        .ok_or(EcdsaError::BadKey)?;
    let curve = info
        .algorithm
        .parameters_oid()
        .map_err(|_| EcdsaError::BadKey)?;
    if info.algorithm.oid != ID_EC_PUBLIC_KEY
        || curve != SECP384R1
        || point.len() != P384_POINT_LEN
        || point.first() != Some(&0x04)
    {
        return Err(EcdsaError::BadKey);
    }
    Ok(())
}

/// A DER `SubjectPublicKeyInfo` as PEM: `-----BEGIN PUBLIC KEY-----`, the
/// standard base64 in lines of 64 characters, `-----END PUBLIC KEY-----` and a
/// final newline (what finalize sends as `public_client_key`).
pub fn spki_der_to_pem(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::with_capacity(body.len() + body.len() / 64 + 60);
    pem.push_str("-----BEGIN PUBLIC KEY-----\n");
    // Base64 is ASCII: every 64-byte chunk is valid UTF-8.
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}

/// Generates a P-384 key from `rng`: the private key as a PKCS#8 DER document
/// (secret) and the public key as DER `SubjectPublicKeyInfo`.
#[cfg(feature = "p384-keys")]
pub fn generate_p384(rng: &dyn RandomSource) -> Result<(SecretBytes, Vec<u8>), EcdsaError> {
    use p384::pkcs8::{EncodePrivateKey, EncodePublicKey};

    // A uniformly random scalar by rejection: 48 random bytes are a valid
    // key unless zero or not below the group order (probability ~2^-190).
    for _ in 0..64 {
        let bytes = zeroize::Zeroizing::new(
            crate::rng::random_array::<48>(rng).map_err(|_| EcdsaError::Failed)?,
        );
        let Ok(secret) = p384::SecretKey::from_slice(bytes.as_slice()) else {
            continue;
        };
        let pkcs8 = secret.to_pkcs8_der().map_err(|_| EcdsaError::Failed)?;
        let spki = secret
            .public_key()
            .to_public_key_der()
            .map_err(|_| EcdsaError::Failed)?;
        return Ok((
            SecretBytes::from_slice(pkcs8.as_bytes()),
            spki.as_bytes().to_vec(),
        ));
    }
    Err(EcdsaError::Failed)
}

/// Signs `message` with the P-384 key in the PKCS#8 DER document `pkcs8`:
/// ECDSA over the SHA-256 digest of `message` (RFC 6979 nonce), the signature
/// DER-encoded.
#[cfg(feature = "p384-keys")]
pub fn sign_p384_pkcs8(pkcs8: &SecretBytes, message: &[u8]) -> Result<Vec<u8>, EcdsaError> {
    use p384::ecdsa::signature::hazmat::PrehashSigner;
    use p384::pkcs8::DecodePrivateKey;

    // EXPOSE: the key is parsed to sign; the parsed copy zeroizes on drop.
    let key =
        p384::ecdsa::SigningKey::from_pkcs8_der(pkcs8.expose()).map_err(|_| EcdsaError::BadKey)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, message);
    let signature: p384::ecdsa::Signature = key
        .sign_prehash(digest.as_ref())
        .map_err(|_| EcdsaError::Failed)?;
    Ok(signature.to_der().as_bytes().to_vec())
}

/// Verifies a DER ECDSA signature over the SHA-256 digest of `message` by the
/// P-384 key `spki` (DER `SubjectPublicKeyInfo`). The protocol never needs
/// this (the server verifies); it checks a platform keystore's keys in tests
/// (vakt-ffi's test doors). [`EcdsaError::BadKey`] if `spki` is not a P-384
/// key, [`EcdsaError::Failed`] if the signature does not verify.
#[cfg(feature = "p384-keys")]
pub fn verify_p384_sha256(spki: &[u8], message: &[u8], signature: &[u8]) -> Result<(), EcdsaError> {
    use p384::ecdsa::signature::hazmat::PrehashVerifier;
    use p384::pkcs8::DecodePublicKey;

    check_p384_spki(spki)?;
    let key =
        p384::ecdsa::VerifyingKey::from_public_key_der(spki).map_err(|_| EcdsaError::BadKey)?;
    let signature = p384::ecdsa::Signature::from_der(signature).map_err(|_| EcdsaError::Failed)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, message);
    key.verify_prehash(digest.as_ref(), &signature)
        .map_err(|_| EcdsaError::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_has_64_character_lines() {
        let der: Vec<u8> = (0..120u8).collect();
        let pem = spki_der_to_pem(&der);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.first(), Some(&"-----BEGIN PUBLIC KEY-----"));
        assert_eq!(lines.last(), Some(&"-----END PUBLIC KEY-----"));
        assert!(pem.ends_with("-----\n"));
        let body = &lines[1..lines.len() - 1];
        assert_eq!(body.len(), 3); // 160 characters
        assert!(body[..2].iter().all(|l| l.len() == 64));
        assert_eq!(body[2].len(), 32);
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(body.concat())
                .unwrap(),
            der
        );
        assert_eq!(
            spki_der_to_pem(&[]),
            "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"
        );
    }

    fn recorded_public_key() -> (String, Vec<u8>) {
        let vectors: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/privacyidea/containers/vectors.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let pem = vectors["registration"]["client_public_key_pem"]
            .as_str()
            .unwrap()
            .to_owned();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        (pem, der)
    }

    #[test]
    fn the_recorded_key_is_a_p384_spki_and_its_pem_round_trips() {
        let (pem, der) = recorded_public_key();
        assert_eq!(spki_der_to_pem(&der), pem);
        check_p384_spki(&der).unwrap();
        assert_eq!(der.len(), P384_SPKI_PREFIX.len() + P384_POINT_LEN);
        assert_eq!(der[..P384_SPKI_PREFIX.len()], P384_SPKI_PREFIX);
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(check_p384_spki(&trailing), Err(EcdsaError::BadKey));
        let mut compressed = der.clone();
        compressed[P384_SPKI_PREFIX.len()] = 0x02;
        assert_eq!(check_p384_spki(&compressed), Err(EcdsaError::BadKey));
        // Another curve (P-256's OID in the same place) is refused.
        let mut p256 = der.clone();
        let at = P384_SPKI_PREFIX.len() - 9;
        p256[at..at + 5].copy_from_slice(&[0x2a, 0x86, 0x48, 0xce, 0x3d]);
        assert_eq!(check_p384_spki(&p256), Err(EcdsaError::BadKey));
        assert_eq!(check_p384_spki(b"not der"), Err(EcdsaError::BadKey));
    }

    #[test]
    fn pkcs8_kinds() {
        let vectors: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/privacyidea/push_test_vectors.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let rsa = pem_body(vectors["phone_private_key_pkcs8_pem"].as_str().unwrap());
        assert_eq!(pkcs8_key_kind(&rsa), Some(SigningKeyKind::Rsa));
        assert_eq!(
            pkcs8_key_kind(&recorded_private_key()),
            Some(SigningKeyKind::EcP384)
        );
        assert_eq!(pkcs8_key_kind(b"\x30\x00"), None);
        assert_eq!(pkcs8_key_kind(&[]), None);
    }

    pub(crate) fn pem_body(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    pub(crate) fn recorded_private_key() -> Vec<u8> {
        let vectors: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/privacyidea/containers/vectors.json"
            ))
            .unwrap(),
        )
        .unwrap();
        pem_body(
            vectors["registration"]["client_private_key_pkcs8_pem"]
                .as_str()
                .unwrap(),
        )
    }

    #[cfg(feature = "p384-keys")]
    #[test]
    fn generated_keys_sign_what_p384_verifies() {
        use p384::ecdsa::signature::hazmat::PrehashVerifier;
        use p384::pkcs8::DecodePublicKey;

        let rng = crate::rng::DeterministicRandom::new(7);
        let (pkcs8, spki) = generate_p384(&rng).unwrap();
        check_p384_spki(&spki).unwrap();
        assert_eq!(pkcs8_key_kind(pkcs8.expose()), Some(SigningKeyKind::EcP384));
        let (_, other) = generate_p384(&rng).unwrap();
        assert_ne!(spki, other);
        let signature = sign_p384_pkcs8(&pkcs8, b"nonce|time|serial").unwrap();
        let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, b"nonce|time|serial");
        let parsed = p384::ecdsa::Signature::from_der(&signature).unwrap();
        key.verify_prehash(digest.as_ref(), &parsed).unwrap();
        verify_p384_sha256(&spki, b"nonce|time|serial", &signature).unwrap();
        assert_eq!(
            verify_p384_sha256(&spki, b"nonce|time|serial!", &signature),
            Err(EcdsaError::Failed)
        );
        assert_eq!(
            verify_p384_sha256(&other, b"nonce|time|serial", &signature),
            Err(EcdsaError::Failed)
        );
        assert_eq!(
            verify_p384_sha256(b"x", b"nonce|time|serial", &signature),
            Err(EcdsaError::BadKey)
        );
        let digest = ring::digest::digest(&ring::digest::SHA256, b"nonce|time|serial!");
        assert!(key.verify_prehash(digest.as_ref(), &parsed).is_err());
        // Not SHA-384 (the curve's usual hash): privacyIDEA names SHA256.
        let sha384 = ring::digest::digest(&ring::digest::SHA384, b"nonce|time|serial");
        assert!(key.verify_prehash(sha384.as_ref(), &parsed).is_err());
    }

    #[cfg(feature = "p384-keys")]
    #[test]
    fn the_recorded_key_signs_what_the_server_accepted() {
        use p384::ecdsa::signature::hazmat::PrehashVerifier;
        use p384::pkcs8::DecodePublicKey;

        let vectors: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/privacyidea/containers/vectors.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let registration = &vectors["registration"];
        let message = registration["signed_message"].as_str().unwrap();
        let accepted = base64::engine::general_purpose::URL_SAFE
            .decode(registration["signature"].as_str().unwrap())
            .unwrap();
        let (_, spki) = recorded_public_key();
        let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, message.as_bytes());
        // The signature the real server accepted is this scheme's.
        key.verify_prehash(
            digest.as_ref(),
            &p384::ecdsa::Signature::from_der(&accepted).unwrap(),
        )
        .unwrap();
        let ours = sign_p384_pkcs8(
            &SecretBytes::new(recorded_private_key()),
            message.as_bytes(),
        )
        .unwrap();
        key.verify_prehash(
            digest.as_ref(),
            &p384::ecdsa::Signature::from_der(&ours).unwrap(),
        )
        .unwrap();
        // An RSA key is not a P-384 key.
        let rsa_vectors: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/privacyidea/push_test_vectors.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let rsa = pem_body(rsa_vectors["phone_private_key_pkcs8_pem"].as_str().unwrap());
        assert_eq!(
            sign_p384_pkcs8(&SecretBytes::new(rsa), b"x"),
            Err(EcdsaError::BadKey)
        );
    }
}
