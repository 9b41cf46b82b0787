//! Authy's token store: the app's shared-preferences XML
//! (`com.authy.storage.tokens.authenticator.xml`, from a rooted phone).
//!
//! `<map><string name="com.authy.storage.tokens.authenticator.key">JSON</string>`,
//! the JSON an array of `{"originalIssuer", "originalName" ("Issuer:Name"),
//! "name", "digits", "decryptedSecret" (base32)}` or, when Authy's backup
//! password is set, `"encryptedSecret"` (base64) and `"salt"` instead: AES-256-CBC
//! with a zero IV and PKCS#7 padding, the key being
//! PBKDF2-HMAC-SHA1(password, salt as UTF-8, 1,000 iterations, 256 bits); the
//! plaintext is the base32 key.
//!
//! Authy does not record the algorithm or the period (SHA1 and 30 s are assumed
//! and said in the notes). Authy's own tokens
//! (`com.authy.storage.tokens.authy.key`) are listed as not supported.

use serde::Deserialize;

use super::json::{self, Entries, Number, Secret};
use super::{
    Fields, Format, ImportError, Imported, Skipped, base32_secret, label_of, strip_issuer_prefix,
};
use crate::secret::SecretString;
use crate::transfer::crypto::{Prf, cbc_decrypt, pbkdf2, unbase64};

const F: Format = Format::Authy;
const AUTHENTICATOR_KEY: &str = "com.authy.storage.tokens.authenticator.key";
const AUTHY_KEY: &str = "com.authy.storage.tokens.authy.key";
const PBKDF2_ITERATIONS: u32 = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Token {
    #[serde(default)]
    original_issuer: Option<String>,
    #[serde(default)]
    original_name: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    digits: Number,
    decrypted_secret: Option<Secret>,
    encrypted_secret: Option<Secret>,
    salt: Option<String>,
}

#[derive(Deserialize)]
struct NativeToken {
    #[serde(default)]
    name: String,
}

/// The text of `<string name="KEY">` elements of an Android preferences file.
fn strings(text: &str) -> Result<Vec<(String, String)>, ImportError> {
    let doc = super::xml::parse_map(F, text)?;
    Ok(doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("string"))
        .filter_map(|n| {
            let name = n.attribute("name")?.to_owned();
            Some((name, n.text().unwrap_or_default().to_owned()))
        })
        .collect())
}

pub(super) fn read(bytes: &[u8], password: Option<&SecretString>) -> Result<Imported, ImportError> {
    let text = zeroize::Zeroizing::new(
        String::from_utf8(bytes.to_vec()).map_err(|_| ImportError::format(F, "not UTF-8"))?,
    );
    let mut strings = strings(&text)?;
    let mut out = Imported::default();
    let mut found = false;
    for (name, value) in &mut strings {
        let value = zeroize::Zeroizing::new(std::mem::take(value));
        if name == AUTHY_KEY {
            found = true;
            let tokens: Entries<NativeToken> = json::parse(F, value.as_bytes())?;
            for token in tokens.0 {
                out.unsupported.push(Skipped {
                    label: token.name,
                    reason: "Authy's own tokens (not made from a QR code) are not supported".into(),
                });
            }
        }
        if name != AUTHENTICATOR_KEY {
            continue;
        }
        found = true;
        let Entries(tokens): Entries<Token> = json::parse(F, value.as_bytes())?;
        if !tokens.is_empty() {
            out.notes.push(
                "Authy does not record the algorithm or the period: SHA1 and 30 s are assumed"
                    .into(),
            );
        }
        for token in tokens {
            read_token(token, password, &mut out)?;
        }
    }
    if !found {
        return Err(ImportError::format(F, "no Authy token list in it"));
    }
    Ok(out)
}

fn read_token(
    token: Token,
    password: Option<&SecretString>,
    out: &mut Imported,
) -> Result<(), ImportError> {
    let issuer = token.original_issuer.as_deref().unwrap_or_default().trim();
    let full = token
        .original_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&token.name);
    let (issuer, name) = if issuer.is_empty() {
        full.split_once(':')
            .map_or(("", full.trim()), |(i, n)| (i.trim(), n.trim()))
    } else {
        (issuer, strip_issuer_prefix(issuer, full))
    };
    let label = label_of(issuer, name);
    let secret = match (
        &token.decrypted_secret,
        &token.encrypted_secret,
        &token.salt,
    ) {
        (Some(plain), _, _) => base32_secret(&plain.0),
        (None, Some(encrypted), Some(salt)) => {
            let password = password.ok_or(ImportError::PasswordNeeded)?;
            // A key that does not decrypt to base32 means a wrong password.
            let text = decrypt(&encrypted.0, salt, password)?;
            Ok(base32_secret(&text).map_err(|_| ImportError::WrongPassword)?)
        }
        _ => Err("it has no key".to_owned()),
    };
    let built = secret.and_then(|secret| {
        Fields {
            kind: "totp",
            issuer,
            name,
            secret,
            algorithm: None,
            digits: token.digits.0,
            period: None,
            counter: None,
        }
        .build()
    });
    match built {
        Ok(account) => out.accounts.push(account),
        Err(reason) => out.unsupported.push(Skipped { label, reason }),
    }
    Ok(())
}

fn decrypt(
    encrypted: &SecretString,
    salt: &str,
    password: &SecretString,
) -> Result<SecretString, ImportError> {
    // EXPOSE: the encrypted key is decoded, and the password derived, to decrypt it.
    let data = unbase64(encrypted.expose()).ok_or(ImportError::WrongPassword)?;
    let key = pbkdf2(
        Prf::Sha1,
        password.expose().as_bytes(),
        salt.as_bytes(),
        PBKDF2_ITERATIONS,
        32,
    )?;
    let plain = cbc_decrypt(&key, &[0; 16], &data)?;
    let text = String::from_utf8(plain.to_vec()).map_err(|_| ImportError::WrongPassword)?;
    Ok(SecretString::new(text))
}
