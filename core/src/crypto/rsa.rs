//! The push protocol's signatures: RSASSA-PKCS1-v1_5 with SHA-256 over the
//! UTF-8 bytes of a `|`-joined string, both directions, carried as standard
//! base32 (upper case, `=` padded) — privacyIDEA refuses any other spelling, so
//! only that exact spelling is accepted here too.
//!
//! ring verifies and signs. Public keys are read and written as DER (PKCS#1
//! `RSAPublicKey`, `SubjectPublicKeyInfo`) with the `pkcs1`, `spki` and `der`
//! crates — no big-number arithmetic: a key's size is the bit length of its
//! modulus bytes. ring cannot generate RSA keys, so the software keystore
//! generates them with the `rsa` crate ([`generate_rsa`], feature
//! `rsa-keygen`: the CLI and tests; the phone library leaves it out and its
//! platform keystore makes the keys) and hands the PKCS#8 document to ring for
//! signing. The `rsa` crate's private-key operations are not constant-time
//! (RUSTSEC-2023-0071); they are never used here — only its key generation and
//! its private-key encoding are.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode, Encode};
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

#[cfg(feature = "rsa-keygen")]
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
    /// From PKCS#1 DER (strict DER, nothing after it; see [`normalize_public_key`]
    /// for what is checked).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, CryptoError> {
        parse_pkcs1(der)?;
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

#[cfg(feature = "rsa-keygen")]
fn check_size(bits: usize) -> Result<(), CryptoError> {
    if (MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(CryptoError::BadKey)
    }
}

/// rsaEncryption (PKCS #1, RFC 8017), the only key algorithm accepted.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The `AlgorithmIdentifier` of an RSA `SubjectPublicKeyInfo`: rsaEncryption
/// with NULL parameters (RFC 3279 §2.3.1), as every encoder writes it.
const RSA_ALGORITHM: AlgorithmIdentifierRef<'static> = AlgorithmIdentifierRef {
    oid: RSA_ENCRYPTION,
    parameters: Some(AnyRef::NULL),
};

/// The largest public exponent accepted (ring's bound: 2^33 − 1).
const MAX_PUBLIC_EXPONENT: u64 = (1 << 33) - 1;

/// Why a public key was refused: finer than [`CryptoError::BadKey`], which is
/// all callers see (tests check the reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyRefusal {
    /// Not strict DER of the expected structure: empty, truncated, trailing
    /// bytes, wrong tags, non-canonical or negative integers, a BIT STRING with
    /// unused bits.
    Malformed,
    /// A `SubjectPublicKeyInfo` whose algorithm is not rsaEncryption with NULL
    /// parameters.
    Algorithm,
    /// The modulus has this many bits, outside `MIN_RSA_BITS..=MAX_RSA_BITS`.
    Size(usize),
    /// The public exponent is even, below 3 or above 2^33 − 1 (ring refuses
    /// such keys).
    Exponent,
}

impl From<KeyRefusal> for CryptoError {
    fn from(_: KeyRefusal) -> Self {
        CryptoError::BadKey
    }
}

/// The bit length of a big-endian unsigned integer (leading zero bytes do not
/// count).
fn bit_length(be: &[u8]) -> usize {
    match be.iter().position(|&b| b != 0) {
        None => 0,
        Some(first) => {
            let rest = be.len() - first - 1;
            let top = be.get(first).copied().unwrap_or(0);
            rest.saturating_mul(8) + (8 - top.leading_zeros() as usize)
        }
    }
}

/// Checks the numbers of a decoded key: modulus size and public exponent.
fn check_public(key: &pkcs1::RsaPublicKey<'_>) -> Result<(), KeyRefusal> {
    let bits = bit_length(key.modulus.as_bytes());
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(KeyRefusal::Size(bits));
    }
    let exponent = key.public_exponent.as_bytes();
    if bit_length(exponent) > 64 {
        return Err(KeyRefusal::Exponent);
    }
    let e = exponent.iter().fold(0u64, |e, &b| (e << 8) | u64::from(b));
    if e < 3 || e % 2 == 0 || e > MAX_PUBLIC_EXPONENT {
        return Err(KeyRefusal::Exponent);
    }
    Ok(())
}

/// A PKCS#1 `RSAPublicKey`: strict DER, nothing after it, numbers checked.
fn parse_pkcs1(der: &[u8]) -> Result<pkcs1::RsaPublicKey<'_>, KeyRefusal> {
    let key = pkcs1::RsaPublicKey::from_der(der).map_err(|_| KeyRefusal::Malformed)?;
    check_public(&key)?;
    Ok(key)
}

/// The RSA key inside a decoded `SubjectPublicKeyInfo`.
fn key_of_spki<'a>(
    info: &SubjectPublicKeyInfoRef<'a>,
) -> Result<pkcs1::RsaPublicKey<'a>, KeyRefusal> {
    if info.algorithm != RSA_ALGORITHM {
        return Err(KeyRefusal::Algorithm);
    }
    let pkcs1 = info
        .subject_public_key
        .as_bytes()
        .ok_or(KeyRefusal::Malformed)?;
    parse_pkcs1(pkcs1)
}

/// A `SubjectPublicKeyInfo` holding an RSA key: strict DER, nothing after it.
fn parse_spki(der: &[u8]) -> Result<pkcs1::RsaPublicKey<'_>, KeyRefusal> {
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|_| KeyRefusal::Malformed)?;
    key_of_spki(&info)
}

/// A public key as `SubjectPublicKeyInfo` or PKCS#1 `RSAPublicKey`. The two
/// cannot be mistaken for each other (the first element of the outer SEQUENCE
/// is a SEQUENCE in one, an INTEGER in the other): DER that has the SPKI shape
/// is judged as SPKI, anything else as PKCS#1.
fn parse_public_key(der: &[u8]) -> Result<pkcs1::RsaPublicKey<'_>, KeyRefusal> {
    match SubjectPublicKeyInfoRef::from_der(der) {
        Ok(info) => key_of_spki(&info),
        Err(_) => parse_pkcs1(der),
    }
}

/// The canonical PKCS#1 DER of a key.
fn encode_pkcs1(key: &pkcs1::RsaPublicKey<'_>) -> Result<Vec<u8>, CryptoError> {
    key.to_der().map_err(|_| CryptoError::BadKey)
}

/// The canonical `SubjectPublicKeyInfo` DER of a key.
fn encode_spki(key: &pkcs1::RsaPublicKey<'_>) -> Result<Vec<u8>, CryptoError> {
    let pkcs1 = encode_pkcs1(key)?;
    SubjectPublicKeyInfoRef {
        algorithm: RSA_ALGORITHM,
        subject_public_key: BitStringRef::new(0, &pkcs1).map_err(|_| CryptoError::BadKey)?,
    }
    .to_der()
    .map_err(|_| CryptoError::BadKey)
}

/// A device's public key as a keystore returned it, normalised to the DER
/// `SubjectPublicKeyInfo` the server expects. Android's `PublicKey.getEncoded()`
/// is already SPKI; iOS's `SecKeyCopyExternalRepresentation` is PKCS#1 — both
/// are accepted. Refused ([`CryptoError::BadKey`]): anything but strict DER of
/// one of the two with nothing after it; an SPKI algorithm other than
/// rsaEncryption with NULL parameters; a modulus outside
/// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits; a public exponent that is even,
/// below 3 or above 2^33 − 1.
pub fn normalize_public_key(der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    encode_spki(&parse_public_key(der)?)
}

/// The PKCS#1 DER of a public key given as SPKI (tests and fakes); the same
/// checks as [`normalize_public_key`].
pub fn spki_to_pkcs1(spki: &[u8]) -> Result<Vec<u8>, CryptoError> {
    encode_pkcs1(&parse_spki(spki)?)
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
#[cfg(feature = "rsa-keygen")]
struct RngAdapter<'a> {
    source: &'a dyn RandomSource,
    failed: bool,
}

#[cfg(feature = "rsa-keygen")]
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

#[cfg(feature = "rsa-keygen")]
impl rand_core::CryptoRng for RngAdapter<'_> {}

/// A new RSA key pair of `bits` bits: the private key as PKCS#8 DER (secret)
/// and the public key as SPKI DER. Only with the feature `rsa-keygen`.
#[cfg(feature = "rsa-keygen")]
pub fn generate_rsa(
    bits: usize,
    rng: &dyn RandomSource,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};

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

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::ObjectIdentifier as Oid;
    use der::asn1::UintRef;

    const E65537: &[u8] = &[1, 0, 1];

    /// rsaEncryption with NULL parameters, written out by hand.
    const RSA_ALGORITHM_DER: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];

    /// A DER element (definite length, minimal).
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().position(|&b| b != 0).unwrap();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }

    /// An unsigned DER INTEGER (a 0x00 in front when the top bit is set).
    fn integer(be: &[u8]) -> Vec<u8> {
        let mut content = be.to_vec();
        if content.first().is_none_or(|&b| b >= 0x80) {
            content.insert(0, 0);
        }
        tlv(0x02, &content)
    }

    /// A modulus of exactly `bits` bits; only its length matters here.
    fn modulus(bits: usize) -> Vec<u8> {
        if bits == 0 {
            return vec![0];
        }
        let len = bits.div_ceil(8);
        let mut m = vec![0xa5; len];
        m[0] = 0xff >> (len * 8 - bits);
        m
    }

    fn pkcs1_of(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
        tlv(0x30, &[integer(modulus), integer(exponent)].concat())
    }

    /// SPKI around `key` with the algorithm identifier given as DER.
    fn spki_with(algorithm: &[u8], unused_bits: u8, key: &[u8]) -> Vec<u8> {
        let bits = tlv(0x03, &[&[unused_bits][..], key].concat());
        tlv(0x30, &[algorithm, &bits[..]].concat())
    }

    fn spki_of(pkcs1: &[u8]) -> Vec<u8> {
        spki_with(RSA_ALGORITHM_DER, 0, pkcs1)
    }

    fn algorithm(oid: &str, parameters: Option<&[u8]>) -> Vec<u8> {
        let oid = Oid::new(oid).unwrap().to_der().unwrap();
        tlv(0x30, &[&oid[..], parameters.unwrap_or_default()].concat())
    }

    #[test]
    fn the_hand_written_der_is_what_the_der_crates_write() {
        let pkcs1 = pkcs1_of(&modulus(2048), E65537);
        let n = modulus(2048);
        let typed = pkcs1::RsaPublicKey {
            modulus: UintRef::new(&n).unwrap(),
            public_exponent: UintRef::new(E65537).unwrap(),
        };
        assert_eq!(typed.to_der().unwrap(), pkcs1);
        assert_eq!(RSA_ALGORITHM.to_der().unwrap(), RSA_ALGORITHM_DER);
        assert_eq!(
            algorithm("1.2.840.113549.1.1.1", Some(&[0x05, 0x00])),
            RSA_ALGORITHM_DER
        );
        assert_eq!(encode_spki(&typed).unwrap(), spki_of(&pkcs1));
    }

    #[test]
    fn bit_lengths_count_the_top_byte_and_skip_leading_zeros() {
        for (bytes, bits) in [
            (&[][..], 0),
            (&[0, 0], 0),
            (&[1], 1),
            (&[0x80], 8),
            (&[0, 0x7f, 0], 15),
            (&[0x01, 0, 0], 17),
        ] {
            assert_eq!(bit_length(bytes), bits, "{bytes:?}");
        }
        for bits in [1, 7, 8, 9, 2047, 2048, 2049, 8192, 8193] {
            assert_eq!(bit_length(&modulus(bits)), bits);
        }
    }

    #[test]
    fn accepted_keys_are_the_same_as_pkcs1_and_as_spki() {
        // (case, modulus bits, public exponent)
        let cases: [(&str, usize, &[u8]); 9] = [
            ("2048 bits", 2048, E65537),
            ("3072 bits", 3072, E65537),
            ("4096 bits", 4096, E65537),
            ("4097 bits (the rsa crate stopped at 4096)", 4097, E65537),
            ("6144 bits", 6144, E65537),
            ("8192 bits", 8192, E65537),
            ("e = 3", 2048, &[3]),
            ("e = 2^33 - 1", 2048, &[1, 0xff, 0xff, 0xff, 0xff]),
            ("e with its top bit set", 3072, &[0x80, 0, 0, 1]),
        ];
        for (case, bits, e) in cases {
            let pkcs1 = pkcs1_of(&modulus(bits), e);
            let spki = spki_of(&pkcs1);
            let key = parse_public_key(&pkcs1).unwrap();
            assert_eq!(bit_length(key.modulus.as_bytes()), bits, "{case}");
            assert_eq!(key.public_exponent.as_bytes(), e, "{case}");
            assert_eq!(parse_public_key(&spki), Ok(key), "{case}");
            assert_eq!(normalize_public_key(&pkcs1).unwrap(), spki, "{case}");
            assert_eq!(normalize_public_key(&spki).unwrap(), spki, "{case}");
            assert_eq!(spki_to_pkcs1(&spki).unwrap(), pkcs1, "{case}");
            assert_eq!(
                ServerKey::from_pkcs1_der(&pkcs1).unwrap().der(),
                pkcs1,
                "{case}"
            );
        }
    }

    /// The shape a refused input has: which parser gets as far as the refusal.
    #[derive(Clone, Copy, Debug)]
    enum Shape {
        Pkcs1,
        Spki,
        Neither,
    }

    #[test]
    fn refused_keys_are_refused_for_the_right_reason() {
        use KeyRefusal::*;
        let good = pkcs1_of(&modulus(2048), E65537);
        let good_spki = spki_of(&good);
        // The base of every case is accepted: each case changes one thing.
        assert!(parse_public_key(&good).is_ok());
        assert!(parse_public_key(&good_spki).is_ok());

        let with_modulus = |bits: usize| pkcs1_of(&modulus(bits), E65537);
        let with_exponent = |e: &[u8]| pkcs1_of(&modulus(2048), e);
        let null = Some(&[0x05, 0x00][..]);
        let mut cases: Vec<(String, Vec<u8>, Shape, KeyRefusal)> = vec![
            (
                "1024-bit key".into(),
                with_modulus(1024),
                Shape::Pkcs1,
                Size(1024),
            ),
            (
                "1024-bit key in SPKI".into(),
                spki_of(&with_modulus(1024)),
                Shape::Spki,
                Size(1024),
            ),
            (
                "2047 bits".into(),
                with_modulus(2047),
                Shape::Pkcs1,
                Size(2047),
            ),
            (
                "8193 bits".into(),
                with_modulus(8193),
                Shape::Pkcs1,
                Size(8193),
            ),
            (
                "16384 bits in SPKI".into(),
                spki_of(&with_modulus(16384)),
                Shape::Spki,
                Size(16384),
            ),
            (
                "zero modulus".into(),
                with_modulus(0),
                Shape::Pkcs1,
                Size(0),
            ),
            ("e = 1".into(), with_exponent(&[1]), Shape::Pkcs1, Exponent),
            ("e = 2".into(), with_exponent(&[2]), Shape::Pkcs1, Exponent),
            (
                "e = 65536".into(),
                with_exponent(&[1, 0, 0]),
                Shape::Pkcs1,
                Exponent,
            ),
            (
                "e = 2^33 + 1".into(),
                with_exponent(&[2, 0, 0, 0, 1]),
                Shape::Pkcs1,
                Exponent,
            ),
            (
                "e = 2^64 + 1".into(),
                with_exponent(&[1, 0, 0, 0, 0, 0, 0, 0, 1]),
                Shape::Pkcs1,
                Exponent,
            ),
            ("e = 0".into(), with_exponent(&[0]), Shape::Pkcs1, Exponent),
            (
                "RSASSA-PSS OID".into(),
                spki_with(&algorithm("1.2.840.113549.1.1.10", null), 0, &good),
                Shape::Spki,
                Algorithm,
            ),
            (
                "sha256WithRSAEncryption OID".into(),
                spki_with(&algorithm("1.2.840.113549.1.1.11", null), 0, &good),
                Shape::Spki,
                Algorithm,
            ),
            (
                "id-ecPublicKey OID".into(),
                spki_with(&algorithm("1.2.840.10045.2.1", null), 0, &good),
                Shape::Spki,
                Algorithm,
            ),
            (
                "parameters absent".into(),
                spki_with(&algorithm("1.2.840.113549.1.1.1", None), 0, &good),
                Shape::Spki,
                Algorithm,
            ),
            (
                "parameters INTEGER 0".into(),
                spki_with(
                    &algorithm("1.2.840.113549.1.1.1", Some(&[0x02, 0x01, 0x00])),
                    0,
                    &good,
                ),
                Shape::Spki,
                Algorithm,
            ),
            (
                "parameters a curve OID".into(),
                spki_with(
                    &algorithm(
                        "1.2.840.113549.1.1.1",
                        Some(&Oid::new("1.2.840.10045.3.1.7").unwrap().to_der().unwrap()),
                    ),
                    0,
                    &good,
                ),
                Shape::Spki,
                Algorithm,
            ),
            (
                "NULL parameters with content".into(),
                spki_with(
                    &algorithm("1.2.840.113549.1.1.1", Some(&[0x05, 0x01, 0x00])),
                    0,
                    &good,
                ),
                Shape::Spki,
                Algorithm,
            ),
            ("empty".into(), Vec::new(), Shape::Neither, Malformed),
            (
                "text".into(),
                b"not a key".to_vec(),
                Shape::Neither,
                Malformed,
            ),
            (
                "0xff bytes".into(),
                vec![0xff; 300],
                Shape::Neither,
                Malformed,
            ),
            (
                "empty SEQUENCE".into(),
                vec![0x30, 0x00],
                Shape::Neither,
                Malformed,
            ),
            (
                "BER indefinite length".into(),
                vec![0x30, 0x80, 0x00, 0x00],
                Shape::Neither,
                Malformed,
            ),
            (
                "base64 text of the key".into(),
                b"MIIBCgKCAQEA".to_vec(),
                Shape::Neither,
                Malformed,
            ),
            (
                "PKCS#1 and a trailing byte".into(),
                [&good[..], &[0]].concat(),
                Shape::Neither,
                Malformed,
            ),
            (
                "SPKI and a trailing byte".into(),
                [&good_spki[..], &[0]].concat(),
                Shape::Neither,
                Malformed,
            ),
            (
                "a trailing byte inside the BIT STRING".into(),
                spki_of(&[&good[..], &[0]].concat()),
                Shape::Spki,
                Malformed,
            ),
            (
                "BIT STRING with unused bits".into(),
                spki_with(RSA_ALGORITHM_DER, 1, &good),
                Shape::Spki,
                Malformed,
            ),
            (
                "SPKI inside SPKI".into(),
                spki_of(&good_spki),
                Shape::Spki,
                Malformed,
            ),
            (
                "SPKI around text".into(),
                spki_of(b"not a key"),
                Shape::Spki,
                Malformed,
            ),
            (
                "negative modulus".into(),
                tlv(0x30, &[tlv(0x02, &modulus(2048)), integer(E65537)].concat()),
                Shape::Neither,
                Malformed,
            ),
            (
                "modulus with a superfluous leading zero".into(),
                tlv(
                    0x30,
                    &[
                        tlv(0x02, &[&[0][..], &modulus(2047)].concat()),
                        integer(E65537),
                    ]
                    .concat(),
                ),
                Shape::Neither,
                Malformed,
            ),
            (
                "a third INTEGER".into(),
                tlv(
                    0x30,
                    &[integer(&modulus(2048)), integer(E65537), integer(&[1])].concat(),
                ),
                Shape::Neither,
                Malformed,
            ),
            (
                "outer length not minimal".into(),
                [&[0x30, 0x83, 0x00][..], &good[2..]].concat(),
                Shape::Neither,
                Malformed,
            ),
            (
                "SET instead of SEQUENCE".into(),
                [&[0x31][..], &good[1..]].concat(),
                Shape::Neither,
                Malformed,
            ),
        ];
        for len in 0..good.len() {
            cases.push((
                format!("PKCS#1 cut at {len}"),
                good[..len].to_vec(),
                Shape::Neither,
                Malformed,
            ));
        }
        for len in 0..good_spki.len() {
            cases.push((
                format!("SPKI cut at {len}"),
                good_spki[..len].to_vec(),
                Shape::Neither,
                Malformed,
            ));
        }

        for (case, der, shape, reason) in &cases {
            assert_eq!(parse_public_key(der).err(), Some(*reason), "{case}");
            let (as_pkcs1, as_spki) = match shape {
                Shape::Pkcs1 => (*reason, Malformed),
                Shape::Spki => (Malformed, *reason),
                Shape::Neither => (Malformed, Malformed),
            };
            assert_eq!(parse_pkcs1(der).err(), Some(as_pkcs1), "{case}");
            assert_eq!(parse_spki(der).err(), Some(as_spki), "{case}");
            // What callers see.
            assert_eq!(
                normalize_public_key(der),
                Err(CryptoError::BadKey),
                "{case}"
            );
            assert_eq!(spki_to_pkcs1(der), Err(CryptoError::BadKey), "{case}");
            assert_eq!(
                ServerKey::from_pkcs1_der(der),
                Err(CryptoError::BadKey),
                "{case}"
            );
        }
    }

    #[cfg(feature = "rsa-keygen")]
    #[test]
    fn the_der_code_writes_what_the_rsa_crate_wrote() {
        use crate::rng::DeterministicRandom;
        use rsa::pkcs1::EncodeRsaPublicKey;
        use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey};
        use rsa::traits::PublicKeyParts;

        for (bits, seed) in [(2048, 1), (2048, 2), (3072, 3), (3072, 4)] {
            let random = DeterministicRandom::new(seed);
            let mut adapter = RngAdapter {
                source: &random,
                failed: false,
            };
            let private = rsa::RsaPrivateKey::new(&mut adapter, bits).unwrap();
            let public = private.to_public_key();
            // The generated key, and the same modulus with other exponents
            // (one whose top bit is set, so DER puts a zero in front).
            let variants = [
                public.clone(),
                rsa::RsaPublicKey::new(public.n().clone(), rsa::BigUint::from(3u32)).unwrap(),
                rsa::RsaPublicKey::new(public.n().clone(), rsa::BigUint::from(0x8000_0001u32))
                    .unwrap(),
            ];
            for key in variants {
                let case = format!("{bits} bits, seed {seed}, e = {}", key.e());
                let spki = key.to_public_key_der().unwrap().as_bytes().to_vec();
                let pkcs1 = key.to_pkcs1_der().unwrap().as_bytes().to_vec();
                assert_eq!(normalize_public_key(&pkcs1).unwrap(), spki, "{case}");
                assert_eq!(normalize_public_key(&spki).unwrap(), spki, "{case}");
                assert_eq!(spki_to_pkcs1(&spki).unwrap(), pkcs1, "{case}");
                assert_eq!(
                    ServerKey::from_pkcs1_der(&pkcs1).unwrap().der(),
                    pkcs1,
                    "{case}"
                );
                assert_eq!(
                    rsa::RsaPublicKey::from_public_key_der(&normalize_public_key(&pkcs1).unwrap())
                        .unwrap(),
                    key,
                    "{case}"
                );
            }
            // A private key is not a public key.
            let pkcs8 = private.to_pkcs8_der().unwrap();
            assert_eq!(
                parse_public_key(pkcs8.as_bytes()).err(),
                Some(KeyRefusal::Malformed)
            );
        }
        // generate_rsa's public key is already what the server gets.
        let (_, spki) = generate_rsa(2048, &DeterministicRandom::new(5)).unwrap();
        assert_eq!(normalize_public_key(&spki).unwrap(), spki);
    }
}
