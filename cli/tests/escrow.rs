#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// The run log shows where the kills landed.
#![allow(clippy::print_stderr)]
//! Escrow of the unblock code, end to end through the built `vakt` binary:
//! the blocked user's story (enrol → three wrong PINs → blocked → support
//! opens the record → unblock with the code read out → the new code is
//! escrowed and the old one opens nothing), the records support must refuse
//! (another organisation's key, changed bytes, another vault's record), and
//! crash injection: `vakt unblock` killed at random instants never leaves a
//! new code without its escrow record.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

mod common;

use common::{Run, command, vakt};

const PIN: &str = "4829";
const PIN2: &str = "5830";
const WRONG_PIN: &str = "6047";
/// Exit statuses of the CLI contract (cli/src/error.rs).
const BAD_INPUT: i32 = 2;
const BLOCKED: i32 = 4;
const WRONG_UNBLOCK_CODE: i32 = 5;
const ESCROW_REFUSED: i32 = 11;

fn ok(vault: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let run = vakt(vault, args, env);
    assert_eq!(run.status, 0, "vakt {args:?} failed: {run:?}");
    run
}

fn fails(vault: &Path, status: i32, args: &[&str], env: &[(&str, &str)]) -> Run {
    let run = vakt(vault, args, env);
    assert_eq!(run.status, status, "vakt {args:?}: {run:?}");
    assert!(run.stderr.starts_with("vakt: "), "{run:?}");
    run
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A vault folder with a cheap-KDF vault in it; returns its first code.
fn init(vault: &Path) -> String {
    let run = ok(
        vault,
        &["init", "--json"],
        &[("VAKT_PIN", PIN), ("VAKT_INSECURE_TEST_KDF", "1")],
    );
    run.json()["unblock_code"].as_str().unwrap().to_owned()
}

/// `vakt escrow keygen`: the key file and the public key printed.
fn keygen(vault: &Path, key_file: &Path) -> String {
    let run = ok(vault, &["escrow", "keygen", "--out", s(key_file)], &[]);
    let public = run.stdout.trim().to_owned();
    assert!(public.starts_with("vakt-org-"), "{run:?}");
    let text = std::fs::read_to_string(key_file).unwrap();
    assert!(text.contains("VAKT-ORG-SECRET-"), "{text}");
    assert!(text.contains(&public), "the key file names its public key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(key_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o077, 0, "the key file is the owner's only");
    public
}

/// `vakt escrow pending --out DIR --json`: the files written.
fn pending(vault: &Path, dir: &Path) -> Vec<(PathBuf, u64)> {
    let run = ok(
        vault,
        &["escrow", "pending", "--out", s(dir), "--json"],
        &[],
    );
    run.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                PathBuf::from(r["file"].as_str().unwrap()),
                r["generation"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// `vakt escrow open FILE --identity KEY --json`.
fn open(vault: &Path, record: &Path, key_file: &Path) -> Value {
    ok(
        vault,
        &[
            "escrow",
            "open",
            s(record),
            "--identity",
            s(key_file),
            "--json",
        ],
        &[],
    )
    .json()
}

fn status(vault: &Path) -> Value {
    ok(vault, &["escrow", "status", "--json"], &[]).json()
}

#[test]
fn a_blocked_user_gets_back_in_through_the_support_desk() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let org_key = tmp.path().join("org.key");
    let inbox = tmp.path().join("inbox");
    let first = init(&vault);
    let public = keygen(&vault, &org_key);
    // A second keygen never overwrites the key file.
    fails(
        &vault,
        BAD_INPUT,
        &["escrow", "keygen", "--out", s(&org_key)],
        &[],
    );

    let off = status(&vault);
    assert_eq!(off["enabled"], false);
    assert_eq!(off["pending"], 0);
    assert!(off["last_delivered_at"].is_null());
    let vault_id = off["vault_id"].as_str().unwrap().to_owned();
    assert_eq!(vault_id.len(), 32);

    // Enrolling needs the PIN, refuses a mistyped key, and makes a new code.
    let enrol = [
        "escrow",
        "enrol",
        "--org",
        &public,
        "--hint",
        "alice@example.org",
        "--json",
    ];
    fails(&vault, 3, &enrol, &[("VAKT_PIN", WRONG_PIN)]);
    let typo = format!("{}x", &public[..public.len() - 1]);
    fails(
        &vault,
        BAD_INPUT,
        &["escrow", "enrol", "--org", &typo],
        &[("VAKT_PIN", PIN)],
    );
    let enrolled = ok(&vault, &enrol, &[("VAKT_PIN", PIN)]).json();
    let enrol_code = enrolled["unblock_code"].as_str().unwrap().to_owned();
    assert_ne!(enrol_code, first);
    let on = status(&vault);
    assert_eq!(on["enabled"], true);
    assert_eq!(on["org_public_key"], public.as_str());
    assert_eq!(on["fingerprint"], enrolled["fingerprint"]);
    assert_eq!(on["pending"], 1);
    // The first code stopped working when enrolling replaced it.
    fails(
        &vault,
        WRONG_UNBLOCK_CODE,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &first), ("VAKT_NEW_PIN", PIN2)],
    );

    // Three wrong PINs: blocked.
    for _ in 0..3 {
        let _ = vakt(&vault, &["list"], &[("VAKT_PIN", WRONG_PIN)]);
    }
    fails(&vault, BLOCKED, &["list"], &[("VAKT_PIN", PIN)]);

    // The app hands the record over: no PIN, on a blocked vault.
    let records = pending(&vault, &inbox);
    assert_eq!(records.len(), 1);
    let (record, generation) = records[0].clone();
    assert!(
        record
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .contains(&vault_id),
        "{record:?}"
    );
    assert!(
        pending(&vault, &inbox).is_empty(),
        "delivered records are not offered again"
    );
    let delivered = status(&vault);
    assert_eq!(delivered["pending"], 0);
    assert!(delivered["last_delivered_at"].as_u64().unwrap() > 1_700_000_000);

    // Support opens it with the organisation key and reads out the code.
    let opened = open(&vault, &record, &org_key);
    assert_eq!(opened["unblock_code"], enrol_code.as_str());
    assert_eq!(opened["generation"].as_u64(), Some(generation));
    assert_eq!(opened["vault_id"], vault_id.as_str());
    assert_eq!(opened["hint"], "alice@example.org");
    // With the vault id the user reads from their app, it is accepted too.
    ok(
        &vault,
        &[
            "escrow",
            "open",
            s(&record),
            "--identity",
            s(&org_key),
            "--vault-id",
            &vault_id,
        ],
        &[],
    );

    // The user unblocks with it; the new code is escrowed, a generation on.
    let unblocked = ok(
        &vault,
        &["unblock", "--json"],
        &[("VAKT_UNBLOCK_CODE", &enrol_code), ("VAKT_NEW_PIN", PIN2)],
    )
    .json();
    let new_code = unblocked["unblock_code"].as_str().unwrap().to_owned();
    ok(&vault, &["list"], &[("VAKT_PIN", PIN2)]);
    let records = pending(&vault, &inbox);
    assert_eq!(records.len(), 1);
    assert!(records[0].1 > generation, "{records:?}");
    let newer = open(&vault, &records[0].0, &org_key);
    assert_eq!(newer["unblock_code"], new_code.as_str());
    assert_eq!(newer["generation"].as_u64(), Some(records[0].1));

    // The old record's code no longer unblocks; the newer one does.
    fails(
        &vault,
        WRONG_UNBLOCK_CODE,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &enrol_code), ("VAKT_NEW_PIN", PIN)],
    );
    ok(
        &vault,
        &["unblock"],
        &[("VAKT_UNBLOCK_CODE", &new_code), ("VAKT_NEW_PIN", PIN)],
    );

    // Turning escrow off needs the PIN; then no more records are made.
    fails(
        &vault,
        3,
        &["escrow", "disable"],
        &[("VAKT_PIN", WRONG_PIN)],
    );
    assert_eq!(status(&vault)["enabled"], true);
    ok(&vault, &["escrow", "disable"], &[("VAKT_PIN", PIN)]);
    assert_eq!(status(&vault)["enabled"], false);
    ok(&vault, &["new-unblock-code"], &[("VAKT_PIN", PIN)]);
    assert!(pending(&vault, &inbox).is_empty());
}

#[test]
fn support_refuses_records_it_should_not_trust() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let other_vault = tmp.path().join("other");
    let org_key = tmp.path().join("org.key");
    let stranger_key = tmp.path().join("stranger.key");
    init(&vault);
    init(&other_vault);
    let public = keygen(&vault, &org_key);
    keygen(&vault, &stranger_key);
    for v in [&vault, &other_vault] {
        ok(
            v,
            &["escrow", "enrol", "--org", &public],
            &[("VAKT_PIN", PIN)],
        );
    }
    let record = pending(&vault, &tmp.path().join("a")).remove(0).0;
    let foreign = pending(&other_vault, &tmp.path().join("b")).remove(0).0;
    let vault_id = status(&vault)["vault_id"].as_str().unwrap().to_owned();
    let open_args = |file: &Path, key: &Path| -> Vec<String> {
        [
            "escrow",
            "open",
            s(file),
            "--identity",
            s(key),
            "--vault-id",
            &vault_id,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        vakt(&vault, &args, &[])
    };

    // Sealed to another organisation.
    let r = run(open_args(&record, &stranger_key));
    assert_eq!(r.status, ESCROW_REFUSED, "{r:?}");
    assert!(
        r.stderr.contains("not sealed to this organisation key"),
        "{r:?}"
    );
    // Another vault's record, when support names the caller's vault.
    let r = run(open_args(&foreign, &org_key));
    assert_eq!(r.status, ESCROW_REFUSED, "{r:?}");
    assert!(r.stderr.contains("belongs to vault"), "{r:?}");
    // Any byte changed after the header, or the file cut short.
    let bytes = std::fs::read(&record).unwrap();
    let tampered = tmp.path().join("tampered");
    for i in [20, 40, 60, bytes.len() / 2, bytes.len() - 1] {
        let mut changed = bytes.clone();
        changed[i] ^= 0x01;
        std::fs::write(&tampered, &changed).unwrap();
        let r = run(open_args(&tampered, &org_key));
        assert_eq!(r.status, ESCROW_REFUSED, "byte {i}: {r:?}");
        assert!(r.stderr.contains("tampered"), "{r:?}");
    }
    std::fs::write(&tampered, &bytes[..bytes.len() - 5]).unwrap();
    assert_eq!(run(open_args(&tampered, &org_key)).status, ESCROW_REFUSED);
    // Not a record, not a key file.
    std::fs::write(&tampered, b"hello").unwrap();
    assert_eq!(run(open_args(&tampered, &org_key)).status, BAD_INPUT);
    assert_eq!(run(open_args(&record, &record)).status, BAD_INPUT);
    // The untouched record still opens.
    assert_eq!(run(open_args(&record, &org_key)).status, 0);
}

/// A small seeded generator for the kill instants (replayable).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn a_killed_unblock_never_leaves_a_code_without_its_escrow_record() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let org_key = tmp.path().join("org.key");
    let inbox = tmp.path().join("inbox");
    init(&vault);
    let public = keygen(&vault, &org_key);
    ok(
        &vault,
        &["escrow", "enrol", "--org", &public],
        &[("VAKT_PIN", PIN)],
    );
    // The newest code support holds: (generation, code).
    let mut held: (u64, String) = (0, String::new());
    let take_records = |held: &mut (u64, String)| {
        for (file, generation) in pending(&vault, &inbox) {
            let opened = open(&vault, &file, &org_key);
            assert_eq!(opened["generation"].as_u64(), Some(generation));
            if generation > held.0 {
                *held = (
                    generation,
                    opened["unblock_code"].as_str().unwrap().to_owned(),
                );
            }
        }
    };
    take_records(&mut held);
    let mut rng = Lcg(0x5eed);
    let (mut killed, mut finished) = (0, 0);
    for _ in 0..24 {
        let env = [
            ("VAKT_UNBLOCK_CODE", held.1.as_str()),
            ("VAKT_NEW_PIN", PIN2),
        ];
        let mut child = command(&vault, &["unblock"], &env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(100_000)));
        child.kill().unwrap();
        let ended = child.wait().unwrap();
        if ended.signal() == Some(9) {
            killed += 1;
        } else {
            assert_eq!(ended.code(), Some(0), "{ended:?}");
            finished += 1;
        }
        // After the crash: whatever code the vault now has, support holds it.
        take_records(&mut held);
        let run = ok(
            &vault,
            &["unblock", "--json"],
            &[
                ("VAKT_UNBLOCK_CODE", held.1.as_str()),
                ("VAKT_NEW_PIN", PIN),
            ],
        );
        assert!(run.json()["unblock_code"].is_string());
        take_records(&mut held);
    }
    eprintln!("kills: {killed} killed, {finished} finished first");
    assert!(killed > 0, "no kill landed while unblock ran");
}
