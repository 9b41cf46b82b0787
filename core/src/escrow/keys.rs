//! The organisation's key pair (X25519, the HPKE suite's KEM): the public key
//! it hands out (`vakt-org-…`, in a configuration string or a QR code) and the
//! secret key its support desk keeps in a key file (`VAKT-ORG-SECRET-…`).
//! Both are base32 with a 4-byte check (SHA-256 over a label and the key), so
//! a mistyped or cut key is refused before it is used.

use hpke::{Deserializable, Kem as _, Serializable};
use ring::digest;
use zeroize::Zeroizing;

use crate::rng::{RandomError, RandomSource};
use crate::secret::SecretString;

use super::error::EscrowError;
use super::suite::Kem;

const PUBLIC_PREFIX: &str = "vakt-org-";
const SECRET_PREFIX: &str = "VAKT-ORG-SECRET-";
const PUBLIC_LABEL: &[u8] = b"vakt/org-public-key/v1";
const SECRET_LABEL: &[u8] = b"vakt/org-secret-key/v1";
const KEY_LEN: usize = 32;
const CHECK_LEN: usize = 4;

fn check(label: &[u8], key: &[u8]) -> [u8; CHECK_LEN] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(label);
    ctx.update(key);
    let mut out = [0u8; CHECK_LEN];
    out.copy_from_slice(
        ctx.finish()
            .as_ref()
            .get(..CHECK_LEN)
            .unwrap_or(&[0; CHECK_LEN]),
    );
    out
}

fn encode(prefix: &str, label: &[u8], key: &[u8], upper: bool) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_LEN + CHECK_LEN));
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(&check(label, key));
    let alphabet = if upper {
        base32::Alphabet::Rfc4648 { padding: false }
    } else {
        base32::Alphabet::Rfc4648Lower { padding: false }
    };
    Zeroizing::new(format!("{prefix}{}", base32::encode(alphabet, &bytes)))
}

/// The key bytes of `text` (`prefix` + base32 of key ‖ check), any case.
fn decode(text: &str, prefix: &str, label: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let text = text.trim();
    let head = text.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let body = Zeroizing::new(text.get(prefix.len()..)?.to_ascii_uppercase());
    let bytes = Zeroizing::new(base32::decode(
        base32::Alphabet::Rfc4648 { padding: false },
        &body,
    )?);
    // One spelling per key: unused low bits of the last character must be 0.
    if bytes.len() != KEY_LEN + CHECK_LEN
        || base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &bytes) != *body
    {
        return None;
    }
    let (key, sum) = bytes.split_at(KEY_LEN);
    if sum != check(label, key) {
        return None;
    }
    Some(Zeroizing::new(key.to_vec()))
}

/// The organisation's public key.
#[derive(Clone)]
pub struct OrgPublicKey(<Kem as hpke::Kem>::PublicKey);

impl std::fmt::Debug for OrgPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OrgPublicKey({})", self.fingerprint())
    }
}

impl OrgPublicKey {
    /// Reads `vakt-org-…` (any case; surrounding white space ignored).
    pub fn parse(text: &str) -> Result<Self, EscrowError> {
        let key = decode(text, PUBLIC_PREFIX, PUBLIC_LABEL).ok_or(EscrowError::InvalidPublicKey)?;
        <Kem as hpke::Kem>::PublicKey::from_bytes(&key)
            .map(Self)
            .map_err(|_| EscrowError::InvalidPublicKey)
    }

    /// The key as the organisation hands it out (`vakt-org-…`).
    pub fn encoded(&self) -> String {
        encode(PUBLIC_PREFIX, PUBLIC_LABEL, &self.0.to_bytes(), false).to_string()
    }

    /// What the user compares with the value the organisation publishes: the
    /// first 16 bytes of SHA-256 over the key, in hex groups of four
    /// (`3f2a-91c0-…`).
    pub fn fingerprint(&self) -> String {
        let digest = digest::digest(&digest::SHA256, &self.0.to_bytes());
        let hex: Vec<String> = digest
            .as_ref()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        hex.chunks(2)
            .map(|pair| pair.concat())
            .collect::<Vec<_>>()
            .join("-")
    }

    pub(super) fn key(&self) -> &<Kem as hpke::Kem>::PublicKey {
        &self.0
    }
}

impl PartialEq for OrgPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bytes() == other.0.to_bytes()
    }
}

impl Eq for OrgPublicKey {}

/// The organisation's secret key. Secret: zeroized on drop (by the `hpke`
/// crate), `Debug` prints the type name only.
pub struct OrgIdentity {
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: OrgPublicKey,
}

impl std::fmt::Debug for OrgIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OrgIdentity(<redacted>)")
    }
}

impl OrgIdentity {
    /// A new key pair from `rng` (32 bytes of key material through the KEM's
    /// key derivation, RFC 9180 §7.1.3).
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, RandomError> {
        let mut ikm = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill(&mut ikm[..])?;
        let (secret, public) = Kem::derive_keypair(&ikm[..]);
        Ok(Self {
            secret,
            public: OrgPublicKey(public),
        })
    }

    /// Reads a key file: `#` comments and blank lines, and exactly one
    /// `VAKT-ORG-SECRET-…` line (what [`OrgIdentity::to_file_text`] writes).
    pub fn parse(text: &str) -> Result<Self, EscrowError> {
        let mut keys = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        let (Some(line), None) = (keys.next(), keys.next()) else {
            return Err(EscrowError::InvalidIdentity);
        };
        let key = decode(line, SECRET_PREFIX, SECRET_LABEL).ok_or(EscrowError::InvalidIdentity)?;
        let secret = <Kem as hpke::Kem>::PrivateKey::from_bytes(&key)
            .map_err(|_| EscrowError::InvalidIdentity)?;
        let public = OrgPublicKey(Kem::sk_to_pk(&secret));
        Ok(Self { secret, public })
    }

    /// Its public key.
    pub fn public_key(&self) -> OrgPublicKey {
        self.public.clone()
    }

    /// The key file's text: two comment lines (what it is, its public key),
    /// then the secret key.
    pub fn to_file_text(&self) -> SecretString {
        // EXPOSE: the secret key is written into the organisation's key file.
        let secret = encode(SECRET_PREFIX, SECRET_LABEL, &self.secret.to_bytes(), true);
        SecretString::new(format!(
            "# Vakt escrow: the organisation's secret key. Keep it with the support desk only.\n\
             # public key: {}\n{}\n",
            self.public.encoded(),
            secret.as_str()
        ))
    }

    pub(super) fn key(&self) -> &<Kem as hpke::Kem>::PrivateKey {
        &self.secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DeterministicRandom;

    fn make(seed: u64) -> OrgIdentity {
        OrgIdentity::generate(&DeterministicRandom::new(seed)).unwrap()
    }

    #[test]
    fn a_key_file_reads_back_to_the_same_key_pair() {
        let identity = make(1);
        let text = identity.to_file_text();
        let again = OrgIdentity::parse(text.expose()).unwrap();
        assert_eq!(again.public_key(), identity.public_key());
        let encoded = identity.public_key().encoded();
        assert!(encoded.starts_with("vakt-org-"), "{encoded}");
        for typed in [format!(" {encoded} \n"), encoded.to_ascii_uppercase()] {
            assert_eq!(OrgPublicKey::parse(&typed).unwrap(), identity.public_key());
        }
        assert_eq!(
            identity.public_key().fingerprint(),
            make(1).public_key().fingerprint()
        );
    }

    /// The base32 character after `c` (`a`…`z`, `2`…`7`), wrapping around.
    fn base32_next(c: u8) -> u8 {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
        let i = ALPHABET.iter().position(|&a| a == c).unwrap();
        ALPHABET[(i + 1) % 32]
    }

    #[test]
    fn bad_keys_are_refused() {
        let identity = make(2);
        let secret = identity.to_file_text();
        let secret_line = secret.expose().lines().nth(2).unwrap().to_owned();
        let public = identity.public_key().encoded();
        let mut typo = public.clone().into_bytes();
        let third_last = typo.len() - 3;
        typo[third_last] = if typo[third_last] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        // The last character carries 3 bits and 2 unused ones: each of its
        // other spellings is refused too.
        let mut unused_bits = public.clone().into_bytes();
        let last = unused_bits.len() - 1;
        unused_bits[last] = base32_next(unused_bits[last]);
        let unused_bits = String::from_utf8(unused_bits).unwrap();
        for text in ["", "# only a comment", "vakt-org-", public.as_str()] {
            assert_eq!(
                OrgIdentity::parse(text).map(|_| ()),
                Err(EscrowError::InvalidIdentity),
                "{text}"
            );
        }
        let twice = format!("{secret_line}\n{secret_line}\n");
        assert!(OrgIdentity::parse(&twice).is_err());
        for text in [
            "",
            "vakt-org-",
            secret_line.as_str(),
            &public[..public.len() - 1],
            typo.as_str(),
            unused_bits.as_str(),
            "vakt-org-é",
        ] {
            assert_eq!(
                OrgPublicKey::parse(text).map(|_| ()),
                Err(EscrowError::InvalidPublicKey),
                "{text}"
            );
        }
    }

    #[test]
    fn fingerprints_differ_between_keys() {
        let a = make(3).public_key();
        let b = make(4).public_key();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 8 * 4 + 7);
    }

    #[test]
    fn debug_hides_the_secret_key() {
        let identity = make(5);
        let text = identity.to_file_text();
        let secret_line = text.expose().lines().nth(2).unwrap();
        let shown = format!("{identity:?} {text:?}");
        assert!(!shown.contains(&secret_line[20..]), "{shown}");
        assert!(!shown.contains("VAKT-ORG-SECRET"), "{shown}");
    }
}
