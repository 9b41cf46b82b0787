//! Unblock codes: 95 random bits written as 20 characters in four groups of
//! five (`7KQ2M-0XH4D-9RTWP-3CE8B`), the last one a check character.
//!
//! The alphabet is Crockford's base32 (digits and letters without I, L, O, U),
//! read tolerantly: any case, `O` as `0`, `I` and `L` as `1`, spaces and dashes
//! ignored. The check character makes the weighted sum `Σ αⁱ·cᵢ` over GF(32)
//! vanish (α a generator of the field): since every weight is non-zero, one
//! wrong character always changes the sum, and swapping two neighbours changes it
//! by `αⁱ·(α+1)·(a−b) ≠ 0`, so both are caught before any key derivation runs.

use crate::rng::{RandomError, RandomSource};
use crate::secret::SecretString;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Number of random characters (19 × 5 = 95 bits).
pub const DATA_CHARS: usize = 19;
/// Characters in a code, check character included.
pub const CODE_CHARS: usize = DATA_CHARS + 1;
const GROUP: usize = 5;

/// Why a typed unblock code was refused before any key derivation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnblockCodeError {
    /// Not 20 characters once spaces and dashes are removed.
    #[error("an unblock code has {expected} characters; this one has {found}")]
    Length {
        /// Characters found.
        found: usize,
        /// Characters expected.
        expected: usize,
    },
    /// A character outside the code's alphabet, at this 1-based position.
    #[error("character {position} is not used in unblock codes")]
    Character {
        /// 1-based position among the code's characters.
        position: usize,
    },
    /// The check character does not match: a character is wrong or two are swapped.
    #[error("the unblock code is mistyped (its check character does not match)")]
    Check,
}

/// Multiplies by α (x) in GF(2⁵) with the primitive polynomial x⁵ + x² + 1.
fn times_alpha(v: u8) -> u8 {
    let shifted = v << 1;
    if shifted & 0x20 != 0 {
        (shifted ^ 0x25) & 0x1f
    } else {
        shifted
    }
}

/// The running check state after `values`: Horner's rule for Σ αⁱ·vᵢ.
fn check_state(values: impl IntoIterator<Item = u8>) -> u8 {
    values
        .into_iter()
        .fold(0, |state, v| times_alpha(state) ^ (v & 0x1f))
}

fn value_of(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .and_then(|p| u8::try_from(p).ok())
}

fn char_of(v: u8) -> char {
    char::from(ALPHABET.get(usize::from(v & 0x1f)).copied().unwrap_or(b'0'))
}

/// A well-formed unblock code (check character verified). Secret.
#[derive(Clone)]
pub struct UnblockCode(SecretString);

impl std::fmt::Debug for UnblockCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnblockCode(<redacted>)")
    }
}

impl UnblockCode {
    /// Draws a new code from `rng`.
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, RandomError> {
        let mut bytes = zeroize::Zeroizing::new([0u8; DATA_CHARS]);
        rng.fill(&mut bytes[..])?;
        let values: Vec<u8> = bytes.iter().map(|b| b & 0x1f).collect();
        let values = zeroize::Zeroizing::new(values);
        // The check value c makes α·state + c = 0.
        let check = times_alpha(check_state(values.iter().copied()));
        let mut text = String::with_capacity(CODE_CHARS);
        text.extend(values.iter().map(|&v| char_of(v)));
        text.push(char_of(check));
        Ok(Self(SecretString::new(text)))
    }

    /// Reads a typed code: tolerant of case, spaces, dashes, O/0 and I/L/1;
    /// refuses wrong lengths, foreign characters and a wrong check character.
    pub fn parse(text: &str) -> Result<Self, UnblockCodeError> {
        let mut values = zeroize::Zeroizing::new(Vec::with_capacity(CODE_CHARS));
        for c in text.chars().filter(|c| !(c.is_whitespace() || *c == '-')) {
            let v = value_of(c).ok_or(UnblockCodeError::Character {
                position: values.len() + 1,
            })?;
            values.push(v);
        }
        if values.len() != CODE_CHARS {
            return Err(UnblockCodeError::Length {
                found: values.len(),
                expected: CODE_CHARS,
            });
        }
        if check_state(values.iter().copied()) != 0 {
            return Err(UnblockCodeError::Check);
        }
        Ok(Self(SecretString::new(
            values.iter().map(|&v| char_of(v)).collect(),
        )))
    }

    /// The canonical 20 characters, for key derivation.
    pub(crate) fn canonical(&self) -> &str {
        self.0.expose()
    }

    /// The code grouped for reading aloud: `XXXXX-XXXXX-XXXXX-XXXXX`.
    pub fn to_display(&self) -> SecretString {
        // EXPOSE: the code is shown once to the user, who writes it down.
        let chars: Vec<char> = self.0.expose().chars().collect();
        let groups: Vec<String> = chars
            .chunks(GROUP)
            .map(|g| g.iter().collect::<String>())
            .collect();
        SecretString::new(groups.join("-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DeterministicRandom;

    #[test]
    fn generated_codes_parse_back_in_every_typed_form() {
        let rng = DeterministicRandom::new(7);
        for _ in 0..200 {
            let code = UnblockCode::generate(&rng).unwrap();
            let shown = code.to_display();
            let shown = shown.expose();
            assert_eq!(shown.len(), 23);
            assert_eq!(shown.matches('-').count(), 3);
            for typed in [
                shown.to_owned(),
                shown.to_lowercase(),
                shown.replace('-', " "),
                shown.replace('-', ""),
                shown.replace('0', "o").replace('1', "l"),
            ] {
                let parsed = UnblockCode::parse(&typed).unwrap();
                assert_eq!(parsed.canonical(), code.canonical());
            }
        }
    }

    #[test]
    fn one_wrong_character_is_always_caught() {
        let rng = DeterministicRandom::new(8);
        for _ in 0..50 {
            let code = UnblockCode::generate(&rng).unwrap();
            let chars: Vec<char> = code.canonical().chars().collect();
            for i in 0..CODE_CHARS {
                for &replacement in ALPHABET {
                    let replacement = char::from(replacement);
                    if replacement == chars[i] {
                        continue;
                    }
                    let mut typed = chars.clone();
                    typed[i] = replacement;
                    let typed: String = typed.into_iter().collect();
                    assert_eq!(
                        UnblockCode::parse(&typed).map(|_| ()),
                        Err(UnblockCodeError::Check)
                    );
                }
            }
        }
    }

    #[test]
    fn two_swapped_neighbours_are_always_caught() {
        let rng = DeterministicRandom::new(9);
        for _ in 0..500 {
            let code = UnblockCode::generate(&rng).unwrap();
            let chars: Vec<char> = code.canonical().chars().collect();
            for i in 0..CODE_CHARS - 1 {
                if chars[i] == chars[i + 1] {
                    continue;
                }
                let mut typed = chars.clone();
                typed.swap(i, i + 1);
                let typed: String = typed.into_iter().collect();
                assert_eq!(
                    UnblockCode::parse(&typed).map(|_| ()),
                    Err(UnblockCodeError::Check)
                );
            }
        }
    }

    #[test]
    fn malformed_codes() {
        assert_eq!(
            UnblockCode::parse("ABCDE").map(|_| ()),
            Err(UnblockCodeError::Length {
                found: 5,
                expected: 20
            })
        );
        assert_eq!(
            UnblockCode::parse("ABCDU").map(|_| ()),
            Err(UnblockCodeError::Character { position: 5 })
        );
    }

    #[test]
    fn codes_are_random_enough() {
        // 95 bits: no two of many draws collide, and every character occurs.
        let rng = DeterministicRandom::new(10);
        let mut seen = std::collections::HashSet::new();
        let mut chars = std::collections::HashSet::new();
        for _ in 0..2000 {
            let code = UnblockCode::generate(&rng).unwrap();
            chars.extend(code.canonical().chars());
            assert!(seen.insert(code.canonical().to_owned()));
        }
        assert_eq!(chars.len(), 32);
    }

    #[test]
    fn debug_hides_the_code() {
        let code = UnblockCode::generate(&DeterministicRandom::new(1)).unwrap();
        let canonical = code.canonical().to_owned();
        let shown = format!("{code:?}");
        assert!(!shown.contains(&canonical[..5]), "{shown}");
    }
}
