//! privacyIDEA push enrolment codes: `otpauth://pipush/LABEL?url=…`.
//!
//! Step 1 of a push token's enrolment: the server shows this code; the app
//! then posts its public key, with the `enrollment_credential`, to `url`
//! (that second step belongs to the push client, not here). As observed on
//! privacyIDEA 3.14 (its `lib/tokens/pushtoken.py`; docs/push.md):
//!
//! ```text
//! otpauth://pipush/PIPU0000668B?url=http%3A//127.0.0.1%3A5077/ttype/push&ttl=10
//!     &issuer=privacyIDEA&enrollment_credential=6ed5…&v=1&serial=PIPU0000668B
//!     &sslverify=0&poll_only=True
//! ```
//!
//! Policies may add `pin=True` (unlock the app before answering), `image`,
//! and, when Firebase is configured, `projectid`, `projectnumber`, `appid`,
//! `apikey`, `appidios`, `apikeyios`. Unknown parameters are ignored; a known
//! one given twice with different values is refused. `url` (http or https)
//! and `enrollment_credential` are required; `serial` defaults to the label,
//! `ttl` to 10 minutes, `sslverify` to on, `v` to 1.
//!
//! The enrollment credential authorises finishing the enrolment: it is held as
//! a [`SecretString`], and no error message shows any parameter's value.

use percent_encoding::percent_decode_str;
use zeroize::Zeroizing;

use crate::provision::uri::strip_prefix_ignore_case;
use crate::secret::SecretString;

/// Why a push enrolment code (or a container registration code,
/// `provision::container_code`) was refused; names the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentCodeError {
    /// Not `otpauth://pipush/`.
    #[error("scheme: expected otpauth://pipush/")]
    Scheme,
    /// A required parameter is missing or empty.
    #[error("{field}: missing")]
    Missing {
        /// The parameter.
        field: &'static str,
    },
    /// A parameter's value is not acceptable (the message says what is expected).
    #[error("{field}: {expected}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// What the value should be.
        expected: &'static str,
    },
    /// Not valid UTF-8 once percent-decoded.
    #[error("{field}: not valid UTF-8 once percent-decoded")]
    Encoding {
        /// The parameter (or `label`).
        field: &'static str,
    },
    /// A parameter given twice with different values.
    #[error("{field}: given twice with different values")]
    Duplicate {
        /// The parameter.
        field: &'static str,
    },
}

impl EnrolmentCodeError {
    /// The name of the field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            EnrolmentCodeError::Scheme => "scheme",
            EnrolmentCodeError::Missing { field }
            | EnrolmentCodeError::Invalid { field, .. }
            | EnrolmentCodeError::Encoding { field }
            | EnrolmentCodeError::Duplicate { field } => field,
        }
    }
}

/// Firebase settings an older or Firebase-configured server sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FirebaseConfig {
    /// `projectid`.
    pub project_id: Option<String>,
    /// `projectnumber`.
    pub project_number: Option<String>,
    /// `appid` (Android).
    pub app_id: Option<String>,
    /// `apikey` (Android).
    pub api_key: Option<String>,
    /// `appidios`.
    pub app_id_ios: Option<String>,
    /// `apikeyios`.
    pub api_key_ios: Option<String>,
}

/// A push token waiting for the app to complete its enrolment.
#[derive(Clone, Debug)]
pub struct PushEnrolment {
    /// The token's serial (`serial`, else the label).
    pub serial: String,
    /// The label shown for it (by default the serial).
    pub label: String,
    /// The issuer (`issuer`; may be empty).
    pub issuer: String,
    /// Where to complete the enrolment and later poll and answer (`url`).
    pub url: String,
    /// Minutes the server allows for completing the enrolment (`ttl`, advisory).
    pub ttl_minutes: u32,
    /// Whether the app must verify the server's TLS certificate (`sslverify`).
    pub sslverify: bool,
    /// Protocol version (`v`).
    pub version: u32,
    /// Authorises the completion of this enrolment (`enrollment_credential`).
    pub enrollment_credential: SecretString,
    /// The server sends no push notifications; the app polls (`poll_only`).
    pub poll_only: bool,
    /// The app must be unlocked before answering (`pin`).
    pub require_app_pin: bool,
    /// An image URL for the token (`image`).
    pub image: Option<String>,
    /// Firebase settings, when the server sends any.
    pub firebase: Option<FirebaseConfig>,
}

/// Default minutes for `ttl` (privacyIDEA's own default).
pub const DEFAULT_TTL_MINUTES: u32 = 10;

/// Whether `text` is a push enrolment code (`otpauth://pipush/…`, any case),
/// judged by its scheme and type only.
pub fn is_push_uri(text: &str) -> bool {
    strip_prefix_ignore_case(text.trim_start(), "otpauth://pipush")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
}

#[derive(Default)]
struct Params {
    url: Option<String>,
    ttl: Option<String>,
    issuer: Option<String>,
    serial: Option<String>,
    sslverify: Option<String>,
    version: Option<String>,
    poll_only: Option<String>,
    pin: Option<String>,
    image: Option<String>,
    credential: Option<Zeroizing<String>>,
    firebase: FirebaseConfig,
}

pub(super) fn decode(raw: &str, field: &'static str) -> Result<String, EnrolmentCodeError> {
    percent_decode_str(&raw.replace('+', " "))
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| EnrolmentCodeError::Encoding { field })
}

pub(super) fn set_once(
    slot: &mut Option<String>,
    raw: &str,
    field: &'static str,
) -> Result<(), EnrolmentCodeError> {
    let value = decode(raw, field)?;
    match slot {
        Some(old) if *old != value => Err(EnrolmentCodeError::Duplicate { field }),
        Some(_) => Ok(()),
        None => {
            *slot = Some(value);
            Ok(())
        }
    }
}

fn parse_query(query: &str) -> Result<Params, EnrolmentCodeError> {
    let mut p = Params::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode_str(raw_key)
            .decode_utf8_lossy()
            .to_ascii_lowercase();
        match key.as_str() {
            "enrollment_credential" => {
                let field = "enrollment_credential";
                let value = Zeroizing::new(decode(raw, field)?);
                match &p.credential {
                    Some(old) if **old != *value => {
                        return Err(EnrolmentCodeError::Duplicate { field });
                    }
                    Some(_) => {}
                    None => p.credential = Some(value),
                }
            }
            "url" => set_once(&mut p.url, raw, "url")?,
            "ttl" => set_once(&mut p.ttl, raw, "ttl")?,
            "issuer" => set_once(&mut p.issuer, raw, "issuer")?,
            "serial" => set_once(&mut p.serial, raw, "serial")?,
            "sslverify" => set_once(&mut p.sslverify, raw, "sslverify")?,
            "v" => set_once(&mut p.version, raw, "v")?,
            "poll_only" => set_once(&mut p.poll_only, raw, "poll_only")?,
            "pin" => set_once(&mut p.pin, raw, "pin")?,
            "image" => set_once(&mut p.image, raw, "image")?,
            "projectid" => set_once(&mut p.firebase.project_id, raw, "projectid")?,
            "projectnumber" => set_once(&mut p.firebase.project_number, raw, "projectnumber")?,
            "appid" => set_once(&mut p.firebase.app_id, raw, "appid")?,
            "apikey" => set_once(&mut p.firebase.api_key, raw, "apikey")?,
            "appidios" => set_once(&mut p.firebase.app_id_ios, raw, "appidios")?,
            "apikeyios" => set_once(&mut p.firebase.api_key_ios, raw, "apikeyios")?,
            _ => {} // Unknown and newer parameters are ignored.
        }
    }
    Ok(p)
}

/// privacyIDEA's truth values (`is_true`): 1/true/yes/on, 0/false/no/off.
pub(super) fn flag(
    value: Option<&str>,
    field: &'static str,
    default: bool,
) -> Result<bool, EnrolmentCodeError> {
    let Some(value) = value.map(str::trim) else {
        return Ok(default);
    };
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(EnrolmentCodeError::Invalid {
            field,
            expected: "expected 1/true or 0/false",
        }),
    }
}

pub(super) fn number(
    value: Option<&str>,
    field: &'static str,
    default: u32,
) -> Result<u32, EnrolmentCodeError> {
    match value.map(str::trim) {
        None => Ok(default),
        Some(text) if !text.starts_with('+') => {
            text.parse().map_err(|_| EnrolmentCodeError::Invalid {
                field,
                expected: "not a whole number",
            })
        }
        Some(_) => Err(EnrolmentCodeError::Invalid {
            field,
            expected: "not a whole number",
        }),
    }
}

pub(super) fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Parses a push enrolment code.
pub fn parse(text: &str) -> Result<PushEnrolment, EnrolmentCodeError> {
    let text = text.trim();
    let rest =
        strip_prefix_ignore_case(text, "otpauth://pipush").ok_or(EnrolmentCodeError::Scheme)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let raw_label = match path.strip_prefix('/') {
        Some(label) => label,
        None if path.is_empty() => "",
        None => return Err(EnrolmentCodeError::Scheme),
    };
    let label = percent_decode_str(raw_label)
        .decode_utf8()
        .map_err(|_| EnrolmentCodeError::Encoding { field: "label" })?
        .trim()
        .to_owned();
    let p = parse_query(query)?;

    let url = non_empty(p.url).ok_or(EnrolmentCodeError::Missing { field: "url" })?;
    let scheme_ok = ["https://", "http://"]
        .iter()
        .any(|s| strip_prefix_ignore_case(&url, s).is_some_and(|host| !host.is_empty()));
    if !scheme_ok {
        return Err(EnrolmentCodeError::Invalid {
            field: "url",
            expected: "expected an http:// or https:// address",
        });
    }
    let credential =
        p.credential
            .filter(|c| !c.trim().is_empty())
            .ok_or(EnrolmentCodeError::Missing {
                field: "enrollment_credential",
            })?;
    let serial = non_empty(p.serial)
        .or_else(|| (!label.is_empty()).then(|| label.clone()))
        .ok_or(EnrolmentCodeError::Missing { field: "serial" })?;
    let firebase = (p.firebase != FirebaseConfig::default()).then_some(p.firebase);
    Ok(PushEnrolment {
        label: if label.is_empty() {
            serial.clone()
        } else {
            label
        },
        serial,
        issuer: p.issuer.map(|i| i.trim().to_owned()).unwrap_or_default(),
        url,
        ttl_minutes: number(p.ttl.as_deref(), "ttl", DEFAULT_TTL_MINUTES)?,
        sslverify: flag(p.sslverify.as_deref(), "sslverify", true)?,
        version: number(p.version.as_deref(), "v", 1)?,
        enrollment_credential: SecretString::new(credential.trim().to_owned()),
        poll_only: flag(p.poll_only.as_deref(), "poll_only", false)?,
        require_app_pin: flag(p.pin.as_deref(), "pin", false)?,
        image: non_empty(p.image),
        firebase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../fixtures/privacyidea/push_enroll_url.txt");

    #[test]
    fn reads_the_privacyidea_fixture() {
        let push = parse(FIXTURE).unwrap();
        assert_eq!(push.serial, "PIPU0000668B");
        assert_eq!(push.label, "PIPU0000668B");
        assert_eq!(push.issuer, "privacyIDEA");
        assert_eq!(push.url, "http://127.0.0.1:5077/ttype/push");
        assert_eq!(push.ttl_minutes, 10);
        assert!(!push.sslverify);
        assert_eq!(push.version, 1);
        assert!(push.poll_only);
        assert!(!push.require_app_pin);
        assert!(push.firebase.is_none());
        assert_eq!(
            push.enrollment_credential.expose(),
            "6ed5882c2d97952ad8b8e944c8e7f46274fbb5fe"
        );
        assert!(!format!("{push:?}").contains("6ed5882c"));
        assert!(is_push_uri(FIXTURE));
    }

    #[test]
    fn defaults_and_options() {
        let push = parse(
            "OTPAUTH://PIPUSH/My%20Token?url=https://pi.example/ttype/push\
             &enrollment_credential=00ff&pin=True&projectid=p1&apikey=k&image=https%3A//x/i.png",
        )
        .unwrap();
        assert_eq!(push.serial, "My Token");
        assert_eq!(push.ttl_minutes, DEFAULT_TTL_MINUTES);
        assert!(push.sslverify);
        assert_eq!(push.version, 1);
        assert!(push.require_app_pin);
        assert!(!push.poll_only);
        assert_eq!(push.image.as_deref(), Some("https://x/i.png"));
        let firebase = push.firebase.unwrap();
        assert_eq!(firebase.project_id.as_deref(), Some("p1"));
        assert_eq!(firebase.api_key.as_deref(), Some("k"));
    }

    #[test]
    fn refusals_name_the_field_and_never_the_credential() {
        let ok = "otpauth://pipush/S?url=https://h/p&enrollment_credential=c0ffee5ecret";
        assert!(parse(ok).is_ok());
        let cases = [
            (
                "otpauth://pipush/S?enrollment_credential=c0ffee5ecret",
                "url",
            ),
            (
                "otpauth://pipush/S?url=ftp://h&enrollment_credential=c0ffee5ecret",
                "url",
            ),
            (
                "otpauth://pipush/S?url=https://h/p",
                "enrollment_credential",
            ),
            (
                &format!("{ok}&enrollment_credential=other"),
                "enrollment_credential",
            ),
            (
                "otpauth://pipush/?url=https://h/p&enrollment_credential=c0ffee5ecret",
                "serial",
            ),
            (&format!("{ok}&ttl=ten"), "ttl"),
            (&format!("{ok}&ttl=-5"), "ttl"),
            (&format!("{ok}&sslverify=maybe"), "sslverify"),
            (&format!("{ok}&v=x"), "v"),
            (&format!("{ok}&serial=A&serial=B"), "serial"),
            (
                "otpauth://pipush/%FF?url=https://h/p&enrollment_credential=c0ffee5ecret",
                "label",
            ),
            ("otpauth://totp/S?secret=AAAA", "scheme"),
            (
                "otpauth://pipushy/S?url=https://h/p&enrollment_credential=c",
                "scheme",
            ),
        ];
        for (text, field) in cases {
            let error = parse(text).unwrap_err();
            assert_eq!(error.field(), field, "{text}");
            assert!(!error.to_string().contains("c0ffee"), "{error}");
        }
        assert!(!is_push_uri("otpauth://pipushy/S"));
        assert!(!is_push_uri("otpauth://totp/S"));
    }
}
