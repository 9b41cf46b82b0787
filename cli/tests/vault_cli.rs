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
use std::process::{Command, Stdio};

use serde_json::Value;

const PIN: &str = "4829";
const PIN2: &str = "5830";
const PIN3: &str = "7391";
const WRONG_PIN: &str = "6047";
const GITHUB_KEY: &str = "JBSWY3DPEHPK3PXP";
/// RFC 4226's key, "12345678901234567890", in base32.
const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const HAND_KEY: &str = "MFRGGZDFMZTWQ2LK";
const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// What `KdfParams::INSECURE_FOR_TESTS` looks like in a slot (64 KiB, 1 pass, 1 lane).
const TEST_KDF_BYTES: [u8; 12] = [0, 0, 0, 64, 0, 0, 0, 1, 0, 0, 0, 1];

const SECRET_VARS: [&str; 6] = [
    "VAKT_PIN",
    "VAKT_NEW_PIN",
    "VAKT_UNBLOCK_CODE",
    "VAKT_SECRET",
    "VAKT_INSECURE_TEST_KDF",
    "VAKT_VAULT",
];

#[derive(Debug)]
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.stdout))
    }
}

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
}

/// Runs the binary in `dir` with only the given `VAKT_*` variables and no
/// terminal, and checks what holds for every command.
fn run_vakt(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vakt"));
    command.arg("--vault").arg(dir).args(args);
    for var in SECRET_VARS {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command.stdin(Stdio::null());
    let output = command.output().unwrap();
    let run = Run {
        status: output
            .status
            .code()
            .unwrap_or_else(|| panic!("vakt {args:?} ended by a signal: {output:?}")),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_ne!(run.status, 101, "vakt {args:?} panicked: {run:?}");
    assert!(
        !run.stderr.contains("panicked") && !run.stdout.contains("panicked"),
        "vakt {args:?}: {run:?}"
    );
    assert!(
        !run.stderr.contains("internal error"),
        "vakt {args:?}: {run:?}"
    );
    run
}

fn assert_unblock_code_format(code: &str) {
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 4, "{code}");
    for group in groups {
        assert_eq!(group.len(), 5, "{code}");
        assert!(group.chars().all(|c| CROCKFORD.contains(c)), "{code}");
    }
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
