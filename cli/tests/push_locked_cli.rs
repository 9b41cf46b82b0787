#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// The crash run log shows where the kills landed.
#![allow(clippy::print_stderr)]
//! `vakt push` on a locked vault, through the built binary, on copies of the
//! saved vaults (fixtures/vaults: a push token enrolled from the captured
//! privacyIDEA code; the captured challenge is the notification):
//!
//! - `push list|receive|deny` need no `VAKT_PIN` and ask for nothing (stdin
//!   is closed); `push approve` needs the PIN: 3 on a wrong one, 4 blocked;
//! - a vault saved before schema 5 asks for the PIN once, then works locked;
//! - crash injection: `push receive`, `push deny` (the locked write paths)
//!   and the first unlock after the upgrade killed with SIGKILL at random
//!   instants leave a vault that passes `integrity_check`, holds the
//!   challenge or not (never half of it), a committed decline or an open
//!   challenge, and an untouched PIN count.
//!
//! The captured challenge names a server at 127.0.0.1:5077, where nothing
//! listens in the test environment: answers fail as unreachable (exit 7)
//! after the decision is committed, which is the write path under test.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::{command, vakt};

const PIN: &str = "4829";
const WRONG_PIN: &str = "6047";
/// Kills per write path.
const ITERATIONS: usize = 24;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(path)
}

/// Starts `vakt`, kills it (SIGKILL) after `delay`; whether the kill ended it.
fn vakt_killed(dir: &Path, args: &[&str], env: &[(&str, &str)], delay: Duration) -> bool {
    let mut child = command(dir, args, env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_ne!(status.code(), Some(101), "vakt {args:?} panicked");
    status.signal() == Some(9)
}

/// A copy of the saved vault `version` in a new folder.
fn copy_of(version: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(&format!("vaults/{version}")), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name = name.to_str().unwrap();
        if name.ends_with("-shm") || name.ends_with(".lock") || name.ends_with(".reserve") {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(to.join(name)).unwrap();
            copy_dir(&entry.path(), &to.join(name));
        } else {
            std::fs::copy(entry.path(), to.join(name)).unwrap();
        }
    }
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("vault.sqlite3")).unwrap()
}

/// Forgets the saved vault's (long expired) challenge, so that the captured
/// notification is new to it.
fn forget_challenges(dir: &Path) {
    db(dir).execute("DELETE FROM push_challenges", []).unwrap();
}

/// The captured notification data, in a file.
fn notification(dir: &Path) -> PathBuf {
    let poll: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("privacyidea/push_poll_response.json")).unwrap(),
    )
    .unwrap();
    let path = dir.join("notification.json");
    std::fs::write(&path, poll["result"]["value"][0].to_string()).unwrap();
    path
}

/// `(state, answer bytes)` of every stored challenge.
fn challenges(dir: &Path) -> Vec<(i64, usize)> {
    let conn = db(dir);
    let mut stmt = conn
        .prepare("SELECT state, length(sealed) FROM push_challenges ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn integrity_ok(dir: &Path) {
    let result: String = db(dir)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(result, "ok");
}

fn failed_pins(dir: &Path) -> i64 {
    db(dir)
        .query_row("SELECT failed_pin FROM lockout WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn list_receive_and_deny_need_no_pin_approve_does() {
    let vault = copy_of("v5");
    let dir = vault.path();
    forget_challenges(dir);
    let list = vakt(dir, &["push", "list", "--json"], &[]);
    assert_eq!(list.status, 0, "{list:?}");
    assert_eq!(list.json()[0]["serial"], "PIPU0000668B");

    let file = notification(dir);
    let received = vakt(
        dir,
        &["push", "receive", file.to_str().unwrap(), "--json"],
        &[],
    );
    assert_eq!(received.status, 0, "{received:?}");
    let shown = &received.json()[0];
    assert_eq!(shown["title"], "DemoIdP");
    assert_eq!(shown["serial"], "PIPU0000668B");
    assert_eq!(shown["state"], "open");
    let id = shown["id"].as_u64().unwrap().to_string();

    // A forged notification: refused (2), nothing stored.
    let mut forged: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    forged["nonce"] = Value::from("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
    let forged_file = dir.join("forged.json");
    std::fs::write(&forged_file, forged.to_string()).unwrap();
    let refused = vakt(
        dir,
        &["push", "receive", forged_file.to_str().unwrap()],
        &[],
    );
    assert_eq!(refused.status, 2, "{refused:?}");
    assert_eq!(challenges(dir).len(), 1);

    // Approve: the PIN, or nothing; a wrong one counts (3), three block (4).
    let no_pin = vakt(dir, &["push", "approve", &id], &[]);
    assert_ne!(no_pin.status, 0, "{no_pin:?}");
    assert_eq!(challenges(dir), vec![(1, 0)]);
    let wrong = vakt(dir, &["push", "approve", &id], &[("VAKT_PIN", WRONG_PIN)]);
    assert_eq!(wrong.status, 3, "{wrong:?}");

    // Deny while locked: committed and signed; the server is unreachable (7).
    let deny = vakt(dir, &["push", "deny", &id, "--json"], &[]);
    assert_eq!(deny.status, 7, "{deny:?}");
    assert_eq!(challenges(dir)[0].0, 2, "the decline is committed");
    // The committed decline is the only answer left.
    let approve = vakt(dir, &["push", "approve", &id], &[("VAKT_PIN", PIN)]);
    assert_eq!(approve.status, 2, "{approve:?}");
    assert!(approve.stderr.contains("already answered"), "{approve:?}");

    // Blocked: approve is 4; list, receive and deny still work. (The right
    // PIN above set the count back to zero.)
    for _ in 0..3 {
        vakt(dir, &["push", "approve", &id], &[("VAKT_PIN", WRONG_PIN)]);
    }
    let blocked = vakt(dir, &["push", "approve", &id], &[("VAKT_PIN", PIN)]);
    assert_eq!(blocked.status, 4, "{blocked:?}");
    assert_eq!(vakt(dir, &["push", "list"], &[]).status, 0);
    let again = vakt(dir, &["push", "receive", file.to_str().unwrap()], &[]);
    assert_eq!(again.status, 0, "{again:?}");
    assert_eq!(vakt(dir, &["push", "deny", &id], &[]).status, 7);
    assert_eq!(failed_pins(dir), 3);
}

#[test]
fn a_vault_from_before_schema_5_asks_for_the_pin_once() {
    let vault = copy_of("v4");
    let dir = vault.path();
    let locked = vakt(dir, &["push", "list", "--json"], &[]);
    assert_ne!(locked.status, 0, "{locked:?}");
    let unlocked = vakt(dir, &["push", "list", "--json"], &[("VAKT_PIN", PIN)]);
    assert_eq!(unlocked.status, 0, "{unlocked:?}");
    let locked = vakt(dir, &["push", "list", "--json"], &[]);
    assert_eq!(locked.status, 0, "{locked:?}");
    assert_eq!(locked.json()[0]["serial"], "PIPU0000668B");
}

/// SplitMix64: a seeded schedule of kill delays.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How long `args` takes on a fresh copy made by `prepare`.
fn duration(prepare: &dyn Fn(&Path), args: &[&str], env: &[(&str, &str)]) -> Duration {
    let vault = copy_of("v5");
    prepare(vault.path());
    let start = Instant::now();
    vakt(vault.path(), args, env);
    start.elapsed()
}

#[test]
fn killed_locked_push_commands_leave_a_consistent_vault() {
    let mut rng = Rng(0x5EED_10C4_ED00_0005);
    let mut killed = 0;

    // 1. `push receive`: the challenge is stored whole or not at all.
    let fresh = |dir: &Path| {
        forget_challenges(dir);
        notification(dir);
    };
    let receive = |dir: &Path| {
        let file = dir.join("notification.json");
        vec![
            "push".to_owned(),
            "receive".to_owned(),
            file.to_str().unwrap().to_owned(),
        ]
    };
    let probe = copy_of("v5");
    fresh(probe.path());
    let took = duration(
        &fresh,
        &receive(probe.path())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &[],
    );
    for _ in 0..ITERATIONS {
        let vault = copy_of("v5");
        let dir = vault.path();
        fresh(dir);
        let args = receive(dir);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        killed += usize::from(vakt_killed(dir, &args, &[], took.mul_f64(1.2 * rng.unit())));
        integrity_ok(dir);
        let stored = challenges(dir);
        assert!(stored.is_empty() || stored == vec![(1, 0)], "{stored:?}");
        // Received again: the same one (or now), shown whole.
        let again = vakt(dir, &args, &[]);
        assert_eq!(again.status, 0, "{again:?}");
        assert_eq!(challenges(dir), vec![(1, 0)]);
        assert_eq!(failed_pins(dir), 0);
    }

    // 2. `push deny`: open, or the decline committed; never anything else.
    let received = |dir: &Path| {
        fresh(dir);
        let file = dir.join("notification.json");
        assert_eq!(
            vakt(dir, &["push", "receive", file.to_str().unwrap()], &[]).status,
            0
        );
    };
    let id = {
        let vault = copy_of("v5");
        received(vault.path());
        let conn = db(vault.path());
        let id: i64 = conn
            .query_row("SELECT id FROM push_challenges", [], |r| r.get(0))
            .unwrap();
        id.to_string()
    };
    let took = duration(&received, &["push", "deny", &id], &[]);
    for _ in 0..ITERATIONS {
        let vault = copy_of("v5");
        let dir = vault.path();
        received(dir);
        killed += usize::from(vakt_killed(
            dir,
            &["push", "deny", &id],
            &[],
            took.mul_f64(1.2 * rng.unit()),
        ));
        integrity_ok(dir);
        let [(state, answer)] = challenges(dir)[..] else {
            panic!("one challenge expected");
        };
        assert!(
            (state == 1 && answer == 0) || (state == 2 && answer > 0),
            "state {state}, answer {answer} bytes"
        );
        // Whatever happened, the decline can be given (again) and an
        // approval never follows it.
        assert_eq!(vakt(dir, &["push", "deny", &id], &[]).status, 7);
        let approve = vakt(dir, &["push", "approve", &id], &[("VAKT_PIN", PIN)]);
        assert_eq!(approve.status, 2, "{approve:?}");
        assert_eq!(failed_pins(dir), 0);
    }

    // 3. The first unlock after the upgrade: the old records or the new.
    let took = {
        let vault = copy_of("v4");
        let start = Instant::now();
        vakt(vault.path(), &["push", "list"], &[("VAKT_PIN", PIN)]);
        start.elapsed()
    };
    for _ in 0..ITERATIONS {
        let vault = copy_of("v4");
        let dir = vault.path();
        killed += usize::from(vakt_killed(
            dir,
            &["push", "list"],
            &[("VAKT_PIN", PIN)],
            took.mul_f64(1.2 * rng.unit()),
        ));
        integrity_ok(dir);
        let schema: i64 = db(dir)
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        let shown: Vec<bool> = if schema < 5 {
            vec![false, false]
        } else {
            let conn = db(dir);
            let tokens: i64 = conn
                .query_row(
                    "SELECT count(*) FROM push_tokens WHERE shown IS NULL",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let challenges: i64 = conn
                .query_row(
                    "SELECT count(*) FROM push_challenges WHERE shown IS NULL",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            vec![tokens == 0, challenges == 0]
        };
        assert!(
            shown == [true, true] || shown == [false, false],
            "{shown:?}"
        );
        let list = vakt(dir, &["push", "list", "--json"], &[("VAKT_PIN", PIN)]);
        assert_eq!(list.status, 0, "{list:?}");
        let locked = vakt(dir, &["push", "list", "--json"], &[]);
        assert_eq!(locked.status, 0, "{locked:?}");
        assert_eq!(locked.json()[0]["serial"], "PIPU0000668B");
    }
    eprintln!("{killed} of {} runs killed mid-way", 3 * ITERATIONS);
    assert!(killed > 0, "no kill landed: the test tested nothing");
}
