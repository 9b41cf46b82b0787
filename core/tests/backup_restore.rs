//! Backups and restore through the public API: a round trip gives the same
//! codes; wrong codes are counted in the target vault before each check; every
//! damaged, cut-short, foreign or newer file is refused before any secret is
//! tried; re-issued codes do not orphan older backups.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use vakt_core::backup::{self, BackupError, BackupSecret};
use vakt_core::rng::DeterministicRandom;
use vakt_core::secret::{Key256, SecretString};
use vakt_core::vault::{
    KdfParams, Pause, Pin, PinPolicy, Services, Session, SoftwareKeystore, UnblockCode, VAULT_FILE,
    Vault, VaultConfig, VaultError,
};

#[derive(Default)]
struct RecordedPause(AtomicU64);

impl Pause for RecordedPause {
    fn pause(&self, duration: Duration) {
        self.0.fetch_add(duration.as_secs(), Ordering::SeqCst);
    }
}

fn config() -> VaultConfig {
    VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        pin_policy: PinPolicy::default(),
    }
}

fn services(seed: u64, pause: Arc<RecordedPause>) -> Services {
    Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            Key256::new([seed as u8; 32]),
            Box::new(DeterministicRandom::new(seed + 1000)),
        )),
        rng: Arc::new(DeterministicRandom::new(seed)),
        pause,
        clock: Arc::new(vakt_core::clock::FixedClock(1_800_000_000)),
    }
}

fn pin(text: &str) -> Pin {
    Pin::parse(text).unwrap()
}

const URIS: [&str; 6] = [
    "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub",
    "otpauth://hotp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=3&digits=8",
    "otpauth://totp/%E6%97%A5%E6%9C%AC:%F0%9F%98%80?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA&algorithm=SHA512&digits=8&period=60",
    "otpauth://steam/Steam:gamer?secret=GEZDGNBVGY3TQOJQMFRGGZDFMZTWQ2LK",
    "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&issuer=SPDX&algorithm=SHA256&digits=7&period=20",
    "otpauth://hotp/WWE:Mason?secret=5VAML3X35THCEBVRLV24CGBKOY&algorithm=SHA512&digits=8&counter=10300",
];

struct Source {
    _dir: tempfile::TempDir,
    vault: Vault,
    session: Session,
    code: UnblockCode,
}

/// A vault with the accounts above, HOTP counters advanced once.
fn source(seed: u64) -> Source {
    let dir = tempfile::tempdir().unwrap();
    let (vault, code) = Vault::create(
        &dir.path().join(VAULT_FILE),
        services(seed, Arc::default()),
        config(),
        &pin("4829"),
    )
    .unwrap();
    let session = vault.unlock(&pin("4829")).unwrap();
    for uri in URIS {
        session
            .add(&vakt_core::provision::uri::parse(uri).unwrap())
            .unwrap();
    }
    session.next_code(2).unwrap();
    session.next_code(6).unwrap();
    Source {
        _dir: dir,
        vault,
        session,
        code,
    }
}

fn target() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restored").join(VAULT_FILE);
    (dir, path)
}

/// The failed-unblock count of a vault file, read directly (the vault API
/// cannot open a vault without slots).
fn failed_unblock(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT failed_unblock FROM lockout WHERE id = 1", [], |r| {
        r.get(0)
    })
    .unwrap()
}

fn restore(
    path: &Path,
    bytes: &[u8],
    code: &UnblockCode,
    pause: Arc<RecordedPause>,
) -> Result<vakt_core::backup::Restored, BackupError> {
    Vault::restore(
        path,
        services(77, pause),
        config(),
        bytes,
        BackupSecret::UnblockCode(code),
        &pin("5837"),
    )
}

/// Every code the accounts make at a few fixed times, and the next HOTP codes.
fn fingerprint(session: &Session) -> Vec<String> {
    let mut out = Vec::new();
    for t in [0, 59, 1_111_111_109, 1_469_184_207, 2_000_000_000] {
        for entry in session.codes(t).unwrap() {
            let code = entry.view.map(|v| v.code.as_str().to_owned());
            out.push(format!(
                "{t} {} {} {} {:?} {} {} {:?}",
                entry.info.position,
                entry.info.issuer,
                entry.info.name,
                entry.info.kind,
                entry.info.algorithm,
                entry.info.digits,
                code
            ));
        }
    }
    for info in session.accounts().unwrap() {
        if matches!(info.kind, vakt_core::OtpKind::Hotp { .. }) {
            out.push(format!(
                "next {}",
                session.next_code(info.id).unwrap().as_str()
            ));
        }
    }
    out
}

#[test]
fn round_trip_gives_the_same_accounts_and_codes() {
    let src = source(1);
    let bytes = src.session.backup().unwrap();
    let (_dir, path) = target();
    let restored = restore(&path, &bytes, &src.code, Arc::default()).unwrap();
    assert_eq!(restored.report.restored, URIS.len());
    assert!(restored.report.needs_reenrolment.is_empty());
    // Same accounts, order, counters and codes (the HOTP next codes advance
    // both vaults the same way).
    assert_eq!(fingerprint(&restored.session), fingerprint(&src.session));
    assert_eq!(
        src.session.account(6).unwrap(),
        restored.session.account(6).unwrap()
    );

    // A new unblock code, not the backup's; the old one does not unblock it.
    let new_code = restored.unblock_code.to_display();
    assert_ne!(new_code.expose(), src.code.to_display().expose());
    drop(restored);
    let vault = Vault::open(&path, services(77, Arc::default()), config()).unwrap();
    assert!(matches!(
        vault.unblock(&src.code, &pin("6071")),
        Err(VaultError::WrongUnblockCode { .. })
    ));
    // The new PIN opens it; it makes its own backups, under the new code.
    let session = vault.unlock(&pin("5837")).unwrap();
    let again = session.backup().unwrap();
    let info = backup::inspect(&again).unwrap();
    assert_eq!(info.generation, 1);
    assert_ne!(info.backup_id, backup::inspect(&bytes).unwrap().backup_id);
    let (_dir2, path2) = target();
    assert!(matches!(
        restore(&path2, &again, &src.code, Arc::default()),
        Err(BackupError::Vault(VaultError::WrongUnblockCode { .. }))
    ));
    let code = UnblockCode::parse(new_code.expose()).unwrap();
    let (_dir3, path3) = target();
    let third = restore(&path3, &again, &code, Arc::default()).unwrap();
    assert_eq!(third.report.restored, URIS.len());
}

#[test]
fn an_empty_vault_backs_up_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, code) = Vault::create(
        &dir.path().join(VAULT_FILE),
        services(3, Arc::default()),
        config(),
        &pin("4829"),
    )
    .unwrap();
    let bytes = vault.unlock(&pin("4829")).unwrap().backup().unwrap();
    let (_dir, path) = target();
    let restored = restore(&path, &bytes, &code, Arc::default()).unwrap();
    assert_eq!(restored.report.restored, 0);
    assert!(restored.session.accounts().unwrap().is_empty());
}

#[test]
fn wrong_codes_are_counted_in_the_target_before_each_check() {
    let src = source(4);
    let bytes = src.session.backup().unwrap();
    let (_dir, path) = target();
    let pause = Arc::new(RecordedPause::default());
    let wrong = UnblockCode::generate(&DeterministicRandom::new(99)).unwrap();
    for attempt in 1..=5u32 {
        match restore(&path, &bytes, &wrong, pause.clone()) {
            Err(BackupError::Vault(VaultError::WrongUnblockCode { failed_attempts })) => {
                assert_eq!(failed_attempts, attempt)
            }
            other => panic!("{other:?}"),
        }
        // Persisted in the target file, which is still an empty vault.
        assert_eq!(failed_unblock(&path), i64::from(attempt));
        assert!(matches!(
            Vault::open(&path, services(5, Arc::default()), config()),
            Err(VaultError::NotInitialized)
        ));
    }
    // The 4th and 5th attempts waited 2 and 4 seconds, like unblock attempts.
    assert_eq!(pause.0.load(Ordering::SeqCst), 6);
    // The right code still works (after its wait) and resets the count.
    let restored = restore(&path, &bytes, &src.code, pause.clone()).unwrap();
    assert_eq!(pause.0.load(Ordering::SeqCst), 6 + 8);
    assert_eq!(restored.report.restored, URIS.len());
    assert_eq!(failed_unblock(&path), 0);
    assert_eq!(restored.vault.status().unwrap().failed_unblock_attempts, 0);
}

#[test]
fn a_fresh_target_file_per_guess_is_not_a_fresh_count() {
    let src = source(16);
    let bytes = src.session.backup().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pause = Arc::new(RecordedPause::default());
    let wrong = UnblockCode::generate(&DeterministicRandom::new(98)).unwrap();
    for attempt in 1..=5u32 {
        // Each guess into a new file of the same folder (the phone's app
        // folder): the folder's record counts them all.
        let path = dir.path().join(format!("guess-{attempt}.sqlite3"));
        match restore(&path, &bytes, &wrong, pause.clone()) {
            Err(BackupError::Vault(VaultError::WrongUnblockCode { failed_attempts })) => {
                assert_eq!(failed_attempts, attempt)
            }
            other => panic!("{other:?}"),
        }
    }
    // The 4th and 5th guesses waited 2 and 4 seconds, as on one target.
    assert_eq!(pause.0.load(Ordering::SeqCst), 6);
    let record = std::fs::read(dir.path().join(vakt_core::vault::RESTORE_ATTEMPTS_FILE)).unwrap();
    assert_eq!(record, 5u32.to_be_bytes());
    // The right code (after its wait) restores and clears the record.
    let path = dir.path().join(VAULT_FILE);
    restore(&path, &bytes, &src.code, pause.clone()).unwrap();
    assert_eq!(pause.0.load(Ordering::SeqCst), 6 + 8);
    let record = std::fs::read(dir.path().join(vakt_core::vault::RESTORE_ATTEMPTS_FILE)).unwrap();
    assert_eq!(record, 0u32.to_be_bytes());
}

/// A pause that, at the moment it is called (after the attempt is counted,
/// before the key derivation), reads the count from the file with its own
/// connection: what a process killed right then would leave behind.
struct ObservingPause {
    path: PathBuf,
    seen: std::sync::Mutex<Vec<i64>>,
}

impl Pause for ObservingPause {
    fn pause(&self, _: Duration) {
        self.seen.lock().unwrap().push(failed_unblock(&self.path));
    }
}

#[test]
fn the_attempt_is_on_disk_before_the_code_is_checked() {
    let src = source(13);
    let bytes = src.session.backup().unwrap();
    let (_dir, path) = target();
    let pause = Arc::new(ObservingPause {
        path: path.clone(),
        seen: Default::default(),
    });
    let services = || Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            Key256::new([13; 32]),
            Box::new(DeterministicRandom::new(14)),
        )),
        rng: Arc::new(DeterministicRandom::new(15)),
        pause: pause.clone(),
        clock: Arc::new(vakt_core::clock::FixedClock(1_800_000_000)),
    };
    let wrong = UnblockCode::generate(&DeterministicRandom::new(98)).unwrap();
    for code in [&wrong, &wrong, &src.code] {
        let _ = Vault::restore(
            &path,
            services(),
            config(),
            &bytes,
            BackupSecret::UnblockCode(code),
            &pin("5837"),
        );
    }
    assert_eq!(*pause.seen.lock().unwrap(), vec![1, 2, 3]);
    assert_eq!(failed_unblock(&path), 0);
}

#[test]
fn a_vault_that_exists_is_not_overwritten_nor_counted() {
    let src = source(5);
    let bytes = src.session.backup().unwrap();
    let (_dir, path) = target();
    restore(&path, &bytes, &src.code, Arc::default()).unwrap();
    assert!(matches!(
        restore(&path, &bytes, &src.code, Arc::default()),
        Err(BackupError::Vault(VaultError::AlreadyInitialized))
    ));
    assert_eq!(failed_unblock(&path), 0);
    let vault = Vault::open(&path, services(77, Arc::default()), config()).unwrap();
    assert_eq!(
        vault
            .unlock(&pin("5837"))
            .unwrap()
            .accounts()
            .unwrap()
            .len(),
        URIS.len()
    );
}

fn is_file_error(e: &BackupError) -> bool {
    matches!(
        e,
        BackupError::NotABackup
            | BackupError::Truncated
            | BackupError::Damaged
            | BackupError::UnsupportedVersion { .. }
    )
}

#[test]
fn every_flipped_byte_is_refused_before_any_attempt() {
    let src = source(6);
    let bytes = src.session.backup().unwrap();
    let (_dir, path) = target();
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x80] {
            let mut bad = bytes.clone();
            bad[i] ^= mask;
            let err = restore(&path, &bad, &src.code, Arc::default()).unwrap_err();
            assert!(is_file_error(&err), "byte {i} mask {mask:#x}: {err:?}");
        }
    }
    // Nothing was created, so nothing was counted.
    assert!(!path.exists());
    restore(&path, &bytes, &src.code, Arc::default()).unwrap();
}

#[test]
fn every_truncation_is_refused() {
    let src = source(7);
    let bytes = src.session.backup().unwrap();
    let (_dir, path) = target();
    for len in 0..bytes.len() {
        let err = restore(&path, &bytes[..len], &src.code, Arc::default()).unwrap_err();
        assert!(
            matches!(err, BackupError::Truncated | BackupError::Damaged),
            "length {len}: {err:?}"
        );
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"tail");
    assert_eq!(
        restore(&path, &longer, &src.code, Arc::default()).unwrap_err(),
        BackupError::Damaged
    );
    assert!(!path.exists());
}

#[test]
fn foreign_and_newer_files_are_refused() {
    let src = source(8);
    let (_dir, path) = target();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let foreign = [
        std::fs::read(fixtures.join("vaults/v1/vault.sqlite3")).unwrap(),
        std::fs::read(fixtures.join("uri-corpus.json")).unwrap(),
        b"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP".to_vec(),
        vec![0; 4096],
    ];
    for bytes in &foreign {
        assert_eq!(
            restore(&path, bytes, &src.code, Arc::default()).unwrap_err(),
            BackupError::NotABackup
        );
    }
    let mut newer = src.session.backup().unwrap();
    newer[7] = 2;
    assert_eq!(
        restore(&path, &newer, &src.code, Arc::default()).unwrap_err(),
        BackupError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    );
    assert!(!path.exists());
}

#[test]
fn a_reissued_code_does_not_orphan_older_backups() {
    let src = source(9);
    let first = src.session.backup().unwrap();
    assert_eq!(backup::inspect(&first).unwrap().generation, 1);
    let second_code = src.session.reissue_unblock_code().unwrap();
    let second = src.session.backup().unwrap();
    assert_eq!(backup::inspect(&second).unwrap().generation, 2);
    // Every backup has its own backup key and id.
    assert_ne!(
        backup::inspect(&first).unwrap().backup_id,
        backup::inspect(&second).unwrap().backup_id
    );
    assert_ne!(
        backup::inspect(&second).unwrap().backup_id,
        backup::inspect(&src.session.backup().unwrap())
            .unwrap()
            .backup_id
    );
    // Unblocking makes a third code (generation 3).
    let (_, third_code) = src.vault.unblock(&second_code, &pin("6071")).unwrap();
    let session = src.vault.unlock(&pin("6071")).unwrap();
    let third = session.backup().unwrap();
    assert_eq!(backup::inspect(&third).unwrap().generation, 3);

    for (bytes, good, bad) in [
        (&first, &src.code, &second_code),
        (&second, &second_code, &src.code),
        (&third, &third_code, &second_code),
    ] {
        let (_dir, path) = target();
        assert!(matches!(
            restore(&path, bytes, bad, Arc::default()),
            Err(BackupError::Vault(VaultError::WrongUnblockCode { .. }))
        ));
        assert_eq!(
            restore(&path, bytes, good, Arc::default())
                .unwrap()
                .report
                .restored,
            URIS.len()
        );
    }
}

#[test]
fn a_backup_passphrase_opens_later_backups_too() {
    let src = source(10);
    let without = src.session.backup().unwrap();
    assert!(!backup::inspect(&without).unwrap().has_passphrase);
    let short = SecretString::from_str_copy("too short");
    assert!(matches!(
        src.session.set_backup_passphrase(&short),
        Err(VaultError::InvalidInput(_))
    ));
    let phrase = SecretString::from_str_copy("correct horse battery staple");
    src.session.set_backup_passphrase(&phrase).unwrap();
    let with = src.session.backup().unwrap();
    assert!(backup::inspect(&with).unwrap().has_passphrase);

    let by_phrase = |bytes: &[u8], phrase: &SecretString, path: &Path| {
        Vault::restore(
            path,
            services(78, Arc::default()),
            config(),
            bytes,
            BackupSecret::Passphrase(phrase),
            &pin("5837"),
        )
    };
    let (_dir, path) = target();
    assert_eq!(
        by_phrase(&without, &phrase, &path).unwrap_err(),
        BackupError::NoPassphraseSlot
    );
    let wrong = SecretString::from_str_copy("correct horse battery stable");
    assert!(matches!(
        by_phrase(&with, &wrong, &path),
        Err(BackupError::Vault(VaultError::WrongUnblockCode {
            failed_attempts: 1
        }))
    ));
    assert_eq!(
        by_phrase(&with, &phrase, &path).unwrap().report.restored,
        URIS.len()
    );
    // The code still opens it, and a re-issued code keeps the passphrase slot.
    let (_dir2, path2) = target();
    restore(&path2, &with, &src.code, Arc::default()).unwrap();
    src.session.reissue_unblock_code().unwrap();
    assert!(
        backup::inspect(&src.session.backup().unwrap())
            .unwrap()
            .has_passphrase
    );
    assert!(src.session.remove_backup_passphrase().unwrap());
    assert!(
        !backup::inspect(&src.session.backup().unwrap())
            .unwrap()
            .has_passphrase
    );
}

#[test]
fn the_change_count_follows_changes_only() {
    let src = source(11);
    let s = &src.session;
    let mut last = s.change_count().unwrap();
    let mut changed = |what: &str, expect_change: bool| {
        let now = s.change_count().unwrap();
        assert_eq!(now != last, expect_change, "{what}");
        assert!(now >= last, "{what}");
        last = now;
    };
    s.accounts().unwrap();
    s.codes(59).unwrap();
    s.backup().unwrap();
    changed("reads", false);
    s.rename(1, Some("GitHub"), "bob").unwrap();
    changed("rename", true);
    s.next_code(2).unwrap();
    changed("HOTP counter", true);
    s.reorder(&[6, 5, 4, 3, 2, 1]).unwrap();
    changed("reorder", true);
    s.delete(4).unwrap();
    changed("delete", true);
    s.add(&vakt_core::provision::uri::parse(URIS[3]).unwrap())
        .unwrap();
    changed("add", true);
    s.reissue_unblock_code().unwrap();
    changed("new unblock code", true);
}

#[test]
fn a_backup_shows_no_names_or_keys() {
    let src = source(12);
    let bytes = src.session.backup().unwrap();
    for needle in [
        &b"GitHub"[..],
        b"alice",
        b"gamer",
        "日本".as_bytes(),
        b"12345678901234567890",
        b"GEZDGNBVGY3TQOJQ",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{:?}",
            String::from_utf8_lossy(needle)
        );
    }
}

/// The 20 characters a backup's code slot is derived from (the display form
/// without its dashes, as docs/backup-format.md says).
fn canonical(code: &UnblockCode) -> String {
    // EXPOSE: the test plays the attacker who knows the code.
    code.to_display().expose().replace('-', "")
}

/// What an attacker holding `secret` and one backup recovers: the backup key,
/// opened from the backup's own slot by deriving the slot's KEK (the same
/// Argon2id + AES-GCM a script written from docs/backup-format.md would use).
fn recover_backup_key(bytes: &[u8], kind: backup::SlotKind, secret: &[u8]) -> Key256 {
    let parsed = backup::format::parse(bytes).unwrap();
    parsed
        .header
        .slot(kind)
        .unwrap()
        .open(secret, &parsed.header.backup_id)
        .unwrap()
        .expect("the secret opens the backup it was current for")
}

/// Whether `key` decrypts the payload of `bytes` (directly, not via a slot).
fn key_opens(bytes: &[u8], key: &Key256) -> bool {
    backup::format::parse(bytes).unwrap().open(key).is_ok()
}

/// Whether `secret` opens a slot of `bytes` of this kind (if it has one).
fn secret_opens(bytes: &[u8], kind: backup::SlotKind, secret: &[u8]) -> bool {
    let parsed = backup::format::parse(bytes).unwrap();
    parsed.header.slot(kind).is_some_and(|slot| {
        slot.open(secret, &parsed.header.backup_id)
            .unwrap()
            .is_some()
    })
}

#[test]
fn an_old_unblock_code_and_an_old_backup_open_nothing_made_after_the_code_changed() {
    let src = source(13);
    let old = src.session.backup().unwrap();
    let old_code = canonical(&src.code);
    let stolen = recover_backup_key(&old, backup::SlotKind::UnblockCode, old_code.as_bytes());
    assert!(key_opens(&old, &stolen));

    // The user lost the paper: a new code, then an account only later backups hold.
    let new_code = src.session.reissue_unblock_code().unwrap();
    src.session
        .add(
            &vakt_core::provision::uri::parse("otpauth://totp/Later:carol?secret=MFRGGZDFMZTWQ2LK")
                .unwrap(),
        )
        .unwrap();
    let after_reissue = src.session.backup().unwrap();
    // And the forgotten-PIN path: unblocking makes yet another code.
    let (session, newest_code) = src.vault.unblock(&new_code, &pin("6071")).unwrap();
    let after_unblock = session.backup().unwrap();

    for later in [&after_reissue, &after_unblock] {
        assert!(
            !key_opens(later, &stolen),
            "the old backup key opens a later backup"
        );
        assert!(!secret_opens(
            later,
            backup::SlotKind::UnblockCode,
            old_code.as_bytes()
        ));
        let (_dir, path) = target();
        assert!(matches!(
            restore(&path, later, &src.code, Arc::default()),
            Err(BackupError::Vault(VaultError::WrongUnblockCode { .. }))
        ));
    }
    // Each later backup opens with its own code, and its key opens only itself.
    let later_key = recover_backup_key(
        &after_reissue,
        backup::SlotKind::UnblockCode,
        canonical(&new_code).as_bytes(),
    );
    assert!(!key_opens(&after_unblock, &later_key));
    assert!(!key_opens(&old, &later_key));
    assert!(secret_opens(
        &after_unblock,
        backup::SlotKind::UnblockCode,
        canonical(&newest_code).as_bytes()
    ));
    // Two backups in a row under the same code do not share a key either.
    let again = session.backup().unwrap();
    let newest_key = recover_backup_key(
        &after_unblock,
        backup::SlotKind::UnblockCode,
        canonical(&newest_code).as_bytes(),
    );
    assert!(!key_opens(&again, &newest_key));
}

#[test]
fn a_removed_or_replaced_passphrase_and_an_old_backup_open_nothing_made_after() {
    let src = source(14);
    let first = SecretString::from_str_copy("correct horse battery staple");
    src.session.set_backup_passphrase(&first).unwrap();
    let with_first = src.session.backup().unwrap();
    // EXPOSE: the test plays the attacker who knows the passphrase.
    let first_bytes = first.expose().as_bytes();
    let stolen = recover_backup_key(&with_first, backup::SlotKind::Passphrase, first_bytes);

    // Removed: later backups have no passphrase slot, and the old key is useless.
    assert!(src.session.remove_backup_passphrase().unwrap());
    let after_removal = src.session.backup().unwrap();
    assert!(!backup::inspect(&after_removal).unwrap().has_passphrase);
    assert!(!key_opens(&after_removal, &stolen));

    // Replaced: the new passphrase opens later backups, the old one does not.
    let second = SecretString::from_str_copy("another long passphrase here");
    src.session.set_backup_passphrase(&second).unwrap();
    let with_second = src.session.backup().unwrap();
    assert!(!key_opens(&with_second, &stolen));
    assert!(!secret_opens(
        &with_second,
        backup::SlotKind::Passphrase,
        first_bytes
    ));
    assert!(secret_opens(
        &with_second,
        backup::SlotKind::Passphrase,
        second.expose().as_bytes()
    ));

    // A new unblock code keeps the (unchanged) passphrase working, under new keys.
    src.session.reissue_unblock_code().unwrap();
    let after_code = src.session.backup().unwrap();
    assert!(secret_opens(
        &after_code,
        backup::SlotKind::Passphrase,
        second.expose().as_bytes()
    ));
    let second_key = recover_backup_key(
        &with_second,
        backup::SlotKind::Passphrase,
        second.expose().as_bytes(),
    );
    assert!(!key_opens(&after_code, &second_key));
}

#[test]
fn restoring_with_the_passphrase_keeps_it_and_with_the_code_says_it_was_dropped() {
    let src = source(15);
    let phrase = SecretString::from_str_copy("correct horse battery staple");
    src.session.set_backup_passphrase(&phrase).unwrap();
    let bytes = src.session.backup().unwrap();

    let (_dir, path) = target();
    let by_code = restore(&path, &bytes, &src.code, Arc::default()).unwrap();
    assert_eq!(
        by_code.report.passphrase,
        backup::PassphraseAfterRestore::Dropped
    );
    assert!(
        !backup::inspect(&by_code.session.backup().unwrap())
            .unwrap()
            .has_passphrase
    );

    let (_dir, path) = target();
    let by_phrase = Vault::restore(
        &path,
        services(79, Arc::default()),
        config(),
        &bytes,
        BackupSecret::Passphrase(&phrase),
        &pin("5837"),
    )
    .unwrap();
    assert_eq!(
        by_phrase.report.passphrase,
        backup::PassphraseAfterRestore::Kept
    );
    let next = by_phrase.session.backup().unwrap();
    assert!(secret_opens(
        &next,
        backup::SlotKind::Passphrase,
        phrase.expose().as_bytes()
    ));

    let plain = src.session.backup().unwrap();
    src.session.remove_backup_passphrase().unwrap();
    let without = src.session.backup().unwrap();
    let (_dir, path) = target();
    assert_eq!(
        restore(&path, &without, &src.code, Arc::default())
            .unwrap()
            .report
            .passphrase,
        backup::PassphraseAfterRestore::NoneSet
    );
    drop(plain);
}

#[test]
fn a_backup_carries_the_escrow_enrolment_and_the_restored_code_is_escrowed() {
    let s = source(60);
    let org = vakt_core::escrow::OrgIdentity::generate(&DeterministicRandom::new(61)).unwrap();
    let code = s
        .session
        .enrol_escrow(&org.public_key(), "alice@example.org")
        .unwrap();
    let bytes = s.session.backup().unwrap();
    let (_dir, path) = target();
    let restored = restore(&path, &bytes, &code, Arc::default()).unwrap();
    let status = restored.vault.escrow_status().unwrap();
    assert_eq!(status.org, Some(org.public_key()));
    assert_ne!(status.vault_id, s.vault.escrow_status().unwrap().vault_id);
    let pending = restored.vault.escrow_pending().unwrap();
    assert_eq!(pending.len(), 1);
    let payload = vakt_core::escrow::open(&pending[0].record, &org).unwrap();
    assert_eq!(payload.generation, 1);
    assert_eq!(payload.vault_id, status.vault_id);
    assert_eq!(payload.hint, "alice@example.org");
    assert_eq!(
        payload.unblock_code.expose(),
        restored.unblock_code.to_display().expose()
    );
    // A backup made with escrow off carries none.
    s.session.disable_escrow().unwrap();
    let bytes = s.session.backup().unwrap();
    let (_dir, path) = target();
    let restored = restore(&path, &bytes, &code, Arc::default()).unwrap();
    assert_eq!(restored.vault.escrow_status().unwrap().org, None);
    assert!(restored.vault.escrow_pending().unwrap().is_empty());
}
