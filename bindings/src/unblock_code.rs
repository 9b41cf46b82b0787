//! A new unblock code on its way to the screen. It crosses the FFI as an
//! object, not as a `String` field of a record: uniffi's generated
//! `toString` (Kotlin), `description` (Swift) and `__str__` (Python) print
//! every field of a record, so a logged result would carry the code. An
//! object prints nothing of its contents; [`NewUnblockCode::reveal`] is the
//! one way to the text, for the one screen that shows it.

use vakt_core::vault::UnblockCode;

/// A new unblock code: show it once (`reveal`), never store it. Printing the
/// object shows no part of the code.
#[derive(uniffi::Object)]
pub struct NewUnblockCode {
    code: UnblockCode,
}

impl NewUnblockCode {
    /// Wraps a code the core made.
    pub(crate) fn new(code: UnblockCode) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self { code })
    }
}

impl std::fmt::Debug for NewUnblockCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewUnblockCode")
    }
}

#[uniffi::export]
impl NewUnblockCode {
    /// The code as the user writes it down, grouped for reading
    /// (`XXXXX-XXXXX-XXXXX-XXXXX`). For the screen that shows it once.
    pub fn reveal(&self) -> String {
        // EXPOSE: the unblock code is shown to the user once.
        self.code.to_display().expose().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vakt_core::rng::DeterministicRandom;

    #[test]
    fn debug_shows_no_part_of_the_code() {
        let code = UnblockCode::generate(&DeterministicRandom::new(7)).unwrap();
        let shown = NewUnblockCode::new(code);
        let text = shown.reveal();
        assert_eq!(text.len(), 23);
        let debug = format!("{shown:?}");
        assert_eq!(debug, "NewUnblockCode");
        for group in text.split('-') {
            assert!(!debug.contains(group));
        }
    }
}
