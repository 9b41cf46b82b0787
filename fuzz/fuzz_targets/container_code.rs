//! Container registration codes (`pia://container/…`) from arbitrary text:
//! parsed through the classifier as a scanned code would be, refused or read
//! without panicking; a code that reads keeps its nonce out of its `Debug`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::provision::{Provisioning, classify, container_code};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = container_code::parse(text);
    let prefixed = format!("pia://container/{text}");
    if let Ok(Provisioning::Container(code)) = classify(&prefixed) {
        let _ = format!("{code:?}");
        assert!(!format!("{:?}", code.nonce).contains(code.nonce.expose()));
    }
});
