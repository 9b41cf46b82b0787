//! JSON helpers for the importers: secrets go straight into secret types, and
//! parse errors are reported by position and category, never by content.

use std::marker::PhantomData;

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{Format, ImportError, MAX_ENTRIES};
use crate::secret::SecretString;

/// A JSON string that holds a secret (a key, an encrypted blob).
pub(crate) struct Secret(pub SecretString);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(SecretString::new(s)))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A number that some apps write as a string.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Number(pub Option<u64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Float(f64),
            Text(String),
        }
        Ok(Number(match Option::<Raw>::deserialize(d)? {
            None => None,
            Some(Raw::Int(n)) => Some(n),
            Some(Raw::Float(f)) if f.fract() == 0.0 && (0.0..1e15).contains(&f) => {
                format!("{f:.0}").parse().ok()
            }
            Some(Raw::Float(_)) => None,
            Some(Raw::Text(t)) => t.trim().parse().ok(),
        }))
    }
}

/// The start of the error an [`Entries`] list longer than [`MAX_ENTRIES`]
/// gives (told apart by [`parse`]).
const TOO_MANY: &str = "more entries than any export";

/// A list of entries: its parse stops at element [`MAX_ENTRIES`] + 1 (an
/// [`ImportError::TooLarge`]), before the rest is read into memory.
pub(crate) struct Entries<T>(pub Vec<T>);

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bounded<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if out.len() >= MAX_ENTRIES {
                        return Err(A::Error::custom(TOO_MANY));
                    }
                    out.push(item);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_seq(Bounded(PhantomData))
    }
}

/// Parses `bytes` as JSON of type `T`; errors name the line and column only
/// (serde_json's messages can quote values).
pub(crate) fn parse<'a, T: Deserialize<'a>>(
    format: Format,
    bytes: &'a [u8],
) -> Result<T, ImportError> {
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() && e.to_string().starts_with(TOO_MANY) {
            return ImportError::TooLarge;
        }
        let category = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "not valid JSON"
            }
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Io => "unreadable",
        };
        ImportError::format(
            format,
            format!("{category} at line {}, column {}", e.line(), e.column()),
        )
    })
}

/// The first non-space byte.
pub(crate) fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xef && *b != 0xbb && *b != 0xbf)
}
