//! One in-memory privacyIDEA push server for the Kotlin and Swift suites (its
//! answer logic mirrors privacyIDEA's pushtoken.py, like the core's own test
//! fake in core/src/push/tests/operations.rs): enrolment answers with its
//! public key (base64 PKCS#1), polls are verified (`serial|timestamp`) and
//! answered with challenges it signs
//! (`nonce|url|serial|question|title|sslverify[|require_presence]`, base32),
//! answers are verified (`nonce|serial[|X]`, `nonce|serial|decline[|reason]`),
//! and so are new notification tokens (`new_fb_token|serial|timestamp`);
//! a wrong presence answer keeps the challenge open.
//!
//! It is written with the server's view only: the signed strings are spelled
//! out here, not taken from the core's protocol module, so a core that builds
//! them wrongly fails against it. The server key is the captured phone key of
//! `fixtures/privacyidea/push_test_vectors.json` (a test key; the phone
//! library cannot generate RSA keys and does not need to for this).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use base64::Engine as _;
use serde_json::{Value, json};
use vakt_core::crypto::rsa::{self, ServerKey};
use vakt_core::secret::SecretBytes;

use crate::platform::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportFailure};

const VECTORS: &str = include_str!("../../../fixtures/privacyidea/push_test_vectors.json");
const DEFAULT_URL: &str = "http://127.0.0.1:5077/ttype/push";
const DEFAULT_SERIAL: &str = "PIPU0000TEST";
const CREDENTIAL: &str = "6ed5882c2d97952ad8b8e944c8e7f46274fbb5fe";
const QUESTION: &str = "Log in to 127.0.0.1?";
const TITLE: &str = "DemoIdP";

/// The server's key pair: PKCS#8 private key, base64 PKCS#1 public key.
struct Keys {
    private: SecretBytes,
    public_b64: String,
}

/// The fixture key, read once; `None` if the fixture cannot be read (then
/// challenges carry no valid signature and enrolment answers 500).
fn keys() -> Option<&'static Keys> {
    static KEYS: OnceLock<Option<Keys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let vectors: Value = serde_json::from_str(VECTORS).ok()?;
        let pem = vectors.get("phone_private_key_pkcs8_pem")?.as_str()?;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let private = base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?;
        let spki = base64::engine::general_purpose::URL_SAFE
            .decode(vectors.get("phone_pubkey_sent_b64url_spki")?.as_str()?)
            .ok()?;
        let pkcs1 = rsa::spki_to_pkcs1(&spki).ok()?;
        Some(Keys {
            private: SecretBytes::new(private),
            public_b64: base64::engine::general_purpose::STANDARD.encode(pkcs1),
        })
    })
    .as_ref()
}

/// Base32 RSA signature (SHA-256, PKCS#1 v1.5) of `message` by the server key;
/// empty if there is no key.
fn sign(message: &str) -> String {
    keys()
        .and_then(|k| rsa::sign_pkcs8(&k.private, message.as_bytes()).ok())
        .map(|s| rsa::encode_signature(&s))
        .unwrap_or_default()
}

/// A request as the server recorded it (the URL without its query).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FakeRequest {
    /// GET (poll) or POST (enrol, answer).
    pub method: HttpMethod,
    /// The URL up to its `?`.
    pub url: String,
}

struct Challenge {
    nonce: String,
    /// The options and the right one.
    presence: Option<(String, String)>,
    display_code: Option<String>,
    /// `None` open; `Some(true)` approved; `Some(false)` declined.
    answered: Option<bool>,
    decline_reason: Option<String>,
}

#[derive(Default)]
struct State {
    /// The phone's public key, once enrolled.
    phone: Option<ServerKey>,
    enrolled: bool,
    fbtoken: Option<String>,
    challenges: Vec<Challenge>,
    requests: Vec<FakeRequest>,
    polls: u32,
    /// Sign challenges with something else.
    tamper: bool,
    /// Answer every request with this instead.
    reply: Option<HttpResponse>,
    /// Challenges triggered so far (mixed into each nonce).
    nonces: u64,
}

/// An in-memory privacyIDEA push server (**tests only**). Pass
/// [`FakePrivacyIdea::transport`] where a transport is wanted, or hand it raw
/// requests with [`FakePrivacyIdea::handle`] (a loopback HTTP server in front
/// of it).
#[derive(uniffi::Object)]
pub struct FakePrivacyIdea {
    url: String,
    serial: String,
    state: Mutex<State>,
}

/// One login on a [`FakePrivacyIdea`]: what the server sends and what became of it.
#[derive(uniffi::Object)]
pub struct FakeChallenge {
    server: Arc<FakePrivacyIdea>,
    index: usize,
}

impl FakePrivacyIdea {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The challenge as the server sends it.
    fn item(&self, c: &Challenge, tamper: bool) -> serde_json::Map<String, Value> {
        let mut signed = format!(
            "{}|{}|{}|{QUESTION}|{TITLE}|0",
            c.nonce, self.url, self.serial
        );
        let mut item = serde_json::Map::new();
        for (k, v) in [
            ("nonce", c.nonce.as_str()),
            ("url", &self.url),
            ("serial", &self.serial),
            ("question", QUESTION),
            ("title", TITLE),
            ("sslverify", "0"),
            ("capabilities", "{\"decline_reason\": true}"),
        ] {
            item.insert(k.into(), Value::String(v.into()));
        }
        if let Some((options, _)) = &c.presence {
            item.insert("require_presence".into(), Value::String(options.clone()));
            signed = format!("{signed}|{options}");
        }
        let signature = sign(if tamper { "something else" } else { &signed });
        item.insert("signature".into(), Value::String(signature));
        let capabilities = format!(
            "{{\"capabilities\":{{\"decline_reason\":true}},\"nonce\":\"{}\"}}",
            c.nonce
        );
        item.insert(
            "capabilities_signature".into(),
            Value::String(sign(&capabilities)),
        );
        item
    }

    fn poll(&self, state: &mut State, query: &str) -> HttpResponse {
        state.polls += 1;
        let q = form(query);
        let Some(phone) = &state.phone else {
            return error(400, 905);
        };
        let (serial, timestamp) = (field(&q, "serial"), field(&q, "timestamp"));
        let signed = format!("{serial}|{timestamp}");
        if serial != self.serial || phone.verify(&signed, field(&q, "signature")).is_err() {
            return error(400, 905);
        }
        let items: Vec<Value> = state
            .challenges
            .iter()
            .filter(|c| c.answered.is_none())
            .map(|c| Value::Object(self.item(c, state.tamper)))
            .collect();
        ok(Value::Array(items), json!({}))
    }

    fn post(&self, state: &mut State, body: &[u8]) -> HttpResponse {
        let form = form(&String::from_utf8_lossy(body));
        if let Some(credential) = form.get("enrollment_credential") {
            if state.enrolled {
                return error(404, 601);
            }
            if credential != CREDENTIAL || field(&form, "serial") != self.serial {
                return error(400, 905);
            }
            let phone = base64::engine::general_purpose::URL_SAFE
                .decode(field(&form, "pubkey"))
                .ok()
                .and_then(|der| rsa::normalize_public_key(&der).ok())
                .and_then(|spki| rsa::spki_to_pkcs1(&spki).ok())
                .and_then(|pkcs1| ServerKey::from_pkcs1_der(&pkcs1).ok());
            let (Some(phone), Some(keys)) = (phone, keys()) else {
                return error(400, 905);
            };
            state.phone = Some(phone);
            state.fbtoken = form.get("fbtoken").cloned();
            state.enrolled = true;
            return ok(
                json!(true),
                json!({"public_key": keys.public_b64, "rollout_state": "enrolled"}),
            );
        }
        // An answer: privacyIDEA's _handle_auth_response.
        let Some(phone) = &state.phone else {
            return error(400, 905);
        };
        if let Some(new) = form.get("new_fb_token") {
            // privacyIDEA's _handle_firebase_update: signed
            // new_fb_token|serial|timestamp; any failure is "could not verify".
            let signed = format!(
                "{new}|{}|{}",
                field(&form, "serial"),
                field(&form, "timestamp")
            );
            if field(&form, "serial") != self.serial
                || field(&form, "timestamp").is_empty()
                || phone.verify(&signed, field(&form, "signature")).is_err()
            {
                return error(400, 10);
            }
            state.fbtoken = Some(new.clone());
            return ok(json!(true), json!({}));
        }
        let decline = field(&form, "decline") == "1";
        let (reason, presence) = (form.get("decline_reason"), form.get("presence_answer"));
        let mut result = false;
        let mut display = None;
        for c in state.challenges.iter_mut().filter(|c| c.answered.is_none()) {
            let mut signed = format!("{}|{}", c.nonce, self.serial);
            if decline {
                signed.push_str("|decline");
                if let Some(reason) = reason {
                    signed = format!("{signed}|{reason}");
                }
            }
            if let Some(answer) = presence {
                signed = format!("{signed}|{answer}");
            }
            if phone.verify(&signed, field(&form, "signature")).is_err() {
                continue;
            }
            if decline {
                c.answered = Some(false);
                c.decline_reason = reason.cloned();
                result = true;
            } else if let Some((_, correct)) = &c.presence {
                if presence == Some(correct) {
                    c.answered = Some(true);
                    result = true;
                }
            } else {
                c.answered = Some(true);
                display.clone_from(&c.display_code);
                result = true;
            }
        }
        let detail = display.map_or_else(|| json!({}), |d| json!({ "display_code": d }));
        ok(json!(result), detail)
    }
}

#[uniffi::export]
impl FakePrivacyIdea {
    /// A server at `url` (default `http://127.0.0.1:5077/ttype/push`) for the
    /// token `serial` (default `PIPU0000TEST`), not enrolled yet.
    #[uniffi::constructor(default(url = None, serial = None))]
    pub fn new(url: Option<String>, serial: Option<String>) -> Arc<Self> {
        Arc::new(Self {
            url: url.unwrap_or_else(|| DEFAULT_URL.into()),
            serial: serial.unwrap_or_else(|| DEFAULT_SERIAL.into()),
            state: Mutex::new(State::default()),
        })
    }

    /// The server's push URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The token's serial.
    pub fn serial(&self) -> String {
        self.serial.clone()
    }

    /// The enrolment code (`otpauth://pipush/…`) this server shows.
    pub fn enrolment_uri(&self) -> String {
        let url: String = url::form_urlencoded::byte_serialize(self.url.as_bytes()).collect();
        format!(
            "otpauth://pipush/{s}?url={url}&ttl=10&issuer=privacyIDEA&enrollment_credential={CREDENTIAL}&v=1&serial={s}&sslverify=0&poll_only=True",
            s = self.serial
        )
    }

    /// This server as the transport the library calls.
    pub fn transport(self: Arc<Self>) -> Arc<dyn HttpTransport> {
        self
    }

    /// Answers one request as privacyIDEA would (what [`HttpTransport::send`]
    /// does; a loopback HTTP server hands its requests here).
    pub fn handle(&self, request: HttpRequest) -> HttpResponse {
        let mut state = self.state();
        if let Some(reply) = &state.reply {
            return reply.clone();
        }
        let (path, query) = request
            .url
            .split_once('?')
            .unwrap_or((request.url.as_str(), ""));
        state.requests.push(FakeRequest {
            method: request.method,
            url: path.to_owned(),
        });
        match request.method {
            HttpMethod::Get => self.poll(&mut state, query),
            HttpMethod::Post => self.post(&mut state, &request.body),
        }
    }

    /// A login: a new open challenge, with presence options (`"X,L,Z"`) and
    /// the right one, and the code shown after an approval.
    #[uniffi::method(default(presence_options = None, presence_answer = None, display_code = None))]
    pub fn trigger(
        self: Arc<Self>,
        presence_options: Option<String>,
        presence_answer: Option<String>,
        display_code: Option<String>,
    ) -> Arc<FakeChallenge> {
        let index = {
            let mut state = self.state();
            state.nonces += 1;
            let nonce = nonce(state.nonces);
            state.challenges.push(Challenge {
                nonce,
                presence: presence_options.zip(presence_answer),
                display_code,
                answered: None,
                decline_reason: None,
            });
            state.challenges.len() - 1
        };
        Arc::new(FakeChallenge {
            server: self,
            index,
        })
    }

    /// Every challenge triggered, oldest first.
    pub fn challenges(self: Arc<Self>) -> Vec<Arc<FakeChallenge>> {
        let count = self.state().challenges.len();
        (0..count)
            .map(|index| {
                Arc::new(FakeChallenge {
                    server: Arc::clone(&self),
                    index,
                })
            })
            .collect()
    }

    /// The requests that reached the server (not those answered by [`Self::set_reply`]).
    pub fn requests(&self) -> Vec<FakeRequest> {
        self.state().requests.clone()
    }

    /// How many polls reached the server.
    pub fn polls(&self) -> u32 {
        self.state().polls
    }

    /// The notification token sent at enrolment, or since by a signed
    /// `new_fb_token` update.
    pub fn fbtoken(&self) -> Option<String> {
        self.state().fbtoken.clone()
    }

    /// Marks the enrolment code used (a new enrolment then gets 404, error 601).
    pub fn set_enrolled(&self, enrolled: bool) {
        self.state().enrolled = enrolled;
    }

    /// Signs the challenges of polls and notifications with something else (forged).
    pub fn set_tamper(&self, tamper: bool) {
        self.state().tamper = tamper;
    }

    /// Answers every request with `reply` instead (`None`: as privacyIDEA again).
    pub fn set_reply(&self, reply: Option<HttpResponse>) {
        self.state().reply = reply;
    }
}

impl HttpTransport for FakePrivacyIdea {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure> {
        Ok(self.handle(request))
    }
}

#[uniffi::export]
impl FakeChallenge {
    /// The challenge as the server sends it: a poll item, or a notification's data.
    pub fn item(&self) -> HashMap<String, String> {
        let state = self.server.state();
        let Some(c) = state.challenges.get(self.index) else {
            return HashMap::new();
        };
        self.server
            .item(c, state.tamper)
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
            .collect()
    }

    /// `None` open; `true` approved; `false` declined.
    pub fn answered(&self) -> Option<bool> {
        self.server
            .state()
            .challenges
            .get(self.index)
            .and_then(|c| c.answered)
    }

    /// The decline reason sent with a decline.
    pub fn decline_reason(&self) -> Option<String> {
        self.server
            .state()
            .challenges
            .get(self.index)
            .and_then(|c| c.decline_reason.clone())
    }

    /// Closes the challenge as if answered elsewhere (`approved` or declined).
    pub fn set_answered(&self, approved: bool) {
        if let Some(c) = self.server.state().challenges.get_mut(self.index) {
            c.answered = Some(approved);
        }
    }
}

/// A new nonce: 20 random bytes (the counter if the system has no randomness), base32.
fn nonce(counter: u64) -> String {
    let mut bytes: [u8; 20] =
        vakt_core::rng::random_array(&vakt_core::rng::SystemRandom::new()).unwrap_or_default();
    for (b, c) in bytes.iter_mut().zip(counter.to_be_bytes()) {
        *b ^= c;
    }
    rsa::encode_signature(&bytes)
}

fn form(text: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

fn ok(value: Value, detail: Value) -> HttpResponse {
    let body = json!({"result": {"status": true, "value": value}, "detail": detail});
    HttpResponse {
        status: 200,
        body: body.to_string().into_bytes(),
    }
}

fn error(status: u16, code: u32) -> HttpResponse {
    let body = json!({"result": {"status": false, "error": {"code": code, "message": format!("ERR{code}")}}});
    HttpResponse {
        status,
        body: body.to_string().into_bytes(),
    }
}
