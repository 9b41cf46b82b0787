#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The vault commands' contract, end to end through the built `vakt` binary:
//! one temporary folder per test, secrets only through the environment.
//!
//! Every run goes through [`Vakt::run`], which also checks what must hold for
//! *any* command: it exits by itself with a status (never 101, never a
//! signal), prints no "panicked", and a failing command's stderr names no
//! secret the test has used (PINs, keys in either case, unblock codes).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

use common::Run;

const PIN: &str = "4829";
const PIN2: &str = "5830";
const PIN3: &str = "7391";
const WRONG_PIN: &str = "6047";
const GITHUB_KEY: &str = "JBSWY3DPEHPK3PXP";
const GITHUB: &str = "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";
/// RFC 4226's key, "12345678901234567890", in base32.
const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const HAND_KEY: &str = "MFRGGZDFMZTWQ2LK";
/// [`HAND_KEY`] as someone might type it.
const HAND_KEY_TYPED: &str = "mfrg gzdf-mztw q2lk";
const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// What `KdfParams::INSECURE_FOR_TESTS` looks like in a slot (64 KiB, 1 pass, 1 lane).
const TEST_KDF_BYTES: [u8; 12] = [0, 0, 0, 64, 0, 0, 0, 1, 0, 0, 0, 1];

/// A temporary vault folder and the secrets used with it.
struct Vakt {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    secrets: RefCell<Vec<String>>,
}

impl Vakt {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        // Not created yet: `vakt init` must make it.
        let dir = tmp.path().join("vault");
        let vakt = Self {
            _tmp: tmp,
            dir,
            secrets: RefCell::new(Vec::new()),
        };
        for s in [PIN, PIN2, PIN3, WRONG_PIN, GITHUB_KEY, RFC_KEY, HAND_KEY] {
            vakt.secret(s);
        }
        vakt
    }

    /// Remembers a secret that must never show on a failing command's stderr.
    fn secret(&self, s: &str) {
        let mut secrets = self.secrets.borrow_mut();
        for form in [
            s.to_owned(),
            s.to_lowercase(),
            s.replace('-', ""),
            s.replace('-', "").to_lowercase(),
        ] {
            if !secrets.contains(&form) {
                secrets.push(form);
            }
        }
    }

    fn file(&self) -> PathBuf {
        self.dir.join("vault.sqlite3")
    }

    fn key_file(&self) -> PathBuf {
        self.dir.join("device.key")
    }

    /// Runs `vakt --vault DIR args` with exactly the given secret variables.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let run = run_vakt(&self.dir, args, env);
        if run.status != 0 {
            for secret in self.secrets.borrow().iter() {
                assert!(
                    !run.stderr.contains(secret.as_str()),
                    "vakt {args:?} (exit {}) shows a secret on stderr: {:?}",
                    run.status,
                    run.stderr
                );
            }
        }
        run
    }

    /// Runs a command that must succeed.
    fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let run = self.run(args, env);
        assert_eq!(run.status, 0, "vakt {args:?} failed: {run:?}");
        run
    }

    /// Runs a command that must fail with `status`.
    fn fails(&self, status: i32, args: &[&str], env: &[(&str, &str)]) -> Run {
        let run = self.run(args, env);
        assert_eq!(run.status, status, "vakt {args:?}: {run:?}");
        assert!(run.stderr.starts_with("vakt: "), "{run:?}");
        run
    }

    /// `vakt init --json` with cheap test KDF costs; returns the unblock code.
    fn init(&self, pin: &str) -> String {
        let run = self.ok(
            &["init", "--json"],
            &[("VAKT_PIN", pin), ("VAKT_INSECURE_TEST_KDF", "1")],
        );
        let code = run.json()["unblock_code"].as_str().unwrap().to_owned();
        assert_unblock_code_format(&code);
        self.secret(&code);
        code
    }

    fn list(&self, pin: &str) -> Vec<Value> {
        self.ok(&["list", "--json"], &[("VAKT_PIN", pin)])
            .json()
            .as_array()
            .unwrap()
            .clone()
    }

    fn status(&self) -> Value {
        self.ok(&["status", "--json"], &[]).json()
    }

    fn add_uri(&self, pin: &str, uri: &str) -> u64 {
        let run = self.ok(&["add", "--uri", uri], &[("VAKT_PIN", pin)]);
        added_id(&run)
    }

    /// The vault folder's files (byte for byte), SQLite's shared-memory index
    /// aside.
    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(&self.dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            if name.ends_with("-shm") {
                continue;
            }
            let bytes = std::fs::read(entry.path()).unwrap();
            if name.ends_with("-wal") && bytes.is_empty() {
                continue;
            }
            files.insert(name, bytes);
        }
        files
    }
}

/// Runs the binary in `dir` with only the given `VAKT_*` variables and no
/// terminal, and checks what holds for every command.
fn run_vakt(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let run = common::vakt(dir, args, env);
    assert!(
        !run.stderr.contains("internal error"),
        "vakt {args:?}: {run:?}"
    );
    run
}

/// `vakt code --uri URI --at T` (no vault).
fn code_of(uri: &str, at: u64) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_vakt(
        tmp.path(),
        &["code", "--uri", uri, "--at", &at.to_string()],
        &[],
    );
    assert_eq!(run.status, 0, "{run:?}");
    run.stdout.trim().to_owned()
}

fn added_id(run: &Run) -> u64 {
    run.stdout
        .trim()
        .strip_prefix("added #")
        .unwrap_or_else(|| panic!("unexpected output of add: {run:?}"))
        .parse()
        .unwrap()
}

fn assert_unblock_code_format(code: &str) {
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 4, "{code}");
    for group in groups {
        assert_eq!(group.len(), 5, "{code}");
        assert!(group.chars().all(|c| CROCKFORD.contains(c)), "{code}");
    }
}

/// The code with one character replaced by another of the alphabet.
fn mistyped(code: &str) -> String {
    let first = code.chars().next().unwrap();
    let other = CROCKFORD.chars().find(|&c| c != first).unwrap();
    format!("{other}{}", &code[1..])
}

fn ids(list: &[Value]) -> Vec<u64> {
    list.iter().map(|a| a["id"].as_u64().unwrap()).collect()
}

/// The KDF parameters stored with each slot.
fn slot_kdfs(file: &Path) -> BTreeMap<String, Vec<u8>> {
    let db =
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = db.prepare("SELECT kind, kdf FROM slots").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_vault_made_with_test_kdf_costs_keeps_them() {
    let v = Vakt::new();
    let code = v.init(PIN);
    let cheap = |what: &str| {
        let kdfs = slot_kdfs(&v.file());
        assert_eq!(kdfs.len(), 2, "{what}");
        for (kind, kdf) in kdfs {
            assert_eq!(kdf, TEST_KDF_BYTES, "{kind} slot after {what}");
        }
    };
    cheap("init");
    // None of these sets VAKT_INSECURE_TEST_KDF: the vault remembers.
    v.ok(
        &["pin", "change"],
        &[("VAKT_PIN", PIN), ("VAKT_NEW_PIN", PIN2)],
    );
    cheap("pin change");
    let code = v
        .ok(
            &["unblock", "--json"],
            &[("VAKT_UNBLOCK_CODE", &code), ("VAKT_NEW_PIN", PIN3)],
        )
        .json()["unblock_code"]
        .as_str()
        .unwrap()
        .to_owned();
    v.secret(&code);
    cheap("unblock");
    v.ok(&["new-unblock-code", "--json"], &[("VAKT_PIN", PIN3)]);
    cheap("new-unblock-code");
}

#[test]
fn init_prints_the_unblock_code_once_in_text_and_json() {
    let v = Vakt::new();
    let run = v.ok(
        &["init"],
        &[("VAKT_PIN", PIN), ("VAKT_INSECURE_TEST_KDF", "1")],
    );
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .map(str::trim)
        .filter(|line| line.len() == 23 && line.matches('-').count() == 3)
        .collect();
    assert_eq!(codes.len(), 1, "{run:?}");
    assert_unblock_code_format(codes[0]);
    assert!(run.stdout.contains("unblock code"), "{run:?}");
    v.secret(codes[0]);
    assert!(v.file().exists() && v.key_file().exists());
    assert_eq!(v.list(PIN), Vec::<Value>::new());

    let w = Vakt::new();
    let code = w.init(PIN);
    let json = w.ok(&["status", "--json"], &[]).json();
    assert_eq!(json["blocked"], false);
    // Two vaults, two codes.
    assert_ne!(code, codes[0]);
}

#[test]
fn init_refuses_weak_pins_and_existing_vaults() {
    let v = Vakt::new();
    for weak in ["1234", "0000", "1212", "12a4", "123"] {
        v.fails(
            2,
            &["init"],
            &[("VAKT_PIN", weak), ("VAKT_INSECURE_TEST_KDF", "1")],
        );
        assert!(!v.file().exists(), "a refused init made a vault ({weak})");
    }
    // No PIN and no terminal.
    v.fails(2, &["init"], &[("VAKT_INSECURE_TEST_KDF", "1")]);

    let code = v.init(PIN);
    v.add_uri(PIN, GITHUB);
    let before = v.snapshot();
    let run = v.fails(
        2,
        &["init", "--json"],
        &[("VAKT_PIN", PIN2), ("VAKT_INSECURE_TEST_KDF", "1")],
    );
    assert!(run.stderr.contains("already"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    v.fails(2, &["init"], &[("VAKT_PIN", PIN)]);
    assert_eq!(v.snapshot(), before);
    // Still the same vault, PIN and unblock code.
    assert_eq!(v.list(PIN).len(), 1);
    v.fails(3, &["list"], &[("VAKT_PIN", PIN2)]);
    v.ok(
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &code), ("VAKT_NEW_PIN", PIN3)],
    );
}

#[test]
fn add_by_uri_and_by_hand_list_and_codes() {
    let v = Vakt::new();
    v.init(PIN);
    assert_eq!(v.add_uri(PIN, GITHUB), 1);
    // A key typed by hand: lower case, spaces and dashes.
    let run = v.ok(
        &["add", "--issuer", "Example", "--account", "bob"],
        &[("VAKT_PIN", PIN), ("VAKT_SECRET", HAND_KEY_TYPED)],
    );
    assert_eq!(added_id(&run), 2);
    let run = v.ok(
        &[
            "add",
            "--issuer",
            "Wide",
            "--account",
            "carol",
            "--algorithm",
            "sha256",
            "--digits",
            "8",
            "--period",
            "60",
        ],
        &[("VAKT_PIN", PIN), ("VAKT_SECRET", RFC_KEY)],
    );
    assert_eq!(added_id(&run), 3);

    let list = v.list(PIN);
    assert_eq!(
        list,
        vec![
            serde_json::json!({"id": 1, "kind": "totp", "issuer": "GitHub", "account": "alice",
                "algorithm": "SHA1", "digits": 6, "period": 30}),
            serde_json::json!({"id": 2, "kind": "totp", "issuer": "Example", "account": "bob",
                "algorithm": "SHA1", "digits": 6, "period": 30}),
            serde_json::json!({"id": 3, "kind": "totp", "issuer": "Wide", "account": "carol",
                "algorithm": "SHA256", "digits": 8, "period": 60}),
        ]
    );
    // The list never shows a key.
    let text = v.ok(&["list"], &[("VAKT_PIN", PIN)]).stdout;
    assert!(
        text.contains("GitHub (alice)") && text.contains("Example (bob)"),
        "{text}"
    );
    for secret in [GITHUB_KEY, HAND_KEY, RFC_KEY] {
        assert!(!text.contains(secret) && !format!("{list:?}").contains(secret));
    }

    let codes = v
        .ok(&["codes", "--json", "--at", "59"], &[("VAKT_PIN", PIN)])
        .json();
    let codes = codes.as_array().unwrap();
    assert_eq!(codes.len(), 3);
    let uris = [
        GITHUB.to_owned(),
        format!("otpauth://totp/Example:bob?secret={HAND_KEY}&issuer=Example"),
        format!(
            "otpauth://totp/Wide:carol?secret={RFC_KEY}&issuer=Wide&algorithm=SHA256&digits=8&period=60"
        ),
    ];
    for ((entry, uri), (left, period)) in codes.iter().zip(&uris).zip([(1, 30), (1, 30), (1, 60)]) {
        assert_eq!(entry["code"], code_of(uri, 59).as_str(), "{entry}");
        assert_eq!(
            entry["next_code"],
            code_of(uri, 59 + left).as_str(),
            "{entry}"
        );
        assert_eq!(entry["seconds_left"], left, "{entry}");
        assert_eq!(entry["period"], period, "{entry}");
        for field in ["id", "kind", "issuer", "account", "algorithm", "digits"] {
            assert!(entry.get(field).is_some(), "{field} missing: {entry}");
        }
    }
    // The SHA256/8-digit code really is RFC 6238's (T = 59, 60-second steps
    // reduce to counter 0 here; the URI computation above is the reference).
    assert_eq!(codes[2]["code"].as_str().unwrap().len(), 8);
    let text = v.ok(&["codes", "--at", "59"], &[("VAKT_PIN", PIN)]).stdout;
    assert!(text.contains(&code_of(GITHUB, 59)), "{text}");

    // Exact duplicates are refused, however the key is written.
    let run = v.fails(2, &["add", "--uri", GITHUB], &[("VAKT_PIN", PIN)]);
    assert!(
        run.stderr.contains("already") && run.stderr.contains("#1"),
        "{run:?}"
    );
    let run = v.fails(
        2,
        &["add", "--issuer", "Example", "--account", "bob"],
        &[("VAKT_PIN", PIN), ("VAKT_SECRET", HAND_KEY)],
    );
    assert!(run.stderr.contains("#2"), "{run:?}");
    // Bad input: malformed key, URI, parameters, missing key.
    for (args, env) in [
        (
            vec!["add", "--issuer", "X", "--account", "y"],
            vec![("VAKT_PIN", PIN), ("VAKT_SECRET", "JBSWY3DPEHPK3PX1")],
        ),
        (
            vec!["add", "--issuer", "X", "--account", "y"],
            vec![("VAKT_PIN", PIN)],
        ),
        (
            vec!["add", "--uri", "otpauth://totp/X:y?issuer=X"],
            vec![("VAKT_PIN", PIN)],
        ),
        (
            vec![
                "add",
                "--uri",
                "https://example.com/?secret=JBSWY3DPEHPK3PXP",
            ],
            vec![("VAKT_PIN", PIN)],
        ),
        (
            vec!["add", "--issuer", "X", "--account", "y", "--digits", "11"],
            vec![("VAKT_PIN", PIN), ("VAKT_SECRET", GITHUB_KEY)],
        ),
        (
            vec![
                "add",
                "--issuer",
                "X",
                "--account",
                "y",
                "--algorithm",
                "MD5",
            ],
            vec![("VAKT_PIN", PIN), ("VAKT_SECRET", GITHUB_KEY)],
        ),
        (vec!["add"], vec![("VAKT_PIN", PIN)]),
    ] {
        v.fails(2, &args, &env);
    }
    assert_eq!(ids(&v.list(PIN)), vec![1, 2, 3]);
    // None of those refusals counted as a wrong PIN.
    assert_eq!(v.status()["failed_pin_attempts"], 0);
}

#[test]
fn hotp_codes_come_from_next_and_the_counter_survives_the_process() {
    let v = Vakt::new();
    v.init(PIN);
    v.add_uri(PIN, GITHUB);
    let run = v.ok(
        &[
            "add",
            "--issuer",
            "Bank",
            "--account",
            "alice",
            "--hotp",
            "--counter",
            "0",
        ],
        &[("VAKT_PIN", PIN), ("VAKT_SECRET", RFC_KEY)],
    );
    let id = added_id(&run).to_string();
    let codes = v
        .ok(&["codes", "--json", "--at", "59"], &[("VAKT_PIN", PIN)])
        .json();
    let hotp = &codes.as_array().unwrap()[1];
    assert_eq!(hotp["kind"], "hotp");
    assert_eq!(hotp["code"], Value::Null);
    assert_eq!(hotp["counter"], 0);
    assert!(hotp.get("period").is_none(), "{hotp}");
    // Showing the code screen spends no counter value.
    assert_eq!(v.list(PIN)[1]["counter"], 0);

    // RFC 4226, appendix D: counter 0 and 1. Each `next` is its own process.
    assert_eq!(
        v.ok(&["next", &id], &[("VAKT_PIN", PIN)]).stdout.trim(),
        "755224"
    );
    assert_eq!(v.list(PIN)[1]["counter"], 1);
    assert_eq!(
        v.ok(&["next", &id], &[("VAKT_PIN", PIN)]).stdout.trim(),
        "287082"
    );
    assert_eq!(v.list(PIN)[1]["counter"], 2);
    assert_eq!(
        v.ok(&["next", &id], &[("VAKT_PIN", PIN)]).stdout.trim(),
        "359152"
    );

    // Starting from a given counter (RFC 4226: counter 9 gives 520489).
    let run = v.ok(
        &[
            "add",
            "--issuer",
            "Bank",
            "--account",
            "bob",
            "--hotp",
            "--counter",
            "9",
        ],
        &[("VAKT_PIN", PIN), ("VAKT_SECRET", RFC_KEY)],
    );
    let nine = added_id(&run).to_string();
    assert_eq!(
        v.ok(&["next", &nine], &[("VAKT_PIN", PIN)]).stdout.trim(),
        "520489"
    );

    // A time-based account has no counter; an unknown id is bad input.
    let run = v.fails(2, &["next", "1"], &[("VAKT_PIN", PIN)]);
    assert!(run.stderr.contains("time-based"), "{run:?}");
    v.fails(2, &["next", "99"], &[("VAKT_PIN", PIN)]);
    // A wrong PIN spends no counter value.
    v.fails(3, &["next", &id], &[("VAKT_PIN", WRONG_PIN)]);
    assert_eq!(v.list(PIN)[1]["counter"], 3);
}

#[test]
fn rename_delete_reorder() {
    let v = Vakt::new();
    v.init(PIN);
    let a = v.add_uri(PIN, GITHUB);
    let b = v.add_uri(
        PIN,
        "otpauth://totp/Bank:bob?secret=MFRGGZDFMZTWQ2LK&issuer=Bank",
    );
    let c = v.add_uri(PIN, "otpauth://totp/Mail:carol?secret=GEZDGNBVGY3TQOJQ");
    assert_eq!((a, b, c), (1, 2, 3));

    v.ok(&["rename", "2", "robert"], &[("VAKT_PIN", PIN)]);
    v.ok(
        &["rename", "3", " carol2 ", "--issuer", "Post"],
        &[("VAKT_PIN", PIN)],
    );
    let list = v.list(PIN);
    assert_eq!(list[1]["issuer"], "Bank");
    assert_eq!(list[1]["account"], "robert");
    assert_eq!(list[2]["issuer"], "Post");
    assert_eq!(list[2]["account"], "carol2");
    v.fails(2, &["rename", "9", "x"], &[("VAKT_PIN", PIN)]);
    // Renaming changes no code.
    let codes = v
        .ok(&["codes", "--json", "--at", "1000"], &[("VAKT_PIN", PIN)])
        .json();
    assert_eq!(
        codes[1]["code"],
        code_of("otpauth://totp/x?secret=MFRGGZDFMZTWQ2LK", 1000).as_str()
    );

    v.ok(&["reorder", "3", "1", "2"], &[("VAKT_PIN", PIN)]);
    assert_eq!(ids(&v.list(PIN)), vec![3, 1, 2]);
    for bad in [
        vec!["reorder", "3", "1"],
        vec!["reorder", "3", "1", "2", "2"],
        vec!["reorder", "3", "1", "9"],
    ] {
        v.fails(2, &bad, &[("VAKT_PIN", PIN)]);
    }
    for usage in [vec!["reorder"], vec!["reorder", "x"]] {
        assert_eq!(v.run(&usage, &[("VAKT_PIN", PIN)]).status, 2);
    }
    assert_eq!(ids(&v.list(PIN)), vec![3, 1, 2]);

    v.ok(&["delete", "1"], &[("VAKT_PIN", PIN)]);
    assert_eq!(ids(&v.list(PIN)), vec![3, 2]);
    v.fails(2, &["delete", "1"], &[("VAKT_PIN", PIN)]);
    // Ids are never reused, and a new account goes last.
    let d = v.add_uri(PIN, GITHUB);
    assert_eq!(d, 4);
    assert_eq!(ids(&v.list(PIN)), vec![3, 2, 4]);
    assert_eq!(v.status()["failed_pin_attempts"], 0);
}

#[test]
fn lockout_across_processes_and_unblock() {
    let v = Vakt::new();
    let code = v.init(PIN);
    v.add_uri(PIN, GITHUB);
    let status = v.status();
    assert_eq!(
        status,
        serde_json::json!({"blocked": false, "attempts_left": 3, "failed_pin_attempts": 0,
            "failed_unblock_attempts": 0, "next_unblock_delay_seconds": 0, "keystore": "file"})
    );

    // Three processes with a wrong PIN: 3, 3, then blocked.
    for (attempt, left) in [(1, "2"), (2, "1")] {
        let run = v.fails(3, &["list", "--json"], &[("VAKT_PIN", WRONG_PIN)]);
        assert!(
            run.stderr.contains(left) && run.stderr.contains("left"),
            "{run:?}"
        );
        assert!(run.stdout.is_empty(), "{run:?}");
        let status = v.status();
        assert_eq!(status["failed_pin_attempts"], attempt);
        assert_eq!(status["attempts_left"], 3 - attempt);
        assert_eq!(status["blocked"], false);
    }
    let run = v.fails(4, &["list", "--json"], &[("VAKT_PIN", WRONG_PIN)]);
    assert!(run.stderr.contains("unblock"), "{run:?}");
    // Blocked: even the right PIN, through any command, is refused.
    for args in [
        vec!["list", "--json"],
        vec!["codes"],
        vec!["add", "--uri", "otpauth://totp/A:b?secret=MFRGGZDFMZTWQ2LK"],
        vec!["new-unblock-code"],
    ] {
        let run = v.fails(4, &args, &[("VAKT_PIN", PIN)]);
        assert!(run.stderr.contains("unblock code"), "{run:?}");
    }
    v.fails(
        4,
        &["pin", "change"],
        &[("VAKT_PIN", PIN), ("VAKT_NEW_PIN", PIN2)],
    );
    let status = v.status();
    assert_eq!(status["blocked"], true);
    assert_eq!(status["attempts_left"], 0);
    assert_eq!(status["failed_pin_attempts"], 3);
    let text = v.ok(&["status"], &[]).stdout;
    assert!(text.contains("blocked"), "{text}");

    // A mistyped code (one character changed) is caught by its check
    // character and not counted; a weak new PIN is refused before the code
    // is tried.
    let typo = mistyped(&code);
    v.secret(&typo);
    let run = v.fails(
        5,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &typo), ("VAKT_NEW_PIN", PIN2)],
    );
    assert!(run.stderr.contains("mistyped"), "{run:?}");
    v.fails(
        2,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &code), ("VAKT_NEW_PIN", "1234")],
    );
    v.fails(2, &["unblock"], &[("VAKT_UNBLOCK_CODE", &code)]);
    v.fails(
        5,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", "ABCDE"), ("VAKT_NEW_PIN", PIN2)],
    );
    let status = v.status();
    assert_eq!(status["blocked"], true);
    assert_eq!(status["failed_unblock_attempts"], 0);

    // The code, typed loosely (lower case, spaces), unblocks and sets the new PIN.
    let loose = code.to_lowercase().replace('-', " ");
    let run = v.ok(
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &loose), ("VAKT_NEW_PIN", PIN2)],
    );
    let new_code = run
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 23 && l.matches('-').count() == 3)
        .unwrap_or_else(|| panic!("no new code: {run:?}"))
        .to_owned();
    assert_unblock_code_format(&new_code);
    assert_ne!(new_code, code);
    v.secret(&new_code);
    assert_eq!(
        v.status(),
        serde_json::json!({"blocked": false, "attempts_left": 3, "failed_pin_attempts": 0,
            "failed_unblock_attempts": 0, "next_unblock_delay_seconds": 0, "keystore": "file"})
    );
    assert_eq!(v.list(PIN2).len(), 1, "the accounts survive an unblock");
    v.fails(3, &["list"], &[("VAKT_PIN", PIN)]);
    assert_eq!(v.list(PIN2).len(), 1);

    // The old code is spent: well formed, but wrong — counted.
    let run = v.fails(
        5,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &code), ("VAKT_NEW_PIN", PIN3)],
    );
    assert!(run.stderr.contains("wrong unblock code"), "{run:?}");
    assert_eq!(v.status()["failed_unblock_attempts"], 1);
    for n in [2, 3] {
        v.fails(
            5,
            &["unblock"],
            &[("VAKT_UNBLOCK_CODE", &code), ("VAKT_NEW_PIN", PIN3)],
        );
        assert_eq!(v.status()["failed_unblock_attempts"], n);
    }
    // From the fourth wrong code on, each attempt waits.
    assert_eq!(v.status()["next_unblock_delay_seconds"], 2);
    assert_eq!(v.list(PIN2).len(), 1, "wrong codes do not touch the PIN");

    // `pin change` counts the current PIN like any other attempt.
    let run = v.fails(
        3,
        &["pin", "change"],
        &[("VAKT_PIN", WRONG_PIN), ("VAKT_NEW_PIN", PIN3)],
    );
    assert!(run.stderr.contains('2'), "{run:?}");
    assert_eq!(v.status()["failed_pin_attempts"], 1);
    v.fails(
        2,
        &["pin", "change"],
        &[("VAKT_PIN", PIN2), ("VAKT_NEW_PIN", "1111")],
    );
    v.ok(
        &["pin", "change"],
        &[("VAKT_PIN", PIN2), ("VAKT_NEW_PIN", PIN3)],
    );
    assert_eq!(v.status()["failed_pin_attempts"], 0);
    v.fails(3, &["list"], &[("VAKT_PIN", PIN2)]);
    assert_eq!(v.list(PIN3).len(), 1);

    // A new unblock code replaces the current one (which resets the unblock
    // count when used).
    let newer = v
        .ok(&["new-unblock-code", "--json"], &[("VAKT_PIN", PIN3)])
        .json()["unblock_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_unblock_code_format(&newer);
    v.secret(&newer);
    v.fails(
        5,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &new_code), ("VAKT_NEW_PIN", PIN)],
    );
    // That was the fourth wrong code in a row: it waited 2 s first.
    assert_eq!(v.status()["failed_unblock_attempts"], 4);
    let run = v.ok(
        &["unblock", "--json"],
        &[("VAKT_UNBLOCK_CODE", &newer), ("VAKT_NEW_PIN", PIN)],
    );
    let last = run.json()["unblock_code"].as_str().unwrap().to_owned();
    v.secret(&last);
    assert_eq!(v.status()["failed_unblock_attempts"], 0);
    assert_eq!(v.list(PIN).len(), 1);
}

/// Runs every command that reads the vault and checks each refuses with
/// `status`, leaving the folder byte for byte as it was.
fn assert_unreadable(v: &Vakt, status: i32, what: &str) {
    let before = v.snapshot();
    let pin = &[("VAKT_PIN", PIN)];
    for args in [
        vec!["list", "--json"],
        vec!["codes", "--json"],
        vec!["add", "--uri", GITHUB],
        vec!["rename", "1", "x"],
        vec!["delete", "1"],
        vec!["reorder", "1"],
        vec!["next", "1"],
        vec!["new-unblock-code"],
    ] {
        let run = v.fails(status, &args, pin);
        assert!(
            run.stderr.contains("left as it is"),
            "{what}: vakt {args:?}: {run:?}"
        );
    }
    v.fails(
        status,
        &["pin", "change"],
        &[("VAKT_PIN", PIN), ("VAKT_NEW_PIN", PIN2)],
    );
    v.fails(
        status,
        &["unblock"],
        &[
            ("VAKT_UNBLOCK_CODE", "00000-00000-00000-00000"),
            ("VAKT_NEW_PIN", PIN2),
        ],
    );
    // Wrong PINs are not counted on a vault that cannot be read either.
    for _ in 0..4 {
        v.fails(status, &["list"], &[("VAKT_PIN", WRONG_PIN)]);
    }
    assert_eq!(v.snapshot(), before, "{what}: the files changed");
}

#[test]
fn unreadable_vaults_are_reported_and_left_untouched() {
    // Not SQLite at all.
    let v = Vakt::new();
    v.init(PIN);
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(v.file(), &garbage).unwrap();
    assert_unreadable(&v, 6, "garbage");
    v.fails(6, &["status"], &[]);
    v.fails(
        6,
        &["init"],
        &[("VAKT_PIN", PIN2), ("VAKT_INSECURE_TEST_KDF", "1")],
    );
    assert_eq!(std::fs::read(v.file()).unwrap(), garbage);

    // A newer schema.
    let v = Vakt::new();
    v.init(PIN);
    v.add_uri(PIN, GITHUB);
    {
        let db = rusqlite::Connection::open(v.file()).unwrap();
        db.pragma_update(None, "user_version", 99).unwrap();
    }
    assert_unreadable(&v, 6, "user_version 99");
    let run = v.fails(6, &["status", "--json"], &[]);
    assert!(run.stderr.contains("newer"), "{run:?}");
    v.fails(6, &["init"], &[("VAKT_PIN", PIN2)]);

    // The device key deleted: the vault is still there (status, init refused)
    // but nothing opens it.
    let v = Vakt::new();
    v.init(PIN);
    v.add_uri(PIN, GITHUB);
    std::fs::remove_file(v.key_file()).unwrap();
    assert_unreadable(&v, 6, "device key deleted");
    v.fails(
        2,
        &["init"],
        &[("VAKT_PIN", PIN2), ("VAKT_INSECURE_TEST_KDF", "1")],
    );
    assert!(!v.key_file().exists(), "init made a new device key");
    assert_eq!(v.status()["failed_pin_attempts"], 0);

    // Another vault's device key.
    let v = Vakt::new();
    v.init(PIN);
    v.add_uri(PIN, GITHUB);
    let other = Vakt::new();
    other.init(PIN);
    std::fs::copy(other.key_file(), v.key_file()).unwrap();
    assert_unreadable(&v, 6, "another vault's device key");
    assert_eq!(v.status()["failed_pin_attempts"], 0);

    // A damaged device key (not even a key's length).
    let v = Vakt::new();
    v.init(PIN);
    let key = std::fs::read(v.key_file()).unwrap();
    std::fs::write(v.key_file(), &key[..16]).unwrap();
    assert_unreadable(&v, 6, "damaged device key");
    // Put back, the vault opens as before: nothing was counted.
    std::fs::write(v.key_file(), &key).unwrap();
    assert_eq!(v.status()["failed_pin_attempts"], 0);
    assert_eq!(v.list(PIN).len(), 0);

    // A damaged device key and no vault: it protects nothing, so init moves
    // it aside (kept, byte for byte, under a name that says so) and makes a
    // new key; a second damaged one goes beside the first.
    let v = Vakt::new();
    std::fs::create_dir_all(v.key_file().parent().unwrap()).unwrap();
    let aside = |n: u32| {
        v.key_file()
            .with_file_name(format!("device.key.damaged-{n}"))
    };
    for (n, damaged) in [(1, b"not a key".to_vec()), (2, vec![7u8; 31])] {
        if n == 2 {
            // No vault again (its write-ahead log and index go with it).
            for suffix in ["", "-wal", "-shm"] {
                let mut file = v.file().into_os_string();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
            assert!(!v.file().exists());
        }
        std::fs::write(v.key_file(), &damaged).unwrap();
        let run = v.ok(
            &["init", "--json"],
            &[("VAKT_PIN", PIN), ("VAKT_INSECURE_TEST_KDF", "1")],
        );
        assert!(
            run.stderr.contains("damaged") && run.stderr.contains(&format!("damaged-{n}")),
            "{run:?}"
        );
        assert_eq!(std::fs::read(aside(n)).unwrap(), damaged);
        assert_eq!(std::fs::read(v.key_file()).unwrap().len(), 32);
        assert_eq!(v.list(PIN).len(), 0);
    }
    assert_eq!(std::fs::read(aside(1)).unwrap(), b"not a key");
}

#[test]
fn no_vault_yet_and_odd_input() {
    let v = Vakt::new();
    for args in [
        vec!["status"],
        vec!["list"],
        vec!["codes", "--json"],
        vec!["pin", "change"],
        vec!["unblock"],
    ] {
        let run = v.fails(2, &args, &[("VAKT_PIN", PIN), ("VAKT_NEW_PIN", PIN2)]);
        assert!(run.stderr.contains("vakt init"), "{run:?}");
    }
    assert!(!v.file().exists());
    v.init(PIN);
    // No PIN and no terminal to ask on.
    v.fails(2, &["list"], &[]);
    // A malformed PIN is bad input and not an attempt.
    v.fails(2, &["list"], &[("VAKT_PIN", "12ab")]);
    v.fails(2, &["list"], &[("VAKT_PIN", "")]);
    assert_eq!(v.status()["failed_pin_attempts"], 0);
    // Usage errors.
    for args in [
        vec!["rename"],
        vec!["delete", "-1"],
        vec!["codes", "--at", "soon"],
        vec!["frobnicate"],
        vec!["pin"],
    ] {
        let run = v.run(&args, &[("VAKT_PIN", PIN)]);
        assert_eq!(run.status, 2, "vakt {args:?}: {run:?}");
    }
}

/// An HTTP server on loopback that answers every request once with `date`.
fn date_server(date: String) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).unwrap();
        let reply = format!(
            "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(reply.as_bytes()).unwrap();
    });
    (url, handle)
}

/// `T` as an HTTP date, by the system's `date`.
fn http_date(unix: u64) -> String {
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{unix}"),
            "+%a, %d %b %Y %H:%M:%S GMT",
        ])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn time_shows_sets_and_syncs_the_clock_offset_that_codes_use() {
    let v = Vakt::new();
    v.init(PIN);
    let pin = [("VAKT_PIN", PIN)];
    let shown = v.ok(&["time", "--json"], &pin).json();
    assert_eq!(shown["offset_seconds"], 0);
    assert_eq!(shown["noticeable"], false);

    // Codes follow the offset: an hour ahead gives the code of an hour later.
    v.ok(&["add", "--uri", GITHUB], &pin);
    v.ok(&["time", "set", "3600"], &pin);
    let codes = v.ok(&["codes", "--json"], &pin).json();
    let later = now() + 3600;
    let expected: Vec<String> = [later - 1, later, later + 1]
        .iter()
        .map(|t| {
            v.ok(&["codes", "--json", "--at", &t.to_string()], &pin)
                .json()[0]["code"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(expected.contains(&codes[0]["code"].as_str().unwrap().to_owned()));
    let shown = v.ok(&["time", "--json"], &pin).json();
    assert_eq!(shown["offset_seconds"], 3600);
    assert_eq!(shown["noticeable"], true);
    v.fails(2, &["time", "set", "90000"], &pin);
    v.ok(&["time", "set", "-40"], &pin);
    assert_eq!(
        v.ok(&["time", "--json"], &pin).json()["offset_seconds"],
        -40
    );

    // Measured from a server's Date: 120 s ahead of this machine.
    let (url, server) = date_server(http_date(now() + 120));
    let synced = v.ok(&["time", "sync", &url, "--json"], &pin).json();
    server.join().unwrap();
    let offset = synced["offset_seconds"].as_i64().unwrap();
    assert!((118..=122).contains(&offset), "{synced}");
    // A reply without a Date, and a plain-http server elsewhere, are refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bare = format!("http://{}/", listener.local_addr().unwrap());
    let silent = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let _ = stream.read(&mut [0u8; 4096]).unwrap();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
    });
    v.fails(2, &["time", "sync", &bare], &pin);
    silent.join().unwrap();
    v.fails(2, &["time", "sync", "http://example.com/"], &pin);
    assert_eq!(
        v.ok(&["time", "--json"], &pin).json()["offset_seconds"],
        offset
    );
}
