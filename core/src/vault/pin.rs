//! PINs: digits only, 4–12 long, and not obviously guessable.

use crate::secret::SecretString;

/// The shortest PIN length the format allows at all.
pub const PIN_MIN_LEN: usize = 4;
/// The longest PIN.
pub const PIN_MAX_LEN: usize = 12;

/// Rules for new PINs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinPolicy {
    /// Minimum length, 4..=12 (default 4).
    pub min_len: usize,
}

impl Default for PinPolicy {
    fn default() -> Self {
        Self {
            min_len: PIN_MIN_LEN,
        }
    }
}

/// Why a PIN was refused. Messages never contain the PIN.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// Something other than the digits 0–9.
    #[error("a PIN has digits only")]
    NotDigits,
    /// Shorter than the policy allows.
    #[error("a PIN needs at least {min} digits")]
    TooShort {
        /// The minimum length in force.
        min: usize,
    },
    /// Longer than 12 digits.
    #[error("a PIN has at most {max} digits")]
    TooLong {
        /// The maximum length.
        max: usize,
    },
    /// One digit repeated.
    #[error("this PIN is one digit repeated; choose one that is harder to guess")]
    AllSame,
    /// A straight ascending or descending run such as 1234 or 9876.
    #[error("this PIN is a run of consecutive digits; choose one that is harder to guess")]
    Sequence,
    /// Among the most common PINs.
    #[error("this PIN is among the most commonly used; choose one that is harder to guess")]
    Common,
}

/// The most common 4- and 6-digit PINs that the other rules do not already
/// catch (after the published frequency analyses of leaked PIN sets).
const COMMON: &[&str] = &[
    "1212", "1004", "2000", "6969", "1122", "1313", "2001", "1010", "2580", "0852", "1221", "2468",
    "1357", "7890", "0007", "1984", "1998", "2580", "5683", "1100", "123123", "121212", "112233",
    "696969", "159753", "147258", "258369", "123321", "789456", "520520", "101010", "131313",
    "100200", "007007", "000123", "142536", "852456", "147852", "159357",
];

/// A PIN of valid form (digits, 4–12 long). Whether it is strong enough to be
/// *set* is a separate check ([`Pin::new_checked`]); an existing PIN is only
/// ever compared through key derivation.
#[derive(Clone)]
pub struct Pin(SecretString);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl Pin {
    /// Checks the form only: digits, 4–12 long. White space around is ignored.
    pub fn parse(text: &str) -> Result<Self, PinError> {
        let text = text.trim();
        if !text.bytes().all(|b| b.is_ascii_digit()) || text.is_empty() {
            return Err(PinError::NotDigits);
        }
        if text.len() < PIN_MIN_LEN {
            return Err(PinError::TooShort { min: PIN_MIN_LEN });
        }
        if text.len() > PIN_MAX_LEN {
            return Err(PinError::TooLong { max: PIN_MAX_LEN });
        }
        Ok(Self(SecretString::from_str_copy(text)))
    }

    /// Checks a PIN the user wants to set: form, the policy's minimum length,
    /// and not obviously guessable.
    pub fn new_checked(text: &str, policy: &PinPolicy) -> Result<Self, PinError> {
        let pin = Self::parse(text)?;
        // EXPOSE: judging the PIN's strength before it is set.
        let digits = pin.0.expose().as_bytes();
        let min = policy.min_len.clamp(PIN_MIN_LEN, PIN_MAX_LEN);
        if digits.len() < min {
            return Err(PinError::TooShort { min });
        }
        if digits.windows(2).all(|w| w.first() == w.get(1)) {
            return Err(PinError::AllSame);
        }
        let steps = |step: i16| {
            digits.windows(2).all(|w| match (w.first(), w.get(1)) {
                (Some(a), Some(b)) => i16::from(*b) - i16::from(*a) == step,
                _ => false,
            })
        };
        if steps(1) || steps(-1) {
            return Err(PinError::Sequence);
        }
        if COMMON.iter().any(|c| c.as_bytes() == digits) {
            return Err(PinError::Common);
        }
        Ok(pin)
    }

    /// The digits, for key derivation.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), PinError> {
        Pin::new_checked(text, &PinPolicy::default()).map(|_| ())
    }

    #[test]
    fn rules() {
        assert_eq!(check("4829"), Ok(()));
        assert_eq!(check("482917305561"), Ok(()));
        assert_eq!(check("48a9"), Err(PinError::NotDigits));
        assert_eq!(check(""), Err(PinError::NotDigits));
        assert_eq!(check("٤٨٢٩"), Err(PinError::NotDigits)); // Arabic-Indic digits
        assert_eq!(check("482"), Err(PinError::TooShort { min: 4 }));
        assert_eq!(check("4829173055612"), Err(PinError::TooLong { max: 12 }));
        assert_eq!(check("0000"), Err(PinError::AllSame));
        assert_eq!(check("999999"), Err(PinError::AllSame));
        assert_eq!(check("1234"), Err(PinError::Sequence));
        assert_eq!(check("0123456789"), Err(PinError::Sequence));
        assert_eq!(check("9876"), Err(PinError::Sequence));
        assert_eq!(check("1212"), Err(PinError::Common));
        assert_eq!(check("2580"), Err(PinError::Common));
        assert_eq!(check("123123"), Err(PinError::Common));
        assert_eq!(
            Pin::new_checked("4829", &PinPolicy { min_len: 6 }).map(|_| ()),
            Err(PinError::TooShort { min: 6 })
        );
        // An existing PIN is only checked for form.
        assert!(Pin::parse("1234").is_ok());
    }

    #[test]
    fn debug_and_errors_hide_the_pin() {
        let pin = Pin::parse("4829").unwrap();
        assert!(!format!("{pin:?}").contains("4829"));
        for bad in ["48a9", "482", "1212", "1234", "0000"] {
            let message = check(bad).unwrap_err().to_string();
            assert!(!message.contains(bad), "{message}");
        }
    }
}
