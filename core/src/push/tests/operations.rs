//! The vault's push operations against an in-process fake privacyIDEA that
//! follows privacyIDEA's rules (its answer logic mirrors pushtoken.py), and
//! the software keystore's signing keys. Both generate RSA keys: feature
//! `rsa-keygen`.

use std::sync::{Arc, Mutex};

use super::*;
use crate::push::transport::{HttpRequest, HttpTransport, Method, TransportError};
use crate::push::{AnswerOutcome, ChallengeState, EnrolOptions};
use crate::rng::DeterministicRandom;
use crate::secret::Key256;
use crate::vault::{
    DeviceKeystore, KdfParams, Pin, PinPolicy, Services, SoftwareKeystore, ThreadSleep, Vault,
    VaultConfig, VaultError,
};

#[test]
fn software_keystore_keeps_signing_keys_sealed_in_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = SoftwareKeystore::path_in(dir.path());
    let keystore =
        SoftwareKeystore::open_or_create(&path, Box::new(DeterministicRandom::new(9))).unwrap();
    let spki = keystore.create_signing_key("vakt-push-test", 2048).unwrap();
    let signature = keystore.sign("vakt-push-test", b"hello").unwrap();
    let verifier = ServerKey::from_pkcs1_der(&crypto::spki_to_pkcs1(&spki).unwrap()).unwrap();
    verifier
        .verify("hello", &crypto::encode_signature(&signature))
        .unwrap();
    // Reopened from the file: same key; the key file holds no PKCS#8 in clear.
    let again = SoftwareKeystore::open(&path, Box::new(DeterministicRandom::new(10))).unwrap();
    assert_eq!(again.sign("vakt-push-test", b"hello").unwrap(), signature);
    let file = std::fs::read(dir.path().join("push-keys/vakt-push-test.key")).unwrap();
    assert!(!file.windows(4).any(|w| w == [0x30, 0x82, 0x04, 0xbc]) || file.len() < 1200);
    // Another device key cannot use it; unknown and unsafe aliases are refused.
    let other =
        SoftwareKeystore::from_key(Key256::new([7; 32]), Box::new(DeterministicRandom::new(1)));
    assert_eq!(
        other.sign("vakt-push-test", b"x"),
        Err(crate::vault::KeystoreError::Missing)
    );
    assert!(keystore.sign("../device", b"x").is_err());
    assert!(keystore.create_signing_key("a/b", 2048).is_err());
    keystore.delete_signing_key("vakt-push-test").unwrap();
    keystore.delete_signing_key("vakt-push-test").unwrap();
    assert_eq!(
        keystore.sign("vakt-push-test", b"x"),
        Err(crate::vault::KeystoreError::Missing)
    );
}

// ---------------------------------------------------------------------------
// A fake privacyIDEA for the vault operations.

struct FakeChallenge {
    nonce: String,
    presence: Option<(String, String)>,
    /// None open; Some(true) accepted; Some(false) declined.
    answered: Option<bool>,
    display_code: Option<String>,
}

#[derive(Default)]
struct Faults {
    /// Process the next request, then fail as if the answer was lost.
    lose_next_reply: bool,
    /// Fail the next request before it reaches the server.
    unreachable: bool,
    /// Alter the signature of challenges in poll answers.
    tamper: bool,
}

struct FakeServer {
    key_pkcs8: SecretBytes,
    key: ServerKey,
    phone: Option<ServerKey>,
    enrolled: bool,
    challenges: Vec<FakeChallenge>,
    faults: Faults,
    requests: Vec<(Method, String)>,
    /// The token's serial and push URL on this server.
    serial: String,
    url: String,
    /// The notification registration token the server has (its token info
    /// `firebase_token`).
    fb_token: Option<String>,
}

#[derive(Clone)]
struct Fake(Arc<Mutex<FakeServer>>);

fn server_keypair() -> (SecretBytes, ServerKey) {
    // One key for every test (generation is the slow part).
    static KEY: std::sync::OnceLock<(SecretBytes, Vec<u8>)> = std::sync::OnceLock::new();
    let (pkcs8, spki) =
        KEY.get_or_init(|| crypto::generate_rsa(2048, &DeterministicRandom::new(77)).unwrap());
    (
        pkcs8.clone(),
        ServerKey::from_pkcs1_der(&crypto::spki_to_pkcs1(spki).unwrap()).unwrap(),
    )
}

impl Fake {
    fn new() -> Self {
        Self::at(SERIAL, URL)
    }

    /// A server whose token has `serial`, at `url`.
    fn at(serial: &str, url: &str) -> Self {
        let (key_pkcs8, key) = server_keypair();
        Fake(Arc::new(Mutex::new(FakeServer {
            key_pkcs8,
            key,
            phone: None,
            enrolled: false,
            challenges: Vec::new(),
            faults: Faults::default(),
            requests: Vec::new(),
            serial: serial.into(),
            url: url.into(),
            fb_token: None,
        })))
    }

    fn server(&self) -> std::sync::MutexGuard<'_, FakeServer> {
        self.0.lock().unwrap()
    }

    /// A login: a new challenge, with presence options and the right one.
    fn trigger(&self, nonce: &str, presence: Option<(&str, &str)>) {
        self.server().challenges.push(FakeChallenge {
            nonce: nonce.into(),
            presence: presence.map(|(o, c)| (o.into(), c.into())),
            answered: None,
            display_code: None,
        });
    }

    /// How many POST requests (enrolment and answers) reached the server.
    fn answers_received(&self) -> usize {
        self.server()
            .requests
            .iter()
            .filter(|(method, _)| *method == Method::Post)
            .count()
    }

    fn status(&self, nonce: &str) -> Option<bool> {
        self.server()
            .challenges
            .iter()
            .find(|c| c.nonce == nonce)
            .and_then(|c| c.answered)
    }

    fn item(&self, server: &FakeServer, c: &FakeChallenge) -> Value {
        let mut item = json!({
            "nonce": c.nonce, "url": server.url, "serial": server.serial,
            "question": "Log in to 127.0.0.1?", "title": "DemoIdP", "sslverify": "0",
            "capabilities": "{\"decline_reason\": true}",
        });
        let mut signed = format!(
            "{}|{}|{}|Log in to 127.0.0.1?|DemoIdP|0",
            c.nonce, server.url, server.serial
        );
        if let Some((options, _)) = &c.presence {
            item["require_presence"] = json!(options);
            signed.push('|');
            signed.push_str(options);
        }
        let sign = |text: &str| {
            crypto::encode_signature(
                &crypto::sign_pkcs8(&server.key_pkcs8, text.as_bytes()).unwrap(),
            )
        };
        let mut signature = sign(&signed);
        if server.faults.tamper {
            signature = sign("something else");
        }
        item["signature"] = json!(signature);
        item["capabilities_signature"] = json!(sign(&protocol::capabilities_signed_string(
            &json!({"decline_reason": true}),
            &c.nonce
        )));
        item
    }

    fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let mut server = self.server();
        server.requests.push((request.method, request.url.clone()));
        let ok = |value: Value, detail: Value| HttpResponse {
            status: 200,
            body: json!({"result": {"status": true, "value": value}, "detail": detail})
                .to_string()
                .into_bytes(),
        };
        let error = |status: u16, code: i64| {
            HttpResponse {
            status,
            body: json!({"result": {"status": false, "error": {"code": code, "message": format!("ERR{code}")}}})
                .to_string()
                .into_bytes(),
        }
        };
        let url = url::Url::parse(&request.url).unwrap();
        match request.method {
            Method::Get => {
                let q: std::collections::HashMap<String, String> =
                    url.query_pairs().into_owned().collect();
                let phone = server.phone.clone().unwrap();
                let signed = format!("{}|{}", q["serial"], q["timestamp"]);
                if phone.verify(&signed, &q["signature"]).is_err() || q["serial"] != server.serial {
                    return error(400, 905);
                }
                let items: Vec<Value> = server
                    .challenges
                    .iter()
                    .filter(|c| c.answered.is_none())
                    .map(|c| self.item(&server, c))
                    .collect();
                ok(Value::Array(items), json!({}))
            }
            Method::Post => {
                let form: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(request.body.expose())
                        .into_owned()
                        .collect();
                if let Some(credential) = form.get("enrollment_credential") {
                    if server.enrolled {
                        return error(404, 601);
                    }
                    if credential != CREDENTIAL || form["serial"] != server.serial {
                        return error(400, 905);
                    }
                    let spki = base64::engine::general_purpose::URL_SAFE
                        .decode(&form["pubkey"])
                        .unwrap();
                    server.phone = Some(
                        ServerKey::from_pkcs1_der(&crypto::spki_to_pkcs1(&spki).unwrap()).unwrap(),
                    );
                    server.enrolled = true;
                    let public = base64::engine::general_purpose::STANDARD.encode(server.key.der());
                    return ok(
                        json!(true),
                        json!({"public_key": public, "rollout_state": "enrolled"}),
                    );
                }
                let phone = server.phone.clone().unwrap();
                if let Some(new) = form.get("new_fb_token") {
                    // privacyIDEA's _handle_firebase_update: the signature
                    // over new_fb_token|serial|timestamp, by the phone's key.
                    let signed = format!("{new}|{}|{}", form["serial"], form["timestamp"]);
                    if form["serial"] != server.serial
                        || !form["timestamp"].ends_with("+00:00")
                        || phone.verify(&signed, &form["signature"]).is_err()
                    {
                        return error(400, 10);
                    }
                    server.fb_token = Some(new.clone());
                    return ok(json!(true), json!({}));
                }
                // An answer: privacyIDEA's _handle_auth_response.
                let serial = server.serial.clone();
                let decline = form.get("decline").is_some_and(|d| d == "1");
                let mut result = false;
                let mut display = None;
                for c in server
                    .challenges
                    .iter_mut()
                    .filter(|c| c.answered.is_none())
                {
                    let mut signed = format!("{}|{serial}", c.nonce);
                    if decline {
                        signed.push_str("|decline");
                        if let Some(reason) = form.get("decline_reason") {
                            signed.push('|');
                            signed.push_str(reason);
                        }
                    }
                    if let Some(answer) = form.get("presence_answer") {
                        signed.push('|');
                        signed.push_str(answer);
                    }
                    if phone.verify(&signed, &form["signature"]).is_err() {
                        continue;
                    }
                    if decline {
                        c.answered = Some(false);
                        result = true;
                    } else if let Some((_, correct)) = &c.presence {
                        if form.get("presence_answer") == Some(correct) {
                            c.answered = Some(true);
                            result = true;
                        }
                    } else {
                        c.answered = Some(true);
                        c.display_code = Some("42".into());
                        display = c.display_code.clone();
                        result = true;
                    }
                }
                let detail = match display {
                    Some(code) => json!({"display_code": code}),
                    None => json!({}),
                };
                ok(json!(result), detail)
            }
        }
    }
}

impl HttpTransport for Fake {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let (unreachable, lose) = {
            let mut server = self.server();
            let faults = (server.faults.unreachable, server.faults.lose_next_reply);
            server.faults.unreachable = false;
            server.faults.lose_next_reply = false;
            faults
        };
        if unreachable {
            return Err(TransportError::Unreachable("connection refused".into()));
        }
        let response = self.handle(request);
        if lose {
            return Err(TransportError::Timeout);
        }
        Ok(response)
    }
}

struct Phone {
    _dir: tempfile::TempDir,
    /// The same vault, locked (it shares the open file with `session`).
    vault: Vault,
    session: crate::vault::Session,
    keystore: Arc<SoftwareKeystore>,
    fake: Fake,
}

fn config() -> VaultConfig {
    VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        pin_policy: PinPolicy::default(),
    }
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
    let (vault, _) = Vault::create(
        &dir.path().join("vault.sqlite3"),
        services,
        config(),
        &Pin::parse("2580").unwrap(),
    )
    .unwrap();
    let session = vault.unlock(&Pin::parse("2580").unwrap()).unwrap();
    Phone {
        _dir: dir,
        vault,
        session,
        keystore,
        fake: Fake::new(),
    }
}

impl Phone {
    fn ctx(&self, now: u64) -> PushContext<'_> {
        PushContext {
            transport: &self.fake,
            policy: ConnectionPolicy::default(),
            now,
        }
    }

    fn enrol(&self) -> crate::push::PushTokenInfo {
        self.session
            .enrol_push(
                &enrolment(),
                &self.ctx(T0),
                &EnrolOptions {
                    key_bits: 2048,
                    ..EnrolOptions::default()
                },
            )
            .unwrap()
    }

    fn poll(&self, now: u64) -> crate::push::PollReport {
        self.session.poll_push(&self.ctx(now)).unwrap()
    }
}

#[test]
fn enrol_poll_approve_and_decline() {
    let p = phone(1);
    let token = p.enrol();
    assert_eq!(token.serial, SERIAL);
    assert_eq!(token.state, TokenState::Enrolled);
    assert_eq!(token.enrolled_at, T0);
    assert_eq!(p.session.push_tokens().unwrap(), vec![token.clone()]);
    // The same code again: a duplicate, and the server is not contacted.
    let before = p.fake.server().requests.len();
    assert!(matches!(
        p.session.enrol_push(&enrolment(), &p.ctx(T0), &EnrolOptions::default()),
        Err(PushError::Vault(VaultError::Duplicate { id })) if id == token.id
    ));
    assert_eq!(p.fake.server().requests.len(), before);

    assert!(p.poll(T0).challenges.is_empty());
    p.fake.trigger("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", None);
    let report = p.poll(T0 + 1);
    assert_eq!(report.new, 1);
    assert!(report.problems.is_empty());
    let [open] = report.challenges.as_slice() else {
        panic!("one challenge expected");
    };
    assert_eq!(open.account, "privacyIDEA: PIPU0000TEST");
    assert_eq!(open.challenge.title, "DemoIdP");
    assert_eq!(open.expires_at, T0 + 1 + CHALLENGE_LIFETIME);
    assert_eq!(open.state, ChallengeState::Open);
    // Polling again finds nothing new.
    assert_eq!(p.poll(T0 + 2).new, 0);

    let outcome = p
        .session
        .answer_push(
            open.id,
            Decision::Approve { presence: None },
            &p.ctx(T0 + 3),
        )
        .unwrap();
    assert_eq!(
        outcome,
        AnswerOutcome::Approved {
            display_code: Some("42".into())
        }
    );
    assert_eq!(
        p.fake.status("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        Some(true)
    );
    // Answering again with the same decision is idempotent (no request);
    // another decision is refused.
    let before = p.fake.server().requests.len();
    assert_eq!(
        p.session
            .answer_push(
                open.id,
                Decision::Approve { presence: None },
                &p.ctx(T0 + 4)
            )
            .unwrap(),
        outcome
    );
    assert_eq!(p.fake.server().requests.len(), before);
    assert_eq!(
        p.session
            .answer_push(open.id, Decision::Decline { reason: None }, &p.ctx(T0 + 4)),
        Err(PushError::AlreadyAnswered)
    );
    assert!(p.session.push_challenges(T0 + 5).unwrap().is_empty());

    p.fake.trigger("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", None);
    let id = p.poll(T0 + 10).challenges[0].id;
    assert_eq!(
        p.session
            .answer_push(
                id,
                Decision::Decline {
                    reason: Some(DeclineReason::UnknownTrigger)
                },
                &p.ctx(T0 + 11)
            )
            .unwrap(),
        AnswerOutcome::Declined
    );
    assert_eq!(
        p.fake.status("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
        Some(false)
    );
}

#[test]
fn presence_check_right_and_wrong() {
    let p = phone(2);
    p.enrol();
    p.fake
        .trigger("CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", Some(("X,L,Z", "L")));
    let c = p.poll(T0).challenges.remove(0);
    assert_eq!(c.challenge.presence_options, ["X", "L", "Z"]);
    let ctx = p.ctx(T0 + 1);
    assert_eq!(
        p.session
            .answer_push(c.id, Decision::Approve { presence: None }, &ctx),
        Err(PushError::PresenceRequired {
            options: vec!["X".into(), "L".into(), "Z".into()]
        })
    );
    assert_eq!(
        p.session.answer_push(
            c.id,
            Decision::Approve {
                presence: Some("Q".into())
            },
            &ctx
        ),
        Err(PushError::NotAnOption)
    );
    assert_eq!(
        p.session.answer_push(
            c.id,
            Decision::Approve {
                presence: Some("X".into())
            },
            &ctx
        ),
        Err(PushError::WrongPresenceAnswer)
    );
    // Declined, here and on the server: the right option cannot approve now.
    assert!(p.session.push_challenges(T0 + 2).unwrap().is_empty());
    assert_eq!(
        p.session.push_challenge(c.id).unwrap().state,
        ChallengeState::Answered(Decision::Decline { reason: None })
    );
    assert_eq!(
        p.fake.status("CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"),
        Some(false)
    );
    assert_eq!(
        p.session.answer_push(
            c.id,
            Decision::Approve {
                presence: Some("L".into())
            },
            &ctx
        ),
        Err(PushError::AlreadyAnswered)
    );

    // On a new challenge the right option approves.
    p.fake
        .trigger("EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", Some(("X,L,Z", "L")));
    let c = p.poll(T0 + 3).challenges.remove(0);
    assert!(matches!(
        p.session.answer_push(
            c.id,
            Decision::Approve {
                presence: Some("L".into())
            },
            &p.ctx(T0 + 4)
        ),
        Ok(AnswerOutcome::Approved { .. })
    ));
    assert_eq!(
        p.fake.status("EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"),
        Some(true)
    );
}

#[test]
fn an_answer_claims_the_challenge_against_its_state_now_not_as_first_read() {
    let p = phone(32);
    p.enrol();
    p.fake.trigger("GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG", None);
    let c = p.poll(T0).challenges.remove(0);
    // What a second answer read before the first one went through: open.
    let stale = p
        .session
        .read(|tx| Ok::<_, VaultError>(tx.challenge(c.id)?))
        .unwrap()
        .unwrap();
    assert!(matches!(
        p.session
            .answer_push(c.id, Decision::Approve { presence: None }, &p.ctx(T0 + 1)),
        Ok(AnswerOutcome::Approved { .. })
    ));
    let decline = Decision::Decline { reason: None };
    let access = p.session.push_access().unwrap();
    assert!(matches!(
        access.claim(&stale, SERIAL, &decline, T0 + 1),
        Err(PushError::AlreadyAnswered)
    ));
    // The approval can be asked again (it is done), the decline cannot.
    assert!(matches!(
        access.claim(
            &stale,
            SERIAL,
            &Decision::Approve { presence: None },
            T0 + 1
        ),
        Ok(crate::push::answer::Claim::Done(_))
    ));
}

#[test]
fn two_answers_at_once_send_exactly_one() {
    let p = phone(31);
    p.enrol();
    for round in 0..24u8 {
        let nonce: String = std::iter::repeat_n(char::from(b'F' + round % 20), 31)
            .chain(std::iter::once(char::from(b'A' + round % 26)))
            .collect();
        p.fake.trigger(&nonce, None);
        let now = T0 + u64::from(round) * 10;
        let c = p.poll(now).challenges.remove(0);
        let sent_before = p.fake.answers_received();
        std::thread::scope(|scope| {
            let approve = scope.spawn(|| {
                p.session
                    .answer_push(c.id, Decision::Approve { presence: None }, &p.ctx(now + 1))
            });
            let decline = scope.spawn(|| {
                p.session
                    .answer_push(c.id, Decision::Decline { reason: None }, &p.ctx(now + 1))
            });
            let results = [approve.join().unwrap(), decline.join().unwrap()];
            let ok = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(ok, 1, "round {round}: {results:?}");
            assert!(
                results
                    .iter()
                    .any(|r| r == &Err(PushError::AlreadyAnswered)),
                "round {round}: {results:?}"
            );
        });
        // Exactly one answer reached the server.
        assert_eq!(p.fake.answers_received(), sent_before + 1, "round {round}");
    }
}

#[test]
fn forged_replayed_and_expired_challenges_are_refused() {
    let p = phone(3);
    p.enrol();
    p.fake.trigger("DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD", None);
    // A tampered signature: refused, reported, nothing stored.
    p.fake.server().faults.tamper = true;
    let report = p.poll(T0);
    assert!(report.challenges.is_empty());
    assert_eq!(report.new, 0);
    assert!(matches!(
        report.problems.as_slice(),
        [(_, PushError::Challenge(ChallengeError::Forged))]
    ));
    p.fake.server().faults.tamper = false;

    // The genuine one, then delivered again by notification: the same one.
    let c = p.poll(T0).challenges.remove(0);
    let item = {
        let server = p.fake.server();
        p.fake.item(&server, &server.challenges[0])
    };
    let pairs: Vec<(String, String)> = item
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), s(v).to_owned()))
        .collect();
    let fields = ChallengeFields::from_pairs(&pairs).unwrap();
    assert_eq!(p.session.receive_push(&fields, T0 + 1).unwrap().id, c.id);
    // Expired here after our own bound, even if the server still lists it.
    let late = T0 + CHALLENGE_LIFETIME;
    assert!(p.session.push_challenges(late).unwrap().is_empty());
    assert_eq!(
        p.session
            .answer_push(c.id, Decision::Approve { presence: None }, &p.ctx(late)),
        Err(PushError::Expired)
    );
    assert_eq!(
        p.session.receive_push(&fields, late),
        Err(PushError::Expired)
    );

    // Answered, then replayed: refused.
    p.fake.trigger("EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", None);
    let e = p.poll(late).challenges.remove(0);
    let replay = {
        let server = p.fake.server();
        p.fake.item(&server, &server.challenges[1])
    };
    p.session
        .answer_push(e.id, Decision::Approve { presence: None }, &p.ctx(late))
        .unwrap();
    assert_eq!(
        p.session
            .receive_push(&ChallengeFields::from_json(&replay).unwrap(), late + 1),
        Err(PushError::AlreadyAnswered)
    );
    // A forged notification and one for an unknown token.
    let mut forged = replay.clone();
    forged["nonce"] = json!("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
    assert_eq!(
        p.session
            .receive_push(&ChallengeFields::from_json(&forged).unwrap(), late),
        Err(PushError::Challenge(ChallengeError::Forged))
    );
    let mut stranger = replay;
    stranger["serial"] = json!("PIPU9999");
    assert_eq!(
        p.session
            .receive_push(&ChallengeFields::from_json(&stranger).unwrap(), late),
        Err(PushError::UnknownToken)
    );
}

#[test]
fn a_lost_answer_is_retried_with_the_same_decision_only() {
    let p = phone(4);
    p.enrol();
    p.fake.trigger("GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG", None);
    let c = p.poll(T0).challenges.remove(0);
    // Not sent at all: retryable.
    p.fake.server().faults.unreachable = true;
    let approve = Decision::Approve { presence: None };
    assert!(matches!(
        p.session.answer_push(c.id, approve.clone(), &p.ctx(T0)),
        Err(PushError::Network(_))
    ));
    assert_eq!(
        p.session.push_challenges(T0).unwrap()[0].state,
        ChallengeState::Sending(approve.clone())
    );
    assert_eq!(
        p.session
            .answer_push(c.id, Decision::Decline { reason: None }, &p.ctx(T0)),
        Err(PushError::AlreadyAnswered)
    );
    assert!(matches!(
        p.session.answer_push(c.id, approve.clone(), &p.ctx(T0)),
        Ok(AnswerOutcome::Approved { .. })
    ));
    // Sent, but the reply was lost: the retry finds it closed on the server.
    p.fake.trigger("HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH", None);
    let h = p.poll(T0).challenges.remove(0);
    p.fake.server().faults.lose_next_reply = true;
    assert_eq!(
        p.session.answer_push(h.id, approve.clone(), &p.ctx(T0)),
        Err(PushError::Network(TransportError::Timeout))
    );
    assert_eq!(
        p.fake.status("HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH"),
        Some(true)
    );
    assert_eq!(
        p.session.answer_push(h.id, approve, &p.ctx(T0)),
        Err(PushError::ChallengeClosed)
    );
}

#[test]
fn failed_enrolment_stores_nothing_and_can_be_retried() {
    let p = phone(5);
    p.fake.server().faults.unreachable = true;
    let options = EnrolOptions {
        key_bits: 2048,
        ..EnrolOptions::default()
    };
    assert!(matches!(
        p.session.enrol_push(&enrolment(), &p.ctx(T0), &options),
        Err(PushError::Network(_))
    ));
    assert!(p.session.push_tokens().unwrap().is_empty());
    // Plain http to another host is refused before any key is made.
    let mut remote = enrolment();
    remote.url = "http://pi.example/ttype/push".into();
    assert_eq!(
        p.session
            .enrol_push(&remote, &p.ctx(T0), &options)
            .map(|_| ()),
        Err(PushError::Address(transport::AddressError::Insecure))
    );
    let token = p.enrol();
    // The reply was lost after the server enrolled: the server refuses the
    // same code again, and the vault says what happened.
    let q = phone(6);
    q.fake.server().faults.lose_next_reply = true;
    assert!(
        q.session
            .enrol_push(&enrolment(), &q.ctx(T0), &options)
            .is_err()
    );
    assert!(q.session.push_tokens().unwrap().is_empty());
    assert!(matches!(
        q.session.enrol_push(&enrolment(), &q.ctx(T0), &options),
        Err(PushError::Server {
            status: 404,
            code: Some(601),
            ..
        })
    ));
    // Deleting the token deletes its key (checked on disk in the CLI tests).
    assert!(p.keystore.sign("vakt-push-unknown", b"x").is_err());
    p.session.delete(token.id).unwrap();
    assert!(p.session.push_tokens().unwrap().is_empty());
    assert_eq!(
        p.session.delete(token.id),
        Err(VaultError::NoSuchAccount { id: token.id })
    );
    // Ids past i64::MAX (SQLite's integers) name nothing: no token, no
    // challenge, not a storage failure.
    for id in [u64::MAX, 1 << 63] {
        assert_eq!(p.session.delete(id), Err(VaultError::NoSuchAccount { id }));
        assert_eq!(
            p.session
                .answer_push(id, Decision::Decline { reason: None }, &p.ctx(T0))
                .map(|_| ()),
            Err(PushError::NoSuchChallenge { id })
        );
    }
}

#[test]
fn restored_push_tokens_need_re_enrolment() {
    let p = phone(7);
    let token = p.enrol();
    let code = p.session.reissue_unblock_code().unwrap();
    let backup = p.session.backup().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let services = Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            Key256::new([99; 32]),
            Box::new(DeterministicRandom::new(99)),
        )),
        rng: Arc::new(DeterministicRandom::new(98)),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(crate::clock::SystemClock),
    };
    let restored = Vault::restore(
        &dir.path().join("vault.sqlite3"),
        services,
        config(),
        &backup,
        crate::backup::BackupSecret::UnblockCode(&code),
        &Pin::parse("1357").unwrap(),
    )
    .unwrap();
    assert_eq!(
        restored.report.needs_reenrolment,
        vec!["privacyIDEA: PIPU0000TEST".to_owned()]
    );
    let tokens = restored.session.push_tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].state, TokenState::NeedsReenrolment);
    assert_eq!(tokens[0].serial, token.serial);
    // Not polled; a notification for it says to enrol again.
    let fake = Fake::new();
    let ctx = PushContext {
        transport: &fake,
        policy: ConnectionPolicy::default(),
        now: T0,
    };
    assert!(
        restored
            .session
            .poll_push(&ctx)
            .unwrap()
            .challenges
            .is_empty()
    );
    assert!(fake.server().requests.is_empty());
    // A new enrolment code for the same serial replaces it in place.
    let again = restored
        .session
        .enrol_push(
            &enrolment(),
            &ctx,
            &EnrolOptions {
                key_bits: 2048,
                ..EnrolOptions::default()
            },
        )
        .unwrap();
    assert_eq!(again.id, tokens[0].id);
    assert_eq!(again.state, TokenState::Enrolled);
}

/// A transport that dies mid-request, like a process killed while waiting.
struct Dies;

impl HttpTransport for Dies {
    fn send(&self, _: &HttpRequest) -> Result<HttpResponse, TransportError> {
        panic!("killed while waiting for the server");
    }
}

#[test]
fn an_enrolment_cut_short_leaves_a_token_that_says_so() {
    let p = phone(8);
    let ctx = PushContext {
        transport: &Dies,
        policy: ConnectionPolicy::default(),
        now: T0,
    };
    let options = EnrolOptions {
        key_bits: 2048,
        ..EnrolOptions::default()
    };
    let cut = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        p.session.enrol_push(&enrolment(), &ctx, &options)
    }));
    assert!(cut.is_err());
    let tokens = p.session.push_tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].state, TokenState::Pending);
    // Not polled; a new code for the same serial finishes it in place.
    assert!(p.poll(T0).challenges.is_empty());
    assert!(p.fake.server().requests.is_empty());
    let token = p.enrol();
    assert_eq!(token.id, tokens[0].id);
    assert_eq!(token.state, TokenState::Enrolled);
}

// ---------------------------------------------------------------------------
// A new notification registration token (privacyIDEA's new_fb_token).

/// Sends each request to the fake whose URL it asks for.
struct Servers(Vec<Fake>);

impl HttpTransport for Servers {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let fake = self
            .0
            .iter()
            .find(|f| request.url.starts_with(&f.server().url))
            .ok_or_else(|| TransportError::Unreachable("no such server".into()))?;
        fake.send(request)
    }
}

const URL2: &str = "http://127.0.0.1:5078/ttype/push";
const SERIAL2: &str = "PIPU0000TWO";

/// The stored record of token `id` (to check what is remembered).
fn record(p: &Phone, id: u64) -> PushToken {
    p.session
        .tokens()
        .unwrap()
        .into_iter()
        .find(|(i, _)| *i == id)
        .unwrap()
        .1
}

/// A phone with two tokens on two servers; the second fake is returned.
fn two_servers(seed: u64) -> (Phone, Servers, u64, u64) {
    let p = phone(seed);
    let servers = Servers(vec![p.fake.clone(), Fake::at(SERIAL2, URL2)]);
    let ctx = PushContext {
        transport: &servers,
        policy: ConnectionPolicy::default(),
        now: T0,
    };
    let options = EnrolOptions {
        notification_token: "fb-old".into(),
        key_bits: 2048,
    };
    let a = p
        .session
        .enrol_push(&enrolment(), &ctx, &options)
        .unwrap()
        .id;
    let second = crate::provision::push_enrolment::parse(&format!(
        "otpauth://pipush/{SERIAL2}?url=http%3A//127.0.0.1%3A5078/ttype/push&ttl=10&issuer=privacyIDEA&enrollment_credential={CREDENTIAL}&v=1&serial={SERIAL2}&sslverify=0"
    ))
    .unwrap();
    let b = p.session.enrol_push(&second, &ctx, &options).unwrap().id;
    (p, servers, a, b)
}

fn ctx_of(servers: &Servers, now: u64) -> PushContext<'_> {
    PushContext {
        transport: servers,
        policy: ConnectionPolicy::default(),
        now,
    }
}

#[test]
fn a_new_registration_token_reaches_every_server() {
    let (p, servers, a, b) = two_servers(20);
    assert!(!record(&p, a).notification_pending);
    let results = p
        .session
        .update_push_registration("fb-new", &ctx_of(&servers, T0 + 5))
        .unwrap();
    assert_eq!(
        results,
        vec![
            TokenUpdate {
                token_id: a,
                serial: SERIAL.into(),
                result: Ok(())
            },
            TokenUpdate {
                token_id: b,
                serial: SERIAL2.into(),
                result: Ok(())
            },
        ]
    );
    for fake in &servers.0 {
        assert_eq!(fake.server().fb_token.as_deref(), Some("fb-new"));
    }
    for id in [a, b] {
        let token = record(&p, id);
        assert_eq!(token.notification_token, "fb-new");
        assert!(!token.notification_pending);
    }
    // Nothing left to send: a retry or a poll sends no update.
    assert!(
        p.session
            .retry_push_registration(&ctx_of(&servers, T0 + 6))
            .unwrap()
            .is_empty()
    );
    let posts = p.fake.answers_received();
    assert!(
        p.session
            .poll_push(&ctx_of(&servers, T0 + 7))
            .unwrap()
            .problems
            .is_empty()
    );
    assert_eq!(p.fake.answers_received(), posts);
    // Bad input is refused before anything is stored or sent.
    for bad in ["", "a\nb"] {
        assert!(matches!(
            p.session
                .update_push_registration(bad, &ctx_of(&servers, T0 + 8)),
            Err(PushError::Vault(VaultError::InvalidInput(_)))
        ));
    }
    assert_eq!(record(&p, a).notification_token, "fb-new");
}

#[test]
fn a_failing_server_is_retried_by_the_next_poll_and_the_token_kept() {
    let (p, servers, a, b) = two_servers(21);
    servers.0[1].server().faults.unreachable = true;
    let results = p
        .session
        .update_push_registration("fb-new", &ctx_of(&servers, T0 + 5))
        .unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].result, Ok(()));
    assert_eq!(results[1].serial, SERIAL2);
    assert!(matches!(results[1].result, Err(PushError::Network(_))));
    assert_eq!(servers.0[0].server().fb_token.as_deref(), Some("fb-new"));
    assert_eq!(servers.0[1].server().fb_token, None);
    // The failing token is kept, enrolled, with the new token still to send.
    let failed = record(&p, b);
    assert_eq!(failed.state, TokenState::Enrolled);
    assert_eq!(failed.notification_token, "fb-new");
    assert!(failed.notification_pending);
    assert!(!record(&p, a).notification_pending);
    // The next poll sends it (and only to the server that lacks it).
    let report = p.session.poll_push(&ctx_of(&servers, T0 + 60)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(servers.0[1].server().fb_token.as_deref(), Some("fb-new"));
    assert!(!record(&p, b).notification_pending);
    // Still failing at poll time: reported as that token's poll problem.
    servers.0[0].server().faults.unreachable = true;
    let results = p
        .session
        .update_push_registration("fb-newer", &ctx_of(&servers, T0 + 70))
        .unwrap();
    assert!(results[0].result.is_err() && results[1].result.is_ok());
    servers.0[0].server().faults.unreachable = true;
    let report = p.session.poll_push(&ctx_of(&servers, T0 + 80)).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|(id, e)| *id == a && matches!(e, PushError::Network(_)))
    );
    assert!(record(&p, a).notification_pending);
    // Retried on request: sent.
    let results = p
        .session
        .retry_push_registration(&ctx_of(&servers, T0 + 90))
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].token_id, a);
    assert_eq!(results[0].result, Ok(()));
    assert_eq!(servers.0[0].server().fb_token.as_deref(), Some("fb-newer"));
}

#[test]
fn the_update_is_signed_by_the_device_key_and_a_bad_signature_is_refused() {
    let p = phone(22);
    let token = p.enrol();
    // The request as sent: the signed string and its fields.
    let results = p
        .session
        .update_push_registration("fb-1", &p.ctx(T0))
        .unwrap();
    assert_eq!(results[0].result, Ok(()));
    let stored = record(&p, token.id);
    let signature = p
        .keystore
        .sign(
            &stored.key_alias,
            protocol::registration_update_signed_string(
                "fb-1",
                SERIAL,
                "2026-11-22T01:37:14+00:00",
            )
            .as_bytes(),
        )
        .unwrap();
    assert_eq!(crate::push::time::iso8601(T0), "2026-11-22T01:37:14+00:00");
    // The same request with a changed token or timestamp does not verify.
    let request = |new: &str, timestamp: &str| HttpRequest {
        method: Method::Post,
        url: URL.into(),
        body: protocol::form(&[
            ("new_fb_token", new),
            ("serial", SERIAL),
            ("timestamp", timestamp),
            ("signature", &crypto::encode_signature(&signature)),
        ]),
        verify_tls: false,
        timeout: std::time::Duration::from_secs(1),
    };
    assert_eq!(
        p.fake
            .send(&request("fb-1", "2026-11-22T01:37:14+00:00"))
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        p.fake
            .send(&request("fb-2", "2026-11-22T01:37:14+00:00"))
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        p.fake
            .send(&request("fb-1", "2026-11-22T01:37:15+00:00"))
            .unwrap()
            .status,
        400
    );
    // A device key the server does not know: refused, the token kept.
    p.keystore.delete_signing_key(&stored.key_alias).unwrap();
    p.keystore
        .create_signing_key(&stored.key_alias, 2048)
        .unwrap();
    let results = p
        .session
        .update_push_registration("fb-2", &p.ctx(T0 + 10))
        .unwrap();
    assert!(matches!(
        results[0].result,
        Err(PushError::Server { status: 400, .. })
    ));
    assert_eq!(p.fake.server().fb_token.as_deref(), Some("fb-1"));
    let kept = record(&p, token.id);
    assert_eq!(kept.state, TokenState::Enrolled);
    assert_eq!(kept.notification_token, "fb-2");
    assert!(kept.notification_pending);
    assert_eq!(p.session.push_tokens().unwrap(), vec![token]);
}

// ---------------------------------------------------------------------------
// Push on a locked vault (`Vault`: no PIN).

/// The notification data the fake server would send for its challenge `index`.
fn notification(p: &Phone, index: usize) -> ChallengeFields {
    let item = {
        let server = p.fake.server();
        p.fake.item(&server, &server.challenges[index])
    };
    let pairs: Vec<(String, String)> = item
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), s(v).to_owned()))
        .collect();
    ChallengeFields::from_pairs(&pairs).unwrap()
}

/// How many challenges the vault holds, in any state.
fn stored_challenges(p: &Phone) -> usize {
    p.session
        .read(|tx| Ok::<_, VaultError>(tx.challenges(&[1, 2, 3, 4])?))
        .unwrap()
        .len()
}

#[test]
fn a_locked_vault_verifies_shows_and_declines_but_does_not_approve() {
    let p = phone(40);
    let token = p.enrol();
    // One wrong PIN: the count must stay at one through all of this.
    assert!(p.vault.unlock(&Pin::parse("1111").unwrap()).is_err());
    let status = p.vault.status().unwrap();
    assert_eq!(status.failed_pin_attempts, 1);
    assert_eq!(p.vault.push_tokens().unwrap(), vec![token]);

    p.fake.trigger("HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH", None);
    let shown = p.vault.receive_push(&notification(&p, 0), T0).unwrap();
    assert_eq!(shown.account, "privacyIDEA: PIPU0000TEST");
    assert_eq!(shown.challenge.title, "DemoIdP");
    assert_eq!(shown.challenge.question, "Log in to 127.0.0.1?");
    assert_eq!(shown.state, ChallengeState::Open);
    assert_eq!(
        p.vault.push_challenges(T0 + 1).unwrap(),
        vec![shown.clone()]
    );
    // The session sees the same challenge.
    assert_eq!(
        p.session.push_challenges(T0 + 1).unwrap(),
        vec![shown.clone()]
    );

    // A forged notification is refused and nothing is stored.
    let before = stored_challenges(&p);
    p.fake.server().faults.tamper = true;
    p.fake.trigger("JJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ", None);
    let forged = notification(&p, 1);
    p.fake.server().faults.tamper = false;
    assert_eq!(
        p.vault.receive_push(&forged, T0 + 1),
        Err(PushError::Challenge(ChallengeError::Forged))
    );
    assert_eq!(stored_challenges(&p), before);

    // Approving without verification: refused; nothing stored or sent.
    let posts = p.fake.answers_received();
    assert_eq!(
        p.vault.approve_push_locked(shown.id, None, &p.ctx(T0 + 2)),
        Err(PushError::VerificationRequired)
    );
    assert_eq!(p.fake.answers_received(), posts);
    assert_eq!(
        p.vault.push_challenge(shown.id).unwrap().state,
        ChallengeState::Open
    );

    // Declining needs no PIN: signed by the device key, accepted.
    assert_eq!(
        p.vault.decline_push(
            shown.id,
            Some(DeclineReason::UnknownTrigger),
            &p.ctx(T0 + 3)
        ),
        Ok(AnswerOutcome::Declined)
    );
    assert_eq!(
        p.fake.status("HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH"),
        Some(false)
    );
    // The replay is refused, locked or not; the approval after it too.
    assert_eq!(
        p.vault.receive_push(&notification(&p, 0), T0 + 4),
        Err(PushError::AlreadyAnswered)
    );
    assert_eq!(
        p.session.receive_push(&notification(&p, 0), T0 + 4),
        Err(PushError::AlreadyAnswered)
    );
    assert_eq!(
        p.session.answer_push(
            shown.id,
            Decision::Approve { presence: None },
            &p.ctx(T0 + 4)
        ),
        Err(PushError::AlreadyAnswered)
    );
    assert_eq!(
        p.vault.push_challenge(shown.id).unwrap().state,
        ChallengeState::Answered(Decision::Decline {
            reason: Some(DeclineReason::UnknownTrigger)
        })
    );
    // Expired challenges are refused while locked as well.
    p.fake.trigger("KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK", None);
    let late = p.vault.receive_push(&notification(&p, 2), T0 + 5).unwrap();
    assert_eq!(
        p.vault
            .decline_push(late.id, None, &p.ctx(T0 + 5 + CHALLENGE_LIFETIME)),
        Err(PushError::Expired)
    );
    assert_eq!(p.vault.status().unwrap(), status);
    // The device record key prints nothing of itself.
    let layer = p.vault.device_layer();
    let key = layer
        .read(|tx| layer.key(tx))
        .unwrap()
        .expect("made by the first record");
    assert_eq!(format!("{key:?}"), "DeviceRecordKey(<redacted>)");
}

#[test]
fn received_while_locked_approved_after_the_pin() {
    let p = phone(41);
    p.enrol();
    p.fake.trigger("LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL", None);
    let shown = p.vault.receive_push(&notification(&p, 0), T0).unwrap();
    let session = p.vault.unlock(&Pin::parse("2580").unwrap()).unwrap();
    assert_eq!(
        session.answer_push(
            shown.id,
            Decision::Approve { presence: None },
            &p.ctx(T0 + 1)
        ),
        Ok(AnswerOutcome::Approved {
            display_code: Some("42".into())
        })
    );
    assert_eq!(
        p.fake.status("LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"),
        Some(true)
    );
    // Locked again: the approval shows without its display code (under the
    // vault key), and a decline of it is refused.
    drop(session);
    assert!(p.vault.push_challenges(T0 + 2).unwrap().is_empty());
    let answered = p.vault.push_challenge(shown.id).unwrap();
    assert_eq!(
        answered.state,
        ChallengeState::Answered(Decision::Approve { presence: None })
    );
    assert_eq!(answered.display_code, None);
    assert_eq!(
        p.vault.decline_push(shown.id, None, &p.ctx(T0 + 2)),
        Err(PushError::AlreadyAnswered)
    );
    assert_eq!(
        p.session.push_challenge(shown.id).unwrap().display_code,
        Some("42".into())
    );
}

#[test]
fn locked_polls_verify_and_approve_when_locked_is_a_setting_off_by_default() {
    let p = phone(42);
    p.enrol();
    assert!(!p.vault.push_approve_when_locked().unwrap());
    p.fake.trigger("MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM", None);
    p.fake.server().faults.tamper = true;
    let report = p.vault.poll_push(&p.ctx(T0)).unwrap();
    assert!(report.challenges.is_empty());
    assert!(matches!(
        report.problems.as_slice(),
        [(_, PushError::Challenge(ChallengeError::Forged))]
    ));
    assert_eq!(stored_challenges(&p), 0);
    p.fake.server().faults.tamper = false;
    let report = p.vault.poll_push(&p.ctx(T0)).unwrap();
    assert_eq!(report.new, 1);
    let id = report.challenges[0].id;

    p.session.set_push_approve_when_locked(true).unwrap();
    assert!(p.vault.push_approve_when_locked().unwrap());
    assert_eq!(
        p.vault.approve_push_locked(id, None, &p.ctx(T0 + 1)),
        Ok(AnswerOutcome::Approved {
            display_code: Some("42".into())
        })
    );
    assert_eq!(
        p.fake.status("MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM"),
        Some(true)
    );
    p.session.set_push_approve_when_locked(false).unwrap();
    assert!(!p.vault.push_approve_when_locked().unwrap());
}

#[test]
fn a_blocked_vault_still_receives_and_declines() {
    let p = phone(43);
    p.enrol();
    for _ in 0..3 {
        assert!(p.vault.unlock(&Pin::parse("1111").unwrap()).is_err());
    }
    let status = p.vault.status().unwrap();
    assert!(status.blocked);
    p.fake.trigger("NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN", None);
    let shown = p.vault.receive_push(&notification(&p, 0), T0).unwrap();
    assert_eq!(
        p.vault.approve_push_locked(shown.id, None, &p.ctx(T0 + 1)),
        Err(PushError::VerificationRequired)
    );
    assert_eq!(
        p.vault.decline_push(shown.id, None, &p.ctx(T0 + 1)),
        Ok(AnswerOutcome::Declined)
    );
    assert_eq!(p.vault.status().unwrap(), status);
}

#[test]
fn a_lost_locked_decline_is_retried_locked_or_unlocked() {
    let p = phone(44);
    p.enrol();
    p.fake.trigger("PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP", None);
    let shown = p.vault.receive_push(&notification(&p, 0), T0).unwrap();
    p.fake.server().faults.unreachable = true;
    assert!(matches!(
        p.vault.decline_push(shown.id, None, &p.ctx(T0 + 1)),
        Err(PushError::Network(_))
    ));
    // Committed: only the decline may follow.
    assert_eq!(
        p.session.answer_push(
            shown.id,
            Decision::Approve { presence: None },
            &p.ctx(T0 + 2)
        ),
        Err(PushError::AlreadyAnswered)
    );
    assert_eq!(
        p.session
            .answer_push(shown.id, Decision::Decline { reason: None }, &p.ctx(T0 + 2)),
        Ok(AnswerOutcome::Declined)
    );
    assert_eq!(
        p.fake.status("PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP"),
        Some(false)
    );
}
