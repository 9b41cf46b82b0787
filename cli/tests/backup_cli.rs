//! `vakt backup export | restore | info` on the built binary: a round trip on a
//! fresh vault gives the same codes; wrong codes exit 5 and are counted across
//! processes; bad and foreign files exit 2 before any secret is asked for; a
//! restore killed (SIGKILL) at any instant leaves an empty or a complete vault.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PIN: &str = "4829";
const NEW_PIN: &str = "5837";
const URIS: [&str; 5] = [
    "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub",
    "otpauth://hotp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=3&digits=8",
    "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&issuer=SPDX&algorithm=SHA256&digits=7&period=20",
    "otpauth://steam/Boeing:Sophia?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&issuer=Boeing",
    "otpauth://totp/%E6%97%A5%E6%9C%AC:%F0%9F%98%80?secret=7ELGJSGXNCCTV3O6LKJWYFV2RA&algorithm=SHA512&digits=8&period=50",
];

fn vakt(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vakt"));
    // The device key in a file: tests never touch the user's OS keyring.
    cmd.env("VAKT_KEYSTORE", "file");
    cmd.arg("--vault").arg(dir).args(args);
    for var in [
        "VAKT_PIN",
        "VAKT_NEW_PIN",
        "VAKT_UNBLOCK_CODE",
        "VAKT_BACKUP_PASSPHRASE",
        "VAKT_INSECURE_TEST_KDF",
        "VAKT_VAULT",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).stdin(Stdio::null());
    cmd
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    vakt(dir, args, env).output().unwrap()
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

/// A vault with the accounts above (cheap KDF); returns its unblock code.
fn source(dir: &Path) -> String {
    let init = json(run(
        dir,
        &["init", "--json"],
        &[("VAKT_INSECURE_TEST_KDF", "1"), ("VAKT_PIN", PIN)],
    ));
    for uri in URIS {
        ok(run(dir, &["add", "--uri", uri], &[("VAKT_PIN", PIN)]));
    }
    ok(run(dir, &["next", "2"], &[("VAKT_PIN", PIN)]));
    init["unblock_code"].as_str().unwrap().to_owned()
}

fn codes(dir: &Path, pin: &str, at: u64) -> Value {
    json(run(
        dir,
        &["codes", "--json", "--at", &at.to_string()],
        &[("VAKT_PIN", pin)],
    ))
}

fn export(dir: &Path, file: &Path) -> Value {
    json(run(
        dir,
        &["backup", "export", file.to_str().unwrap(), "--json"],
        &[("VAKT_PIN", PIN)],
    ))
}

fn restore_cmd(dir: &Path, file: &Path, code: &str, insecure: bool) -> Command {
    let mut env = vec![("VAKT_UNBLOCK_CODE", code), ("VAKT_NEW_PIN", NEW_PIN)];
    if insecure {
        env.push(("VAKT_INSECURE_TEST_KDF", "1"));
    }
    vakt(
        dir,
        &["backup", "restore", file.to_str().unwrap(), "--json"],
        &env,
    )
}

struct Setup {
    _tmp: tempfile::TempDir,
    source: PathBuf,
    file: PathBuf,
    code: String,
    root: PathBuf,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_owned();
    let source_dir = root.join("source");
    let code = source(&source_dir);
    let file = root.join("backup.vaktbkp");
    let exported = export(&source_dir, &file);
    assert_eq!(exported["accounts"], URIS.len());
    assert_eq!(exported["generation"], 1);
    Setup {
        _tmp: tmp,
        source: source_dir,
        file,
        code,
        root,
    }
}

#[test]
fn round_trip_on_a_fresh_vault_gives_the_same_codes() {
    let s = setup();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&s.file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let target = s.root.join("target");
    let out = json(
        restore_cmd(&target, &s.file, &s.code, true)
            .output()
            .unwrap(),
    );
    assert_eq!(out["restored"], URIS.len());
    assert_eq!(out["needs_reenrolment"], Value::Array(vec![]));
    let new_code = out["unblock_code"].as_str().unwrap();
    assert_eq!(new_code.len(), 23);
    assert_ne!(new_code, s.code);
    for at in [59, 1_111_111_109, 2_000_000_000] {
        assert_eq!(
            codes(&target, NEW_PIN, at),
            codes(&s.source, PIN, at),
            "t = {at}"
        );
    }
    // The HOTP counter came back where it was.
    let a = ok(run(&s.source, &["next", "2"], &[("VAKT_PIN", PIN)]));
    let b = ok(run(&target, &["next", "2"], &[("VAKT_PIN", NEW_PIN)]));
    assert_eq!(a, b);
    // The text form says what happened and shows the new code once.
    let target2 = s.root.join("target2");
    let text = ok(run(
        &target2,
        &["backup", "restore", s.file.to_str().unwrap()],
        &[
            ("VAKT_UNBLOCK_CODE", &s.code),
            ("VAKT_NEW_PIN", NEW_PIN),
            ("VAKT_INSECURE_TEST_KDF", "1"),
        ],
    ));
    assert!(text.contains("Restored 5 account(s)"), "{text}");
    assert!(text.contains("new unblock code"), "{text}");
    // Restoring onto a vault that exists is refused (exit 2), and it is kept.
    let again = restore_cmd(&target, &s.file, &s.code, true)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(codes(&target, NEW_PIN, 59), codes(&s.source, PIN, 59));
}

#[test]
fn wrong_codes_exit_5_and_are_counted_across_processes() {
    let s = setup();
    let target = s.root.join("target");
    let other = "0B97X-KEN0D-Y3XSD-BPK35";
    assert_ne!(other, s.code);
    for attempt in 1..=3 {
        let out = restore_cmd(&target, &s.file, other, true).output().unwrap();
        assert_eq!(out.status.code(), Some(5));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("({attempt} wrong in a row)")),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    // A mistyped code (check character) exits 5 too, without counting.
    let mut mistyped = s.code.clone().into_bytes();
    mistyped[0] = if mistyped[0] == b'A' { b'B' } else { b'A' };
    let out = restore_cmd(
        &target,
        &s.file,
        std::str::from_utf8(&mistyped).unwrap(),
        true,
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(5));
    // The target is still empty: no PIN opens it.
    let list = run(&target, &["list"], &[("VAKT_PIN", NEW_PIN)]);
    assert_eq!(list.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&list.stderr).contains("no vault here yet"));
    // The right code still restores it (the 4th attempt waits 2 s first).
    let started = Instant::now();
    let out = json(
        restore_cmd(&target, &s.file, &s.code, true)
            .output()
            .unwrap(),
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(out["restored"], URIS.len());
}

#[test]
fn bad_and_foreign_files_exit_2_before_any_secret() {
    let s = setup();
    let bytes = std::fs::read(&s.file).unwrap();
    let target = s.root.join("target");
    let bad = s.root.join("bad");
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("json".into(), br#"{"version": 1, "header": {}}"#.to_vec()),
        ("text".into(), URIS[0].as_bytes().to_vec()),
        ("newer".into(), {
            let mut b = bytes.clone();
            b[7] = 9;
            b
        }),
    ];
    // Truncated at every length class: inside the magic, the version, the
    // header length, the header, the payload length, the payload, the checksum.
    for len in [
        3,
        7,
        8,
        10,
        12,
        40,
        bytes.len() / 2,
        bytes.len() - 33,
        bytes.len() - 1,
    ] {
        cases.push((format!("cut at {len}"), bytes[..len].to_vec()));
    }
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x20;
        cases.push((format!("byte {i} flipped"), b));
    }
    for (what, content) in cases {
        std::fs::write(&bad, &content).unwrap();
        // No secrets in the environment: a bad file is refused before any is
        // asked for (else the message would be about VAKT_UNBLOCK_CODE).
        let out = run(&target, &["backup", "restore", bad.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(2), "{what}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("VAKT_"), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}");
        let info = run(&target, &["backup", "info", bad.to_str().unwrap()], &[]);
        assert_eq!(info.status.code(), Some(2), "{what}");
    }
    assert!(!target.join("vault.sqlite3").exists());
    let info = json(run(
        &target,
        &["backup", "info", s.file.to_str().unwrap(), "--json"],
        &[],
    ));
    assert_eq!(info["generation"], 1);
}

#[test]
fn a_new_unblock_code_says_older_backups_need_the_previous_one() {
    let s = setup();
    let text = ok(run(&s.source, &["new-unblock-code"], &[("VAKT_PIN", PIN)]));
    assert!(text.contains("previous unblock code"), "{text}");
    let newer = s.root.join("newer.vaktbkp");
    assert_eq!(export(&s.source, &newer)["generation"], 2);
    // The old backup still opens with the old code.
    let out = json(
        restore_cmd(&s.root.join("t"), &s.file, &s.code, true)
            .output()
            .unwrap(),
    );
    assert_eq!(out["restored"], URIS.len());
    let out = restore_cmd(&s.root.join("u"), &newer, &s.code, true)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
}

#[test]
fn a_killed_restore_leaves_an_empty_or_a_complete_vault() {
    let s = setup();
    // Restores made with the real KDF costs take long enough to be hit at
    // many instants; time one first.
    let timed = s.root.join("timed");
    let started = Instant::now();
    ok(restore_cmd(&timed, &s.file, &s.code, false)
        .output()
        .unwrap());
    let full = started.elapsed();
    let want = codes(&timed, NEW_PIN, 59);

    // Kill instants spread over [0, 1.5 × the timed restore]: early ones find
    // an empty vault, late ones (and restores that finished) a complete one.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut empty, mut complete, mut killed) = (0, 0, 0);
    let rounds = 16u32;
    for round in 0..rounds {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fraction = (seed >> 33) as f64 / f64::from(1u32 << 31);
        let delay = full.mul_f64(fraction * 1.5);
        let target = s.root.join(format!("kill{round}"));
        let mut child = restore_cmd(&target, &s.file, &s.code, false)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL on Unix
        if child.wait().unwrap().signal() == Some(9) {
            killed += 1;
        }

        let list = run(&target, &["list", "--json"], &[("VAKT_PIN", NEW_PIN)]);
        match list.status.code() {
            Some(0) => {
                let accounts: Value = serde_json::from_slice(&list.stdout).unwrap();
                assert_eq!(
                    accounts.as_array().unwrap().len(),
                    URIS.len(),
                    "round {round}"
                );
                assert_eq!(codes(&target, NEW_PIN, 59), want, "round {round}");
                complete += 1;
            }
            Some(2) => {
                let stderr = String::from_utf8_lossy(&list.stderr);
                assert!(
                    stderr.contains("no vault here yet"),
                    "round {round}: {stderr}"
                );
                // Empty: a restore can start again and completes.
                let out = json(
                    restore_cmd(&target, &s.file, &s.code, false)
                        .output()
                        .unwrap(),
                );
                assert_eq!(out["restored"], URIS.len(), "round {round}");
                empty += 1;
            }
            other => panic!(
                "round {round}: exit {other:?}: {}",
                String::from_utf8_lossy(&list.stderr)
            ),
        }
    }
    let report = format!(
        "{rounds} restores under the kill schedule (full restore {full:?}): {killed} killed, \
         {} finished; found {empty} empty, {complete} complete",
        rounds - killed
    );
    println!("{report}");
    // Both outcomes, each checked above, must really have occurred: a
    // schedule that only ever hits one side checks half of the claim.
    assert!(empty >= 1 && complete >= 1, "{report}");
}

#[test]
fn a_backup_passphrase_restores_without_the_code() {
    let s = setup();
    let short = run(
        &s.source,
        &["backup", "passphrase", "set"],
        &[("VAKT_PIN", PIN), ("VAKT_BACKUP_PASSPHRASE", "too short")],
    );
    assert_eq!(short.status.code(), Some(2));
    // The backup made before has no passphrase slot: said before any attempt.
    let phrase = "correct horse battery staple";
    let out = run(
        &s.root.join("t0"),
        &["backup", "restore", s.file.to_str().unwrap()],
        &[
            ("VAKT_BACKUP_PASSPHRASE", phrase),
            ("VAKT_NEW_PIN", NEW_PIN),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use the unblock code"));

    ok(run(
        &s.source,
        &["backup", "passphrase", "set"],
        &[("VAKT_PIN", PIN), ("VAKT_BACKUP_PASSPHRASE", phrase)],
    ));
    let with = s.root.join("with.vaktbkp");
    assert_eq!(export(&s.source, &with)["passphrase"], true);
    let restore = |dir: &str, phrase: &str| {
        run(
            &s.root.join(dir),
            &["backup", "restore", with.to_str().unwrap(), "--json"],
            &[
                ("VAKT_BACKUP_PASSPHRASE", phrase),
                ("VAKT_NEW_PIN", NEW_PIN),
                ("VAKT_INSECURE_TEST_KDF", "1"),
            ],
        )
    };
    assert_eq!(
        restore("t1", "correct horse battery stable").status.code(),
        Some(5)
    );
    assert_eq!(json(restore("t1", phrase))["restored"], URIS.len());
    ok(run(
        &s.source,
        &["backup", "passphrase", "remove"],
        &[("VAKT_PIN", PIN)],
    ));
    assert_eq!(export(&s.source, &with)["passphrase"], false);
}
