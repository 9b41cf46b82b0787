//! The crypto other apps' exports use, through well-kept crates: PBKDF2 and
//! AES-GCM from ring, scrypt and AES-CBC from RustCrypto. Costs read from a
//! file are bounded, so a hostile file cannot make us spin or allocate for long.

use std::num::NonZeroU32;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::rng::RandomSource;
use crate::transfer::import::ImportError;

/// PBKDF2 hash functions used by exports.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

/// The most PBKDF2 iterations a file may ask for: real exports use at most
/// 200,000 (andOTP 140,000–160,000, FreeOTP 100,000).
pub(crate) const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// scrypt's memory is 128·N·r bytes and its work N·r·p: both at most four
/// times Aegis's default (N = 2¹⁵, r = 8, p = 1, which our Aegis export also
/// writes), i.e. 128 MiB.
pub(crate) const MAX_SCRYPT_N_R_P: u64 = 4 * (1 << 15) * 8;
/// The most scrypt lanes a file may ask for (Aegis uses 1).
pub(crate) const MAX_SCRYPT_P: u32 = 4;

/// PBKDF2 into a zeroizing buffer of `len` bytes.
pub(crate) fn pbkdf2(
    prf: Prf,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(ImportError::CostTooHigh);
    }
    if len == 0 || len > 64 {
        return Err(ImportError::Unsupported("this key length"));
    }
    let iterations = NonZeroU32::new(iterations).ok_or(ImportError::WrongPassword)?;
    let algorithm = match prf {
        Prf::Sha1 => ring::pbkdf2::PBKDF2_HMAC_SHA1,
        Prf::Sha256 => ring::pbkdf2::PBKDF2_HMAC_SHA256,
        Prf::Sha512 => ring::pbkdf2::PBKDF2_HMAC_SHA512,
    };
    let mut out = Zeroizing::new(vec![0u8; len]);
    ring::pbkdf2::derive(algorithm, iterations, salt, password, &mut out);
    Ok(out)
}

/// scrypt's cost, checked against the bounds (so checking every slot of a
/// file before deriving any is cheap).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScryptCost(scrypt::Params);

impl ScryptCost {
    /// Checks `n`, `r`, `p`: N a power of two of at least 2, N·r·p at most
    /// [`MAX_SCRYPT_N_R_P`], p at most [`MAX_SCRYPT_P`]. A dearer cost is
    /// [`ImportError::CostTooHigh`]; a malformed one is not this format.
    pub(crate) fn new(n: u64, r: u32, p: u32) -> Result<Self, ImportError> {
        if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 {
            return Err(ImportError::Unsupported("this scrypt cost"));
        }
        let work = n.saturating_mul(u64::from(r)).saturating_mul(u64::from(p));
        if work > MAX_SCRYPT_N_R_P || p > MAX_SCRYPT_P {
            return Err(ImportError::CostTooHigh);
        }
        let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| ImportError::CostTooHigh)?;
        scrypt::Params::new(log_n, r, p)
            .map(Self)
            .map_err(|_| ImportError::Unsupported("this scrypt cost"))
    }
}

/// scrypt with a 32-byte output.
pub(crate) fn scrypt(
    password: &[u8],
    salt: &[u8],
    cost: ScryptCost,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let mut out = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &cost.0, &mut out[..])
        .map_err(|_| ImportError::Unsupported("this scrypt cost"))?;
    Ok(out)
}

fn gcm_key(key: &[u8]) -> Result<LessSafeKey, ImportError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| ImportError::WrongPassword)
}

/// AES-256-GCM decryption of `ciphertext ‖ tag` (16-byte tag, 12-byte nonce).
/// Any failure is [`ImportError::WrongPassword`]: a wrong key and damaged data
/// look the same.
pub(crate) fn gcm_open(
    key: &[u8],
    nonce: &[u8],
    ciphertext_and_tag: &[u8],
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| ImportError::WrongPassword)?;
    let mut buffer = Zeroizing::new(ciphertext_and_tag.to_vec());
    let len = gcm_key(key)?
        .open_in_place(nonce, Aad::from(aad), &mut buffer)
        .map_err(|_| ImportError::WrongPassword)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

/// An AES-GCM result in Aegis's layout: nonce, ciphertext and tag apart.
pub(crate) struct Sealed {
    pub nonce: [u8; 12],
    pub ciphertext: Vec<u8>,
    pub tag: [u8; 16],
}

/// AES-256-GCM encryption with a random nonce.
pub(crate) fn gcm_seal(
    key: &[u8],
    plaintext: &[u8],
    rng: &dyn RandomSource,
) -> Result<Sealed, crate::rng::RandomError> {
    let nonce: [u8; 12] = crate::rng::random_array(rng)?;
    let mut buffer = plaintext.to_vec();
    let cipher = UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| crate::rng::RandomError)?;
    let tag = cipher
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut buffer,
        )
        .map_err(|_| crate::rng::RandomError)?;
    let tag: [u8; 16] = tag
        .as_ref()
        .try_into()
        .map_err(|_| crate::rng::RandomError)?;
    Ok(Sealed {
        nonce,
        ciphertext: buffer,
        tag,
    })
}

/// AES-256-CBC decryption with PKCS#7 padding.
pub(crate) fn cbc_decrypt(
    key: &[u8],
    iv: &[u8; 16],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let decryptor = cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
        .map_err(|_| ImportError::WrongPassword)?;
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let len = decryptor
        .decrypt_padded::<Pkcs7>(&mut buffer)
        .map_err(|_| ImportError::WrongPassword)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        ring::digest::digest(&ring::digest::SHA256, data)
            .as_ref()
            .to_vec(),
    )
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads hex (either case).
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// Standard base64, padded or not, white space ignored.
pub(crate) fn unbase64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let text = Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
    );
    LENIENT.decode(text.as_bytes()).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64() {
        assert_eq!(unhex("00ff7A").unwrap(), vec![0, 255, 0x7a]);
        assert!(unhex("0").is_none());
        assert!(unhex("zz").is_none());
        assert_eq!(hex(&[0, 255, 0x7a]), "00ff7a");
        assert_eq!(&unbase64("aGk=").unwrap()[..], b"hi");
        assert_eq!(&unbase64("aGk").unwrap()[..], b"hi");
        assert!(unbase64("!!").is_none());
    }

    #[test]
    fn pbkdf2_matches_rfc6070() {
        // RFC 6070, test 2.
        let out = pbkdf2(Prf::Sha1, b"password", b"salt", 2, 20).unwrap();
        assert_eq!(hex(&out), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
        assert_eq!(
            pbkdf2(Prf::Sha1, b"p", b"s", MAX_PBKDF2_ITERATIONS + 1, 32).map(|_| ()),
            Err(ImportError::CostTooHigh)
        );
    }

    #[test]
    fn scrypt_matches_rfc7914_and_is_bounded() {
        // RFC 7914, section 12, second vector (first 32 bytes).
        // p = 16 is beyond what a file may ask for: the cost is built directly.
        let cost = ScryptCost(scrypt::Params::new(10, 8, 16).unwrap());
        let out = scrypt(b"password", b"NaCl", cost).unwrap();
        assert_eq!(
            hex(&out[..]),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        );
        // Aegis's default and four times it are fine.
        assert!(ScryptCost::new(1 << 15, 8, 1).is_ok());
        assert!(ScryptCost::new(1 << 17, 8, 1).is_ok());
        assert!(ScryptCost::new(1 << 15, 8, 4).is_ok());
        for (n, r, p) in [
            (1 << 30, 8, 1),
            (1 << 18, 8, 1),
            (1 << 15, 8, 5),
            (1 << 16, 8, 4),
            (2, 1, 16),
            (1 << 21, 1, 1),
        ] {
            assert_eq!(
                ScryptCost::new(n, r, p).map(|_| ()),
                Err(ImportError::CostTooHigh),
                "{n} {r} {p}"
            );
        }
        assert!(ScryptCost::new(1000, 8, 1).is_err());
        assert!(ScryptCost::new(1024, 0, 1).is_err());
    }

    #[test]
    fn gcm_round_trip() {
        let rng = crate::rng::DeterministicRandom::new(1);
        let key = [4u8; 32];
        let sealed = gcm_seal(&key, b"hello", &rng).unwrap();
        let mut ct = sealed.ciphertext.clone();
        ct.extend_from_slice(&sealed.tag);
        assert_eq!(
            &gcm_open(&key, &sealed.nonce, &ct, b"").unwrap()[..],
            b"hello"
        );
        assert_eq!(
            gcm_open(&[5u8; 32], &sealed.nonce, &ct, b"").unwrap_err(),
            ImportError::WrongPassword
        );
    }
}
