//! andOTP's backups.
//!
//! Plain: a JSON array of `{"secret" (base32, padded), "issuer", "label",
//! "digits", "type" (TOTP, HOTP, STEAM, MOTP), "algorithm", "period",
//! "counter"}`.
//!
//! Encrypted (`.json.aes`), current format: `iterations u32 BE ‖ salt (12) ‖
//! nonce (12) ‖ AES-256-GCM ciphertext ‖ tag`, the key being
//! PBKDF2-HMAC-SHA1(password, salt, iterations, 256 bits). Old format (before
//! andOTP 0.6.3): `nonce (12) ‖ ciphertext ‖ tag` under SHA-256(password).
//! The current format is tried first; a file that does not open either way is a
//! wrong password.
//!
//! Old andOTP had no issuer field and wrote `"Issuer - Label"` into the label;
//! that is split back, and a label that still begins with `Issuer:` (the
//! scanned otpauth label) loses that prefix, as the otpauth issuer rule does.

use serde::Deserialize;
use zeroize::Zeroizing;

use super::json::{self, Entries, Number, Secret};
use super::{
    Fields, Format, ImportError, Imported, Skipped, base32_secret, label_of, strip_issuer_prefix,
};
use crate::secret::SecretString;
use crate::transfer::crypto::{Prf, gcm_open, pbkdf2, sha256};

const F: Format = Format::AndOtp;
/// Iteration counts above this are not a current-format header (andOTP picks
/// 140,000–160,000).
const MAX_ITERATIONS: u32 = 1_000_000;

#[derive(Deserialize)]
struct Entry {
    secret: Secret,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    label: String,
    #[serde(default)]
    digits: Number,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    algorithm: Option<String>,
    #[serde(default)]
    period: Number,
    #[serde(default)]
    counter: Number,
}

pub(super) fn read(bytes: &[u8], password: Option<&SecretString>) -> Result<Imported, ImportError> {
    let plain_entries = match json::first_byte(bytes) {
        Some(b'[') => match json::parse::<Entries<Entry>>(F, bytes) {
            Ok(entries) => Some(entries),
            Err(ImportError::TooLarge) => return Err(ImportError::TooLarge),
            Err(_) => None,
        },
        Some(b'{') => return Err(ImportError::format(F, "a JSON object, not andOTP's list")),
        _ => None,
    };
    let entries: Entries<Entry> = match plain_entries {
        Some(entries) => entries,
        // Anything else is taken for an encrypted backup.
        None => {
            let password = password.ok_or(ImportError::PasswordNeeded)?;
            let plain = decrypt(bytes, password)?;
            json::parse(F, &plain)?
        }
    };
    let mut out = Imported::default();
    for entry in entries.0 {
        let (issuer, name) = match entry.issuer.as_deref().map(str::trim) {
            Some(issuer) if !issuer.is_empty() => (issuer, entry.label.trim()),
            _ => entry
                .label
                .split_once(" - ")
                .map_or(("", entry.label.trim()), |(i, n)| (i.trim(), n.trim())),
        };
        let name = strip_issuer_prefix(issuer, name);
        let label = label_of(issuer, name);
        let built = base32_secret(&entry.secret.0).and_then(|secret| {
            Fields {
                kind: entry.kind.as_deref().unwrap_or("totp"),
                issuer,
                name,
                secret,
                algorithm: entry.algorithm.as_deref(),
                digits: entry.digits.0,
                period: entry.period.0,
                counter: entry.counter.0,
            }
            .build()
        });
        match built {
            Ok(account) => out.accounts.push(account),
            Err(reason) => out.unsupported.push(Skipped { label, reason }),
        }
    }
    Ok(out)
}

fn decrypt(bytes: &[u8], password: &SecretString) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    // EXPOSE: the password is derived into the file's key, one way or the other.
    let password = password.expose().as_bytes();
    if let (Some(head), Some(salt), Some(nonce), Some(sealed)) = (
        bytes.get(..4),
        bytes.get(4..16),
        bytes.get(16..28),
        bytes.get(28..),
    ) {
        let iterations =
            u32::from_be_bytes(head.try_into().map_err(|_| ImportError::WrongPassword)?);
        if (1..=MAX_ITERATIONS).contains(&iterations) && sealed.len() >= 16 {
            let key = pbkdf2(Prf::Sha1, password, salt, iterations, 32)?;
            if let Ok(plain) = gcm_open(&key, nonce, sealed, b"") {
                return Ok(plain);
            }
        }
    }
    let (Some(nonce), Some(sealed)) = (bytes.get(..12), bytes.get(12..)) else {
        return Err(ImportError::format(F, "too short for an encrypted backup"));
    };
    gcm_open(&sha256(password), nonce, sealed, b"")
}
