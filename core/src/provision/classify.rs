//! What a scanned code means: one account, an export of many, a push token to
//! enrol — or nothing an authenticator uses.
//!
//! | Text of the code                          | Result                            |
//! |-------------------------------------------|-----------------------------------|
//! | `otpauth://pipush/…`                      | [`Provisioning::Push`] ([`pipush`]) |
//! | `pia://container/…`                       | [`Provisioning::Container`] ([`container_code`]) |
//! | `otpauth://…`, `apple-otpauth://…`        | [`Provisioning::Account`] ([`uri`]) |
//! | `otpauth-migration://offline?data=…`      | [`Provisioning::Migration`] ([`migration`]) |
//! | anything else                             | [`ProvisionError::NotAuthenticator`] |
//!
//! Schemes are compared without regard to case. For text that is not ours the
//! error names the scheme only (text without one may be a bare key, and the
//! rest of any code may hold a secret).

use crate::account::Account;
use crate::provision::container_code::{self, ContainerCode};
use crate::provision::google_export::{self, MigrationError, MigrationPayload};
use crate::provision::push_enrolment::{self, EnrolmentCodeError, PushEnrolment};
use crate::provision::uri::{self, UriError, strip_prefix_ignore_case};

/// What a scanned code provisions.
#[derive(Clone, Debug)]
pub enum Provisioning {
    /// One account from an `otpauth://` URI.
    Account(Account),
    /// One code of a Google Authenticator export.
    Migration(MigrationPayload),
    /// A privacyIDEA push token to enrol.
    Push(Box<PushEnrolment>),
    /// A privacyIDEA smartphone container to register with (or to take over
    /// from another phone: a rollover code reads the same).
    Container(Box<ContainerCode>),
}

/// Why a scanned code provisions nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionError {
    /// Not a code an authenticator reads (a web address, Wi-Fi settings, …).
    #[error("not an authenticator QR code ({})", describe_scheme(scheme))]
    NotAuthenticator {
        /// The scheme found (lower case, shortened), or `None` if there is none.
        scheme: Option<String>,
    },
    /// An otpauth URI that cannot be used.
    #[error("otpauth URI: {0}")]
    Uri(UriError),
    /// An export code that cannot be read at all.
    #[error("Google Authenticator export: {0}")]
    Migration(MigrationError),
    /// A push enrolment code that cannot be used.
    #[error("privacyIDEA push enrolment: {0}")]
    Push(EnrolmentCodeError),
    /// A container registration code that cannot be used.
    #[error("privacyIDEA container registration: {0}")]
    Container(EnrolmentCodeError),
}

fn describe_scheme(scheme: &Option<String>) -> String {
    match scheme {
        Some(s) => format!("scheme '{s}:'"),
        None => "no scheme".to_owned(),
    }
}

impl ProvisionError {
    /// The name of the field at fault (`scheme` for a foreign code).
    pub fn field(&self) -> &'static str {
        match self {
            ProvisionError::NotAuthenticator { .. } => "scheme",
            ProvisionError::Uri(e) => e.field(),
            ProvisionError::Migration(e) => e.field(),
            ProvisionError::Push(e) | ProvisionError::Container(e) => e.field(),
        }
    }
}

/// The scheme of `text` (RFC 3986: a letter, then letters, digits, `+`, `-`,
/// `.`), lower case, at most 32 characters; `None` if it has none.
pub fn scheme_of(text: &str) -> Option<String> {
    const MAX: usize = 32;
    let (scheme, _) = text.trim_start().split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid {
        return None;
    }
    let mut shown: String = scheme.chars().take(MAX).collect::<String>();
    shown.make_ascii_lowercase();
    if scheme.len() > MAX {
        shown.push('…');
    }
    Some(shown)
}

/// Says what the text of a scanned code provisions.
pub fn classify(text: &str) -> Result<Provisioning, ProvisionError> {
    let text = text.trim();
    if push_enrolment::is_push_uri(text) {
        return push_enrolment::parse(text)
            .map(|p| Provisioning::Push(Box::new(p)))
            .map_err(ProvisionError::Push);
    }
    if container_code::is_container_uri(text) {
        return container_code::parse(text)
            .map(|c| Provisioning::Container(Box::new(c)))
            .map_err(ProvisionError::Container);
    }
    if ["otpauth:", "apple-otpauth:"]
        .iter()
        .any(|s| strip_prefix_ignore_case(text, s).is_some())
    {
        return uri::parse(text)
            .map(Provisioning::Account)
            .map_err(ProvisionError::Uri);
    }
    if strip_prefix_ignore_case(text, "otpauth-migration:").is_some() {
        return google_export::decode_uri(text)
            .map(Provisioning::Migration)
            .map_err(ProvisionError::Migration);
    }
    Err(ProvisionError::NotAuthenticator {
        scheme: scheme_of(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_code_goes_its_way() {
        let account = classify("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A").unwrap();
        assert!(matches!(account, Provisioning::Account(a) if a.issuer == "A"));
        let apple = classify("  apple-otpauth://totp/b?secret=JBSWY3DPEHPK3PXP\n").unwrap();
        assert!(matches!(apple, Provisioning::Account(_)));
        let push = classify(include_str!(
            "../../../fixtures/privacyidea/push_enroll_url.txt"
        ));
        assert!(matches!(push, Ok(Provisioning::Push(p)) if p.serial == "PIPU0000668B"));
        let export = classify(
            "OTPAUTH-MIGRATION://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC",
        )
        .unwrap();
        assert!(matches!(export, Provisioning::Migration(m) if m.accounts.len() == 1));
    }

    #[test]
    fn foreign_codes_name_the_scheme_only() {
        for (text, scheme) in [
            ("https://example.com/login?token=hunter2", Some("https")),
            ("WIFI:S:home;T:WPA;P:hunter2;;", Some("wifi")),
            ("mailto:alice@example.com", Some("mailto")),
            ("hunter2hunter2", None),
            ("JBSWY3DPEHPK3PXP", None),
            ("9x:hunter2", None),
            ("", None),
        ] {
            let error = classify(text).unwrap_err();
            assert_eq!(
                error,
                ProvisionError::NotAuthenticator {
                    scheme: scheme.map(str::to_owned)
                },
                "{text}"
            );
            let message = error.to_string();
            assert!(
                message.starts_with("not an authenticator QR code"),
                "{message}"
            );
            assert!(!message.contains("hunter2"), "{message}");
            assert!(!message.contains("JBSW"), "{message}");
            assert_eq!(error.field(), "scheme");
        }
        let long = format!("{}:x", "a".repeat(100));
        let message = classify(&long).unwrap_err().to_string();
        assert!(message.len() < 100, "{message}");
    }

    #[test]
    fn our_schemes_with_bad_content_say_what_is_wrong() {
        let e = classify("otpauth://totp/A?secret=").unwrap_err();
        assert!(matches!(e, ProvisionError::Uri(_)), "{e:?}");
        assert_eq!(e.field(), "secret");
        let e = classify("otpauth://sms/PISM1?secret=AAAAAAAA").unwrap_err();
        assert_eq!(e.field(), "type");
        let e = classify("otpauth-migration://offline?data=%%%").unwrap_err();
        assert_eq!(e, ProvisionError::Migration(MigrationError::NotBase64));
        let e = classify("otpauth://pipush/S?enrollment_credential=ab").unwrap_err();
        assert_eq!(e.field(), "url");
    }
}
