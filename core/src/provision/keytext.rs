//! Reading an OTP key typed or scanned as base32 text.
//!
//! Real keys arrive in lower case, grouped with spaces or dashes ("can't scan the
//! code?" screens show `abcd efgh ijkl mnop`), with or without `=` padding. All of
//! that is accepted; anything else is refused with the position of the first bad
//! character (never the character itself: it is part of a secret).

use zeroize::Zeroizing;

use crate::account::OtpSecret;
use crate::secret::SecretBytes;

/// Why a typed or scanned key was refused. Messages name no part of the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyTextError {
    /// Nothing left after removing spaces, dashes and padding.
    #[error("the key is empty")]
    Empty,
    /// A character that is not base32 (A–Z, 2–7), at this 1-based position of the
    /// key as given.
    #[error("character {position} of the key is not base32 (A-Z, 2-7)")]
    NotBase32 {
        /// 1-based position in the text as given.
        position: usize,
    },
    /// A length no base32 encoding has (1, 3 or 6 characters past a multiple of 8):
    /// a character is missing or extra.
    #[error("the key has {length} base32 characters, a length no key has (one missing or extra?)")]
    BadLength {
        /// Number of base32 characters after cleaning.
        length: usize,
    },
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == '-'
}

/// Parses a base32 key, tolerant of case, spaces, dashes and padding.
pub fn parse_base32_key(text: &str) -> Result<OtpSecret, KeyTextError> {
    let mut clean = Zeroizing::new(String::with_capacity(text.len()));
    let trimmed_end = text.trim_end_matches(|c: char| c == '=' || is_separator(c));
    for (index, c) in trimmed_end.chars().enumerate() {
        if is_separator(c) {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        if !(upper.is_ascii_uppercase() || ('2'..='7').contains(&upper)) {
            return Err(KeyTextError::NotBase32 {
                position: index + 1,
            });
        }
        clean.push(upper);
    }
    if clean.is_empty() {
        return Err(KeyTextError::Empty);
    }
    if matches!(clean.len() % 8, 1 | 3 | 6) {
        return Err(KeyTextError::BadLength {
            length: clean.len(),
        });
    }
    let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &clean).ok_or(
        KeyTextError::BadLength {
            length: clean.len(),
        },
    )?;
    OtpSecret::new(SecretBytes::new(bytes)).ok_or(KeyTextError::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b32(text: &str) -> Result<Vec<u8>, KeyTextError> {
        parse_base32_key(text).map(|s| s.bytes().expose().to_vec())
    }

    #[test]
    fn tolerant_forms_agree() {
        let want = b"Hello!\xde\xad\xbe\xef".to_vec();
        for form in [
            "JBSWY3DPEHPK3PXP",
            "jbswy3dpehpk3pxp",
            "jbsw y3dp ehpk 3pxp",
            "JBSW-Y3DP-EHPK-3PXP",
            "  JBSWY3DPEHPK3PXP\n",
            "JBSWY3DPEHPK3PXP====",
            "jBsW  y3Dp\tEHPK 3pXp =",
        ] {
            assert_eq!(b32(form).as_ref(), Ok(&want), "{form:?}");
        }
    }

    #[test]
    fn refusals_name_the_problem_not_the_key() {
        assert_eq!(b32(""), Err(KeyTextError::Empty));
        assert_eq!(b32(" - = "), Err(KeyTextError::Empty));
        assert_eq!(
            b32("JBSWY3DP1"),
            Err(KeyTextError::NotBase32 { position: 9 })
        );
        assert_eq!(
            b32("JB=SWY3DP"),
            Err(KeyTextError::NotBase32 { position: 3 })
        );
        assert_eq!(b32("JBSWY3DPE"), Err(KeyTextError::BadLength { length: 9 }));
        let message = parse_base32_key("SECRETKEY8").unwrap_err().to_string();
        assert!(!message.contains("SECRETKEY"), "{message}");
        assert!(message.contains("10"), "{message}");
    }

    #[test]
    fn every_valid_length_class_decodes() {
        for len in 1..=40usize {
            let text: String = "A".repeat(len);
            let ok = !matches!(len % 8, 1 | 3 | 6);
            assert_eq!(b32(&text).is_ok(), ok, "length {len}");
        }
    }
}
