//! A code as shown: its characters.

use std::fmt;

/// A one-time code as shown to the user: decimal digits for HOTP/TOTP, five
/// characters for Steam. Codes are short-lived by design and are meant to be
/// displayed, so this is not a secret type.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Code(pub(super) String);

impl Code {
    /// The code's characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Converts into the code's characters.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A code grants a login for a few seconds: keep it out of debug logs.
        f.write_str("Code(<redacted>)")
    }
}
