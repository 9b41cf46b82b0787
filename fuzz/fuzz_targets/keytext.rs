//! `keytext::parse_base32_key` on arbitrary UTF-8: it must never panic; a key
//! it accepts must read back the same from its canonical base32; a refusal
//! names a position within the text and never repeats the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::provision::keytext::{KeyTextError, parse_base32_key};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_base32_key(text) {
        Ok(key) => {
            let canonical = key.to_base32();
            // EXPOSE: the fuzz target reads back the key it has just encoded.
            let again = parse_base32_key(canonical.expose());
            assert!(
                again.as_ref() == Ok(&key),
                "canonical base32 reads back differently"
            );
            assert!(!key.bytes().is_empty());
        }
        Err(e) => {
            if let KeyTextError::NotBase32 { position } = e {
                assert!(position >= 1 && position <= text.chars().count());
            }
            let message = e.to_string();
            let looks_like_a_key = text.len() >= 8
                && text
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c));
            assert!(
                !(looks_like_a_key && message.contains(text)),
                "the message repeats the key"
            );
        }
    }
});
