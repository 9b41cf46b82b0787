//! Every export file of fixtures/imports/aegis/ imports to entries that match
//! `plain.txt` by key, with equal type, issuer, name, algorithm, digits and
//! period/counter (or the format's own rule where it cannot hold a field, see
//! fixtures/imports/README.md), and the same codes. Wrong and missing passwords,
//! foreign files, unsupported entries and duplicates are reported; our own Aegis
//! export reads back with the Aegis importer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::sync::Arc;

use vakt_core::account::{Account, OtpKind};
use vakt_core::otp::{Algorithm, Digits, Period};
use vakt_core::rng::DeterministicRandom;
use vakt_core::secret::{Key256, SecretString};
use vakt_core::transfer::export::aegis::{self, AegisEncryption};
use vakt_core::transfer::import::{self, Format, ImportError, Imported};
use vakt_core::vault::{
    KdfParams, Pin, PinPolicy, Services, SoftwareKeystore, ThreadSleep, VAULT_FILE, Vault,
    VaultConfig,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/imports/aegis")
}

fn read_file(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

fn password(text: &str) -> SecretString {
    SecretString::from_str_copy(text)
}

/// The seven accounts of plain.txt, read by the otpauth parser.
fn vectors() -> Vec<Account> {
    String::from_utf8(read_file("plain.txt"))
        .unwrap()
        .lines()
        .map(|line| vakt_core::provision::uri::parse(line).unwrap())
        .collect()
}

/// How a format's entries differ from plain.txt.
#[derive(Clone, Copy, Debug)]
enum Rule {
    Exact,
    /// No algorithm, digits, period or type: TOTP SHA1 6 30.
    TotpDefaults,
    /// No type: TOTP with the entry's algorithm and digits; 30 s for HOTP ones.
    TotpOnly,
    /// No algorithm or period: SHA1, 30 s.
    Sha1Thirty,
    /// Steam keys take the item's name as issuer and no account name.
    SteamIssuer(&'static str),
}

fn expected(vector: &Account, rule: Rule) -> Account {
    let mut want = vector.clone();
    let p = &mut want.params;
    match rule {
        Rule::Exact => {}
        Rule::TotpDefaults => {
            p.kind = OtpKind::Totp {
                period: Period::THIRTY,
            };
            p.algorithm = Algorithm::Sha1;
            p.digits = Digits::SIX;
        }
        Rule::TotpOnly => {
            if !matches!(p.kind, OtpKind::Totp { .. }) {
                p.kind = OtpKind::Totp {
                    period: Period::THIRTY,
                };
            }
        }
        Rule::Sha1Thirty => {
            p.kind = OtpKind::Totp {
                period: Period::THIRTY,
            };
            p.algorithm = Algorithm::Sha1;
        }
        Rule::SteamIssuer(issuer) => {
            if p.kind == OtpKind::Steam {
                want.issuer = issuer.to_owned();
                want.name = String::new();
            }
        }
    }
    want
}

/// Checks every imported entry against its plain.txt vector (found by key),
/// including its codes, and the number of entries.
fn check(file: &str, imported: &Imported, rule: Rule, count: usize) {
    let vectors = vectors();
    assert_eq!(imported.accounts.len(), count, "{file}: entries");
    assert!(
        imported.unsupported.is_empty(),
        "{file}: {:?}",
        imported.unsupported
    );
    let mut seen = Vec::new();
    for account in &imported.accounts {
        let index = vectors
            .iter()
            .position(|v| v.params.secret == account.params.secret)
            .unwrap_or_else(|| panic!("{file}: a key not in plain.txt"));
        assert!(!seen.contains(&index), "{file}: entry {index} twice");
        seen.push(index);
        let vector = &vectors[index];
        let want = expected(vector, rule);
        assert_eq!(account, &want, "{file}");
        for t in [0, 59, 1_700_000_000] {
            assert_eq!(
                account.params.current_code(t).as_str(),
                want.params.current_code(t).as_str(),
                "{file}: code at {t}"
            );
        }
    }
}

fn import(format: Format, file: &str, pass: Option<&str>) -> Imported {
    let pass = pass.map(password);
    import::read(format, &read_file(file), pass.as_ref()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// (format, file, password, rule, entries)
const CASES: &[(Format, &str, Option<&str>, Rule, usize)] = &[
    (Format::UriList, "plain.txt", None, Rule::Exact, 7),
    (Format::Ente, "ente_auth.txt", None, Rule::Exact, 7),
    (Format::Aegis, "aegis_plain.json", None, Rule::Exact, 7),
    (
        Format::Aegis,
        "aegis_encrypted.json",
        Some("test"),
        Rule::Exact,
        7,
    ),
    (Format::AndOtp, "andotp_plain.json", None, Rule::Exact, 7),
    (
        Format::AndOtp,
        "andotp_encrypted.bin",
        Some("test"),
        Rule::Exact,
        7,
    ),
    (
        Format::AndOtp,
        "andotp_encrypted_old.bin",
        Some("test"),
        Rule::Exact,
        6,
    ),
    (
        Format::TwoFas,
        "2fas_authenticator.json",
        None,
        Rule::TotpDefaults,
        6,
    ),
    (
        Format::TwoFas,
        "2fas_authenticator_plain.2fas",
        None,
        Rule::TotpOnly,
        4,
    ),
    (
        Format::TwoFas,
        "2fas_authenticator_encrypted.2fas",
        Some("test"),
        Rule::TotpOnly,
        4,
    ),
    (
        Format::TwoFas,
        "2fas_authenticator_plain_v3.2fas",
        None,
        Rule::Exact,
        6,
    ),
    (
        Format::TwoFas,
        "2fas_authenticator_encrypted_v3.2fas",
        Some("test"),
        Rule::Exact,
        6,
    ),
    (
        Format::TwoFas,
        "2fas_authenticator_plain_v4.2fas",
        None,
        Rule::Exact,
        5,
    ),
    (
        Format::TwoFas,
        "2fas_authenticator_encrypted_v4.2fas",
        Some("test"),
        Rule::Exact,
        5,
    ),
    (Format::Authy, "authy_plain.xml", None, Rule::Sha1Thirty, 3),
    (
        Format::Authy,
        "authy_encrypted.xml",
        Some("testtest"),
        Rule::Sha1Thirty,
        3,
    ),
    (
        Format::Bitwarden,
        "bitwarden.json",
        None,
        Rule::SteamIssuer("Test Steam"),
        4,
    ),
    (
        Format::Bitwarden,
        "bitwarden.csv",
        None,
        Rule::SteamIssuer("Test 4"),
        4,
    ),
    (Format::FreeOtp, "freeotp.xml", None, Rule::Exact, 4),
    (Format::FreeOtp, "freeotp_plus.json", None, Rule::Exact, 6),
    (
        Format::FreeOtp,
        "freeotp_plus_internal.xml",
        None,
        Rule::Exact,
        6,
    ),
    (
        Format::FreeOtp,
        "freeotp_v2_api23.xml",
        Some("test"),
        Rule::Exact,
        6,
    ),
    (
        Format::FreeOtp,
        "freeotp_v2_api25.xml",
        Some("test"),
        Rule::Exact,
        6,
    ),
    (
        Format::FreeOtp,
        "freeotp_v2_api27.xml",
        Some("test"),
        Rule::Exact,
        6,
    ),
    (
        Format::FreeOtp,
        "freeotp_v2_api34.xml",
        Some("test"),
        Rule::Exact,
        6,
    ),
    (
        Format::FreeOtp,
        "freeotp_v2_null_algo.xml",
        Some("test"),
        Rule::Exact,
        1,
    ),
];

#[test]
fn every_fixture_matches_plain_txt() {
    for &(format, file, pass, rule, count) in CASES {
        check(file, &import(format, file, pass), rule, count);
    }
    // Every file of the folder is a case.
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut cased: Vec<String> = CASES.iter().map(|c| c.1.to_owned()).collect();
    cased.sort();
    assert_eq!(files, cased);
}

#[test]
fn formats_that_cannot_hold_a_field_say_so() {
    for (format, file) in [
        (Format::TwoFas, "2fas_authenticator.json"),
        (Format::TwoFas, "2fas_authenticator_plain.2fas"),
        (Format::Authy, "authy_plain.xml"),
    ] {
        assert!(!import(format, file, None).notes.is_empty(), "{file}");
    }
    for (format, file) in [
        (Format::Aegis, "aegis_plain.json"),
        (Format::TwoFas, "2fas_authenticator_plain_v4.2fas"),
    ] {
        assert!(import(format, file, None).notes.is_empty(), "{file}");
    }
}

#[test]
fn encrypted_files_need_the_right_password() {
    for &(format, file, pass, _, _) in CASES {
        let Some(_) = pass else { continue };
        let bytes = read_file(file);
        assert_eq!(
            import::read(format, &bytes, None).unwrap_err(),
            ImportError::PasswordNeeded,
            "{file}"
        );
        let wrong = password("wrong password");
        assert_eq!(
            import::read(format, &bytes, Some(&wrong)).unwrap_err(),
            ImportError::WrongPassword,
            "{file}"
        );
    }
}

/// What a damaged or foreign copy of `file` may import: an error, or accounts
/// from the intact file (`intact`, as its own format reads it) — at most one
/// of them altered (the entry the damage hit: same key, another field
/// changed), and never more entries, nor a key the intact file does not hold.
fn check_damaged(intact: &[Account], what: &str, result: Result<Imported, ImportError>) -> bool {
    let Ok(imported) = result else {
        return false;
    };
    let altered: Vec<&Account> = imported
        .accounts
        .iter()
        .filter(|a| !intact.contains(a))
        .collect();
    assert!(
        imported.accounts.len() <= intact.len(),
        "{what}: {} entries from a file of {}",
        imported.accounts.len(),
        intact.len()
    );
    assert!(
        altered.len() <= 1,
        "{what}: {} entries altered",
        altered.len()
    );
    for a in altered {
        assert!(
            intact.iter().any(|i| i.params.secret == a.params.secret),
            "{what}: a key the intact file does not hold ({} / {})",
            a.issuer,
            a.name
        );
    }
    true
}

#[test]
fn foreign_and_damaged_files_are_errors_never_panics() {
    let pass = password("test");
    let (mut refused, mut read) = (0, 0);
    for &(own, file, file_pass, _, _) in CASES {
        let bytes = read_file(file);
        let intact = import(own, file, file_pass).accounts;
        for format in Format::ALL {
            // Another format's file: an error, or (text formats reading text)
            // only what the file holds.
            if format != own {
                let result = import::read(format, &bytes, Some(&pass));
                if let Ok(imported) = &result {
                    assert!(
                        imported.accounts.iter().all(|a| intact.contains(a)),
                        "{file} read as {format:?}: accounts it does not hold"
                    );
                }
            }
            // Damaged copies (without a password, so no key derivation runs
            // on a cost read from garbage; that cost is bounded anyway).
            let mut damaged = Vec::new();
            for len in [0, 1, 10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
                damaged.push((format!("cut to {len} bytes"), bytes[..len].to_vec()));
            }
            for at in [0, bytes.len() / 4, bytes.len() / 2, bytes.len() - 1] {
                let mut flipped = bytes.clone();
                flipped[at] ^= 0x55;
                damaged.push((format!("byte {at} flipped"), flipped));
            }
            for (how, copy) in damaged {
                let what = format!("{file} {how}, read as {format:?}");
                if check_damaged(&intact, &what, import::read(format, &copy, None)) {
                    read += 1;
                } else {
                    refused += 1;
                }
            }
        }
    }
    // Most damaged copies are refused; the checks above ran on the others.
    assert!(refused > read && read > 0, "{refused} refused, {read} read");
    // A few definite refusals.
    let aegis = read_file("aegis_plain.json");
    for format in [
        Format::TwoFas,
        Format::AndOtp,
        Format::Authy,
        Format::FreeOtp,
    ] {
        assert!(
            matches!(
                import::read(format, &aegis, None),
                Err(ImportError::NotThisFormat { .. })
            ),
            "{format:?}"
        );
    }
    assert!(matches!(
        import::read(Format::Aegis, b"\x89PNG\r\n", None),
        Err(ImportError::NotThisFormat { .. })
    ));
    assert!(matches!(
        import::read(Format::UriList, b"hello\nworld\n", None),
        Err(ImportError::NotThisFormat { .. })
    ));
}

#[test]
fn error_messages_hold_no_secrets() {
    // A damaged JSON value right after a key: the message names a position only.
    let text = String::from_utf8(read_file("aegis_plain.json"))
        .unwrap()
        .replace(
            "\"4SJHB4GSD43FZBAI7C2HLRJGPQ\"",
            "\"4SJHB4GSD43FZBAI7C2HLRJGPQ",
        );
    let err = import::read(Format::Aegis, text.as_bytes(), None).unwrap_err();
    assert!(!err.to_string().contains("4SJHB"), "{err}");
    assert!(!err.to_string().contains("Mason"), "{err}");
}

#[test]
fn entries_a_format_cannot_express_are_reported_not_dropped() {
    let aegis = br#"{"version": 1, "header": {"slots": null, "params": null}, "db": {"version": 2,
      "entries": [
        {"type": "totp", "name": "ok", "issuer": "A", "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "period": 30}},
        {"type": "yandex", "name": "y", "issuer": "Yandex", "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "SHA256", "digits": 8, "period": 30, "pin": "1234"}},
        {"type": "totp", "name": "md5", "issuer": "B", "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "MD5", "digits": 6, "period": 30}},
        {"type": "totp", "name": "long", "issuer": "C", "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 12, "period": 30}},
        {"type": "totp", "name": "bad key", "issuer": "D", "info": {"secret": "!!!", "algo": "SHA1", "digits": 6, "period": 30}}
      ]}}"#;
    let imported = import::read(Format::Aegis, aegis, None).unwrap();
    assert_eq!(imported.accounts.len(), 1);
    let labels: Vec<&str> = imported
        .unsupported
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(labels, ["Yandex (y)", "B (md5)", "C (long)", "D (bad key)"]);
    for skipped in &imported.unsupported {
        assert!(!skipped.reason.contains("JBSW"), "{}", skipped.reason);
    }
    let andotp = br#"[{"secret": "JBSWY3DPEHPK3PXP", "issuer": "M", "label": "m", "digits": 6, "type": "MOTP", "algorithm": "MD5", "period": 10}]"#;
    let imported = import::read(Format::AndOtp, andotp, None).unwrap();
    assert!(imported.accounts.is_empty());
    assert_eq!(imported.unsupported.len(), 1);
    let list = "# my keys\n\notpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\notpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SBFRlc3QaBFRlc3QgASgBMAI%3D\nnot a uri\notpauth://pipush/x?secret=JBSWY3DPEHPK3PXP\n";
    let imported = import::read(Format::UriList, list.as_bytes(), None).unwrap();
    assert_eq!(imported.accounts.len(), 1);
    let labels: Vec<&str> = imported
        .unsupported
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(labels, ["line 4", "line 5", "line 6"]);
}

fn vault() -> (tempfile::TempDir, vakt_core::vault::Session) {
    let dir = tempfile::tempdir().unwrap();
    let services = Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            Key256::new([1; 32]),
            Box::new(DeterministicRandom::new(2)),
        )),
        rng: Arc::new(DeterministicRandom::new(3)),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(vakt_core::clock::SystemClock),
    };
    let config = VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        pin_policy: PinPolicy::default(),
    };
    let pin = Pin::parse("4829").unwrap();
    let (vault, _) = Vault::create(&dir.path().join(VAULT_FILE), services, config, &pin).unwrap();
    let session = vault.unlock(&pin).unwrap();
    (dir, session)
}

#[test]
fn duplicates_are_skipped_and_reported() {
    let (_dir, session) = vault();
    let first = import::apply(&session, import(Format::Aegis, "aegis_plain.json", None)).unwrap();
    assert_eq!(first.added.len(), 7);
    assert!(first.duplicates.is_empty());
    assert_eq!(first.added[0], (1, "Deno (Mason)".to_owned()));
    // The same keys from another app: all already there (names aside).
    let second =
        import::apply(&session, import(Format::AndOtp, "andotp_plain.json", None)).unwrap();
    assert!(second.added.is_empty());
    assert_eq!(second.duplicates.len(), 7);
    assert_eq!(second.duplicates[0], (1, "Deno (Mason)".to_owned()));
    // Twice in one file: the second is a duplicate of the first; the same
    // key under another name is added and reported as a look-alike.
    let twice = "otpauth://totp/X:x?secret=JBSWY3DPEHPK3PXP\n\
                 otpauth://totp/X:x?secret=JBSWY3DPEHPK3PXP\n\
                 otpauth://totp/Y:y?secret=JBSWY3DPEHPK3PXP\n";
    let report = import::apply(
        &session,
        import::read(Format::UriList, twice.as_bytes(), None).unwrap(),
    )
    .unwrap();
    assert_eq!(
        report.added,
        vec![(8, "X (x)".to_owned()), (9, "Y (y)".to_owned())]
    );
    assert_eq!(report.duplicates, vec![(8, "X (x)".to_owned())]);
    assert_eq!(report.look_alikes, vec![(9, 8, "Y (y)".to_owned())]);
    assert_eq!(session.accounts().unwrap().len(), 9);
}

/// Adds to a plain export file, next to the entry at `index`: an exact copy,
/// a copy under another name, and copies that give other codes (digits,
/// period); `entries` points at the file's entry list, `rename` and `retune`
/// edit an entry in the format's own fields.
fn with_variants(
    file: &str,
    entries: fn(&mut serde_json::Value) -> &mut Vec<serde_json::Value>,
    rename: fn(&mut serde_json::Value),
    retune: &[fn(&mut serde_json::Value)],
) -> (Vec<u8>, usize) {
    let mut json: serde_json::Value = serde_json::from_slice(&read_file(file)).unwrap();
    let list = entries(&mut json);
    let first = list[0].clone();
    list.push(first.clone());
    let mut renamed = first.clone();
    rename(&mut renamed);
    list.push(renamed);
    for change in retune {
        let mut other = first.clone();
        change(&mut other);
        list.push(other);
    }
    let total = list.len();
    (serde_json::to_vec(&json).unwrap(), total)
}

#[test]
fn nothing_is_lost_on_import_only_exact_duplicates_are_skipped() {
    use serde_json::{Value, json};
    type Edit = fn(&mut Value);
    let aegis: (Edit, [Edit; 3]) = (
        |e| e["name"] = json!("Someone else"),
        [
            |e| e["info"]["digits"] = json!(8),
            |e| e["info"]["period"] = json!(60),
            |e| e["info"]["algo"] = json!("SHA256"),
        ],
    );
    let andotp: (Edit, [Edit; 3]) = (
        |e| e["label"] = json!("Someone else"),
        [
            |e| e["digits"] = json!(8),
            |e| e["period"] = json!(60),
            |e| e["algorithm"] = json!("SHA256"),
        ],
    );
    let twofas: (Edit, [Edit; 3]) = (
        |e| {
            e["name"] = json!("Someone else");
            e["otp"]["account"] = json!("Someone else");
            e["otp"]["label"] = json!("Someone else");
        },
        [
            |e| e["otp"]["digits"] = json!(8),
            |e| e["otp"]["period"] = json!(60),
            |e| e["otp"]["algorithm"] = json!("SHA256"),
        ],
    );
    let freeotp: (Edit, [Edit; 3]) = (
        |e| e["label"] = json!("Someone else"),
        [
            |e| e["digits"] = json!(7),
            |e| e["counter"] = json!(1),
            |e| e["algo"] = json!("SHA1"),
        ],
    );
    type Entries = fn(&mut Value) -> &mut Vec<Value>;
    type Variants = (Edit, [Edit; 3]);
    type Case<'a> = (Format, &'a str, Entries, Variants);
    let cases: [Case<'_>; 4] = [
        (
            Format::Aegis,
            "aegis_plain.json",
            |j| j["db"]["entries"].as_array_mut().unwrap(),
            aegis,
        ),
        (
            Format::AndOtp,
            "andotp_plain.json",
            |j| j.as_array_mut().unwrap(),
            andotp,
        ),
        (
            Format::TwoFas,
            "2fas_authenticator_plain_v4.2fas",
            |j| j["services"].as_array_mut().unwrap(),
            twofas,
        ),
        (
            Format::FreeOtp,
            "freeotp_plus.json",
            |j| j["tokens"].as_array_mut().unwrap(),
            freeotp,
        ),
    ];
    for (format, file, entries, (rename, retune)) in cases {
        let (bytes, total) = with_variants(file, entries, rename, &retune);
        let imported = import::read(format, &bytes, None).unwrap_or_else(|e| panic!("{file}: {e}"));
        let (_dir, session) = vault();
        let report = import::apply(&session, imported).unwrap();
        let skipped = report.unsupported.len();
        // Only the exact copy is left out; the renamed copy is a look-alike.
        assert_eq!(report.duplicates.len(), 1, "{file}: {report:?}");
        assert_eq!(
            report.added.len() + skipped,
            total - 1,
            "{file}: {report:?}"
        );
        assert_eq!(report.look_alikes.len(), 1, "{file}: {report:?}");
        assert_eq!(
            session.accounts().unwrap().len(),
            report.added.len(),
            "{file}"
        );
    }

    // A Google Authenticator export and a list of otpauth URIs: the same rule.
    let list = "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
                otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
                otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP\n\
                otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&digits=8\n\
                otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&period=60\n\
                otpauth://hotp/A:a?secret=JBSWY3DPEHPK3PXP&counter=3\n";
    let accounts = import::read(Format::UriList, list.as_bytes(), None)
        .unwrap()
        .accounts;
    let plan = vakt_core::transfer::export::google_authenticator::export(&accounts, 7);
    let google: String = plan
        .codes
        .iter()
        .map(|c| format!("{}\n", c.uri.expose()))
        .collect();
    // Google Authenticator's format has no period: the 60 s account stays out.
    assert_eq!(plan.not_exportable.len(), 1);
    for (name, text, added) in [("uri list", list.to_owned(), 5), ("google", google, 4)] {
        let (_dir, session) = vault();
        let report = import::apply(
            &session,
            import::read(Format::UriList, text.as_bytes(), None).unwrap(),
        )
        .unwrap();
        assert_eq!(report.added.len(), added, "{name}");
        assert_eq!(report.duplicates.len(), 1, "{name}");
        assert_eq!(report.look_alikes.len(), 1, "{name}");
    }
}

#[test]
fn our_aegis_export_reads_back() {
    let accounts = import(Format::Aegis, "aegis_plain.json", None).accounts;
    let rng = DeterministicRandom::new(4);
    let plain = aegis::aegis(&accounts, AegisEncryption::None, &rng).unwrap();
    let json: serde_json::Value = serde_json::from_slice(plain.expose()).unwrap();
    assert_eq!(json["version"], 1);
    assert!(json["header"]["slots"].is_null());
    assert_eq!(json["db"]["entries"].as_array().unwrap().len(), 7);
    let back = import::read(Format::Aegis, plain.expose(), None).unwrap();
    assert_eq!(back.accounts, accounts);

    let pass = password("correct horse battery staple");
    let sealed = aegis::aegis(&accounts, AegisEncryption::Password(&pass), &rng).unwrap();
    let json: serde_json::Value = serde_json::from_slice(sealed.expose()).unwrap();
    assert_eq!(json["header"]["slots"][0]["type"], 1);
    assert_eq!(json["header"]["slots"][0]["n"], 32768);
    assert!(json["db"].is_string());
    let text = String::from_utf8(sealed.expose().to_vec()).unwrap();
    assert!(!text.contains("4SJHB4GSD43FZBAI7C2HLRJGPQ"));
    assert!(!text.contains("Mason"));
    let back = import::read(Format::Aegis, sealed.expose(), Some(&pass)).unwrap();
    assert_eq!(back.accounts, accounts);
    assert_eq!(
        import::read(Format::Aegis, sealed.expose(), Some(&password("test"))).unwrap_err(),
        ImportError::WrongPassword
    );
    assert_eq!(
        import::read(Format::Aegis, sealed.expose(), None).unwrap_err(),
        ImportError::PasswordNeeded
    );
}
