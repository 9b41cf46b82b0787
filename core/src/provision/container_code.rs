//! privacyIDEA smartphone-container registration codes:
//! `pia://container/SERIAL?…` (docs/containers.md, "The registration URL").
//!
//! ```text
//! pia://container/SMPH000051AC?issuer=privacyIDEA&ttl=10&nonce=9509…57d5
//!     &time=2026-12-02T16%3A35%3A10.696210%2B00%3A00&url=http%3A//127.0.0.1%3A41021
//!     &serial=SMPH000051AC&key_algorithm=secp384r1&hash_algorithm=SHA256
//!     &ssl_verify=True&passphrase=&send_passphrase=False
//! ```
//!
//! The same code registers a container with a first phone and, made with
//! `rollover=1`, moves it to a new one: nothing in the code tells them apart.
//! `nonce`, `time` and `url` go into the signed registration message exactly
//! as decoded, never re-formatted. `url`, `nonce` and `time` are required;
//! `serial` defaults to the label, `ttl` to 10 minutes, `ssl_verify` to on;
//! `key_algorithm` must be `secp384r1` and `hash_algorithm` `SHA256` (the only
//! ones privacyIDEA 3.14 offers) when given. Unknown parameters are ignored; a
//! known one given twice with different values is refused.
//!
//! The nonce authorises the registration (whoever holds the code can register
//! a phone while it is valid): it is a [`SecretString`], and no error shows
//! any value.

use percent_encoding::percent_decode_str;

use crate::provision::push_enrolment::{
    EnrolmentCodeError, decode, flag, non_empty, number, set_once,
};
use crate::provision::uri::strip_prefix_ignore_case;
use crate::secret::SecretString;

/// The scheme and host of a container code.
const PREFIX: &str = "pia://container";

/// The one key algorithm privacyIDEA offers for smartphone containers.
pub const KEY_ALGORITHM: &str = "secp384r1";
/// The one hash algorithm privacyIDEA offers for smartphone containers.
pub const HASH_ALGORITHM: &str = "SHA256";
/// Default minutes for `ttl` (privacyIDEA's own default).
pub const DEFAULT_TTL_MINUTES: u32 = 10;

/// A container registration (or rollover) code, read.
#[derive(Clone, Debug)]
pub struct ContainerCode {
    /// The container's serial (`serial`, else the label), e.g. `SMPH000051AC`.
    pub serial: String,
    /// Who issued it (`issuer`; `privacyIDEA` in 3.14).
    pub issuer: String,
    /// The server's base URL the phone talks to (`url`), verbatim.
    pub url: String,
    /// Minutes the code is valid from `time` (`ttl`).
    pub ttl_minutes: u32,
    /// The challenge's nonce (`nonce`), verbatim.
    pub nonce: SecretString,
    /// The challenge's creation time (`time`, ISO 8601), verbatim.
    pub time: String,
    /// Whether the server's TLS certificate must be verified (`ssl_verify`).
    pub ssl_verify: bool,
    /// The question to ask the user before registering (`passphrase`), if any.
    pub passphrase_prompt: Option<String>,
    /// Whether the user's answer is their password at the server's user store,
    /// which must be sent to the server (`send_passphrase`).
    pub send_passphrase: bool,
}

/// Whether `text` is a container code (`pia://container…`, any case), judged
/// by its scheme and host only.
pub fn is_container_uri(text: &str) -> bool {
    strip_prefix_ignore_case(text.trim_start(), PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
}

#[derive(Default)]
struct Params {
    issuer: Option<String>,
    ttl: Option<String>,
    nonce: Option<String>,
    time: Option<String>,
    url: Option<String>,
    serial: Option<String>,
    key_algorithm: Option<String>,
    hash_algorithm: Option<String>,
    ssl_verify: Option<String>,
    passphrase: Option<String>,
    send_passphrase: Option<String>,
}

fn parse_query(query: &str) -> Result<Params, EnrolmentCodeError> {
    let mut p = Params::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode_str(raw_key)
            .decode_utf8_lossy()
            .to_ascii_lowercase();
        let (slot, field) = match key.as_str() {
            "issuer" => (&mut p.issuer, "issuer"),
            "ttl" => (&mut p.ttl, "ttl"),
            "nonce" => (&mut p.nonce, "nonce"),
            "time" => (&mut p.time, "time"),
            "url" => (&mut p.url, "url"),
            "serial" => (&mut p.serial, "serial"),
            "key_algorithm" => (&mut p.key_algorithm, "key_algorithm"),
            "hash_algorithm" => (&mut p.hash_algorithm, "hash_algorithm"),
            "ssl_verify" => (&mut p.ssl_verify, "ssl_verify"),
            "passphrase" => (&mut p.passphrase, "passphrase"),
            "send_passphrase" => (&mut p.send_passphrase, "send_passphrase"),
            _ => continue, // Unknown and extra parameters are ignored.
        };
        set_once(slot, raw, field)?;
    }
    Ok(p)
}

fn required(value: Option<String>, field: &'static str) -> Result<String, EnrolmentCodeError> {
    non_empty(value).ok_or(EnrolmentCodeError::Missing { field })
}

fn only(
    value: Option<String>,
    field: &'static str,
    allowed: &'static str,
    expected: &'static str,
) -> Result<(), EnrolmentCodeError> {
    match non_empty(value) {
        Some(v) if !v.eq_ignore_ascii_case(allowed) => {
            Err(EnrolmentCodeError::Invalid { field, expected })
        }
        _ => Ok(()),
    }
}

/// Whether `nonce` looks like privacyIDEA's: 16 to 256 hexadecimal digits.
fn is_nonce(nonce: &str) -> bool {
    (16..=256).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `time` looks like an ISO 8601 time (`2026-12-02T16:35:10…`):
/// checked for shape only, kept verbatim.
fn is_time(time: &str) -> bool {
    let b = time.as_bytes();
    time.len() <= 64
        && b.len() >= 19
        && b.get(4) == Some(&b'-')
        && b.get(10) == Some(&b'T')
        && time.is_ascii()
        && !time.bytes().any(|c| c.is_ascii_whitespace() || c == b'|')
}

/// Parses a container registration code.
pub fn parse(text: &str) -> Result<ContainerCode, EnrolmentCodeError> {
    let text = text.trim();
    let scheme = EnrolmentCodeError::Invalid {
        field: "scheme",
        expected: "expected pia://container/",
    };
    let rest = strip_prefix_ignore_case(text, PREFIX).ok_or(scheme.clone())?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let raw_label = match path.strip_prefix('/') {
        Some(label) => label,
        None if path.is_empty() => "",
        None => return Err(scheme),
    };
    let label = decode(raw_label, "label")?.trim().to_owned();
    let p = parse_query(query)?;

    let url = required(p.url, "url")?;
    let scheme_ok = ["https://", "http://"]
        .iter()
        .any(|s| strip_prefix_ignore_case(&url, s).is_some_and(|host| !host.is_empty()));
    if !scheme_ok || url.contains('|') {
        return Err(EnrolmentCodeError::Invalid {
            field: "url",
            expected: "expected an http:// or https:// address",
        });
    }
    let nonce = required(p.nonce, "nonce")?;
    if !is_nonce(&nonce) {
        return Err(EnrolmentCodeError::Invalid {
            field: "nonce",
            expected: "expected hexadecimal digits",
        });
    }
    let time = required(p.time, "time")?;
    if !is_time(&time) {
        return Err(EnrolmentCodeError::Invalid {
            field: "time",
            expected: "expected an ISO 8601 time",
        });
    }
    let serial = non_empty(p.serial)
        .or_else(|| (!label.is_empty()).then(|| label.clone()))
        .ok_or(EnrolmentCodeError::Missing { field: "serial" })?;
    if serial.contains('|') || serial.len() > 128 {
        return Err(EnrolmentCodeError::Invalid {
            field: "serial",
            expected: "expected a container serial",
        });
    }
    only(
        p.key_algorithm,
        "key_algorithm",
        KEY_ALGORITHM,
        "only secp384r1 is supported",
    )?;
    only(
        p.hash_algorithm,
        "hash_algorithm",
        HASH_ALGORITHM,
        "only SHA256 is supported",
    )?;
    Ok(ContainerCode {
        serial,
        issuer: p.issuer.map(|i| i.trim().to_owned()).unwrap_or_default(),
        url,
        ttl_minutes: number(p.ttl.as_deref(), "ttl", DEFAULT_TTL_MINUTES)?,
        nonce: SecretString::new(nonce),
        time,
        ssl_verify: flag(p.ssl_verify.as_deref(), "ssl_verify", true)?,
        passphrase_prompt: non_empty(p.passphrase),
        send_passphrase: flag(p.send_passphrase.as_deref(), "send_passphrase", false)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = "pia://container/SMPH000051AC?issuer=privacyIDEA&ttl=10&nonce=9509336a179305ec327c851e7ff2444844d657d5&time=2026-12-02T16%3A35%3A10.696210%2B00%3A00&url=http%3A//127.0.0.1%3A41021&serial=SMPH000051AC&key_algorithm=secp384r1&hash_algorithm=SHA256&ssl_verify=True&passphrase=&send_passphrase=False";

    #[test]
    fn reads_the_code_privacyidea_rendered() {
        let recorded: serde_json::Value = serde_json::from_str(include_str!(
            "../../../fixtures/privacyidea/containers/vectors.json"
        ))
        .unwrap();
        let uri = recorded["registration"]["uri"].as_str().unwrap();
        assert_eq!(uri, FIXTURE);
        let code = parse(uri).unwrap();
        assert_eq!(code.serial, "SMPH000051AC");
        assert_eq!(code.issuer, "privacyIDEA");
        assert_eq!(code.url, "http://127.0.0.1:41021");
        assert_eq!(code.ttl_minutes, 10);
        assert_eq!(
            code.nonce.expose(),
            "9509336a179305ec327c851e7ff2444844d657d5"
        );
        assert_eq!(code.time, "2026-12-02T16:35:10.696210+00:00");
        assert!(code.ssl_verify);
        assert_eq!(code.passphrase_prompt, None);
        assert!(!code.send_passphrase);
        assert!(is_container_uri(uri));
        assert!(is_container_uri("  PIA://Container/X?url=1"));
        assert!(!is_container_uri("pia://containers/X"));
        assert!(!is_container_uri("otpauth://totp/X"));
        let debug = format!("{code:?}");
        assert!(!debug.contains("9509336a"), "{debug}");
    }

    #[test]
    fn passphrase_prompt_and_defaults() {
        let code = parse(
            "pia://container/SMPH1?nonce=00112233445566778899&time=2026-01-01T00:00:00%2B00:00&url=https://pi.example&passphrase=Your%20PIN%3F&send_passphrase=1&extra=1",
        )
        .unwrap();
        assert_eq!(code.serial, "SMPH1");
        assert_eq!(code.passphrase_prompt.as_deref(), Some("Your PIN?"));
        assert!(code.send_passphrase);
        assert!(code.ssl_verify);
        assert_eq!(code.ttl_minutes, 10);
        assert_eq!(code.time, "2026-01-01T00:00:00+00:00");
    }

    #[test]
    fn bad_codes_name_the_field_and_show_no_value() {
        let good = FIXTURE;
        for (text, field) in [
            ("pia://contain/SMPH?x=1", "scheme"),
            ("otpauth://totp/x", "scheme"),
            (
                &good.replace("url=http%3A//127.0.0.1%3A41021", "url=")[..],
                "url",
            ),
            (
                &good.replace("url=http%3A//127.0.0.1%3A41021", "url=ftp://x")[..],
                "url",
            ),
            (
                &good.replace("nonce=9509336a", "nonce=zz09336a")[..],
                "nonce",
            ),
            (&good.replace("&nonce=", "&nonce=&x=")[..], "nonce"),
            (&good.replace("time=2026", "time=yesterday")[..], "time"),
            (&good.replace("secp384r1", "secp256r1")[..], "key_algorithm"),
            (&good.replace("SHA256", "SHA1")[..], "hash_algorithm"),
            (
                &good.replace("ssl_verify=True", "ssl_verify=maybe")[..],
                "ssl_verify",
            ),
            (&format!("{good}&nonce=0011223344556677"), "nonce"),
            (&good.replace("ttl=10", "ttl=-1")[..], "ttl"),
            (
                "pia://container/?nonce=00112233445566778899&time=2026-01-01T00:00:00Z&url=https://x",
                "serial",
            ),
            (
                &good.replace("%C3", "")[..].replace("issuer=privacyIDEA", "issuer=%FF"),
                "issuer",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.field(), field, "{text}: {e}");
            let message = e.to_string();
            assert!(!message.contains("9509336a"), "{message}");
        }
    }
}
