//! Aegis Authenticator's vault/export JSON (documented by Aegis in
//! docs/vault.md of its repository).
//!
//! `{"version": 1, "header": {"slots": …, "params": …}, "db": …}`: with `slots`
//! and `params` null, `db` is the content object; otherwise `db` is base64 of
//! the content encrypted with AES-256-GCM under a random master key (`params`
//! holds the hex nonce and tag), and each slot holds the master key encrypted
//! the same way (`key`, `key_params`) under a key derived from its credential:
//! for password slots (type 1), scrypt(password, salt, N, r, p) → 32 bytes.
//!
//! Content: `{"version": 1–3, "entries": [{"type", "uuid", "name", "issuer",
//! "info": {"secret" (base32), "algo", "digits", "period" | "counter"}}]}`.
//! Types totp, hotp and steam are read; yandex and motp are reported.
//!
//! `crate::transfer::export::aegis::aegis` writes the same format.

use serde::Deserialize;
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use super::json::{self, Number, Secret};
use super::{Fields, Format, ImportError, Imported, Skipped, base32_secret, label_of};
use crate::secret::SecretString;
use crate::transfer::crypto::{gcm_open, scrypt, unbase64, unhex};

const F: Format = Format::Aegis;

#[derive(Deserialize)]
struct File<'a> {
    version: u32,
    header: Header,
    #[serde(borrow)]
    db: &'a RawValue,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Slot>>,
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Params {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct Slot {
    #[serde(rename = "type")]
    kind: u32,
    key: String,
    key_params: Params,
    n: Option<u64>,
    r: Option<u32>,
    p: Option<u32>,
    salt: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    version: u32,
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    secret: Secret,
    algo: Option<String>,
    #[serde(default)]
    digits: Number,
    #[serde(default)]
    period: Number,
    #[serde(default)]
    counter: Number,
}

/// Content versions read (Aegis 3.x writes 3).
const MAX_CONTENT_VERSION: u32 = 3;

pub(super) fn read(bytes: &[u8], password: Option<&SecretString>) -> Result<Imported, ImportError> {
    let file: File<'_> = json::parse(F, bytes)?;
    if file.version != 1 {
        return Err(ImportError::format(F, "unknown file version"));
    }
    let raw_db = file.db.get();
    let content: Content = match (&file.header.slots, &file.header.params) {
        (None, None) => json::parse(F, raw_db.as_bytes())?,
        (Some(slots), Some(params)) => {
            let password = password.ok_or(ImportError::PasswordNeeded)?;
            let encrypted: String = serde_json::from_str(raw_db)
                .map_err(|_| ImportError::format(F, "db is not a string"))?;
            let plain = decrypt(slots, params, &encrypted, password)?;
            json::parse(F, &plain)?
        }
        _ => return Err(ImportError::format(F, "header")),
    };
    if content.version == 0 || content.version > MAX_CONTENT_VERSION {
        return Err(ImportError::format(F, "unknown content version"));
    }
    let mut out = Imported::default();
    for entry in content.entries {
        let label = label_of(&entry.issuer, &entry.name);
        let built = base32_secret(&entry.info.secret.0).and_then(|secret| {
            Fields {
                kind: &entry.kind,
                issuer: &entry.issuer,
                name: &entry.name,
                secret,
                algorithm: entry.info.algo.as_deref(),
                digits: entry.info.digits.0,
                period: entry.info.period.0,
                counter: entry.info.counter.0,
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

fn decrypt(
    slots: &[Slot],
    params: &Params,
    encrypted: &str,
    password: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let mut master = None;
    let mut password_slots = 0;
    for slot in slots.iter().filter(|s| s.kind == 1) {
        password_slots += 1;
        let (Some(n), Some(r), Some(p), Some(salt)) = (slot.n, slot.r, slot.p, &slot.salt) else {
            return Err(ImportError::format(F, "password slot"));
        };
        let salt = unhex(salt).ok_or_else(|| ImportError::format(F, "slot salt"))?;
        // EXPOSE: the password is derived into the slot's key.
        let kek = scrypt(password.expose().as_bytes(), &salt, n, r, p)?;
        let mut sealed = unhex(&slot.key).ok_or_else(|| ImportError::format(F, "slot key"))?;
        sealed
            .extend(unhex(&slot.key_params.tag).ok_or_else(|| ImportError::format(F, "slot tag"))?);
        let nonce =
            unhex(&slot.key_params.nonce).ok_or_else(|| ImportError::format(F, "slot nonce"))?;
        if let Ok(key) = gcm_open(&kek[..], &nonce, &sealed, b"") {
            master = Some(key);
            break;
        }
    }
    if password_slots == 0 {
        return Err(ImportError::Unsupported(
            "an Aegis file without a password slot (biometric only)",
        ));
    }
    let master = master.ok_or(ImportError::WrongPassword)?;
    let mut sealed = unbase64(encrypted).ok_or_else(|| ImportError::format(F, "db base64"))?;
    sealed.extend(unhex(&params.tag).ok_or_else(|| ImportError::format(F, "tag"))?);
    let nonce = unhex(&params.nonce).ok_or_else(|| ImportError::format(F, "nonce"))?;
    gcm_open(&master, &nonce, &sealed, b"")
}
