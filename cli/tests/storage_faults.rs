#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// A skipped test says so on stderr.
#![allow(clippy::print_stderr)]
//! Storage faults on real file systems, through the built `vakt` binary: a
//! size-limited tmpfs filled to its last KB, and a read-only remount. Each
//! command ends with its documented exit status and a message that says what
//! to do, and the accounts are the same afterwards.
//!
//! Mounting needs root. The test command runs as root (CI); elsewhere these
//! tests print `SKIPPED` and pass — unless `VAKT_REQUIRE_MOUNT_TESTS` is set,
//! which turns the skip into a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PIN: &str = "4829";
const WRONG_PIN: &str = "6047";
const GITHUB: &str = "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";
const BANK: &str = "otpauth://hotp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";
const MAIL: &str = "otpauth://totp/Mail:bob?secret=MFRGGZDFMZTWQ2LK&issuer=Mail";

#[derive(Debug)]
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

/// A tmpfs mounted on a temporary folder; unmounted on drop.
struct Mount {
    _tmp: tempfile::TempDir,
    point: PathBuf,
}

impl Mount {
    /// Mounts a tmpfs of `size` (as `mount` takes it), or says why not.
    fn tmpfs(size: &str, test: &str) -> Option<Self> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root {
            let message = format!("{test}: SKIPPED — mounting a tmpfs needs root");
            if std::env::var_os("VAKT_REQUIRE_MOUNT_TESTS").is_some() {
                panic!("{message}, and VAKT_REQUIRE_MOUNT_TESTS is set");
            }
            eprintln!("{message}");
            let _ = writeln!(std::io::stderr(), "{message}");
            return None;
        }
        let tmp = tempfile::tempdir().unwrap();
        let point = tmp.path().join("mnt");
        std::fs::create_dir(&point).unwrap();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&point)
            .status()
            .unwrap();
        assert!(status.success(), "mount failed");
        Some(Self { _tmp: tmp, point })
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.point)
            .status()
            .unwrap();
        assert!(status.success(), "remount {mode} failed");
    }

    /// Free bytes, as `df` reports them.
    fn free_bytes(&self) -> u64 {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.point)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Fills the file system to its last KB with `filler`: big writes, then
    /// 1 KiB ones, until none fits.
    fn fill(&self, filler: &Path) {
        let mut file = std::fs::File::create(filler).unwrap();
        for size in [64 * 1024, 1024] {
            let chunk = vec![0x6b_u8; size];
            while file.write_all(&chunk).is_ok() {}
        }
        let _ = file.sync_all();
        assert!(self.free_bytes() < 1024, "not full: {}", self.free_bytes());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.point).status();
    }
}

fn vakt(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vakt"));
    // The device key in a file: tests never touch the user's OS keyring.
    command.env("VAKT_KEYSTORE", "file");
    command.arg("--vault").arg(dir).args(args);
    for var in [
        "VAKT_PIN",
        "VAKT_NEW_PIN",
        "VAKT_UNBLOCK_CODE",
        "VAKT_VAULT",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied()).stdin(Stdio::null());
    let output = command.output().unwrap();
    let run = Run {
        status: output
            .status
            .code()
            .unwrap_or_else(|| panic!("vakt {args:?} ended by a signal")),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_ne!(run.status, 101, "vakt {args:?} panicked: {run:?}");
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    for jargon in [
        "SQLite",
        "sqlite",
        "SystemIoFailure",
        "CannotOpen",
        "os error",
    ] {
        assert!(
            !run.stderr.contains(jargon),
            "vakt {args:?}: jargon: {run:?}"
        );
    }
    run
}

fn ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let run = vakt(dir, args, env);
    assert_eq!(run.status, 0, "vakt {args:?}: {run:?}");
    run
}

fn fails(dir: &Path, status: i32, args: &[&str], env: &[(&str, &str)], says: &str) -> Run {
    let run = vakt(dir, args, env);
    assert_eq!(run.status, status, "vakt {args:?}: {run:?}");
    assert!(run.stderr.contains(says), "vakt {args:?}: {run:?}");
    run
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(run.stdout.trim()).unwrap()
}

fn count(dir: &Path) -> usize {
    json(&ok(dir, &["list", "--json"], &[("VAKT_PIN", PIN)]))
        .as_array()
        .unwrap()
        .len()
}

fn failed_pins(dir: &Path) -> u64 {
    json(&ok(dir, &["status", "--json"], &[]))["failed_pin_attempts"]
        .as_u64()
        .unwrap()
}

/// A vault of three accounts (one HOTP) in `dir`, and an import file beside it.
fn make_vault(dir: &Path, import: &Path) {
    ok(
        dir,
        &["init", "--json"],
        &[("VAKT_PIN", PIN), ("VAKT_INSECURE_TEST_KDF", "1")],
    );
    for uri in [GITHUB, BANK, MAIL] {
        ok(dir, &["add", "--uri", uri], &[("VAKT_PIN", PIN)]);
    }
    std::fs::write(
        import,
        "otpauth://totp/Extra:carol?secret=GEZDGNBVGY3TQOJQ&issuer=Extra\n",
    )
    .unwrap();
}

#[test]
fn a_full_disk_still_opens_the_vault_and_counts_attempts() {
    let Some(mount) = Mount::tmpfs(
        "4m",
        "a_full_disk_still_opens_the_vault_and_counts_attempts",
    ) else {
        return;
    };
    let dir = mount.point.join("vault");
    let import = mount.point.join("import.txt");
    make_vault(&dir, &import);
    assert!(
        dir.join("vault.sqlite3.reserve").exists(),
        "no reserve made"
    );
    let filler = mount.point.join("filler");
    mount.fill(&filler);
    let pin = [("VAKT_PIN", PIN)];

    // Reading works: status, the list, the codes.
    assert_eq!(failed_pins(&dir), 0);
    assert_eq!(count(&dir), 3);
    let codes = json(&ok(&dir, &["codes", "--json", "--at", "59"], &pin));
    assert_eq!(codes.as_array().unwrap().len(), 3, "{codes}");
    // A wrong PIN is counted, a right one resets the count.
    fails(&dir, 3, &["list"], &[("VAKT_PIN", WRONG_PIN)], "wrong PIN");
    assert_eq!(failed_pins(&dir), 1);
    assert_eq!(count(&dir), 3);
    assert_eq!(failed_pins(&dir), 0);

    // Writes that need space fail with exit 8, and change nothing.
    let full = "no space left";
    let backup = mount.point.join("backup.vaktbkp");
    let backup_arg = backup.to_str().unwrap();
    let import_arg = import.to_str().unwrap();
    let writes: [&[&str]; 7] = [
        &[
            "add",
            "--uri",
            "otpauth://totp/New:dave?secret=JBSWY3DPEHPK3PXA&issuer=New",
        ],
        &["import", "--from", "uri-list", import_arg],
        &["backup", "export", backup_arg],
        &["rename", "1", "renamed"],
        &["next", "2"],
        &["delete", "3"],
        &["reorder", "3", "2", "1"],
    ];
    for args in writes {
        let mount_free = mount.free_bytes();
        let run = vakt(&dir, args, &pin);
        // A delete or reorder may fit in space the vault already holds;
        // what needs new space must say so.
        if run.status != 0 {
            assert_eq!(
                run.status, 8,
                "vakt {args:?} with {mount_free} B free: {run:?}"
            );
            assert!(run.stderr.contains(full), "{run:?}");
            assert!(run.stderr.contains("Free some space"), "{run:?}");
        }
        assert_eq!(
            count(&dir),
            if args[0] == "delete" && run.status == 0 {
                2
            } else {
                3
            }
        );
        if args[0] == "delete" && run.status == 0 {
            panic!("a delete succeeded on a full disk: fine for SQLite, but then re-add");
        }
    }
    fails(
        &dir,
        8,
        &["add", "--uri", GITHUB.replace("alice", "erin").as_str()],
        &pin,
        full,
    );
    assert!(!backup.exists(), "a partial backup was left");
    assert_eq!(failed_pins(&dir), 0);

    // Space back: the reserve is made again and writes work.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(count(&dir), 3);
    ok(
        &dir,
        &[
            "add",
            "--uri",
            "otpauth://totp/New:dave?secret=JBSWY3DPEHPK3PXA&issuer=New",
        ],
        &pin,
    );
    assert_eq!(count(&dir), 4);
    let reserve = std::fs::metadata(dir.join("vault.sqlite3.reserve")).unwrap();
    assert_eq!(reserve.len(), 512 * 1024);
}

#[test]
fn read_only_storage_shows_the_status_and_opens_nothing() {
    let Some(mount) = Mount::tmpfs("8m", "read_only_storage_shows_the_status_and_opens_nothing")
    else {
        return;
    };
    let dir = mount.point.join("vault");
    make_vault(&dir, &mount.point.join("import.txt"));
    fails(&dir, 3, &["list"], &[("VAKT_PIN", WRONG_PIN)], "wrong PIN");
    mount.remount("ro");
    let pin = [("VAKT_PIN", PIN)];
    assert_eq!(failed_pins(&dir), 1);
    let says = "cannot be written";
    for args in [
        &["list"][..],
        &["codes"],
        &["add", "--uri", GITHUB],
        &["rename", "1", "x"],
        &["backup", "export", "/tmp/never-written.vaktbkp"],
    ] {
        let run = fails(&dir, 9, args, &pin, says);
        assert!(run.stderr.contains("PIN attempt"), "{run:?}");
    }
    // A wrong PIN is not a way around the count: refused before any check.
    for _ in 0..4 {
        fails(&dir, 9, &["list"], &[("VAKT_PIN", WRONG_PIN)], says);
    }
    assert_eq!(failed_pins(&dir), 1);
    mount.remount("rw");
    assert_eq!(failed_pins(&dir), 1);
    assert_eq!(count(&dir), 3);
    assert_eq!(failed_pins(&dir), 0);
}
