//! Containers against an in-process fake privacyIDEA that follows the
//! protocol as observed (docs/containers.md): signatures checked with the
//! phone's registered P-384 key over the exact messages, answers encrypted
//! to the phone's X25519 key with AES-256-GCM and a 16-byte IV, tokens added
//! with fresh secrets, removals inferred. TOTP/HOTP tokens only; push tokens
//! in a container are enrolled through the push code, tested end to end
//! against the real server (tests/privacyidea/test_containers.py).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::protocol::{b64, b64_decode, endpoint_url};
use super::*;
use crate::provision::container_code;
use crate::push::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use crate::push::{ConnectionPolicy, EnrolOptions, PushContext};
use crate::rng::DeterministicRandom;
use crate::secret::Key256;
use crate::vault::{
    KdfParams, Pin, PinPolicy, Services, Session, SoftwareKeystore, ThreadSleep, Vault,
    VaultConfig, VaultError,
};

const URL: &str = "http://127.0.0.1:41021";
const SERIAL: &str = "SMPH000051AC";
const NOW: u64 = 1_790_000_000;

/// What the fake server does to its next synchronize answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    FlipCiphertext,
    ReplayPrevious,
    OtherContainer,
    Unreachable,
}

struct Server {
    /// The registered phone's public key (SPKI DER).
    client: Option<Vec<u8>>,
    /// Open challenges: nonce → (time, scope).
    challenges: BTreeMap<String, (String, String)>,
    /// The registration code's nonce and time (one at a time).
    registration: Option<(String, String)>,
    /// Passphrase asked at registration (the server's own answer).
    passphrase: Option<String>,
    /// The container's tokens: serial → (type, current enrolment URL).
    tokens: BTreeMap<String, (String, String)>,
    policies: Value,
    fault: Fault,
    last_answer: Option<Vec<u8>>,
    counter: u64,
}

#[derive(Clone)]
struct Fake(Arc<Mutex<Server>>);

fn refuse(status: u16, code: i64, message: &str) -> HttpResponse {
    HttpResponse {
        status,
        body: json!({"result": {"status": false, "error": {"code": code, "message": message}}})
            .to_string()
            .into_bytes(),
    }
}

fn answer(value: Value) -> HttpResponse {
    HttpResponse {
        status: 200,
        body: json!({"result": {"status": true, "value": value}})
            .to_string()
            .into_bytes(),
    }
}

impl Fake {
    fn new() -> Self {
        Fake(Arc::new(Mutex::new(Server {
            client: None,
            challenges: BTreeMap::new(),
            registration: None,
            passphrase: None,
            tokens: BTreeMap::new(),
            policies: json!({"container_client_rollover": "1",
                             "disable_client_token_deletion": false,
                             "disable_client_container_unregister": false,
                             "initially_add_tokens_to_container": false}),
            fault: Fault::None,
            last_answer: None,
            counter: 0,
        })))
    }

    fn server(&self) -> std::sync::MutexGuard<'_, Server> {
        self.0.lock().unwrap()
    }

    /// A registration (or rollover) code, as `register/initialize` makes it.
    fn code(&self, prompt: Option<&str>) -> container_code::ContainerCode {
        let mut s = self.server();
        s.counter += 1;
        let nonce = format!("{:040x}", 0x9509_336a_u64 + s.counter);
        let time = format!("2026-12-02T16:35:{:02}.696210+00:00", s.counter % 60);
        s.registration = Some((nonce.clone(), time.clone()));
        s.passphrase = prompt.map(|_| "blue".to_owned());
        let uri = format!(
            "pia://container/{SERIAL}?issuer=privacyIDEA&ttl=10&nonce={nonce}&time={}&url={}&serial={SERIAL}&key_algorithm=secp384r1&hash_algorithm=SHA256&ssl_verify=True&passphrase={}&send_passphrase=False",
            time.replace(':', "%3A").replace('+', "%2B"),
            URL.replace(':', "%3A"),
            prompt.unwrap_or("").replace(' ', "%20"),
        );
        container_code::parse(&uri).unwrap()
    }

    /// Adds a token to the container (a fresh secret, as the server makes one).
    fn add_token(&self, serial: &str, tokentype: &str) {
        let mut s = self.server();
        s.counter += 1;
        let secret = base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            &(s.counter as u32).to_be_bytes().repeat(5),
        );
        let url = match tokentype {
            "hotp" => format!(
                "otpauth://hotp/{serial}?secret={secret}&counter=1&digits=6&issuer=privacyIDEA&serial={serial}"
            ),
            other => format!(
                "otpauth://{other}/{serial}?secret={secret}&period=30&digits=6&issuer=privacyIDEA&serial={serial}"
            ),
        };
        s.tokens.insert(serial.into(), (tokentype.into(), url));
    }

    fn remove_token(&self, serial: &str) {
        self.server().tokens.remove(serial);
    }

    /// A rollover: every token gets a new secret (the old phone's stop working).
    fn regenerate_all(&self) {
        let tokens: Vec<(String, String)> = self
            .server()
            .tokens
            .iter()
            .map(|(s, (t, _))| (s.clone(), t.clone()))
            .collect();
        for (serial, tokentype) in tokens {
            self.add_token(&serial, &tokentype);
        }
    }

    fn secret_of(&self, serial: &str) -> String {
        let s = self.server();
        let url = &s.tokens[serial].1;
        url.split("secret=").nth(1).unwrap().split('&').next().unwrap().to_owned()
    }
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn verify(spki: &[u8], message: &str, signature_b64: &str) -> bool {
    let Some(der) = b64_decode(signature_b64) else {
        return false;
    };
    crate::crypto::ecdsa::verify_p384_sha256(spki, message.as_bytes(), &der)
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

impl Server {
    fn take_challenge(&mut self, scope: &str) -> Option<(String, String)> {
        let found = self
            .challenges
            .iter()
            .find(|(_, (_, s))| s == scope)
            .map(|(n, (t, _))| (n.clone(), t.clone()))?;
        self.challenges.remove(&found.0);
        Some(found)
    }

    fn finalize(&mut self, f: &BTreeMap<String, String>) -> HttpResponse {
        let Some((nonce, time)) = self.registration.clone() else {
            return refuse(400, 3000, "Container is already registered.");
        };
        let scope = endpoint_url(URL, protocol::FINALIZE);
        let mut message = format!("{nonce}|{time}|{}|{scope}", f["container_serial"]);
        if let Some(model) = f.get("device_model") {
            message.push_str(&format!("|{model}"));
        }
        if let Some(answer) = &self.passphrase {
            message.push_str(&format!("|{answer}"));
        }
        let spki = pem_to_der(&f["public_client_key"]);
        if !verify(&spki, &message, &f["signature"]) {
            return refuse(400, 3002, "Could not verify signature!");
        }
        self.registration = None;
        self.client = Some(spki);
        answer(json!({"success": true, "policies": self.policies}))
    }

    fn challenge(&mut self, f: &BTreeMap<String, String>) -> HttpResponse {
        if self.client.is_none() {
            return refuse(400, 3001, "Container is not registered.");
        }
        self.counter += 1;
        let nonce = format!("{:040x}", 0xc0ffee_u64 + self.counter);
        let time = format!("2026-12-02T17:00:{:02}+00:00", self.counter % 60);
        self.challenges
            .insert(nonce.clone(), (time.clone(), f["scope"].clone()));
        answer(json!({"enc_key_algorithm": "x25519", "nonce": nonce, "time_stamp": time,
                      "transaction_id": "1"}))
    }

    fn signed(&mut self, f: &BTreeMap<String, String>, endpoint: &str, tail: &[&str]) -> bool {
        let scope = endpoint_url(URL, endpoint);
        let (Some((nonce, time)), Some(client)) = (self.take_challenge(&scope), self.client.clone())
        else {
            return false;
        };
        let mut message = format!("{nonce}|{time}|{}|{scope}", f["container_serial"]);
        for part in tail {
            message.push('|');
            message.push_str(part);
        }
        verify(&client, &message, &f["signature"])
    }

    fn synchronize(&mut self, f: &BTreeMap<String, String>) -> HttpResponse {
        let (key, dict) = (
            f["public_enc_key_client"].clone(),
            f["container_dict_client"].clone(),
        );
        if !self.signed(f, protocol::SYNCHRONIZE, &[&key, &dict]) {
            return refuse(400, 3002, "Could not verify signature!");
        }
        let listed: Value = serde_json::from_str(&dict).unwrap();
        let listed: Vec<String> = listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["serial"].as_str().unwrap().to_owned())
            .collect();
        let mut add = Vec::new();
        let mut update = Vec::new();
        for (serial, (tokentype, url)) in &self.tokens {
            if listed.contains(serial) {
                update.push(json!({"serial": serial, "tokentype": tokentype, "counter": 0, "offline": false}));
            } else {
                add.push(json!(url));
            }
        }
        let container = match self.fault {
            Fault::OtherContainer => "SMPH00000000",
            _ => SERIAL,
        };
        let plain = json!({"container": {"serial": container, "type": "smartphone"},
                           "tokens": {"add": add, "update": update}})
        .to_string();
        let client_public: [u8; 32] = b64_decode(&key).unwrap().try_into().unwrap();
        self.counter += 1;
        let sealed = crate::crypto::sync_cipher::seal_for_tests(
            &client_public,
            [self.counter as u8; 32],
            [self.counter as u8 ^ 0x5a; 16],
            plain.as_bytes(),
        );
        let mut ciphertext = b64(&sealed.ciphertext);
        if self.fault == Fault::FlipCiphertext {
            let first = if ciphertext.starts_with('A') { "B" } else { "A" };
            ciphertext.replace_range(0..1, first);
        }
        let response = answer(json!({
            "container_dict_server": ciphertext,
            "encryption_algorithm": "AES",
            "encryption_params": {"algorithm": "AES", "mode": "GCM",
                                  "init_vector": b64(&sealed.iv), "tag": b64(&sealed.tag)},
            "public_server_key": b64(&sealed.server_public),
            "policies": self.policies,
            "server_url": URL,
        }));
        if self.fault == Fault::ReplayPrevious
            && let Some(previous) = self.last_answer.clone()
        {
            return HttpResponse {
                status: 200,
                body: previous,
            };
        }
        self.last_answer = Some(response.body.clone());
        response
    }

    fn terminate(&mut self, f: &BTreeMap<String, String>) -> HttpResponse {
        if self.policies["disable_client_container_unregister"] == json!("1") {
            return refuse(403, 303, "The action is not allowed!");
        }
        if !self.signed(f, protocol::TERMINATE, &[]) {
            return refuse(400, 3002, "Could not verify signature!");
        }
        self.client = None;
        answer(json!({"success": true}))
    }
}

impl HttpTransport for Fake {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut s = self.server();
        let fault = s.fault;
        if fault == Fault::Unreachable {
            return Err(TransportError::Unreachable("test".into()));
        }
        let f = form(request.body.expose());
        let path = request.url.strip_prefix(URL).unwrap_or("");
        let response = match path {
            "/container/register/finalize" => s.finalize(&f),
            "/container/challenge" => s.challenge(&f),
            "/container/synchronize" => {
                let r = s.synchronize(&f);
                s.fault = Fault::None;
                r
            }
            "/container/register/terminate/client" => s.terminate(&f),
            _ => refuse(404, 601, "not found"),
        };
        Ok(response)
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
        self.session.account(id).unwrap().params.secret.to_base32().expose().to_owned()
    }

    /// Everything the vault holds that a failed sync must not change.
    fn snapshot(&self) -> (Vec<crate::vault::AccountInfo>, Vec<String>, Vec<ContainerInfo>) {
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
    let totp = first.added.iter().find(|t| t.tokentype == "totp").unwrap().entry_id;
    assert_eq!(p.secret_of(totp), fake.secret_of("TOTP0001"));
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
    assert!(p.session.account(hotp.entry_id).is_ok(), "a removed token was deleted");
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
    assert_eq!(serials(&again.added), ["TOTP0001"], "a deleted token comes back");
    let back = again.added[0].entry_id;
    assert_eq!(p.secret_of(back), fake.secret_of("TOTP0001"));
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
        fake.server().fault = fault;
        let e = p.sync(&fake, 1).unwrap_err();
        assert!(matches!(e, ContainerError::UnexpectedReply(_)), "{e:?}");
        assert_eq!(p.snapshot(), before);
    }
    fake.server().fault = Fault::Unreachable;
    assert!(matches!(
        p.sync(&fake, 1),
        Err(ContainerError::Network(_))
    ));
    fake.server().fault = Fault::None;
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
    assert_eq!(new.secret_of(added[0].entry_id), fake.secret_of("TOTP0001"));

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
        p.session.register_container(&code, &ctx(&fake), &none).unwrap_err(),
        ContainerError::PassphraseRequired {
            prompt: "Your colour?".into()
        }
    );
    let wrong = RegisterOptions {
        passphrase: Some(crate::secret::SecretString::new("red".into())),
        ..RegisterOptions::default()
    };
    let e = p.session.register_container(&code, &ctx(&fake), &wrong).unwrap_err();
    assert_eq!(e, ContainerError::RegistrationRefused);
    assert!(!e.to_string().contains("red"));
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
    fake.server().policies = json!({"disable_client_token_deletion": "1",
                                    "disable_client_container_unregister": "1"});
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
    fake.server().policies = json!({});
    p.sync(&fake, 1).unwrap();
    p.session.unregister_container(1, &ctx(&fake)).unwrap();
    assert!(fake.server().client.is_none(), "the server still has the phone");
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
        .add(&crate::provision::uri::parse("otpauth://totp/Other:x?secret=JBSWY3DPEHPK3PXP").unwrap())
        .unwrap();
    p.register(&fake).unwrap();
    p.sync(&fake, 1).unwrap();
    let contents = crate::backup::contents::decode_records(&p.session.backup_records().unwrap()).unwrap();
    assert_eq!(contents.containers.len(), 1);
    let restored = &contents.containers[0];
    assert_eq!(restored.state, ContainerState::NeedsRegistration);
    assert!(restored.key_alias.is_empty());
    // The token is the second account: id 2 after a restore.
    assert_eq!(restored.members[0].entry_id, 2);
    assert!(contents.needs_reenrolment.contains(&format!("container {SERIAL}")));
}
