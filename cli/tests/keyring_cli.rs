//! The device key in the OS keyring, against a real Secret Service
//! (gnome-keyring in its own D-Bus session: `scripts/test.d/36-keyring.sh`
//! starts both and runs these tests with `--ignored`). A copy of the vault
//! folder alone — on a machine without this login's keyring — does not open
//! with the right PIN; the keyring-held key works across processes; `auto`
//! uses the keyring where one runs and warns when it falls back to a file;
//! `vakt keystore migrate` moves a file key in, and finishes an interrupted
//! move.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const PIN: &str = "4829";
const URI: &str =
    "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub";

/// Whether the command reaches this session's Secret Service (`Bus`) or runs
/// as on a machine without one (`NoBus`).
#[derive(Clone, Copy, PartialEq)]
enum Keyring {
    Bus,
    NoBus,
}

fn vakt(dir: &Path, keyring: Keyring, args: &[&str]) -> Output {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "run through scripts/test.d/36-keyring.sh (a Secret Service in its own D-Bus session)"
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_vakt"));
    command
        .arg("--vault")
        .arg(dir)
        .args(args)
        .env("VAKT_PIN", PIN)
        .env("VAKT_INSECURE_TEST_KDF", "1")
        .env("VAKT_URI", URI)
        .env_remove("VAKT_KEYSTORE");
    if keyring == Keyring::NoBus {
        command.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    }
    command.output().expect("run vakt")
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn keystore_of(dir: &Path) -> String {
    let status: Value =
        serde_json::from_str(&ok(vakt(dir, Keyring::Bus, &["status", "--json"]))).unwrap();
    status["keystore"].as_str().unwrap().to_owned()
}

fn code_at_59(dir: &Path, keyring: Keyring) -> Output {
    vakt(dir, keyring, &["codes", "--json", "--at", "59"])
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A copied folder opened where this login's keyring cannot be reached:
/// the right PIN does not open it, and no attempt is spent.
fn assert_copy_does_not_open(dir: &Path) {
    let copy = dir.with_extension("copy");
    copy_folder(dir, &copy);
    let refused = code_at_59(&copy, Keyring::NoBus);
    assert_eq!(
        refused.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("device"),
        "{refused:?}"
    );
    let status: Value =
        serde_json::from_str(&ok(vakt(&copy, Keyring::NoBus, &["status", "--json"]))).unwrap();
    assert_eq!(status["keystore"], "keyring");
    assert_eq!(status["failed_pin_attempts"], 0, "no PIN attempt was spent");
}

#[test]
#[ignore = "needs a Secret Service: scripts/test.d/36-keyring.sh"]
fn the_keyring_holds_the_key_and_a_copied_folder_alone_does_not_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    ok(vakt(&dir, Keyring::Bus, &["--keystore", "keyring", "init"]));
    assert!(
        !dir.join("device.key").exists(),
        "no key file beside the vault"
    );
    assert!(dir.join("device.keyring").exists());
    ok(vakt(&dir, Keyring::Bus, &["add"]));
    // Another process, the key from the keyring: the RFC 6238 code at 59 s.
    let codes: Value = serde_json::from_str(&ok(code_at_59(&dir, Keyring::Bus))).unwrap();
    assert_eq!(codes[0]["code"], "287082");
    assert_eq!(keystore_of(&dir), "keyring");
    assert!(ok(vakt(&dir, Keyring::Bus, &["status"])).contains("device key: in the OS keyring"));
    assert_copy_does_not_open(&dir);
}

#[test]
#[ignore = "needs a Secret Service: scripts/test.d/36-keyring.sh"]
fn auto_uses_the_keyring_where_one_runs_and_falls_back_to_a_file_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let with = tmp.path().join("with-keyring");
    let made = vakt(&with, Keyring::Bus, &["init"]);
    assert!(
        made.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    ok(made);
    assert_eq!(keystore_of(&with), "keyring");

    let without = tmp.path().join("without-keyring");
    let made = vakt(&without, Keyring::NoBus, &["init"]);
    let warning = String::from_utf8_lossy(&made.stderr).into_owned();
    ok(made);
    assert_eq!(warning.lines().count(), 1, "one line: {warning}");
    assert!(warning.contains("--keystore file"), "{warning}");
    assert!(without.join("device.key").exists());
    assert_eq!(keystore_of(&without), "file");

    let refused = vakt(
        &tmp.path().join("explicit"),
        Keyring::NoBus,
        &["--keystore", "keyring", "init"],
    );
    assert_eq!(
        refused.status.code(),
        Some(2),
        "--keystore keyring without one is bad input"
    );
    let quiet = vakt(
        &tmp.path().join("quiet"),
        Keyring::NoBus,
        &["--keystore", "file", "init"],
    );
    assert!(quiet.stderr.is_empty(), "chosen explicitly: no warning");
}

#[test]
#[ignore = "needs a Secret Service: scripts/test.d/36-keyring.sh"]
fn migrate_moves_a_file_key_into_the_keyring_and_finishes_an_interrupted_move() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    ok(vakt(&dir, Keyring::Bus, &["--keystore", "file", "init"]));
    ok(vakt(&dir, Keyring::Bus, &["add"]));
    let key_file = std::fs::read(dir.join("device.key")).unwrap();
    assert!(ok(vakt(&dir, Keyring::Bus, &["status"])).contains("vakt keystore migrate"));

    let refused = vakt(&dir, Keyring::NoBus, &["keystore", "migrate"]);
    assert_eq!(refused.status.code(), Some(2), "no keyring: nothing moved");
    assert!(dir.join("device.key").exists());

    assert!(
        ok(vakt(&dir, Keyring::Bus, &["keystore", "migrate"])).contains("in the OS keyring now")
    );
    assert!(!dir.join("device.key").exists());
    assert_eq!(keystore_of(&dir), "keyring");
    let codes: Value = serde_json::from_str(&ok(code_at_59(&dir, Keyring::Bus))).unwrap();
    assert_eq!(codes[0]["code"], "287082", "the same key opens the vault");

    // Interrupted between the marker and removing the file: both are there;
    // the keyring's key is used and migrate finishes the move.
    std::fs::write(dir.join("device.key"), &key_file).unwrap();
    ok(code_at_59(&dir, Keyring::Bus));
    assert!(ok(vakt(&dir, Keyring::Bus, &["keystore", "migrate"])).contains("finished"));
    assert!(!dir.join("device.key").exists());
    // A file with another key is never removed.
    std::fs::write(dir.join("device.key"), [7u8; 32]).unwrap();
    let refused = vakt(&dir, Keyring::Bus, &["keystore", "migrate"]);
    assert!(!refused.status.success());
    assert!(dir.join("device.key").exists(), "left as it is");
    std::fs::remove_file(dir.join("device.key")).unwrap();
    assert!(ok(vakt(&dir, Keyring::Bus, &["keystore", "migrate"])).contains("already"));

    assert_copy_does_not_open(&dir);
}
