//! `uri::parse` on arbitrary UTF-8: it must never panic, and whatever it
//! accepts must be written back by `uri::format` to a URI that parses to the
//! same account.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::provision::uri;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(account) = uri::parse(text) {
        let written = uri::format(&account);
        // EXPOSE: the fuzz target reads back the URI it has just written.
        let again = uri::parse(written.expose());
        assert!(
            again.as_ref() == Ok(&account),
            "format/parse round trip changed an account (issuer {:?}, name {:?}): {:?}",
            account.issuer,
            account.name,
            again.map(|a| (a.issuer, a.name)),
        );
    }
});
