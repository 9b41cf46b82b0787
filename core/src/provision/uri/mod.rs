//! The Key URI format: `otpauth://TYPE/LABEL?PARAMETERS`, read the way real QR
//! codes write it, and written the way every app reads it.
//!
//! # Reading rules
//! - Schemes `otpauth://` and `apple-otpauth://` (Apple Passwords), any case.
//! - Types `totp`, `hotp`, `steam` (any case); `encoder=steam` on a totp URI also
//!   means Steam. Steam codes are always SHA1, 30 s, five characters.
//! - The label may be percent-encoded or raw UTF-8 (emoji, CJK); `%3A` and `:`
//!   both separate issuer and account; white space around either is trimmed.
//! - **Issuer rule.** The `issuer` parameter, when present and non-empty, is the
//!   issuer. If the label then starts with that issuer followed by a colon
//!   (compared case-insensitively), the prefix is removed and the rest is the
//!   account; if the label's prefix names something else, the whole label is kept
//!   as the account, so nothing the user may need to tell accounts apart is lost.
//!   Without the parameter, the text before the label's first colon is the issuer
//!   and everything after it (further colons included, as in
//!   `Matrix:@alice:matrix.org`) is the account.
//! - Parameter names are case-insensitive; unknown and vendor parameters are
//!   ignored; a known parameter given twice with different values is refused.
//!   In parameter values `+` means a space.
//! - The secret is base32, tolerant of case, spaces and padding
//!   ([`crate::provision::keytext`]). Defaults: SHA1, 6 digits, 30 s. HOTP needs a counter.
//!
//! Every refusal is a [`UriError`] that names the field; no error message ever
//! contains any part of the secret.

#[cfg(test)]
mod tests;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use zeroize::Zeroizing;

use crate::account::{Account, OtpKind, OtpParams};
use crate::otp::{Algorithm, Digits, Period};
use crate::provision::keytext::{KeyTextError, parse_base32_key};
use crate::secret::SecretString;

/// Why an otpauth URI was refused; each variant names the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// Not an `otpauth://` (or `apple-otpauth://`) URI.
    #[error("scheme: expected otpauth://, found '{found}'")]
    Scheme {
        /// The scheme found (shortened).
        found: String,
    },
    /// The type is not totp, hotp or steam.
    #[error("type: '{found}' is not totp, hotp or steam")]
    Type {
        /// The type found (shortened).
        found: String,
    },
    /// The label or issuer is not valid UTF-8 once percent-decoded.
    #[error("{field}: not valid UTF-8 once percent-decoded")]
    Encoding {
        /// `label` or `issuer`.
        field: &'static str,
    },
    /// No `secret` parameter.
    #[error("secret: missing")]
    MissingSecret,
    /// The secret is not usable base32.
    #[error("secret: {0}")]
    Secret(KeyTextError),
    /// The algorithm is not SHA1, SHA256 or SHA512.
    #[error("algorithm: '{found}' is not SHA1, SHA256 or SHA512")]
    Algorithm {
        /// The value found (shortened).
        found: String,
    },
    /// Digits not a whole number from 1 to 10.
    #[error("digits: '{found}' is not a whole number from 1 to 10")]
    Digits {
        /// The value found (shortened).
        found: String,
    },
    /// Period not a whole number of seconds ≥ 1.
    #[error("period: '{found}' is not a whole number of seconds of at least 1")]
    Period {
        /// The value found (shortened).
        found: String,
    },
    /// Counter not a whole number ≥ 0.
    #[error("counter: '{found}' is not a whole number from 0 to 18446744073709551615")]
    Counter {
        /// The value found (shortened).
        found: String,
    },
    /// An hotp URI without a counter.
    #[error("counter: missing (an hotp URI needs one)")]
    MissingCounter,
    /// A known parameter given twice with different values.
    #[error("{field}: given twice with different values")]
    Duplicate {
        /// The parameter's name.
        field: &'static str,
    },
}

impl UriError {
    /// The name of the field at fault (`scheme`, `type`, `secret`, …).
    pub fn field(&self) -> &'static str {
        match self {
            UriError::Scheme { .. } => "scheme",
            UriError::Type { .. } => "type",
            UriError::Encoding { field } | UriError::Duplicate { field } => field,
            UriError::MissingSecret | UriError::Secret(_) => "secret",
            UriError::Algorithm { .. } => "algorithm",
            UriError::Digits { .. } => "digits",
            UriError::Period { .. } => "period",
            UriError::Counter { .. } | UriError::MissingCounter => "counter",
        }
    }
}

/// Shortens a non-secret value for an error message.
fn shown(value: &str) -> String {
    const MAX: usize = 32;
    let mut out: String = value.chars().take(MAX).collect();
    if value.chars().count() > MAX {
        out.push('…');
    }
    out
}

/// Shows a type for an error message only if it looks like a type name: the
/// type is read before the secret, and a long word there may be a key pasted
/// in the wrong place.
fn shown_type(kind: &str) -> String {
    const MAX: usize = 12;
    if kind.len() <= MAX
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        kind.to_owned()
    } else {
        "(not shown)".to_owned()
    }
}

const SCHEMES: [&str; 2] = ["otpauth://", "apple-otpauth://"];

/// `text` without `prefix`, if it starts with it (ASCII, case-insensitive).
pub(crate) fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// The known parameters of one URI; the secret's text is held zeroizing.
#[derive(Default)]
struct Params {
    secret: Option<Zeroizing<String>>,
    issuer: Option<String>,
    algorithm: Option<String>,
    digits: Option<String>,
    period: Option<String>,
    counter: Option<String>,
    encoder: Option<String>,
}

fn decode_value(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn set_once(
    slot: &mut Option<String>,
    value: Option<String>,
    field: &'static str,
) -> Result<(), UriError> {
    match (slot.as_ref(), value) {
        (_, None) => Err(UriError::Encoding { field }),
        (Some(old), Some(new)) if *old != new => Err(UriError::Duplicate { field }),
        (Some(_), Some(_)) => Ok(()),
        (None, Some(new)) => {
            *slot = Some(new);
            Ok(())
        }
    }
}

fn parse_query(query: &str) -> Result<Params, UriError> {
    let mut params = Params::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode_str(raw_key)
            .decode_utf8_lossy()
            .to_ascii_lowercase();
        match key.as_str() {
            "secret" => {
                // The secret's text is kept in zeroizing buffers from here on.
                // As in every parameter value, `+` is a space (keys grouped
                // `abcd+efgh` are real); spaces are then ignored by keytext.
                let spaced = Zeroizing::new(raw_value.replace('+', " "));
                let decoded = Zeroizing::new(
                    percent_decode_str(&spaced)
                        .decode_utf8()
                        .map_err(|_| UriError::Secret(KeyTextError::NotBase32 { position: 1 }))?
                        .into_owned(),
                );
                match &params.secret {
                    Some(old) if **old != *decoded => {
                        return Err(UriError::Duplicate { field: "secret" });
                    }
                    Some(_) => {}
                    None => params.secret = Some(decoded),
                }
            }
            "issuer" => set_once(&mut params.issuer, decode_value(raw_value), "issuer")?,
            "algorithm" => set_once(&mut params.algorithm, decode_value(raw_value), "algorithm")?,
            "digits" => set_once(&mut params.digits, decode_value(raw_value), "digits")?,
            "period" => set_once(&mut params.period, decode_value(raw_value), "period")?,
            "counter" => set_once(&mut params.counter, decode_value(raw_value), "counter")?,
            "encoder" => {
                // A vendor parameter: a bad value is ignored, not fatal.
                if let Some(v) = decode_value(raw_value) {
                    params.encoder.get_or_insert(v);
                }
            }
            _ => {} // Unknown and vendor parameters are ignored.
        }
    }
    Ok(params)
}

/// Splits a decoded label into (issuer, account) by the issuer rule above.
pub(crate) fn split_label(label: &str, issuer_param: Option<&str>) -> (String, String) {
    let label = label.trim();
    match issuer_param.map(str::trim).filter(|i| !i.is_empty()) {
        Some(issuer) => {
            // White space may stand between the prefix and its colon
            // (`Example :alice`), as it may when there is no parameter.
            let account = strip_prefix_ignore_case(label, issuer)
                .and_then(|rest| rest.trim_start().strip_prefix(':'))
                .unwrap_or(label);
            (issuer.to_owned(), account.trim().to_owned())
        }
        None => match label.split_once(':') {
            Some((issuer, account)) => (issuer.trim().to_owned(), account.trim().to_owned()),
            None => (String::new(), label.to_owned()),
        },
    }
}

fn parse_number<T: std::str::FromStr>(text: &str) -> Option<T> {
    let text = text.trim();
    // `u64::from_str` accepts a leading '+'; a URI value should not have one.
    if text.starts_with('+') {
        return None;
    }
    text.parse().ok()
}

/// Parses an otpauth URI into an [`Account`].
pub fn parse(uri: &str) -> Result<Account, UriError> {
    let uri = uri.trim();
    let rest = SCHEMES
        .iter()
        .find_map(|scheme| strip_prefix_ignore_case(uri, scheme))
        .ok_or_else(|| UriError::Scheme {
            // Only text before "://" is shown: input without a scheme may be a
            // bare key pasted by mistake, which must not reach a message.
            found: uri
                .split_once("://")
                .map_or_else(|| "no scheme".to_owned(), |(scheme, _)| shown(scheme)),
        })?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (kind_text, raw_label) = path.split_once('/').unwrap_or((path, ""));
    let params = parse_query(query)?;

    let steam_encoder = params
        .encoder
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("steam"));
    let kind_name = kind_text.to_ascii_lowercase();
    // The type comes first: for a type we do not read (privacyIDEA's `pipush`,
    // `sms`, …) "type" is the answer, not a missing or odd secret.
    if !matches!(kind_name.as_str(), "totp" | "hotp" | "steam") {
        return Err(UriError::Type {
            found: shown_type(kind_text),
        });
    }

    let secret_text = params.secret.as_ref().ok_or(UriError::MissingSecret)?;
    let secret = parse_base32_key(secret_text).map_err(UriError::Secret)?;

    let algorithm = match params.algorithm.as_deref() {
        None => Algorithm::Sha1,
        Some(name) => Algorithm::from_name(name.trim())
            .ok_or_else(|| UriError::Algorithm { found: shown(name) })?,
    };
    let digits = match params.digits.as_deref() {
        None => Digits::SIX,
        Some(text) => parse_number::<u8>(text)
            .and_then(Digits::new)
            .ok_or_else(|| UriError::Digits { found: shown(text) })?,
    };
    let period = match params.period.as_deref() {
        None => Period::THIRTY,
        Some(text) => parse_number::<u64>(text)
            .and_then(Period::new)
            .ok_or_else(|| UriError::Period { found: shown(text) })?,
    };

    let params_out = match kind_name.as_str() {
        "totp" if steam_encoder => steam_params(secret),
        "steam" => steam_params(secret),
        "totp" => OtpParams {
            kind: OtpKind::Totp { period },
            algorithm,
            digits,
            secret,
        },
        "hotp" => {
            let text = params.counter.as_deref().ok_or(UriError::MissingCounter)?;
            let counter = parse_number::<u64>(text)
                .ok_or_else(|| UriError::Counter { found: shown(text) })?;
            OtpParams {
                kind: OtpKind::Hotp { counter },
                algorithm,
                digits,
                secret,
            }
        }
        _ => {
            return Err(UriError::Type {
                found: shown_type(kind_text),
            });
        }
    };

    let label = percent_decode_str(raw_label)
        .decode_utf8()
        .map_err(|_| UriError::Encoding { field: "label" })?;
    let (issuer, name) = split_label(&label, params.issuer.as_deref());
    Ok(Account::new(&issuer, &name, params_out))
}

fn steam_params(secret: crate::account::OtpSecret) -> OtpParams {
    OtpParams {
        kind: OtpKind::Steam,
        algorithm: Algorithm::Sha1,
        digits: Digits::new(crate::otp::STEAM_DIGITS).unwrap_or_default(),
        secret,
    }
}

/// Characters left as they are in labels and parameter values.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

fn enc(text: &str) -> String {
    utf8_percent_encode(text, KEEP).to_string()
}

/// Writes an account as an otpauth URI that [`parse`] reads back to the same
/// account (and that other apps read). The URI carries the key, so it is a
/// secret.
pub fn format(account: &Account) -> SecretString {
    let p = &account.params;
    let label = if !account.issuer.is_empty() {
        format!("{}:{}", enc(&account.issuer), enc(&account.name))
    } else if account.name.contains(':') {
        // An empty issuer prefix keeps a colon in the account from being read
        // as the issuer separator.
        format!(":{}", enc(&account.name))
    } else {
        enc(&account.name)
    };
    let secret = p.secret.to_base32();
    let mut out = Zeroizing::new(format!("otpauth://{}/{label}?secret=", p.kind.name()));
    // EXPOSE: the URI is the secret's transport; the result is a SecretString.
    out.push_str(secret.expose());
    if !account.issuer.is_empty() {
        out.push_str("&issuer=");
        out.push_str(&enc(&account.issuer));
    }
    match p.kind {
        OtpKind::Steam => {}
        OtpKind::Totp { period } => {
            out.push_str(&format!(
                "&algorithm={}&digits={}&period={}",
                p.algorithm,
                p.digits.get(),
                period.get()
            ));
        }
        OtpKind::Hotp { counter } => {
            out.push_str(&format!(
                "&algorithm={}&digits={}&counter={counter}",
                p.algorithm,
                p.digits.get()
            ));
        }
    }
    SecretString::from(out)
}
