//! Bitwarden's unencrypted vault export, JSON or CSV: the one-time-password
//! field of each login (`login.totp` in JSON, the `login_totp` column in CSV).
//!
//! The field holds an otpauth URI, `steam://KEY` (a Steam Guard key) or a bare
//! base32 key (TOTP, SHA1, 6 digits, 30 s). The item's name stands in for a
//! missing issuer and the login's user name for a missing account name. Items
//! without the field are passwords, not OTP accounts, and are counted in the
//! notes. Encrypted exports (`"encrypted": true`, or password-protected) are
//! refused: export unencrypted from Bitwarden for the import, then delete it.

use serde::Deserialize;

use super::json::{self, Secret};
use super::{Fields, Format, ImportError, Imported, Skipped, base32_secret, label_of};
use crate::secret::SecretString;

const F: Format = Format::Bitwarden;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    login: Option<Login>,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    totp: Option<Secret>,
}

pub(super) fn read(bytes: &[u8]) -> Result<Imported, ImportError> {
    let mut out = Imported::default();
    let mut without = 0usize;
    if json::first_byte(bytes) == Some(b'{') {
        let file: File = json::parse(F, bytes)?;
        if file.encrypted {
            return Err(ImportError::Unsupported(
                "an encrypted Bitwarden export (export it unencrypted for the import)",
            ));
        }
        for item in file.items {
            let name = item.name.unwrap_or_default();
            let (username, totp) = item
                .login
                .map_or((None, None), |login| (login.username, login.totp));
            match totp {
                // EXPOSE: an empty field is no account.
                Some(totp) if !totp.0.expose().trim().is_empty() => one(
                    &totp.0,
                    &name,
                    username.as_deref().unwrap_or_default(),
                    &mut out,
                ),
                _ => without += 1,
            }
        }
    } else {
        read_csv(bytes, &mut out, &mut without)?;
    }
    if without > 0 {
        out.notes.push(format!(
            "{without} item(s) without a one-time-password key (passwords, notes, cards) were left out"
        ));
    }
    Ok(out)
}

fn read_csv(bytes: &[u8], out: &mut Imported, without: &mut usize) -> Result<(), ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|_| ImportError::format(F, "not CSV"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let totp_col = column("login_totp")
        .ok_or_else(|| ImportError::format(F, "no login_totp column (not a Bitwarden CSV?)"))?;
    let name_col = column("name");
    let user_col = column("login_username");
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            ImportError::format(F, format!("CSV damaged at line {line}"))
        })?;
        let totp = SecretString::from_str_copy(record.get(totp_col).unwrap_or_default());
        // EXPOSE: an empty field is no account.
        if totp.expose().trim().is_empty() {
            *without += 1;
            continue;
        }
        let name = name_col.and_then(|c| record.get(c)).unwrap_or_default();
        let user = user_col.and_then(|c| record.get(c)).unwrap_or_default();
        one(&totp, name, user, out);
    }
    Ok(())
}

fn one(totp: &SecretString, item_name: &str, username: &str, out: &mut Imported) {
    // EXPOSE: the field is read as a URI or a key.
    let text = totp.expose().trim();
    let lower = text.get(..10).unwrap_or(text).to_ascii_lowercase();
    let built = if lower.starts_with("otpauth") || lower.starts_with("apple-otp") {
        crate::provision::uri::parse(text)
            .map_err(|e| e.to_string())
            .map(|mut account| {
                if account.issuer.is_empty() {
                    account.issuer = item_name.trim().to_owned();
                }
                if account.name.is_empty() {
                    account.name = username.trim().to_owned();
                }
                account
            })
    } else {
        let (kind, key) = match text.get(..8).filter(|p| p.eq_ignore_ascii_case("steam://")) {
            Some(_) => ("steam", text.get(8..).unwrap_or_default()),
            None => ("totp", text),
        };
        base32_secret(&SecretString::from_str_copy(key)).and_then(|secret| {
            Fields {
                kind,
                issuer: item_name.trim(),
                name: username.trim(),
                secret,
                algorithm: None,
                digits: None,
                period: None,
                counter: None,
            }
            .build()
        })
    };
    match built {
        Ok(account) => out.accounts.push(account),
        Err(reason) => out.unsupported.push(Skipped {
            label: label_of(item_name.trim(), username.trim()),
            reason,
        }),
    }
}
