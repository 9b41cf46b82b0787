//! Google Authenticator export codes from arbitrary input: the protobuf
//! decoder on raw bytes, and the scanned-code classifier on UTF-8 text. Neither
//! may panic; every entry is either imported or reported; and whatever is
//! imported is written back by the exporter to codes that decode to the same
//! accounts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::provision::google_export::{self, MigrationPayload};
use vakt_core::provision::{self, Provisioning};
use vakt_core::transfer::export::google_authenticator;

fn check(payload: &MigrationPayload) {
    let plan = google_authenticator::export(&payload.accounts, 1);
    let left_out: Vec<usize> = plan.not_exportable.iter().map(|n| n.index).collect();
    let expected: Vec<_> = payload
        .accounts
        .iter()
        .enumerate()
        .filter(|(i, _)| !left_out.contains(i))
        .map(|(_, a)| a.clone())
        .collect();
    let mut back = Vec::new();
    for code in &plan.codes {
        // EXPOSE: the fuzz target reads back the code it has just written.
        let decoded = google_export::decode_uri(code.uri.expose()).expect("own export decodes");
        assert!(
            decoded.unusable.is_empty(),
            "own export has unusable entries"
        );
        back.extend(decoded.accounts);
    }
    assert!(
        back == expected,
        "export/decode round trip changed accounts"
    );
}

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = google_export::decode_payload(data) {
        check(&payload);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Provisioning::Migration(payload)) = provision::classify(text) {
        check(&payload);
    }
});
