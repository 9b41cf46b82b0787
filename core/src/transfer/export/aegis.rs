//! Exporting accounts in other apps' formats, so users are never locked in.
//!
//! [`aegis`] writes an Aegis Authenticator export (documented by Aegis in
//! docs/vault.md of its repository): content version 1, which every Aegis
//! version imports, plain or with one password slot made as Aegis makes them
//! (scrypt N = 2¹⁵, r = 8, p = 1; AES-256-GCM for the master key and the
//! content). [`crate::transfer::import`] reads it back (tests do exactly that).

use serde::Serialize;
use zeroize::Zeroizing;

use crate::account::{Account, OtpKind};
use crate::rng::{RandomSource, random_array};
use crate::secret::{SecretBytes, SecretString};
use crate::transfer::crypto::{ScryptCost, gcm_seal, hex, scrypt};

/// Why an export could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// No randomness could be drawn (keys, salts, nonces, ids).
    #[error("the random number generator failed")]
    Random,
    /// The file could not be encoded or encrypted.
    #[error("the export could not be encoded")]
    Encoding,
}

impl From<crate::rng::RandomError> for ExportError {
    fn from(_: crate::rng::RandomError) -> Self {
        ExportError::Random
    }
}

/// How [`aegis`] protects the file.
#[derive(Clone, Copy, Debug)]
pub enum AegisEncryption<'a> {
    /// A plain JSON file: every key readable by anyone who gets the file.
    None,
    /// Aegis's password slot: scrypt (N = 2¹⁵, r = 8, p = 1) and AES-256-GCM.
    Password(&'a SecretString),
}

#[derive(Serialize)]
struct OutFile<'a, D: Serialize> {
    version: u32,
    header: OutHeader<'a>,
    db: D,
}

#[derive(Serialize)]
struct OutHeader<'a> {
    slots: Option<Vec<OutSlot<'a>>>,
    params: Option<OutParams>,
}

#[derive(Serialize)]
struct OutParams {
    nonce: String,
    tag: String,
}

#[derive(Serialize)]
struct OutSlot<'a> {
    #[serde(rename = "type")]
    kind: u32,
    uuid: &'a str,
    key: String,
    key_params: OutParams,
    n: u64,
    r: u32,
    p: u32,
    salt: String,
    repaired: bool,
}

#[derive(Serialize)]
struct OutContent<'a> {
    version: u32,
    entries: Vec<OutEntry<'a>>,
}

#[derive(Serialize)]
struct OutEntry<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    uuid: String,
    name: &'a str,
    issuer: &'a str,
    icon: Option<()>,
    info: OutInfo<'a>,
}

#[derive(Serialize)]
struct OutInfo<'a> {
    secret: &'a str,
    algo: &'static str,
    digits: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
}

fn uuid_v4(rng: &dyn RandomSource) -> Result<String, ExportError> {
    let mut b: [u8; 16] = random_array(rng)?;
    if let Some(v) = b.get_mut(6) {
        *v = (*v & 0x0f) | 0x40;
    }
    if let Some(v) = b.get_mut(8) {
        *v = (*v & 0x3f) | 0x80;
    }
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        h.get(..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..).unwrap_or_default()
    ))
}

/// Aegis's scrypt cost for password slots.
const SCRYPT_N: u64 = 1 << 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// Writes `accounts` as an Aegis export that Aegis (and [`crate::transfer::import`]) can
/// import. The result holds every key: it is a secret.
pub fn aegis(
    accounts: &[Account],
    encryption: AegisEncryption<'_>,
    rng: &dyn RandomSource,
) -> Result<SecretBytes, ExportError> {
    let secrets: Vec<SecretString> = accounts
        .iter()
        .map(|a| a.params.secret.to_base32())
        .collect();
    let mut entries = Vec::with_capacity(accounts.len());
    for (account, secret) in accounts.iter().zip(&secrets) {
        let p = &account.params;
        let (kind, period, counter) = match p.kind {
            OtpKind::Totp { period } => ("totp", Some(period.get()), None),
            OtpKind::Hotp { counter } => ("hotp", None, Some(counter)),
            OtpKind::Steam => ("steam", Some(30), None),
        };
        entries.push(OutEntry {
            kind,
            uuid: uuid_v4(rng)?,
            name: &account.name,
            issuer: &account.issuer,
            icon: None,
            info: OutInfo {
                // EXPOSE: the export carries the keys, by the user's request.
                secret: secret.expose(),
                algo: p.algorithm.name(),
                digits: p.code_length(),
                period,
                counter,
            },
        });
    }
    let content = OutContent {
        version: 1,
        entries,
    };
    // Room for everything up front, so the buffer holding keys is not moved
    // (and left behind) while it grows.
    let capacity = 4096 + accounts.len() * 1024;
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    match encryption {
        AegisEncryption::None => {
            let file = OutFile {
                version: 1,
                header: OutHeader {
                    slots: None,
                    params: None,
                },
                db: content,
            };
            serde_json::to_writer_pretty(&mut *out, &file).map_err(|_| ExportError::Encoding)?;
        }
        AegisEncryption::Password(password) => {
            let mut plain = Zeroizing::new(Vec::with_capacity(capacity));
            serde_json::to_writer(&mut *plain, &content).map_err(|_| ExportError::Encoding)?;
            let master: Zeroizing<[u8; 32]> = Zeroizing::new(random_array(rng)?);
            let salt: [u8; 32] = random_array(rng)?;
            // EXPOSE: the password is derived into the slot's key.
            let cost =
                ScryptCost::new(SCRYPT_N, SCRYPT_R, SCRYPT_P).map_err(|_| ExportError::Encoding)?;
            let kek = scrypt(password.expose().as_bytes(), &salt, cost)
                .map_err(|_| ExportError::Encoding)?;
            let key = gcm_seal(&kek[..], &master[..], rng)?;
            let db = gcm_seal(&master[..], &plain, rng)?;
            let uuid = uuid_v4(rng)?;
            let file = OutFile {
                version: 1,
                header: OutHeader {
                    slots: Some(vec![OutSlot {
                        kind: 1,
                        uuid: &uuid,
                        key: hex(&key.ciphertext),
                        key_params: OutParams {
                            nonce: hex(&key.nonce),
                            tag: hex(&key.tag),
                        },
                        n: SCRYPT_N,
                        r: SCRYPT_R,
                        p: SCRYPT_P,
                        salt: hex(&salt),
                        repaired: true,
                    }]),
                    params: Some(OutParams {
                        nonce: hex(&db.nonce),
                        tag: hex(&db.tag),
                    }),
                },
                db: base64_of(&db.ciphertext),
            };
            serde_json::to_writer_pretty(&mut *out, &file).map_err(|_| ExportError::Encoding)?;
        }
    }
    Ok(SecretBytes::new(std::mem::take(&mut *out)))
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
