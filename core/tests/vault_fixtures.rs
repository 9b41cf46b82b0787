//! Every saved vault in fixtures/vaults/ (one per schema version) still opens,
//! unlocks, lists and makes the right codes with the current code; every saved
//! backup still restores.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::sync::Arc;

use vakt_core::OtpKind;
use vakt_core::backup::{BackupError, BackupSecret};
use vakt_core::rng::DeterministicRandom;
use vakt_core::secret::Key256;
use vakt_core::vault::{
    Pin, Services, Session, SoftwareKeystore, ThreadSleep, UnblockCode, VAULT_FILE, Vault,
    VaultConfig,
};

fn fixture_dir(version: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/vaults")
        .join(version)
}

fn open_copy(version: &str) -> (tempfile::TempDir, Vault) {
    let src = fixture_dir(version);
    let dir = tempfile::tempdir().unwrap();
    for file in [VAULT_FILE, "device.key"] {
        std::fs::copy(src.join(file), dir.path().join(file)).unwrap();
    }
    if let Ok(keys) = std::fs::read_dir(src.join("push-keys")) {
        std::fs::create_dir_all(dir.path().join("push-keys")).unwrap();
        for key in keys {
            let key = key.unwrap().path();
            std::fs::copy(
                &key,
                dir.path().join("push-keys").join(key.file_name().unwrap()),
            )
            .unwrap();
        }
    }
    let keystore = SoftwareKeystore::open(
        &SoftwareKeystore::path_in(dir.path()),
        Box::new(DeterministicRandom::new(5)),
    )
    .unwrap();
    let services = Services {
        keystore: Arc::new(keystore),
        rng: Arc::new(DeterministicRandom::new(6)),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(vakt_core::clock::SystemClock),
    };
    let vault = Vault::open(
        &dir.path().join(VAULT_FILE),
        services,
        VaultConfig::default(),
    )
    .unwrap();
    (dir, vault)
}

/// The fixture's four accounts, in order, with their known codes; advances the
/// HOTP counter once.
fn check_accounts(session: &Session) {
    let list = session.accounts().unwrap();
    let names: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|a| (a.issuer.as_str(), a.name.as_str(), a.kind.name()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("GitHub", "alice", "totp"),
            ("Bank", "alice", "hotp"),
            ("日本", "😀", "totp"),
            ("Steam", "gamer", "steam"),
        ]
    );
    assert_eq!(list[1].kind, OtpKind::Hotp { counter: 3 });
    // RFC 6238 at t = 59 (6 of the 8 digits), SHA512 with a 60 s period at
    // t = 118 (step 1, like the RFC's t = 59), Steam's known answer.
    let codes = session.codes(59).unwrap();
    assert_eq!(codes[0].view.as_ref().unwrap().code.as_str(), "287082");
    let codes = session.codes(118).unwrap();
    assert_eq!(codes[2].view.as_ref().unwrap().code.as_str(), "90693936");
    let codes = session.codes(1469184207).unwrap();
    assert_eq!(codes[3].view.as_ref().unwrap().code.as_str(), "P2QJN");
    // RFC 4226 counter 3, 8 digits.
    assert_eq!(session.next_code(list[1].id).unwrap().as_str(), "26969429");
}

#[test]
fn every_schema_opens_and_works() {
    for version in ["v1", "v2", "v3", "v4", "v5", "v6", "v7"] {
        let (_dir, vault) = open_copy(version);
        let session = vault.unlock(&Pin::parse("4829").unwrap()).unwrap();
        check_accounts(&session);
        if version >= "v3" {
            check_push(&session);
        }
        drop(session);
        // Its unblock code still opens it (from v6 on, the code its escrow
        // record holds).
        let code = if version >= "v6" {
            escrowed_code(version, &vault)
        } else {
            UnblockCode::parse("0B97X-KEN0D-Y3XSD-BPK35").unwrap()
        };
        vault.unblock(&code, &Pin::parse("5837").unwrap()).unwrap();
        if version >= "v6" {
            // The new code went into escrow too, replacing the undelivered
            // record of the code it superseded.
            let pending = vault.escrow_pending().unwrap();
            assert_eq!(pending.len(), 1);
            assert_eq!(pending[0].generation, 3);
        } else {
            assert_eq!(vault.escrow_status().unwrap().org, None);
            assert!(vault.escrow_pending().unwrap().is_empty());
        }
    }
}

/// Schema 6: escrow is on, to `org.key`, and the enrolment's record waits.
fn escrowed_code(version: &str, vault: &Vault) -> UnblockCode {
    let org = std::fs::read_to_string(fixture_dir(version).join("org.key")).unwrap();
    let org = vakt_core::escrow::OrgIdentity::parse(&org).unwrap();
    let status = vault.escrow_status().unwrap();
    assert_eq!(status.org, Some(org.public_key()));
    assert_eq!(status.last_delivered_at, None);
    let pending = vault.escrow_pending().unwrap();
    assert_eq!(pending.len(), 1);
    let payload = vakt_core::escrow::open(&pending[0].record, &org).unwrap();
    assert_eq!(payload.generation, 2);
    assert_eq!(payload.vault_id, status.vault_id);
    assert_eq!(payload.hint, "alice@example.org");
    assert_eq!(payload.created_at, 1_795_311_600);
    assert_eq!(payload.unblock_code.expose(), "9Y39E-T5933-DT0WY-QSP8S");
    UnblockCode::parse(payload.unblock_code.expose()).unwrap()
}

#[test]
fn a_vault_with_one_backup_key_for_every_backup_backs_up_again_after_its_next_unblock_code() {
    // Schemas 2 and 3 kept one backup key for every backup; schema 4 drops it.
    for version in ["v2", "v3"] {
        let (_dir, vault) = open_copy(version);
        let session = vault.unlock(&Pin::parse("4829").unwrap()).unwrap();
        assert_eq!(session.backup().unwrap_err(), BackupError::NoBackupKey);
        let code = session.reissue_unblock_code().unwrap();
        let bytes = session.backup().unwrap();
        // The generation keeps counting from the saved vault's first code.
        assert_eq!(vakt_core::backup::inspect(&bytes).unwrap().generation, 2);
        let target = tempfile::tempdir().unwrap();
        let restored = Vault::restore(
            &target.path().join(VAULT_FILE),
            services(),
            VaultConfig::default(),
            &bytes,
            BackupSecret::UnblockCode(&code),
            &Pin::parse("5837").unwrap(),
        )
        .unwrap();
        check_accounts(&restored.session);
    }
}

#[test]
fn a_vault_from_before_backups_gets_a_backup_key_with_its_next_unblock_code() {
    let (_dir, vault) = open_copy("v1");
    let session = vault.unlock(&Pin::parse("4829").unwrap()).unwrap();
    assert_eq!(session.backup().unwrap_err(), BackupError::NoBackupKey);
    let code = session.reissue_unblock_code().unwrap();
    let bytes = session.backup().unwrap();
    let target = tempfile::tempdir().unwrap();
    let restored = Vault::restore(
        &target.path().join(VAULT_FILE),
        services(),
        VaultConfig::default(),
        &bytes,
        BackupSecret::UnblockCode(&code),
        &Pin::parse("5837").unwrap(),
    )
    .unwrap();
    check_accounts(&restored.session);
}

fn services() -> Services {
    Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            Key256::new([9; 32]),
            Box::new(DeterministicRandom::new(7)),
        )),
        rng: Arc::new(DeterministicRandom::new(8)),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(vakt_core::clock::SystemClock),
    }
}

/// Fixture folders that hold a `backup.vaktbkp` (schema 2 on).
const WITH_BACKUP: &[&str] = &["v2", "v3", "v4", "v5", "v6", "v7"];

/// Schema 3's push token (enrolled from the captured code) and its challenge.
fn check_push(session: &Session) {
    let tokens = session.push_tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].serial, "PIPU0000668B");
    assert_eq!(tokens[0].state, vakt_core::push::TokenState::Enrolled);
    let challenge = session.push_challenge(1).unwrap();
    assert_eq!(
        challenge.challenge.nonce,
        "PLUNTZSDPZDBDR5QXBI65V3L5RGGMFYE"
    );
    assert_eq!(challenge.challenge.title, "DemoIdP");
    assert_eq!(challenge.received_at, 1_795_311_612);
}

#[test]
fn every_saved_backup_restores() {
    for version in WITH_BACKUP {
        let bytes = std::fs::read(fixture_dir(version).join("backup.vaktbkp")).unwrap();
        let info = vakt_core::backup::inspect(&bytes).unwrap();
        assert_eq!(info.generation, 1);
        let code = UnblockCode::parse("0B97X-KEN0D-Y3XSD-BPK35").unwrap();
        let target = tempfile::tempdir().unwrap();
        let restored = Vault::restore(
            &target.path().join(VAULT_FILE),
            services(),
            VaultConfig::default(),
            &bytes,
            BackupSecret::UnblockCode(&code),
            &Pin::parse("5837").unwrap(),
        )
        .unwrap();
        assert_eq!(restored.report.restored, 4);
        check_accounts(&restored.session);
    }
}

/// The captured challenge of the saved vaults, as a locked vault shows it.
fn check_locked_push(vault: &Vault) {
    let tokens = vault.push_tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].serial, "PIPU0000668B");
    let challenge = vault.push_challenge(1).unwrap();
    assert_eq!(
        challenge.challenge.nonce,
        "PLUNTZSDPZDBDR5QXBI65V3L5RGGMFYE"
    );
    assert_eq!(challenge.challenge.title, "DemoIdP");
    assert_eq!(challenge.account, "privacyIDEA: PIPU0000668B");
}

#[test]
fn push_records_move_into_the_device_layer_on_the_first_unlock_after_schema_5() {
    let (_dir, vault) = open_copy("v4");
    let before = vault.status().unwrap();
    // Opening migrated the schema; the records are still under the vault key.
    assert_eq!(
        vault.push_tokens(),
        Err(vakt_core::push::PushError::UnlockOnce)
    );
    let session = vault.unlock(&Pin::parse("4829").unwrap()).unwrap();
    session.upgrade_push_records().unwrap();
    check_push(&session);
    check_accounts(&session);
    drop(session);
    // Locked: the token and its challenge are read with the device key alone.
    check_locked_push(&vault);
    // A second upgrade finds nothing to do; the PIN count was not touched.
    let session = vault.unlock(&Pin::parse("4829").unwrap()).unwrap();
    session.upgrade_push_records().unwrap();
    drop(session);
    check_locked_push(&vault);
    assert_eq!(vault.status().unwrap(), before);
}

#[test]
fn a_schema_5_vault_shows_push_while_locked() {
    let (_dir, vault) = open_copy("v5");
    check_locked_push(&vault);
}

#[test]
fn the_saved_escrow_record_still_opens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let record =
        std::fs::read(dir.join("escrow/vakt-escrow-3d0ad12b8ee8928edf248ca91ca55600-2.vaktescrow"))
            .unwrap();
    let org = std::fs::read_to_string(dir.join("escrow/org.key")).unwrap();
    let org = vakt_core::escrow::OrgIdentity::parse(&org).unwrap();
    let payload = vakt_core::escrow::open(&record, &org).unwrap();
    assert_eq!(payload.unblock_code.expose(), "K9M1F-F7G3S-6B9A9-AMHGQ");
    assert_eq!(payload.generation, 2);
    assert_eq!(payload.vault_id_hex(), "3d0ad12b8ee8928edf248ca91ca55600");
    assert_eq!(payload.hint, "alice@example.org");
    assert_eq!(payload.created_at, 1_795_311_600);
    payload
        .check_vault("3d0ad12b8ee8928edf248ca91ca55600")
        .unwrap();
}
