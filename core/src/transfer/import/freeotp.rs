//! FreeOTP and FreeOTP+ files, told apart by their first byte.
//!
//! - **FreeOTP 2 backup** (`externalBackup.xml`, despite the name a
//!   Java-serialised `HashMap<String, String>`, see [`super::java_serial`]):
//!   `"masterKey"` → `{"mAlgorithm": "PBKDF2withHmacSHA1|SHA256|SHA512",
//!   "mIterations", "mSalt": [bytes], "mEncryptedKey": EncryptedKey}`;
//!   `"<uuid>"` → `{"key": "<EncryptedKey as JSON text>"}`; `"<uuid>-token"` →
//!   the token's parameters. An EncryptedKey is `{"mCipher":
//!   "AES/GCM/NoPadding", "mCipherText": [bytes], "mParameters": [DER of the GCM
//!   nonce (and tag length)], "mToken": "AES" | "HmacSHA1" …}`, sealed with the
//!   `mToken` text as associated data. The master key is
//!   PBKDF2(password, salt, iterations, 8·|salt| bits)-sealed; each token key
//!   is master-key-sealed.
//! - **FreeOTP 1 / FreeOTP+ shared preferences** (`tokens.xml`): `<map>` of
//!   `<string name="issuer:label">` token JSON with the key as a signed byte
//!   array, and `tokenOrder`.
//! - **FreeOTP+ JSON export**: `{"tokenOrder": […], "tokens": [token JSON]}`.
//!
//! Token JSON: `{"algo", "counter", "digits", "issuerExt", "issuerInt",
//! "issuerAlt"?, "label", "labelAlt"?, "period", "type" (TOTP | HOTP),
//! "secret"?}`; the issuer shown is `issuerAlt`, else `issuerExt`, else
//! `issuerInt`; the name `labelAlt`, else `label`. FreeOTP 1 and FreeOTP+ store
//! an HOTP counter one below the next counter (their own otpauth export writes
//! `counter + 1`), so one is added; FreeOTP 2 stores the next counter. An issuer
//! of exactly `Steam` makes Steam codes, as in FreeOTP.

use std::collections::HashMap;

use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use super::java_serial;
use super::json::{self, Entries, Number};
use super::{Fields, Format, ImportError, Imported, Skipped, label_of, raw_secret};
use crate::secret::SecretString;
use crate::transfer::crypto::{Prf, gcm_open, pbkdf2};

const F: Format = Format::FreeOtp;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Token {
    algo: Option<String>,
    #[serde(default)]
    counter: Number,
    #[serde(default)]
    digits: Number,
    issuer_ext: Option<String>,
    issuer_int: Option<String>,
    issuer_alt: Option<String>,
    label: Option<String>,
    label_alt: Option<String>,
    #[serde(default)]
    period: Number,
    secret: Option<Vec<i8>>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

impl Drop for Token {
    fn drop(&mut self) {
        if let Some(secret) = &mut self.secret {
            secret.zeroize();
        }
    }
}

fn first_non_empty<'a>(options: &[&'a Option<String>]) -> &'a str {
    options
        .iter()
        .filter_map(|o| o.as_deref())
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

fn bytes_of(signed: &[i8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(signed.iter().map(|&b| b.to_be_bytes()[0]).collect())
}

/// Builds the account of `token` with key `key`; `counter_offset` is added to
/// an HOTP counter.
fn push(token: &Token, key: Zeroizing<Vec<u8>>, counter_offset: u64, out: &mut Imported) {
    let issuer_ext = first_non_empty(&[&token.issuer_ext]);
    let issuer = first_non_empty(&[&token.issuer_alt, &token.issuer_ext, &token.issuer_int]);
    let name = first_non_empty(&[&token.label_alt, &token.label]);
    let kind = token.kind.as_deref().unwrap_or("totp");
    let kind = if issuer_ext == "Steam" && kind.eq_ignore_ascii_case("totp") {
        "steam"
    } else {
        kind
    };
    let built = raw_secret(key.to_vec()).and_then(|secret| {
        Fields {
            kind,
            issuer,
            name,
            secret,
            algorithm: token.algo.as_deref(),
            digits: token.digits.0,
            period: token.period.0,
            counter: token.counter.0.map(|c| c.saturating_add(counter_offset)),
        }
        .build()
    });
    match built {
        Ok(account) => out.accounts.push(account),
        Err(reason) => out.unsupported.push(Skipped {
            label: label_of(issuer, name),
            reason,
        }),
    }
}

pub(super) fn read(bytes: &[u8], password: Option<&SecretString>) -> Result<Imported, ImportError> {
    match json::first_byte(bytes) {
        Some(0xAC) => read_backup(bytes, password),
        Some(b'<') => read_preferences(bytes),
        Some(b'{') => read_plus_json(bytes),
        _ => Err(ImportError::format(
            F,
            "neither a FreeOTP backup nor FreeOTP+ JSON",
        )),
    }
}

/// FreeOTP 1 and FreeOTP+ keep the counter one below the next one.
const OLD_COUNTER_OFFSET: u64 = 1;

fn read_plus_json(bytes: &[u8]) -> Result<Imported, ImportError> {
    #[derive(Deserialize)]
    struct File {
        tokens: Entries<Token>,
    }
    let file: File = json::parse(F, bytes)?;
    let mut out = Imported::default();
    for token in &file.tokens.0 {
        let key = token.secret.as_deref().map(bytes_of).unwrap_or_default();
        push(token, key, OLD_COUNTER_OFFSET, &mut out);
    }
    Ok(out)
}

fn read_preferences(bytes: &[u8]) -> Result<Imported, ImportError> {
    let text = Zeroizing::new(
        String::from_utf8(bytes.to_vec()).map_err(|_| ImportError::format(F, "not UTF-8"))?,
    );
    let doc = super::xml::parse_map(F, &text)?;
    let root = doc.root_element();
    let mut entries: Vec<(&str, Token)> = Vec::new();
    let mut order = Entries::<String>::default();
    for node in root.children().filter(|n| n.has_tag_name("string")) {
        let name = node.attribute("name").unwrap_or_default();
        let value = node.text().unwrap_or_default();
        if name == "tokenOrder" {
            order = json::parse(F, value.as_bytes())?;
        } else {
            entries.push((name, json::parse(F, value.as_bytes())?));
        }
    }
    // In the app's order; tokens it does not list come after.
    let mut places: HashMap<&str, usize> = HashMap::with_capacity(order.0.len());
    for (place, name) in order.0.iter().enumerate() {
        places.entry(name.as_str()).or_insert(place);
    }
    entries.sort_by_key(|(name, _)| places.get(name).copied().unwrap_or(usize::MAX));
    let mut out = Imported::default();
    for (_, token) in &entries {
        let key = token.secret.as_deref().map(bytes_of).unwrap_or_default();
        push(token, key, OLD_COUNTER_OFFSET, &mut out);
    }
    if entries.is_empty() {
        return Err(ImportError::format(F, "no tokens in it"));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EncryptedKey {
    m_cipher: String,
    m_cipher_text: Vec<i8>,
    m_parameters: Vec<i8>,
    m_token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MasterKey {
    m_algorithm: String,
    m_encrypted_key: EncryptedKey,
    m_iterations: u32,
    m_salt: Vec<i8>,
}

#[derive(Deserialize)]
struct KeyHolder {
    key: String,
}

/// The GCM nonce from Java's encoded `GCMParameters`: DER `SEQUENCE { OCTET
/// STRING nonce, INTEGER tagLength }`, or (older Android) the bare OCTET STRING.
fn gcm_nonce(der: &[u8]) -> Option<&[u8]> {
    let inner = match der {
        [0x30, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
        _ => der,
    };
    match inner {
        [0x04, 12, rest @ ..] => {
            let (nonce, tail) = rest.split_at_checked(12)?;
            match tail {
                [] | [0x02, 0x01, 0x10] => Some(nonce),
                _ => None,
            }
        }
        _ => None,
    }
}

impl EncryptedKey {
    fn open(&self, key: &[u8]) -> Result<Zeroizing<Vec<u8>>, ImportError> {
        if self.m_cipher != "AES/GCM/NoPadding" {
            return Err(ImportError::Unsupported("this FreeOTP cipher"));
        }
        let parameters = bytes_of(&self.m_parameters);
        let nonce = gcm_nonce(&parameters).ok_or_else(|| ImportError::format(F, "mParameters"))?;
        gcm_open(
            key,
            nonce,
            &bytes_of(&self.m_cipher_text),
            self.m_token.as_bytes(),
        )
    }
}

fn read_backup(bytes: &[u8], password: Option<&SecretString>) -> Result<Imported, ImportError> {
    let entries = java_serial::read_string_map(bytes).map_err(|e| match e {
        java_serial::SerialError::TooMuchWork => ImportError::TooLarge,
        java_serial::SerialError::NotAStringMap => {
            ImportError::format(F, "not a FreeOTP backup map")
        }
    })?;
    let mut map: HashMap<&str, &str> = HashMap::with_capacity(entries.len());
    for (key, value) in &entries {
        if map.insert(key, value).is_some() {
            return Err(ImportError::format(F, "a key given twice"));
        }
    }
    let get = |key: &str| map.get(key).copied();
    let master: MasterKey = json::parse(
        F,
        get("masterKey")
            .ok_or_else(|| ImportError::format(F, "no masterKey"))?
            .as_bytes(),
    )?;
    let password = password.ok_or(ImportError::PasswordNeeded)?;
    let prf = match master.m_algorithm.to_ascii_uppercase().as_str() {
        "PBKDF2WITHHMACSHA1" => Prf::Sha1,
        "PBKDF2WITHHMACSHA256" => Prf::Sha256,
        "PBKDF2WITHHMACSHA512" => Prf::Sha512,
        _ => return Err(ImportError::Unsupported("this FreeOTP key derivation")),
    };
    let salt = bytes_of(&master.m_salt);
    // EXPOSE: the password is derived into the key that opens the master key.
    let kek = pbkdf2(
        prf,
        password.expose().as_bytes(),
        &salt,
        master.m_iterations,
        salt.len(),
    )?;
    let master_key = master.m_encrypted_key.open(&kek)?;

    let mut out = Imported::default();
    let mut ids: Vec<&str> = map
        .keys()
        .copied()
        .filter(|k| *k != "masterKey" && !k.ends_with("-token"))
        .collect();
    ids.sort_unstable();
    for id in ids {
        let token_json = get(&format!("{id}-token"));
        let token: Token = match token_json {
            Some(text) => json::parse(F, text.as_bytes())?,
            None => Token::default(),
        };
        let holder: KeyHolder = json::parse(F, get(id).unwrap_or_default().as_bytes())?;
        let encrypted: EncryptedKey = json::parse(F, holder.key.as_bytes())?;
        // Any token key that does not open means a damaged file: the master
        // key (checked by its own tag) was right.
        let key = encrypted
            .open(&master_key)
            .map_err(|_| ImportError::format(F, "a token key does not decrypt"))?;
        if token_json.is_none() {
            out.unsupported.push(Skipped {
                label: id.to_owned(),
                reason: "its parameters are missing from the backup".into(),
            });
            continue;
        }
        push(&token, key, 0, &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_parameters() {
        let nonce = [7u8; 12];
        let mut der = vec![0x30, 17, 0x04, 12];
        der.extend(nonce);
        der.extend([0x02, 0x01, 0x10]);
        assert_eq!(gcm_nonce(&der), Some(&nonce[..]));
        let mut bare = vec![0x04, 12];
        bare.extend(nonce);
        assert_eq!(gcm_nonce(&bare), Some(&nonce[..]));
        assert_eq!(gcm_nonce(&bare[..10]), None);
        der[1] = 16;
        assert_eq!(gcm_nonce(&der), None);
    }
}
