//! Export files of other apps from arbitrary bytes: every importer must refuse
//! or read them without panicking. The first byte picks the format; no password
//! is given, so encrypted files stop before any key derivation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::transfer::import::{self, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let format = Format::ALL[usize::from(selector) % Format::ALL.len()];
    let _ = import::read(format, body, None);
});
