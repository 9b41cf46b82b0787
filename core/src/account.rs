//! What an account is: how its codes are made, and the names it is shown by.

use crate::otp::{self, Algorithm, Code, CodeView, Digits, Period};
use crate::secret::SecretBytes;

/// How an account's codes are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OtpKind {
    /// Time-based (RFC 6238).
    Totp {
        /// Length of one code's validity in seconds.
        period: Period,
    },
    /// Counter-based (RFC 4226). `counter` is the counter of the next code.
    Hotp {
        /// The counter the next code is made from.
        counter: u64,
    },
    /// Steam Guard: SHA1, 30-second periods, five characters.
    Steam,
}

impl OtpKind {
    /// `totp`, `hotp` or `steam`, as in otpauth URIs and the CLI's JSON.
    pub fn name(&self) -> &'static str {
        match self {
            OtpKind::Totp { .. } => "totp",
            OtpKind::Hotp { .. } => "hotp",
            OtpKind::Steam => "steam",
        }
    }

    /// The period of a time-based kind (30 s for Steam), `None` for HOTP.
    pub fn period(&self) -> Option<Period> {
        match self {
            OtpKind::Totp { period } => Some(*period),
            OtpKind::Steam => Some(Period::THIRTY),
            OtpKind::Hotp { .. } => None,
        }
    }
}

/// Everything needed to make codes. The key is a secret type; the rest is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtpParams {
    /// TOTP, HOTP or Steam (with its period or counter).
    pub kind: OtpKind,
    /// The HMAC hash (always SHA1 for Steam).
    pub algorithm: Algorithm,
    /// Number of digits (ignored for Steam, whose codes have five characters).
    pub digits: Digits,
    /// The shared key.
    pub secret: OtpSecret,
}

/// An account's shared OTP key: at least one byte, never shown in `Debug`.
#[derive(Clone)]
pub struct OtpSecret(SecretBytes);

impl std::fmt::Debug for OtpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpSecret(<redacted>)")
    }
}

impl PartialEq for OtpSecret {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0)
    }
}

impl Eq for OtpSecret {}

impl OtpSecret {
    /// `None` for an empty key.
    pub fn new(bytes: SecretBytes) -> Option<Self> {
        (!bytes.is_empty()).then_some(Self(bytes))
    }

    /// The key bytes.
    pub fn bytes(&self) -> &SecretBytes {
        &self.0
    }

    /// The key in base32, upper case, without padding (the form QR codes carry).
    pub fn to_base32(&self) -> crate::SecretString {
        // EXPOSE: encoding the key for an explicit reveal or an export.
        crate::SecretString::new(base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            self.0.expose(),
        ))
    }
}

impl OtpParams {
    /// The code for `step` (a TOTP/Steam time step or an HOTP counter).
    pub fn code_at_step(&self, step: u64) -> Code {
        match self.kind {
            OtpKind::Steam => otp::steam_code(self.secret.bytes(), step),
            OtpKind::Totp { .. } | OtpKind::Hotp { .. } => {
                otp::hotp(self.algorithm, self.secret.bytes(), step, self.digits)
            }
        }
    }

    /// The code view at `unix_seconds` for time-based kinds; `None` for HOTP
    /// (whose codes depend on a counter, not on time).
    pub fn code_view(&self, unix_seconds: u64) -> Option<CodeView> {
        let period = self.kind.period()?;
        Some(otp::code_view(unix_seconds, period, |step| {
            self.code_at_step(step)
        }))
    }

    /// The code a CLI or UI shows "now": at `unix_seconds` for time-based kinds,
    /// for the stored counter for HOTP (without advancing it).
    pub fn current_code(&self, unix_seconds: u64) -> Code {
        match self.kind {
            OtpKind::Hotp { counter } => self.code_at_step(counter),
            OtpKind::Totp { period } => self.code_at_step(otp::time_step(unix_seconds, period)),
            OtpKind::Steam => self.code_at_step(otp::time_step(unix_seconds, Period::THIRTY)),
        }
    }

    /// The number of characters of this account's codes.
    pub fn code_length(&self) -> u8 {
        match self.kind {
            OtpKind::Steam => otp::STEAM_DIGITS,
            _ => self.digits.get(),
        }
    }
}

/// An account: the names it is shown by, and its OTP parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The service ("GitHub"); may be empty.
    pub issuer: String,
    /// The user's name at that service ("alice@example.com"); may be empty.
    pub name: String,
    /// How codes are made.
    pub params: OtpParams,
}

impl Account {
    /// Builds an account, trimming surrounding white space from the names.
    pub fn new(issuer: &str, name: &str, params: OtpParams) -> Self {
        Self {
            issuer: issuer.trim().to_owned(),
            name: name.trim().to_owned(),
            params,
        }
    }
}

/// How an account is named on screen and in messages: "Issuer (name)", or
/// whichever of the two is not empty, or "(no name)". The one label format of
/// accounts everywhere (lists, scans, imports, exports).
pub fn display_label(issuer: &str, name: &str) -> String {
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer} ({name})"),
        (false, true) => issuer.to_owned(),
        (true, false) => name.to_owned(),
        (true, true) => "(no name)".to_owned(),
    }
}

impl Account {
    /// The account's label on screen: see [`display_label`].
    pub fn display_label(&self) -> String {
        display_label(&self.issuer, &self.name)
    }
}
