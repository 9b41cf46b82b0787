//! Escrow records and organisation keys from arbitrary bytes: reading a
//! record's header, opening it with the saved organisation key (the seed
//! record is sealed to it, so mutations reach the payload decoder), decoding a
//! payload, and reading keys must refuse or read them without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::escrow::{EscrowPayload, OrgIdentity, OrgPublicKey, RecordHeader, open};

const ORG_KEY: &str = include_str!("../../fixtures/escrow/org.key");

fuzz_target!(|data: &[u8]| {
    let _ = RecordHeader::read(data);
    if let Ok(identity) = OrgIdentity::parse(ORG_KEY) {
        let _ = open(data, &identity);
    }
    let _ = EscrowPayload::decode(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = OrgPublicKey::parse(text);
        let _ = OrgIdentity::parse(text);
    }
});
