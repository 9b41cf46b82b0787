use proptest::prelude::*;
use prost::Message;

use super::batches::MAX_CODES;
use super::*;
use crate::account::{Account, OtpKind, OtpParams, OtpSecret};
use crate::otp::{Algorithm, Digits, Period};
use crate::secret::SecretBytes;
use crate::transfer::export::google_authenticator::*;

/// Published test vector (README of github.com/dim13/otpauth, and reused by
/// many importers): one TOTP entry with only secret, name, issuer and type
/// set, and no batch fields.
const MINIMAL: &str = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC";

/// Published test vector (example of the `otpauth_migration` Dart package,
/// github.com/johncallahan/otpauth_migration): four TOTP accounts, version 1,
/// code 1 of 1, batch id 634375875. Its `data` is *not* percent-encoded.
const FOUR_ACCOUNTS: &str = "otpauth-migration://offline?data=Cj8KFGnEpnTMQ7KDguNWnddyGyCbSVLaEhhBQ01FIENvOmpvaG5AZXhhbXBsZS5jb20aB0FDTUUgQ28gASgBMAIKRAoUXkj+5MY2arwKjsnH2aDsbm6TAlYSG0JldGEgTHRkLjpob21lckBleGFtcGxlLmNvbRoJQmV0YSBMdGQuIAEoATACCkgKFDDFyzUNPgYoI3q/KGHBdcNU9ptWEh1DYXRzICYgRG9nczptYXJnZUBleGFtcGxlLmNvbRoLQ2F0cyAmIERvZ3MgASgBMAIKSAoUunHzbm5h/LUO0yilLMI+dYZY1eISHURhaWx5IEJ1Z2xlOnBldGVyQGV4YW1wbGUuY29tGgtEYWlseSBCdWdsZSABKAEwAhABGAEgACjDnb+uAg==";

fn b32(account: &Account) -> String {
    account.params.secret.to_base32().expose().to_owned()
}

fn totp(issuer: &str, name: &str, secret: &[u8]) -> Account {
    Account::new(
        issuer,
        name,
        OtpParams {
            kind: OtpKind::Totp {
                period: Period::THIRTY,
            },
            algorithm: Algorithm::Sha1,
            digits: Digits::SIX,
            secret: OtpSecret::new(SecretBytes::from_slice(secret)).unwrap(),
        },
    )
}

fn entry(secret: &[u8], name: &str, issuer: &str) -> proto::Parameters {
    proto::Parameters {
        secret: secret.to_vec(),
        name: name.as_bytes().to_vec(),
        issuer: issuer.as_bytes().to_vec(),
        algorithm: proto::algorithm::SHA1,
        digits: proto::digits::SIX,
        kind: proto::kind::TOTP,
        counter: 0,
    }
}

fn encode(entries: Vec<proto::Parameters>) -> Vec<u8> {
    proto::Payload {
        otp_parameters: entries,
        version: 1,
        batch_size: 1,
        batch_index: 0,
        batch_id: 7,
    }
    .encode_to_vec()
}

#[test]
fn reads_the_minimal_published_vector() {
    let payload = decode_uri(MINIMAL).unwrap();
    assert_eq!(payload.accounts.len(), 1);
    assert!(payload.unusable.is_empty());
    let account = &payload.accounts[0];
    assert_eq!(account.issuer, "Example");
    assert_eq!(account.name, "alice@google.com");
    assert_eq!(b32(account), "JBSWY3DPEHPK3PXP");
    // Unspecified algorithm and digits: SHA1, six.
    assert_eq!(account.params.algorithm, Algorithm::Sha1);
    assert_eq!(account.params.digits, Digits::SIX);
    assert_eq!(
        account.params.kind,
        OtpKind::Totp {
            period: Period::THIRTY
        }
    );
    // No batch fields: a code of its own.
    assert_eq!(payload.batch, BatchInfo::default());
    assert_eq!(
        (payload.batch.codes(), payload.batch.position()),
        (1, Some(0))
    );
}

#[test]
fn reads_the_four_account_published_vector_encoded_or_not() {
    let encoded = FOUR_ACCOUNTS
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace("==", "%3D%3D")
        .replacen("otpauth-migration:%2F%2F", "otpauth-migration://", 1);
    for text in [FOUR_ACCOUNTS.to_owned(), encoded] {
        let payload = decode_uri(&text).unwrap();
        let got: Vec<(String, String, String)> = payload
            .accounts
            .iter()
            .map(|a| (a.issuer.clone(), a.name.clone(), b32(a)))
            .collect();
        let want = [
            (
                "ACME Co",
                "john@example.com",
                "NHCKM5GMIOZIHAXDK2O5O4Q3ECNUSUW2",
            ),
            (
                "Beta Ltd.",
                "homer@example.com",
                "LZEP5ZGGGZVLYCUOZHD5TIHMNZXJGASW",
            ),
            (
                "Cats & Dogs",
                "marge@example.com",
                "GDC4WNINHYDCQI32X4UGDQLVYNKPNG2W",
            ),
            (
                "Daily Bugle",
                "peter@example.com",
                "XJY7G3TOMH6LKDWTFCSSZQR6OWDFRVPC",
            ),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(i, n, s)| (i.to_string(), n.to_string(), s.to_string()))
            .collect();
        assert_eq!(got, want, "{text}");
        assert_eq!(
            payload.batch,
            BatchInfo {
                version: 1,
                size: 1,
                index: 0,
                id: 634_375_875
            }
        );
    }
}

#[test]
fn tolerates_unpadded_url_safe_and_spaced_base64() {
    let data = &MINIMAL[MINIMAL.find("data=").unwrap() + 5..];
    let bytes = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(data)
            .unwrap()
    };
    let want = decode_payload(&bytes).unwrap();
    let variants = {
        use base64::Engine;
        let g = &base64::engine::general_purpose::STANDARD;
        let u = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let with_plus = g.encode(encode(vec![entry(&[0xfb; 5], "n", "i")]));
        assert!(with_plus.contains('+'));
        vec![
            (
                format!("otpauth-migration://offline?data={}", g.encode(&bytes)),
                None,
            ),
            (
                format!("otpauth-migration://OFFLINE/?DATA={}", u.encode(&bytes)),
                None,
            ),
            (
                format!(
                    "otpauth-migration://offline?x=1&data={}",
                    with_plus.replace('+', " ")
                ),
                Some(with_plus),
            ),
        ]
    };
    for (text, plus) in variants {
        let got = decode_uri(&text).unwrap();
        match plus {
            None => assert_eq!(got, want, "{text}"),
            Some(_) => assert_eq!(got.accounts[0].params.secret.bytes().expose(), &[0xfb; 5]),
        }
    }
}

#[test]
fn unusable_entries_are_named_and_the_rest_imported() {
    let mut md5 = entry(b"zq1", "MD5 Inc:md5@x", "MD5 Inc");
    md5.algorithm = proto::algorithm::MD5;
    let mut untyped = entry(b"zq2", "untyped", "");
    untyped.kind = proto::kind::UNSPECIFIED;
    let mut seven = entry(b"zq3", "Seven:s", "Seven");
    seven.digits = 3;
    let empty = entry(b"", "Empty:e", "Empty");
    let mut negative = entry(b"zq5", "Neg:n", "Neg");
    negative.kind = proto::kind::HOTP;
    negative.counter = -1;
    let mut odd_algorithm = entry(b"zq6", "Odd:o", "Odd");
    odd_algorithm.algorithm = 9;
    let mut odd_type = entry(b"zq7", "", "");
    odd_type.kind = 7;
    let good = entry(b"hunter2-key", "Good:g", "Good");
    let mut hotp = entry(b"zq9", "Counter:c", "Counter");
    hotp.kind = proto::kind::HOTP;
    hotp.counter = 41;
    hotp.digits = proto::digits::EIGHT;
    hotp.algorithm = proto::algorithm::SHA512;
    let payload = decode_payload(&encode(vec![
        md5,
        untyped,
        seven,
        empty,
        negative,
        odd_algorithm,
        odd_type,
        good,
        hotp,
    ]))
    .unwrap();

    let names: Vec<String> = payload.accounts.iter().map(|a| a.issuer.clone()).collect();
    assert_eq!(names, ["Good", "Counter"]);
    let counter = &payload.accounts[1].params;
    assert_eq!(counter.kind, OtpKind::Hotp { counter: 41 });
    assert_eq!(counter.digits, Digits::EIGHT);
    assert_eq!(counter.algorithm, Algorithm::Sha512);

    let reported: Vec<(usize, String, &str)> = payload
        .unusable
        .iter()
        .map(|u| (u.position, u.label(), u.error.field()))
        .collect();
    assert_eq!(
        reported,
        [
            (0, "MD5 Inc (md5@x)".to_owned(), "algorithm"),
            (1, "untyped".to_owned(), "type"),
            (2, "Seven (s)".to_owned(), "digits"),
            (3, "Empty (e)".to_owned(), "secret"),
            (4, "Neg (n)".to_owned(), "counter"),
            (5, "Odd (o)".to_owned(), "algorithm"),
            (6, "entry 7".to_owned(), "type"),
        ]
    );
    assert_eq!(payload.unusable[0].error, EntryError::Md5);
    assert_eq!(payload.unusable[2].error, EntryError::Digits(3));
    for u in &payload.unusable {
        assert!(!u.error.to_string().contains("zq"), "{}", u.error);
    }
    let shown = format!("{payload:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn names_that_are_not_utf8_are_kept_lossily() {
    let mut bad = entry(b"key", "", "");
    bad.name = b"Caf\xe9:bob".to_vec();
    let payload = decode_payload(&encode(vec![bad])).unwrap();
    assert_eq!(payload.accounts[0].issuer, "Caf\u{fffd}");
    assert_eq!(payload.accounts[0].name, "bob");
}

#[test]
fn unreadable_codes_say_which_part() {
    let cases = [
        ("otpauth://offline?data=AAAA", MigrationError::Scheme),
        ("otpauth-migration://online?data=AAAA", MigrationError::Host),
        ("otpauth-migration://offline", MigrationError::MissingData),
        (
            "otpauth-migration://offline?data=",
            MigrationError::MissingData,
        ),
        (
            "otpauth-migration://offline?data=CgA=&data=CgB=",
            MigrationError::DuplicateData,
        ),
        (
            "otpauth-migration://offline?data=*not*",
            MigrationError::NotBase64,
        ),
        (
            "otpauth-migration://offline?data=AAAA",
            MigrationError::NotProtobuf,
        ),
        (
            "otpauth-migration://offline?data=Cv8B",
            MigrationError::NotProtobuf,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(decode_uri(text), Err(want.clone()), "{text}");
    }
    let long = format!(
        "otpauth-migration://offline?data={}",
        "A".repeat(MAX_DATA_CHARS + 4)
    );
    assert!(matches!(
        decode_uri(&long),
        Err(MigrationError::TooLong { .. })
    ));
    assert_eq!(MigrationError::Host.field(), "host");
    assert_eq!(MigrationError::NotBase64.field(), "data");
}

#[test]
fn an_empty_code_decodes_to_nothing() {
    let payload = decode_payload(&[]).unwrap();
    assert!(payload.accounts.is_empty() && payload.unusable.is_empty());
}

#[test]
fn the_tracker_says_which_codes_are_missing() {
    let code = |id, index, size| BatchInfo {
        version: 1,
        size,
        index,
        id,
    };
    let mut batches = MigrationBatches::new();
    assert!(batches.is_complete());
    assert_eq!(batches.feed(&code(5, 1, 3)), Ok(Fed::New));
    assert_eq!(batches.missing_from(5), Some(vec![0, 2]));
    assert_eq!(batches.missing_from(6), None);
    assert_eq!(batches.feed(&code(5, 1, 3)), Ok(Fed::Again));
    assert_eq!(batches.feed(&code(9, 0, 0)), Ok(Fed::New)); // a code on its own
    assert_eq!(
        batches.missing(),
        [MissingCodes {
            batch_id: 5,
            batch_size: 3,
            missing: vec![0, 2]
        }]
    );
    assert!(!batches.is_complete());
    assert_eq!(
        batches.feed(&code(5, 0, 4)),
        Err(BatchError::SizeMismatch {
            id: 5,
            expected: 3,
            found: 4
        })
    );
    assert_eq!(
        batches.feed(&code(5, 3, 3)),
        Err(BatchError::IndexOutOfRange { index: 3, size: 3 })
    );
    assert_eq!(
        batches.feed(&code(5, -1, 3)).unwrap_err().field(),
        "batch_index"
    );
    assert_eq!(
        batches.feed(&code(8, 0, MAX_CODES as i32 + 1)),
        Err(BatchError::TooManyCodes {
            size: MAX_CODES + 1
        })
    );
    batches.feed(&code(5, 0, 3)).unwrap();
    batches.feed(&code(5, 2, 3)).unwrap();
    assert!(batches.is_complete());
    assert!(batches.missing().is_empty());
    assert_eq!(batches.exports(), 2);
}

#[test]
fn export_writes_what_google_authenticator_writes() {
    let account = totp("Example", "alice@google.com", b"Hello!\xde\xad\xbe\xef");
    let plan = export(std::slice::from_ref(&account), 634_375_875);
    assert_eq!(plan.codes.len(), 1);
    let code = &plan.codes[0];
    let text = code.uri.expose();
    assert!(
        text.starts_with("otpauth-migration://offline?data="),
        "{text}"
    );
    assert!(!text[33..].contains(['+', '/', '=']), "{text}");
    let raw = {
        use base64::Engine;
        let data = percent_encoding::percent_decode_str(&text[33..]).collect::<Vec<u8>>();
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap()
    };
    let payload = proto::Payload::decode(raw.as_slice()).unwrap();
    assert_eq!(
        (
            payload.version,
            payload.batch_size,
            payload.batch_index,
            payload.batch_id
        ),
        (1, 1, 0, 634_375_875)
    );
    let p = &payload.otp_parameters[0];
    assert_eq!(p.secret, b"Hello!\xde\xad\xbe\xef");
    assert_eq!(p.name, b"Example:alice@google.com");
    assert_eq!(p.issuer, b"Example");
    assert_eq!((p.algorithm, p.digits, p.kind), (1, 1, 2));
    assert_eq!(decode_uri(text).unwrap().accounts, [account]);
}

#[test]
fn export_splits_by_count_and_by_size() {
    // Short names and keys: ten to a code.
    let accounts: Vec<Account> = (0..25u8)
        .map(|i| totp("S", &format!("u{i}"), &[i; 10]))
        .collect();
    let plan = export(&accounts, 42);
    let sizes: Vec<usize> = plan.codes.iter().map(|c| c.accounts.len()).collect();
    assert_eq!(sizes, [10, 10, 5]);
    for (i, code) in plan.codes.iter().enumerate() {
        assert_eq!(
            code.batch,
            BatchInfo {
                version: 1,
                size: 3,
                index: i as i32,
                id: 42
            }
        );
    }

    // Everyday names and keys: as many as fit the byte budget, and no code
    // could have taken the next account too.
    let everyday: Vec<Account> = (0..30u8)
        .map(|i| totp("Service", &format!("user{i}@example.com"), &[i; 20]))
        .collect();
    let plan = export(&everyday, 42);
    let mut next = 0;
    for code in &plan.codes {
        assert_eq!(code.accounts[0], next);
        next += code.accounts.len();
        assert!(code.uri.expose().len() <= TARGET_URI_BYTES + 88);
        if next < everyday.len() && code.accounts.len() < MAX_ACCOUNTS_PER_CODE {
            let one_more = &everyday[code.accounts[0]..=next];
            assert_eq!(export(one_more, 42).codes.len(), 2, "{next}");
        }
    }
    assert_eq!(next, everyday.len());
    assert!(
        plan.codes[0].accounts.len() >= 8,
        "{}",
        plan.codes[0].accounts.len()
    );

    // Long names and 64-byte keys fill a code before ten accounts.
    let big: Vec<Account> = (0..12u8)
        .map(|i| {
            totp(
                &"Very Long Issuer Name Incorporated ".repeat(2),
                &format!("a.rather.long.user.name.{i}@example.com"),
                &[i; 64],
            )
        })
        .collect();
    let plan = export(&big, 1);
    assert!(plan.codes.len() > 2, "{}", plan.codes.len());
    let mut order = Vec::new();
    for code in &plan.codes {
        assert!(code.uri.expose().len() <= TARGET_URI_BYTES + 88);
        assert!(code.accounts.len() < MAX_ACCOUNTS_PER_CODE);
        order.extend(code.accounts.iter().copied());
    }
    assert_eq!(order, (0..12).collect::<Vec<_>>());
}

#[test]
fn export_reports_what_the_format_cannot_express() {
    let base = totp("I", "n", b"key");
    let with = |f: &dyn Fn(&mut OtpParams)| {
        let mut a = base.clone();
        f(&mut a.params);
        a
    };
    let accounts = vec![
        with(&|p| p.kind = OtpKind::Steam),
        with(&|p| {
            p.kind = OtpKind::Totp {
                period: Period::new(60).unwrap(),
            }
        }),
        with(&|p| p.digits = Digits::new(7).unwrap()),
        with(&|p| p.kind = OtpKind::Hotp { counter: u64::MAX }),
        base.clone(),
        Account::new(&"x".repeat(3000), "n", base.params.clone()),
        with(&|p| p.kind = OtpKind::Hotp { counter: 5 }),
    ];
    let plan = export(&accounts, 3);
    let reasons: Vec<(usize, &str)> = plan
        .not_exportable
        .iter()
        .map(|n| (n.index, n.reason.field()))
        .collect();
    assert_eq!(
        reasons,
        [
            (0, "type"),
            (1, "period"),
            (2, "digits"),
            (3, "counter"),
            (5, "names")
        ]
    );
    assert_eq!(plan.codes.len(), 1);
    assert_eq!(plan.codes[0].accounts, [4, 6]);
    assert_eq!(
        plan.not_exportable[1].reason.to_string(),
        "period: 60 s (the format has 30 s only)"
    );
    assert!(export(&[], 1).codes.is_empty());
}

#[test]
fn batch_ids_are_positive() {
    let rng = crate::rng::DeterministicRandom::new(1);
    for _ in 0..100 {
        assert!(new_batch_id(&rng).unwrap() > 0);
    }
}

fn exportable_account() -> impl Strategy<Value = Account> {
    let names = ("\\PC{0,24}", "\\PC{0,24}");
    let kind = prop_oneof![
        Just(OtpKind::Totp {
            period: Period::THIRTY
        }),
        (0..=i64::MAX as u64).prop_map(|counter| OtpKind::Hotp { counter }),
    ];
    let algorithm = prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ];
    let digits = prop_oneof![Just(Digits::SIX), Just(Digits::EIGHT)];
    let secret = proptest::collection::vec(any::<u8>(), 1..=64);
    (names, kind, algorithm, digits, secret).prop_map(
        |((issuer, name), kind, algorithm, digits, secret)| {
            Account::new(
                &issuer,
                &name,
                OtpParams {
                    kind,
                    algorithm,
                    digits,
                    secret: OtpSecret::new(SecretBytes::new(secret)).unwrap(),
                },
            )
        },
    )
}

fn any_entry() -> impl Strategy<Value = proto::Parameters> {
    (
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(any::<u8>(), 0..30),
        proptest::collection::vec(any::<u8>(), 0..30),
        -1..6i32,
        -1..4i32,
        -1..4i32,
        any::<i64>(),
    )
        .prop_map(|(secret, name, issuer, algorithm, digits, kind, counter)| {
            proto::Parameters {
                secret,
                name,
                issuer,
                algorithm,
                digits,
                kind,
                counter,
            }
        })
}

proptest! {
    // Each case exports up to 40 accounts and sizes every code: slow unoptimised.
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Generate → export → parse gives back every account, in order, with the
    /// batch fields of a complete export.
    #[test]
    fn export_then_decode_round_trips(
        accounts in proptest::collection::vec(exportable_account(), 0..40),
        batch_id in 1..i32::MAX,
    ) {
        let plan = export(&accounts, batch_id);
        prop_assert!(plan.not_exportable.is_empty());
        let mut tracker = MigrationBatches::new();
        let mut back = Vec::new();
        for (i, code) in plan.codes.iter().enumerate() {
            prop_assert!(code.uri.expose().len() <= TARGET_URI_BYTES + 88);
            prop_assert!(code.accounts.len() <= MAX_ACCOUNTS_PER_CODE);
            prop_assert!(crate::qr::render::version(&code.uri).unwrap() <= 25);
            let payload = decode_uri(code.uri.expose()).unwrap();
            prop_assert!(payload.unusable.is_empty());
            prop_assert_eq!(payload.batch, code.batch);
            prop_assert_eq!(payload.batch.position(), Some(i as u32));
            prop_assert_eq!(payload.batch.codes() as usize, plan.codes.len());
            prop_assert_eq!(tracker.feed(&payload.batch), Ok(Fed::New));
            back.extend(payload.accounts);
        }
        prop_assert!(tracker.is_complete());
        prop_assert_eq!(back, accounts);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any entry either imports or is reported; none is lost or invented.
    #[test]
    fn every_entry_is_imported_or_reported(
        entries in proptest::collection::vec(any_entry(), 0..12),
    ) {
        let count = entries.len();
        let usable: Vec<bool> = entries
            .iter()
            .map(|e| {
                !e.secret.is_empty()
                    && (0..=3).contains(&e.algorithm)
                    && (0..=2).contains(&e.digits)
                    && (e.kind == 2 || (e.kind == 1 && e.counter >= 0))
            })
            .collect();
        let payload = decode_payload(&encode(entries)).unwrap();
        prop_assert_eq!(payload.accounts.len() + payload.unusable.len(), count);
        let reported: Vec<usize> = payload.unusable.iter().map(|u| u.position).collect();
        let expected: Vec<usize> = (0..count).filter(|i| !usable[*i]).collect();
        prop_assert_eq!(reported, expected);
    }

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn arbitrary_bytes_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_payload(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = decode_uri(&format!("otpauth-migration://offline?data={text}"));
    }
}
