//! Vakt backup files from arbitrary bytes: parsing and inspecting must refuse
//! or read them without panicking (no key is needed for either).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::backup;

fuzz_target!(|data: &[u8]| {
    let _ = backup::format::parse(data);
    let _ = backup::inspect(data);
});
