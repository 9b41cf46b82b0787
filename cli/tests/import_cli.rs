//! `vakt import` and `vakt export --aegis` on the built binary: what was
//! added, skipped and not imported is reported; bad files and wrong passwords
//! exit 2 without costing a PIN attempt; our Aegis export, plain or encrypted,
//! imports back to the same codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PIN: &str = "4829";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/imports/aegis")
        .join(name)
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vakt"));
    // The device key in a file: tests never touch the user's OS keyring.
    cmd.env("VAKT_KEYSTORE", "file");
    cmd.arg("--vault").arg(dir).args(args);
    for var in [
        "VAKT_PIN",
        "VAKT_IMPORT_PASSWORD",
        "VAKT_EXPORT_PASSWORD",
        "VAKT_INSECURE_TEST_KDF",
        "VAKT_VAULT",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("VAKT_PIN", PIN)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(output: Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(output: Output) -> Value {
    serde_json::from_str(&ok(output)).unwrap()
}

fn new_vault(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    ok(run(&dir, &["init"], &[("VAKT_INSECURE_TEST_KDF", "1")]));
    dir
}

fn import(dir: &Path, format: &str, file: &Path, env: &[(&str, &str)]) -> Output {
    run(
        dir,
        &["import", "--from", format, file.to_str().unwrap(), "--json"],
        env,
    )
}

fn codes(dir: &Path) -> Value {
    let mut all = json(run(dir, &["codes", "--json", "--at", "1700000000"], &[]));
    for entry in all.as_array_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("id");
    }
    all
}

#[test]
fn imports_report_added_duplicates_and_what_they_cannot_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let a = new_vault(tmp.path(), "a");
    let report = json(import(
        &a,
        "aegis",
        &fixture("aegis_encrypted.json"),
        &[("VAKT_IMPORT_PASSWORD", "test")],
    ));
    assert_eq!(report["added"].as_array().unwrap().len(), 7);
    assert_eq!(
        report["added"][0],
        serde_json::json!({"id": 1, "label": "Deno (Mason)"})
    );
    assert_eq!(report["duplicates"], Value::Array(vec![]));
    assert_eq!(report["unsupported"], Value::Array(vec![]));

    // The same keys again, from andOTP: all skipped, and said so.
    let again = json(import(&a, "andotp", &fixture("andotp_plain.json"), &[]));
    assert_eq!(again["added"], Value::Array(vec![]));
    assert_eq!(again["duplicates"].as_array().unwrap().len(), 7);
    assert_eq!(again["duplicates"][0]["existing_id"], 1);

    // The same codes as the plain otpauth URIs give.
    let b = new_vault(tmp.path(), "b");
    json(import(&b, "uri-list", &fixture("plain.txt"), &[]));
    assert_eq!(codes(&a), codes(&b));

    // Text output: added, skipped, notes.
    let c = new_vault(tmp.path(), "c");
    let text = ok(run(
        &c,
        &[
            "import",
            "--from",
            "authy",
            fixture("authy_plain.xml").to_str().unwrap(),
        ],
        &[],
    ));
    assert!(text.starts_with("added 3\n"), "{text}");
    assert!(text.contains("Deno (Mason)"), "{text}");
    assert!(text.contains("note: Authy does not record"), "{text}");
    let text = ok(run(
        &c,
        &[
            "import",
            "--from",
            "ente",
            fixture("ente_auth.txt").to_str().unwrap(),
        ],
        &[],
    ));
    // Deno is the same account (same codes, same names); Authy does not record
    // SPDX's and Airbnb's algorithm and period, and Ente's differ from the
    // defaults Authy implies: different codes, so different accounts, both kept.
    assert!(text.starts_with("added 6\n"), "{text}");
    assert!(text.contains("skipped 1 (already in the vault)"), "{text}");
    assert!(text.contains("Deno (Mason) (the same as #1)"), "{text}");
}

#[test]
fn bad_files_and_passwords_exit_2_without_a_pin_attempt() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_vault(tmp.path(), "v");
    let png = tmp.path().join("image.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n not an export").unwrap();
    type Case<'a> = (&'a str, PathBuf, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("aegis", png.clone(), vec![], "not a readable aegis export"),
        ("nosuchapp", fixture("plain.txt"), vec![], "--from"),
        (
            "aegis",
            fixture("aegis_encrypted.json"),
            vec![("VAKT_IMPORT_PASSWORD", "wrong")],
            "password does not open",
        ),
        (
            "2fas",
            fixture("2fas_authenticator_encrypted_v4.2fas"),
            vec![],
            "VAKT_IMPORT_PASSWORD is not set",
        ),
        (
            "aegis",
            tmp.path().join("missing.json"),
            vec![],
            "cannot read",
        ),
    ];
    for (format, file, env, want) in cases {
        // A wrong PIN too: had the PIN been checked, the exit would be 3.
        let mut env = env.clone();
        env.push(("VAKT_PIN", "1111"));
        let out = import(&dir, format, &file, &env);
        assert_eq!(out.status.code(), Some(2), "{format} {}", file.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    let status = json(run(&dir, &["status", "--json"], &[]));
    assert_eq!(status["failed_pin_attempts"], 0);
}

#[test]
fn our_aegis_export_imports_back_plain_and_encrypted() {
    let tmp = tempfile::tempdir().unwrap();
    let source = new_vault(tmp.path(), "source");
    json(import(&source, "aegis", &fixture("aegis_plain.json"), &[]));
    ok(run(&source, &["next", "4"], &[])); // an HOTP counter moves on

    let plain = tmp.path().join("plain.json");
    let out = json(run(
        &source,
        &["export", "--aegis", plain.to_str().unwrap(), "--json"],
        &[],
    ));
    assert_eq!(
        out,
        serde_json::json!({"file": plain.to_str().unwrap(), "accounts": 7, "encrypted": false})
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&plain).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let a = new_vault(tmp.path(), "a");
    json(import(&a, "aegis", &plain, &[]));
    assert_eq!(codes(&a), codes(&source));

    let sealed = tmp.path().join("sealed.json");
    let text = ok(run(
        &source,
        &["export", "--aegis", sealed.to_str().unwrap(), "--encrypt"],
        &[("VAKT_EXPORT_PASSWORD", "hunter2 hunter2")],
    ));
    assert!(text.contains("encrypted with your password"), "{text}");
    let raw = std::fs::read_to_string(&sealed).unwrap();
    assert!(!raw.contains("Mason") && !raw.contains("4SJHB4GSD43FZBAI7C2HLRJGPQ"));
    let b = new_vault(tmp.path(), "b");
    json(import(
        &b,
        "aegis",
        &sealed,
        &[("VAKT_IMPORT_PASSWORD", "hunter2 hunter2")],
    ));
    assert_eq!(codes(&b), codes(&source));
    // `--aegis` is the only format so far, and it is required.
    let out = run(&source, &["export", sealed.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
}
