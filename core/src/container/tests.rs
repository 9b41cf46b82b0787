//! Containers against the in-process fake privacyIDEA (`test_server`) that
//! follows the protocol as observed (docs/containers.md): signatures checked
//! with the phone's registered P-384 key over the exact messages, answers
//! encrypted to the phone's X25519 key with AES-256-GCM and a 16-byte IV,
//! tokens added with fresh secrets, removals inferred. TOTP/HOTP tokens only; push tokens
//! in a container are enrolled through the push code, tested end to end
//! against the real server (tests/privacyidea/test_containers.py).
#![cfg(feature = "p384-keys")]

use std::sync::Arc;

use serde_json::json;

use super::test_server::{FakeContainerServer, Fault, SERIAL};
use super::*;
use crate::provision::container_code;
use crate::push::{ConnectionPolicy, EnrolOptions, PushContext};
use crate::rng::DeterministicRandom;
use crate::secret::Key256;
use crate::vault::{
    KdfParams, Pin, PinPolicy, Services, Session, SoftwareKeystore, ThreadSleep, Vault,
    VaultConfig, VaultError,
};

const NOW: u64 = 1_790_000_000;

type Fake = FakeContainerServer;

trait CodeOf {
    fn code(&self, prompt: Option<&str>) -> container_code::ContainerCode;
}

impl CodeOf for Fake {
    fn code(&self, prompt: Option<&str>) -> container_code::ContainerCode {
        container_code::parse(&self.registration_uri(prompt)).unwrap()
    }
}

struct Phone {
    _dir: tempfile::TempDir,
    _vault: Vault,
    session: Session,
    keystore: Arc<SoftwareKeystore>,
}

fn phone(seed: u64) -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let keystore = Arc::new(SoftwareKeystore::from_key(
        Key256::new([seed as u8; 32]),
        Box::new(DeterministicRandom::new(seed + 1000)),
    ));
    let services = Services {
        keystore: keystore.clone(),
        rng: Arc::new(DeterministicRandom::new(seed)),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(crate::clock::SystemClock),
    };
    let config = VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        pin_policy: PinPolicy::default(),
    };
    let pin = Pin::parse("2580").unwrap();
    let (vault, _) =
        Vault::create(&dir.path().join("vault.sqlite3"), services, config, &pin).unwrap();
    let session = vault.unlock(&pin).unwrap();
    Phone {
        _dir: dir,
        _vault: vault,
        session,
        keystore,
    }
}

fn ctx(fake: &Fake) -> PushContext<'_> {
    PushContext {
        transport: fake,
        policy: ConnectionPolicy::default(),
        now: NOW,
    }
}

impl Phone {
    fn register(&self, fake: &Fake) -> Result<ContainerInfo, ContainerError> {
        let code = fake.code(None);
        self.session
            .register_container(&code, &ctx(fake), &RegisterOptions::default())
    }

    fn sync(&self, fake: &Fake, id: u64) -> Result<SyncReport, ContainerError> {
        self.session
            .sync_container(id, &ctx(fake), &EnrolOptions::default())
    }

    fn secret_of(&self, id: u64) -> String {
        self.session
            .account(id)
            .unwrap()
            .params
            .secret
            .to_base32()
            .expose()
            .to_owned()
    }

    /// Everything the vault holds that a failed sync must not change.
    fn snapshot(
        &self,
    ) -> (
        Vec<crate::vault::AccountInfo>,
        Vec<String>,
        Vec<ContainerInfo>,
    ) {
        let accounts = self.session.accounts().unwrap();
        let secrets = accounts.iter().map(|a| self.secret_of(a.id)).collect();
        (accounts, secrets, self.session.containers().unwrap())
    }
}

fn serials(tokens: &[SyncedToken]) -> Vec<&str> {
    tokens.iter().map(|t| t.serial.as_str()).collect()
}

#[test]
fn register_then_sync_adds_updates_and_reports_removals() {
    let fake = Fake::new();
    fake.add_token("TOTP0001", "totp");
    fake.add_token("OATH0001", "hotp");
    let p = phone(1);
    let info = p.register(&fake).unwrap();
    assert_eq!((info.id, info.serial.as_str()), (1, SERIAL));
    assert_eq!(info.state, ContainerState::Registered);
    assert!(info.policies.client_rollover && !info.policies.disable_unregister);
    assert_eq!(info.registered_at, NOW);
    assert!(info.tokens.is_empty(), "finalize delivers no token");

    let first = p.sync(&fake, 1).unwrap();
    assert_eq!(serials(&first.added), ["OATH0001", "TOTP0001"]);
    assert!(first.updated.is_empty() && first.removed.is_empty() && first.failed.is_empty());
    let totp = first
        .added
        .iter()
        .find(|t| t.tokentype == "totp")
        .unwrap()
        .entry_id;
    assert_eq!(p.secret_of(totp), fake.secret_of("TOTP0001").unwrap());
    let hotp = first.added.iter().find(|t| t.tokentype == "hotp").unwrap();
    assert!(matches!(
        p.session.account(hotp.entry_id).unwrap().params.kind,
        crate::account::OtpKind::Hotp { counter: 1 }
    ));

    // In step: nothing added, both listed and updated.
    let second = p.sync(&fake, 1).unwrap();
    assert!(second.added.is_empty() && second.removed.is_empty());
    assert_eq!(serials(&second.updated), ["OATH0001", "TOTP0001"]);

    // The server adds one and takes one out: added, and reported removed but kept.
    fake.add_token("TOTP0002", "totp");
    fake.remove_token("OATH0001");
    let third = p.sync(&fake, 1).unwrap();
    assert_eq!(serials(&third.added), ["TOTP0002"]);
    assert_eq!(serials(&third.removed), ["OATH0001"]);
    assert!(
        p.session.account(hotp.entry_id).is_ok(),
        "a removed token was deleted"
    );
    let listed = p.session.containers().unwrap();
    assert_eq!(listed[0].last_sync, Some(NOW));
    assert!(
        listed[0]
            .tokens
            .iter()
            .any(|m| m.serial == "OATH0001" && m.removed)
    );
    // Removed once: not reported again.
    assert!(p.sync(&fake, 1).unwrap().removed.is_empty());

    // Renamed here, then given a new secret by the server: names kept, key replaced.
    p.session.rename(totp, Some("Work"), "alice").unwrap();
    fake.regenerate_all();
    p.session.delete_account(totp).unwrap();
    let again = p.sync(&fake, 1).unwrap();
    assert_eq!(
        serials(&again.added),
        ["TOTP0001"],
        "a deleted token comes back"
    );
    let back = again.added[0].entry_id;
    assert_eq!(p.secret_of(back), fake.secret_of("TOTP0001").unwrap());
}

#[test]
fn a_second_registration_of_the_same_container_is_refused() {
    let fake = Fake::new();
    let p = phone(2);
    p.register(&fake).unwrap();
    let code = fake.code(None);
    assert!(matches!(
        p.session
            .register_container(&code, &ctx(&fake), &RegisterOptions::default()),
        Err(ContainerError::AlreadyRegistered { id: 1, .. })
    ));
}

#[test]
fn forged_replayed_and_foreign_answers_change_nothing() {
    let fake = Fake::new();
    fake.add_token("TOTP0001", "totp");
    let p = phone(3);
    p.register(&fake).unwrap();
    p.sync(&fake, 1).unwrap();
    fake.add_token("TOTP0002", "totp");
    let before = p.snapshot();
    for fault in [
        Fault::FlipCiphertext,
        Fault::ReplayPrevious,
        Fault::OtherContainer,
    ] {
        fake.set_fault(fault);
        let e = p.sync(&fake, 1).unwrap_err();
        assert!(matches!(e, ContainerError::UnexpectedReply(_)), "{e:?}");
        assert_eq!(p.snapshot(), before);
    }
    fake.set_fault(Fault::Unreachable);
    assert!(matches!(p.sync(&fake, 1), Err(ContainerError::Network(_))));
    fake.set_fault(Fault::None);
    assert_eq!(serials(&p.sync(&fake, 1).unwrap().added), ["TOTP0002"]);
}

#[test]
fn a_rollover_moves_the_container_and_the_old_vault_learns_it() {
    let fake = Fake::new();
    fake.add_token("TOTP0001", "totp");
    let old = phone(4);
    old.register(&fake).unwrap();
    let old_id = old.sync(&fake, 1).unwrap().added[0].entry_id;
    let old_secret = old.secret_of(old_id);

    // The new phone scans the rollover code; the server rolls every token over.
    let new = phone(5);
    new.register(&fake).unwrap();
    fake.regenerate_all();
    let added = new.sync(&fake, 1).unwrap().added;
    assert_eq!(serials(&added), ["TOTP0001"]);
    assert_ne!(new.secret_of(added[0].entry_id), old_secret);
    assert_eq!(
        new.secret_of(added[0].entry_id),
        fake.secret_of("TOTP0001").unwrap()
    );

    // The old vault's signature no longer verifies: marked, nothing deleted.
    assert_eq!(
        old.sync(&fake, 1).unwrap_err(),
        ContainerError::NotRegisteredHere { id: 1 }
    );
    let listed = old.session.containers().unwrap();
    assert_eq!(listed[0].state, ContainerState::NotRegisteredHere);
    assert_eq!(old.secret_of(old_id), old_secret);
    // Unregistering there only forgets it here.
    old.session.unregister_container(1, &ctx(&fake)).unwrap();
    assert!(old.session.containers().unwrap().is_empty());
    assert!(old.session.account(old_id).is_ok());
    // The new phone is unaffected.
    assert!(new.sync(&fake, 1).is_ok());
}

#[test]
fn a_passphrase_prompt_needs_an_answer_and_a_wrong_one_is_refused() {
    let fake = Fake::new();
    let p = phone(6);
    let code = fake.code(Some("Your colour?"));
    let none = RegisterOptions::default();
    assert_eq!(
        p.session
            .register_container(&code, &ctx(&fake), &none)
            .unwrap_err(),
        ContainerError::PassphraseRequired {
            prompt: "Your colour?".into()
        }
    );
    let wrong = RegisterOptions {
        passphrase: Some(crate::secret::SecretString::new("crimson-7".into())),
        ..RegisterOptions::default()
    };
    let e = p
        .session
        .register_container(&code, &ctx(&fake), &wrong)
        .unwrap_err();
    assert_eq!(e, ContainerError::RegistrationRefused);
    assert!(!e.to_string().contains("crimson"));
    // Nothing kept: no record, no key.
    assert!(p.session.containers().unwrap().is_empty());
    assert_eq!(p.keystore.signing_key_count(), 0);
    let right = RegisterOptions {
        passphrase: Some(crate::secret::SecretString::new("blue".into())),
        device_model: Some("vakt".into()),
        ..RegisterOptions::default()
    };
    p.session
        .register_container(&code, &ctx(&fake), &right)
        .unwrap();
    assert_eq!(p.keystore.signing_key_count(), 1);
}

#[test]
fn the_servers_policies_are_honoured() {
    let fake = Fake::new();
    fake.add_token("TOTP0001", "totp");
    fake.set_policies(json!({"disable_client_token_deletion": "1",
                             "disable_client_container_unregister": "1"}));
    let p = phone(7);
    p.register(&fake).unwrap();
    let id = p.sync(&fake, 1).unwrap().added[0].entry_id;
    assert_eq!(
        p.session.delete(id),
        Err(VaultError::DeletionNotAllowed { id, container: 1 })
    );
    assert_eq!(
        p.session.unregister_container(1, &ctx(&fake)),
        Err(ContainerError::NotAllowed {
            action: "unregister"
        })
    );
    // The server changes its mind: both allowed after the next sync.
    fake.set_policies(json!({}));
    p.sync(&fake, 1).unwrap();
    p.session.unregister_container(1, &ctx(&fake)).unwrap();
    assert!(!fake.is_registered(), "the server still has the phone");
    p.session.delete(id).unwrap();
    assert!(matches!(
        p.session.unregister_container(1, &ctx(&fake)),
        Err(ContainerError::NoSuchContainer { id: 1 })
    ));
}

#[test]
fn plain_http_to_another_machine_is_refused_before_anything_is_made() {
    let fake = Fake::new();
    let p = phone(8);
    let mut code = fake.code(None);
    code.url = "http://pi.example".into();
    assert!(matches!(
        p.session
            .register_container(&code, &ctx(&fake), &RegisterOptions::default()),
        Err(ContainerError::Address(_))
    ));
    assert_eq!(p.keystore.signing_key_count(), 0);
    assert!(p.session.containers().unwrap().is_empty());
}

#[test]
fn a_backup_carries_the_container_as_needing_registration() {
    let fake = Fake::new();
    fake.add_token("TOTP0001", "totp");
    let p = phone(9);
    p.session
        .add(
            &crate::provision::uri::parse("otpauth://totp/Other:x?secret=JBSWY3DPEHPK3PXP")
                .unwrap(),
        )
        .unwrap();
    p.register(&fake).unwrap();
    p.sync(&fake, 1).unwrap();
    let contents =
        crate::backup::contents::decode_records(&p.session.backup_records().unwrap()).unwrap();
    assert_eq!(contents.containers.len(), 1);
    let restored = &contents.containers[0];
    assert_eq!(restored.state, ContainerState::NeedsRegistration);
    assert!(restored.key_alias.is_empty());
    // The token is the second account: id 2 after a restore.
    assert_eq!(restored.members[0].entry_id, 2);
    assert!(
        contents
            .needs_reenrolment
            .contains(&format!("container {SERIAL}"))
    );
}
