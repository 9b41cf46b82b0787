//! Crafted files that would make a naive reader spin or allocate without
//! bound: each must give a typed error, quickly.

use std::time::{Duration, Instant};

use super::{Format, ImportError, MAX_ENTRIES, read};

/// Reads `bytes` as `format`, asserting it takes under two seconds.
fn read_quickly(format: Format, bytes: &[u8]) -> Result<super::Imported, ImportError> {
    let start = Instant::now();
    let result = read(format, bytes, None);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(2),
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
    // Lines that are not URIs count too (they are reported one by one).
    let lines = "otpauth://nonsense\n".repeat(MAX_ENTRIES + 1);
    assert_eq!(
        read_quickly(Format::UriList, lines.as_bytes()).map(|_| ()),
        Err(ImportError::TooLarge)
    );
}
