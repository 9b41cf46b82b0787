//! Writes the saved vault of the current schema version into
//! `fixtures/vaults/v<N>/` (database + software device key), for the test that
//! every later version still opens it, and a backup of it (`backup.vaktbkp`,
//! from schema 2 on) for the test that every later version still restores it.
//! Deterministic: the same build writes the same accounts, PIN and unblock code.
//!
//! From schema 3 on the vault also holds a push token enrolled from the
//! captured privacyIDEA enrolment code (the server's captured reply stands in
//! for the server) with one captured challenge received, and the token's
//! device key in `push-keys/`.
//!
//! From schema 6 on the vault is enrolled for escrow (after the backup is
//! written) with the organisation key `org.key`.
//!
//! Run: `cargo run -p vakt-core --example make_vault_fixture -- fixtures/vaults/v1`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::sync::Arc;

use vakt_core::escrow::OrgIdentity;
use vakt_core::push::{
    ChallengeFields, ConnectionPolicy, EnrolOptions, HttpRequest, HttpResponse, HttpTransport,
    PushContext, TransportError,
};
use vakt_core::rng::DeterministicRandom;
use vakt_core::vault::{
    KdfParams, Pin, PinPolicy, Services, SoftwareKeystore, ThreadSleep, VAULT_FILE, Vault,
    VaultConfig,
};

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: make_vault_fixture DIR"),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let device_key = [0x5a; 32];
    std::fs::write(dir.join("device.key"), device_key).unwrap();
    let services = Services {
        keystore: Arc::new(
            SoftwareKeystore::open(
                &dir.join("device.key"),
                Box::new(DeterministicRandom::new(2)),
            )
            .unwrap(),
        ),
        rng: Arc::new(DeterministicRandom::new(1)),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(vakt_core::clock::FixedClock(1_795_311_600)),
    };
    let config = VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        pin_policy: PinPolicy::default(),
    };
    let path = dir.join(VAULT_FILE);
    let _ = std::fs::remove_file(&path);
    let pin = Pin::parse("4829").unwrap();
    let (vault, code) = Vault::create(&path, services, config, &pin).unwrap();
    let session = vault.unlock(&pin).unwrap();
    for uri in [
        "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub",
        "otpauth://hotp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=3&digits=8",
        "otpauth://totp/%E6%97%A5%E6%9C%AC:%F0%9F%98%80?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA&algorithm=SHA512&digits=8&period=60",
        "otpauth://steam/Steam:gamer?secret=GEZDGNBVGY3TQOJQMFRGGZDFMZTWQ2LK",
    ] {
        session
            .add(&vakt_core::provision::uri::parse(uri).unwrap())
            .unwrap();
    }
    add_push_token(&session);
    std::fs::write(dir.join("backup.vaktbkp"), session.backup().unwrap()).unwrap();
    println!("unblock code: {}", code.to_display().expose());
    enrol_escrow(&dir, &session);
}

/// Schema 6: escrow on, to the organisation key written as `org.key` (made
/// after the backup, so the backup still opens with the first code); the
/// enrolment's new code waits in an escrow record.
fn enrol_escrow(dir: &std::path::Path, session: &vakt_core::vault::Session) {
    let org = OrgIdentity::generate(&DeterministicRandom::new(3)).unwrap();
    std::fs::write(dir.join("org.key"), org.to_file_text().expose()).unwrap();
    let code = session
        .enrol_escrow(&org.public_key(), "alice@example.org")
        .unwrap();
    println!(
        "unblock code after escrow enrolment: {}",
        code.to_display().expose()
    );
}

/// Replays the captured server's replies: the enrolment answer for any POST.
struct CapturedServer;

impl HttpTransport for CapturedServer {
    fn send(&self, _: &HttpRequest) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse {
            status: 200,
            body: std::fs::read(fixture("push_step2_response.json")).unwrap(),
        })
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/privacyidea")
        .join(name)
}

/// Schema 3: a push token with one received challenge.
fn add_push_token(session: &vakt_core::vault::Session) {
    let url = std::fs::read_to_string(fixture("push_enroll_url.txt")).unwrap();
    let enrolment = vakt_core::provision::push_enrolment::parse(url.trim()).unwrap();
    let ctx = PushContext {
        transport: &CapturedServer,
        policy: ConnectionPolicy::default(),
        now: 1_795_311_610,
    };
    let options = EnrolOptions {
        key_bits: 2048,
        ..EnrolOptions::default()
    };
    session.enrol_push(&enrolment, &ctx, &options).unwrap();
    let poll: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("push_poll_response.json")).unwrap())
            .unwrap();
    let fields = ChallengeFields::from_json(&poll["result"]["value"][0]).unwrap();
    session.receive_push(&fields, 1_795_311_612).unwrap();
}
