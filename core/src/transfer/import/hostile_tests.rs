//! Crafted files that would make a naive reader spin or allocate without
//! bound: each must give a typed error, quickly.

use std::time::{Duration, Instant};

use super::{Format, ImportError, MAX_ENTRIES, read};
use crate::test_time::scaled;

/// Reads `bytes` as `format`, asserting it takes under two seconds (scaled
/// under emulation: `crate::test_time`).
fn read_quickly(format: Format, bytes: &[u8]) -> Result<super::Imported, ImportError> {
    let start = Instant::now();
    let result = read(format, bytes, None);
    let took = start.elapsed();
    assert!(
        took < scaled(Duration::from_secs(2)),
        "{} took {took:?}",
        format.name()
    );
    result
}

#[test]
fn freeotp_one_string_referenced_many_times() {
    // The reported shape: one 5 MB string, 99,999 references to it.
    let bytes = super::java_serial::tests::long_string_referenced(5 << 20, 99_999);
    assert_eq!(
        read_quickly(Format::FreeOtp, &bytes).map(|_| ()),
        Err(ImportError::TooLarge)
    );
    // Smaller, so that a reader copying strings would still finish: 2,000
    // copies of 64 KiB.
    let bytes = super::java_serial::tests::long_string_referenced(64 << 10, 2000);
    assert_eq!(
        read_quickly(Format::FreeOtp, &bytes).map(|_| ()),
        Err(ImportError::TooLarge)
    );
}

#[test]
fn deep_nesting_is_an_error_in_every_format() {
    let arrays = "[".repeat(1 << 20);
    let objects = "{\"a\":".repeat(1 << 18);
    let xml = format!("<map>{}", "<a>".repeat(1 << 18));
    for format in Format::ALL {
        for bytes in [arrays.as_bytes(), objects.as_bytes(), xml.as_bytes()] {
            assert!(
                read_quickly(format, bytes).is_err(),
                "{} read a deeply nested file",
                format.name()
            );
        }
    }
}

#[test]
fn millions_of_xml_nodes_are_refused() {
    let xml = format!("<map>{}</map>", "<a/>".repeat(1 << 20));
    for format in [Format::FreeOtp, Format::Authy] {
        assert_eq!(
            read_quickly(format, xml.as_bytes()).map(|_| ()),
            Err(ImportError::TooLarge),
            "{}",
            format.name()
        );
    }
}

#[test]
fn more_entries_than_any_export_are_refused() {
    let entry = r#"{"type":"totp","name":"n","issuer":"i","info":{"secret":"JBSWY3DPEHPK3PXP"}}"#;
    let aegis = |n: usize| {
        let entries = vec![entry; n].join(",");
        format!(
            r#"{{"version":1,"header":{{"slots":null,"params":null}},"db":{{"version":3,"entries":[{entries}]}}}}"#
        )
    };
    assert_eq!(
        read_quickly(Format::Aegis, aegis(MAX_ENTRIES).as_bytes())
            .unwrap()
            .accounts
            .len(),
        MAX_ENTRIES
    );
    assert_eq!(
        read_quickly(Format::Aegis, aegis(MAX_ENTRIES + 1).as_bytes()).map(|_| ()),
        Err(ImportError::TooLarge)
    );
    // Lists in other formats stop at the first entry too many, before the
    // rest is read (here: never closed, so reading on would be a JSON error;
    // Aegis's content is checked as a whole first, as the file's `db`).
    let many = |entry: &str| vec![entry; MAX_ENTRIES + 1].join(",");
    let files = [
        (Format::AndOtp, format!("[{},x", many(r#"{"secret":""}"#))),
        (
            Format::TwoFas,
            format!(
                r#"{{"schemaVersion":4,"services":[{},x"#,
                many(r#"{"secret":""}"#)
            ),
        ),
        (Format::FreeOtp, format!(r#"{{"tokens":[{},x"#, many("{}"))),
    ];
    for (format, file) in files {
        assert_eq!(
            read_quickly(format, file.as_bytes()).map(|_| ()),
            Err(ImportError::TooLarge),
            "{}",
            format.name()
        );
    }
    // Lines that are not URIs count too (they are reported one by one).
    let lines = "otpauth://nonsense\n".repeat(MAX_ENTRIES + 1);
    assert_eq!(
        read_quickly(Format::UriList, lines.as_bytes()).map(|_| ()),
        Err(ImportError::TooLarge)
    );
}

#[test]
fn export_codes_full_of_empty_entries_stop_early() {
    use base64::Engine;
    // Each code: 6,000 empty entries (two bytes of protobuf each), in 16 KiB
    // of base64; 512 codes are 8 MiB of text and 3 million entries, read in
    // seconds and a gigabyte. The third code is already too many.
    let payload = [0x0a, 0x00].repeat(6000);
    let data = base64::engine::general_purpose::STANDARD.encode(payload);
    let line = format!("otpauth-migration://offline?data={data}\n");
    let text = line.repeat(512);
    let start = Instant::now();
    assert_eq!(
        read(Format::UriList, text.as_bytes(), None).map(|_| ()),
        Err(ImportError::TooLarge)
    );
    let took = start.elapsed();
    assert!(took < scaled(Duration::from_millis(500)), "took {took:?}");
}
