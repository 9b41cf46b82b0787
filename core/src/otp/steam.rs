//! Steam Guard codes: RFC 4226 truncation, then five characters from Steam's alphabet.

use super::code::Code;
use super::hotp::truncated_value;
use super::params::Algorithm;
use crate::secret::SecretBytes;

/// The 26 characters Steam Guard codes are written with.
pub const STEAM_ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";

/// Steam codes always have five characters.
pub const STEAM_DIGITS: u8 = 5;

/// The Steam Guard code for time step `step` (30-second periods).
pub fn steam_code(key: &SecretBytes, step: u64) -> Code {
    let mut value = truncated_value(Algorithm::Sha1, key, step);
    let mut text = String::with_capacity(usize::from(STEAM_DIGITS));
    for _ in 0..STEAM_DIGITS {
        // value % 26 < 26 = the alphabet's length.
        let index = (value % 26) as usize;
        text.push(char::from(
            STEAM_ALPHABET.get(index).copied().unwrap_or(b'2'),
        ));
        value /= 26;
    }
    Code(text)
}
