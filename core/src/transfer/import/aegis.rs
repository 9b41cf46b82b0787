//! Aegis Authenticator's vault/export JSON (documented by Aegis in
//! docs/vault.md of its repository).
//!
//! `{"version": 1, "header": {"slots": …, "params": …}, "db": …}`: with `slots`
//! and `params` null, `db` is the content object; otherwise `db` is base64 of
//! the content encrypted with AES-256-GCM under a random master key (`params`
//! holds the hex nonce and tag), and each slot holds the master key encrypted
//! the same way (`key`, `key_params`) under a key derived from its credential:
//! for password slots (type 1), scrypt(password, salt, N, r, p) → 32 bytes.
//! At most [`MAX_PASSWORD_SLOTS`] password slots are tried, each within
//! [`ScryptCost`]'s bounds, all checked before the first derivation.
//!
//! Content: `{"version": 1–3, "entries": [{"type", "uuid", "name", "issuer",
//! "info": {"secret" (base32), "algo", "digits", "period" | "counter"}}]}`.
//! Types totp, hotp and steam are read; yandex and motp are reported.
//!
//! `crate::transfer::export::aegis::aegis` writes the same format.

use serde::Deserialize;
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use super::json::{self, Entries, Number, Secret};
use super::{Fields, Format, ImportError, Imported, Skipped, base32_secret, label_of};
use crate::secret::SecretString;
use crate::transfer::crypto::{ScryptCost, gcm_open, scrypt, unbase64, unhex};

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
    entries: Entries<Entry>,
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
    for entry in content.entries.0 {
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

/// The most password slots tried: Aegis makes one; a few more are room for
/// files edited by hand.
const MAX_PASSWORD_SLOTS: usize = 8;

/// A password slot, its cost checked, ready to derive.
struct Ready<'a> {
    slot: &'a Slot,
    cost: ScryptCost,
    salt: Vec<u8>,
}

/// Checks every password slot (count and cost) before any key derivation.
fn password_slots(slots: &[Slot]) -> Result<Vec<Ready<'_>>, ImportError> {
    let password_slots: Vec<&Slot> = slots.iter().filter(|s| s.kind == 1).collect();
    if password_slots.is_empty() {
        return Err(ImportError::Unsupported(
            "an Aegis file without a password slot (biometric only)",
        ));
    }
    if password_slots.len() > MAX_PASSWORD_SLOTS {
        return Err(ImportError::CostTooHigh);
    }
    password_slots
        .into_iter()
        .map(|slot| {
            let (Some(n), Some(r), Some(p), Some(salt)) = (slot.n, slot.r, slot.p, &slot.salt)
            else {
                return Err(ImportError::format(F, "password slot"));
            };
            let cost = ScryptCost::new(n, r, p)?;
            let salt = unhex(salt).ok_or_else(|| ImportError::format(F, "slot salt"))?;
            Ok(Ready { slot, cost, salt })
        })
        .collect()
}

fn decrypt(
    slots: &[Slot],
    params: &Params,
    encrypted: &str,
    password: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let mut master = None;
    for Ready { slot, cost, salt } in password_slots(slots)? {
        // EXPOSE: the password is derived into the slot's key.
        let kek = scrypt(password.expose().as_bytes(), &salt, cost)?;
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
    let master = master.ok_or(ImportError::WrongPassword)?;
    let mut sealed = unbase64(encrypted).ok_or_else(|| ImportError::format(F, "db base64"))?;
    sealed.extend(unhex(&params.tag).ok_or_else(|| ImportError::format(F, "tag"))?);
    let nonce = unhex(&params.nonce).ok_or_else(|| ImportError::format(F, "nonce"))?;
    gcm_open(&master, &nonce, &sealed, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An encrypted Aegis file whose password slots have these (N, r, p).
    fn with_slots(costs: &[(u64, u32, u32)]) -> String {
        let slots: Vec<String> = costs
            .iter()
            .map(|(n, r, p)| {
                format!(
                    r#"{{"type":1,"uuid":"u","key":"00","key_params":{{"nonce":"000000000000000000000000","tag":"00000000000000000000000000000000"}},"n":{n},"r":{r},"p":{p},"salt":"00"}}"#
                )
            })
            .collect();
        format!(
            r#"{{"version":1,"header":{{"slots":[{}],"params":{{"nonce":"00","tag":"00"}}}},"db":"AAAA"}}"#,
            slots.join(",")
        )
    }

    fn read_with_password(file: &str) -> Result<Imported, ImportError> {
        read(file.as_bytes(), Some(&SecretString::from_str_copy("pw")))
    }

    #[test]
    fn dear_or_many_slots_are_refused_before_any_derivation() {
        let start = std::time::Instant::now();
        // scrypt at the old bound (N·r = 2²¹, p = 16) would take minutes
        // and 256 MiB; nine slots at Aegis's default would take seconds.
        for costs in [
            vec![(1 << 18, 8, 16)],
            vec![(1 << 15, 8, 1), (1 << 21, 1, 1)],
            vec![(1 << 15, 8, 5)],
            vec![(1 << 15, 8, 1); MAX_PASSWORD_SLOTS + 1],
        ] {
            assert_eq!(
                read_with_password(&with_slots(&costs)).map(|_| ()),
                Err(ImportError::CostTooHigh),
                "{costs:?}"
            );
        }
        assert!(start.elapsed() < crate::test_time::scaled(std::time::Duration::from_secs(1)));
        // Cheap slots within the bounds are tried (and the password is wrong).
        assert_eq!(
            read_with_password(&with_slots(&[(2, 1, 1); MAX_PASSWORD_SLOTS])).map(|_| ()),
            Err(ImportError::WrongPassword)
        );
    }
}
