//! 2FAS Authenticator's export (`.2fas`, or `.json` from schema 1).
//!
//! `{"schemaVersion": 1–4, "services": [...], "servicesEncrypted"?: …}`. A
//! service is `{"name", "secret" (base32), "otp": {"account", "issuer",
//! "digits", "period", "algorithm", "tokenType", "counter"}}`.
//!
//! Encrypted files (schema 2 on) leave `services` empty and put
//! `base64(ciphertext ‖ tag):base64(salt):base64(iv)` in `servicesEncrypted`:
//! AES-256-GCM under PBKDF2-HMAC-SHA256(password, salt, 10,000 iterations),
//! holding the JSON array of services.
//!
//! What older schemas do not record: schema 1 has no algorithm, digits or
//! period (SHA1, 6, 30 s are assumed, as 2FAS did); schemas 1 and 2 have no
//! `tokenType` (every entry is TOTP, as 2FAS then only made TOTP codes). The
//! import says so in its notes.

use serde::Deserialize;

use super::json::{self, Entries, Number, Secret};
use super::{Fields, Format, ImportError, Imported, Skipped, base32_secret, label_of};
use crate::secret::SecretString;
use crate::transfer::crypto::{Prf, gcm_open, pbkdf2, unbase64};

const F: Format = Format::TwoFas;
const PBKDF2_ITERATIONS: u32 = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    schema_version: u32,
    #[serde(default)]
    services: Entries<Service>,
    services_encrypted: Option<Secret>,
}

#[derive(Deserialize)]
struct Service {
    #[serde(default)]
    name: String,
    secret: Secret,
    #[serde(default)]
    otp: Otp,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Otp {
    #[serde(default)]
    account: String,
    #[serde(default)]
    issuer: String,
    algorithm: Option<String>,
    #[serde(default)]
    digits: Number,
    #[serde(default)]
    period: Number,
    #[serde(default)]
    counter: Number,
    token_type: Option<String>,
}

pub(super) fn read(bytes: &[u8], password: Option<&SecretString>) -> Result<Imported, ImportError> {
    let file: File = json::parse(F, bytes)?;
    if file.schema_version == 0 || file.schema_version > 4 {
        return Err(ImportError::format(F, "unknown schemaVersion"));
    }
    let services = match &file.services_encrypted {
        // EXPOSE: checking whether the encrypted field is empty.
        Some(encrypted) if !encrypted.0.expose().trim().is_empty() => {
            let password = password.ok_or(ImportError::PasswordNeeded)?;
            let plain = decrypt(&encrypted.0, password)?;
            json::parse::<Entries<Service>>(F, &plain)?
        }
        _ => file.services,
    };
    let mut out = Imported::default();
    if file.schema_version == 1 {
        out.notes.push(
            "2FAS schema 1 files do not record algorithm, digits or period: SHA1, 6 digits and \
             30 s are assumed"
                .into(),
        );
    }
    if file.schema_version <= 2 {
        out.notes.push(
            "2FAS files before schema 3 do not record the type of code: every entry is read as \
             time-based (TOTP)"
                .into(),
        );
    }
    for service in services.0 {
        let issuer = if service.otp.issuer.trim().is_empty() {
            service.name.as_str()
        } else {
            service.otp.issuer.as_str()
        };
        let name = service.otp.account.as_str();
        let label = label_of(issuer, name);
        let kind = service.otp.token_type.as_deref().unwrap_or("totp");
        let built = base32_secret(&service.secret.0).and_then(|secret| {
            Fields {
                kind,
                issuer,
                name,
                secret,
                algorithm: service.otp.algorithm.as_deref(),
                digits: service.otp.digits.0,
                period: service.otp.period.0,
                counter: service.otp.counter.0,
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
    encrypted: &SecretString,
    password: &SecretString,
) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    // EXPOSE: the encrypted services are split into their three parts.
    let mut parts = encrypted.expose().split(':');
    let (Some(data), Some(salt), Some(iv), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ImportError::format(F, "servicesEncrypted"));
    };
    let (Some(data), Some(salt), Some(iv)) = (unbase64(data), unbase64(salt), unbase64(iv)) else {
        return Err(ImportError::format(F, "servicesEncrypted base64"));
    };
    // EXPOSE: the password is derived into the file's key.
    let key = pbkdf2(
        Prf::Sha256,
        password.expose().as_bytes(),
        &salt,
        PBKDF2_ITERATIONS,
        32,
    )?;
    gcm_open(&key, &iv, &data, b"")
}
