//! `decode_image` on arbitrary bytes: must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vakt_core::qr::decode_image(data);
});
