#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Several processes opening one vault at the same moment — an app, its
//! widget and its AutoFill extension on a phone; a script and a terminal on
//! the desktop — through the built `vakt` binary. Processes, not threads: the
//! check turn that keeps the lockout right must hold between them.
//!
//! - any number of processes with the right PIN: none refused, never
//!   blocked, the count ends at 0;
//! - wrong PINs in parallel count once each: three block the vault;
//! - a process killed during its check leaves its attempt counted and the
//!   turn free for the next one;
//! - the same for unblock codes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PIN: &str = "4739";
const WRONG: &[&str] = &["1982", "2093", "3104", "4215", "5326"];

fn vakt(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vakt"));
    // The device key in a file: tests never touch the user's OS keyring.
    command.env("VAKT_KEYSTORE", "file");
    command
        .arg("--vault")
        .arg(dir)
        .env_remove("VAKT_PIN")
        .env_remove("VAKT_VAULT")
        .env_remove("VAKT_INSECURE_TEST_KDF")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A new vault in a temporary folder: with the real key-derivation cost
/// (`real_kdf`, so a check takes a noticeable time), or the test cost.
fn new_vault(real_kdf: bool) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let mut init = vakt(&dir);
    init.args(["init", "--json"]).env("VAKT_PIN", PIN);
    if !real_kdf {
        init.env("VAKT_INSECURE_TEST_KDF", "1");
    }
    let out = init.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = json["unblock_code"].as_str().unwrap().to_owned();
    (tmp, dir, code)
}

fn status(dir: &Path) -> Value {
    let out = vakt(dir).args(["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn failed_pins(dir: &Path) -> u64 {
    status(dir)["failed_pin_attempts"].as_u64().unwrap()
}

/// Starts `list` with `pin` (all at once, then waits for all).
fn list_all(dir: &Path, pins: &[&str]) -> Vec<Output> {
    let children: Vec<Child> = pins
        .iter()
        .map(|pin| vakt(dir).arg("list").env("VAKT_PIN", pin).spawn().unwrap())
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn codes(outputs: &[Output]) -> Vec<Option<i32>> {
    outputs.iter().map(|o| o.status.code()).collect()
}

#[test]
fn any_number_of_processes_with_the_right_pin_open_it_and_never_block_it() {
    // With the real cost each check takes a fraction of a second: the window
    // in which, before, eight processes' provisional attempts added up.
    let (_tmp, dir, _) = new_vault(true);
    for n in [2, 8] {
        let out = list_all(&dir, &vec![PIN; n]);
        assert_eq!(codes(&out), vec![Some(0); n], "{n} processes: {out:?}");
        assert_eq!(failed_pins(&dir), 0, "{n} processes");
        assert_eq!(status(&dir)["blocked"], false);
    }
    let (_tmp, dir, _) = new_vault(false);
    for round in 0..3 {
        let out = list_all(&dir, &[PIN; 32]);
        assert_eq!(codes(&out), vec![Some(0); 32], "round {round}: {out:?}");
        assert_eq!(failed_pins(&dir), 0, "round {round}");
    }
}

#[test]
fn wrong_pins_in_parallel_count_once_each_and_three_block() {
    let (_tmp, dir, _) = new_vault(false);
    let out = list_all(&dir, &WRONG[..2]);
    assert_eq!(codes(&out), vec![Some(3); 2], "{out:?}");
    assert_eq!(failed_pins(&dir), 2);

    let (_tmp, dir, _) = new_vault(false);
    let out = list_all(&dir, WRONG);
    let mut got = codes(&out);
    got.sort();
    // The third counted attempt blocks; the two after it are refused as
    // blocked without being counted.
    assert_eq!(
        got,
        vec![Some(3), Some(3), Some(4), Some(4), Some(4)],
        "{out:?}"
    );
    assert_eq!(failed_pins(&dir), 3);
    assert_eq!(status(&dir)["blocked"], true);
    // Blocked: even the right PIN, from many processes, is refused.
    assert_eq!(codes(&list_all(&dir, &[PIN; 4])), vec![Some(4); 4]);
    assert_eq!(failed_pins(&dir), 3);
}

#[test]
fn right_and_wrong_pins_mixed_in_parallel() {
    let (_tmp, dir, _) = new_vault(false);
    for round in 0..3 {
        let mut pins = vec![PIN; 6];
        pins.insert(2, WRONG[0]);
        pins.insert(5, WRONG[1]);
        let out = list_all(&dir, &pins);
        for (pin, o) in pins.iter().zip(&out) {
            let want = if *pin == PIN { 0 } else { 3 };
            assert_eq!(o.status.code(), Some(want), "round {round}: {o:?}");
        }
        // Each wrong PIN counted once, and reset by a right one after it:
        // what is left is the wrong ones after the last right one.
        assert!(failed_pins(&dir) <= 2, "round {round}");
        // A right PIN alone puts the count back to 0.
        assert_eq!(codes(&list_all(&dir, &[PIN])), vec![Some(0)]);
        assert_eq!(failed_pins(&dir), 0);
    }
}

/// Waits until the vault's failed-PIN count is `count` (the killed process
/// committed its attempt), at most 20 s.
fn wait_for_count(dir: &Path, count: u64) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if failed_pins(dir) == count {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[cfg(unix)]
#[test]
fn a_process_killed_during_its_check_leaves_the_attempt_counted_and_the_turn_free() {
    let (_tmp, dir, _) = new_vault(true);
    let mut killed = 0;
    for _ in 0..3 {
        let mut child = vakt(&dir).arg("list").env("VAKT_PIN", PIN).spawn().unwrap();
        // Its attempt is committed before the key derivation: kill it then.
        if !wait_for_count(&dir, 1) {
            // It finished too fast to be caught mid-check; try again.
            child.wait().unwrap();
            continue;
        }
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        if status.code() == Some(0) {
            // It finished between the poll and the kill: its reset may not
            // have been seen; nothing to check this time.
            continue;
        }
        killed += 1;
        assert_eq!(failed_pins(&dir), 1, "the killed check still counts");
        // The turn is free: the next process is not held up, and its right
        // PIN resets the count.
        assert_eq!(codes(&list_all(&dir, &[PIN, PIN])), vec![Some(0); 2]);
        assert_eq!(failed_pins(&dir), 0);
    }
    assert!(killed > 0, "no process was caught during its check");
}

#[test]
fn unblock_codes_from_parallel_processes_count_once_each_and_one_right_one_unblocks() {
    let (_tmp, dir, code) = new_vault(false);
    let out = list_all(&dir, &WRONG[..3]);
    let mut got = codes(&out);
    got.sort();
    assert_eq!(got, vec![Some(3), Some(3), Some(4)], "{out:?}");
    assert_eq!(status(&dir)["blocked"], true);
    // Two wrong codes and the right one at once: the right one unblocks
    // (whatever the order), each wrong one counts once.
    let wrong_code = "0B97X-KEN0D-Y3XSD-BPK35";
    let children: Vec<Child> = [wrong_code, code.as_str(), wrong_code]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vakt(&dir)
                .args(["unblock", "--json"])
                .env("VAKT_UNBLOCK_CODE", c)
                .env("VAKT_NEW_PIN", ["5830", "6941", "7052"][i])
                .spawn()
                .unwrap()
        })
        .collect();
    let out: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    assert_eq!(codes(&out), vec![Some(5), Some(0), Some(5)], "{out:?}");
    let after = status(&dir);
    assert_eq!(after["blocked"], false);
    assert_eq!(after["failed_pin_attempts"], 0);
    // The wrong codes after the right one still count; those before it were
    // reset by it: at most the two wrong ones are left.
    assert!(after["failed_unblock_attempts"].as_u64().unwrap() <= 2);
    assert_eq!(
        codes(&list_all(&dir, &["6941"])),
        vec![Some(0)],
        "the new PIN set by the right code opens it"
    );
}

#[test]
fn hotp_codes_from_parallel_processes_are_never_given_twice() {
    let (_tmp, dir, _) = new_vault(false);
    let rfc = "otpauth://hotp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";
    let add = vakt(&dir)
        .args(["add", "--uri", rfc])
        .env("VAKT_PIN", PIN)
        .output()
        .unwrap();
    assert_eq!(add.status.code(), Some(0), "{add:?}");
    let children: Vec<Child> = (0..8)
        .map(|_| {
            vakt(&dir)
                .args(["next", "1"])
                .env("VAKT_PIN", PIN)
                .spawn()
                .unwrap()
        })
        .collect();
    let mut got: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{out:?}");
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        })
        .collect();
    got.sort();
    // RFC 4226 appendix D, counters 0–7: each exactly once.
    let mut want = vec![
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
    ];
    want.sort();
    assert_eq!(got, want);
}
