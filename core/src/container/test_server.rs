//! An in-process fake privacyIDEA container server for tests (the core's own
//! and, through the FFI's test doors, the Kotlin and Swift suites; feature
//! `test-server`, never in the shipped library). It follows the protocol as
//! observed (docs/containers.md) from the server's side only — the messages
//! it verifies are spelled out here, not taken from the phone's protocol
//! module, so a phone that builds them wrongly fails against it:
//! registration codes with a nonce and time, finalize verified with the
//! posted P-384 key over `nonce|time|serial|scope[|brand][|model][|passphrase]`,
//! challenges per scope, synchronize verified over
//! `nonce|time|serial|scope|public_enc_key_client|container_dict_client` and
//! answered encrypted to the phone's X25519 key (AES-256-GCM, 16-byte IV, the
//! raw shared secret as key), tokens the phone did not list in `add` with
//! fresh secrets, terminate verified over `nonce|time|serial|scope`. A
//! rollover is a second registration that replaces the phone's key.
//! TOTP/HOTP tokens only.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine;
use serde_json::{Value, json};

use crate::push::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};

/// The server's base URL.
pub const URL: &str = "http://127.0.0.1:41021";
/// The container's serial.
pub const SERIAL: &str = "SMPH000051AC";

/// What the server does to its next synchronize answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Nothing.
    None,
    /// Alter the ciphertext (a forged answer).
    FlipCiphertext,
    /// Send the previous answer again (a replay).
    ReplayPrevious,
    /// Answer for another container.
    OtherContainer,
    /// Fail as if the server could not be reached (every request).
    Unreachable,
}

impl Fault {
    /// The fault named `name` (`none`, `flip`, `replay`, `other_container`,
    /// `unreachable`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "none" => Fault::None,
            "flip" => Fault::FlipCiphertext,
            "replay" => Fault::ReplayPrevious,
            "other_container" => Fault::OtherContainer,
            "unreachable" => Fault::Unreachable,
            _ => return None,
        })
    }
}

struct State {
    /// The registered phone's public key (SPKI DER).
    client: Option<Vec<u8>>,
    /// Open challenges: nonce → (time, scope).
    challenges: BTreeMap<String, (String, String)>,
    /// The open registration code's nonce and time.
    registration: Option<(String, String)>,
    /// The answer the registration code's prompt expects.
    passphrase: Option<String>,
    /// The container's tokens: serial → (type, enrolment URL).
    tokens: BTreeMap<String, (String, String)>,
    policies: Value,
    fault: Fault,
    last_answer: Option<Vec<u8>>,
    counter: u64,
}

/// The fake server; clones share it.
#[derive(Clone)]
pub struct FakeContainerServer(Arc<Mutex<State>>);

impl Default for FakeContainerServer {
    fn default() -> Self {
        Self::new()
    }
}

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

fn scope(endpoint: &str) -> String {
    format!("{URL}/container/{endpoint}")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE.decode(text).ok()
}

fn verify(spki: &[u8], message: &str, signature_b64: &str) -> bool {
    unb64(signature_b64).is_some_and(|der| {
        crate::crypto::ecdsa::verify_p384_sha256(spki, message.as_bytes(), &der).is_ok()
    })
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

type Form = BTreeMap<String, String>;

fn field<'a>(f: &'a Form, key: &str) -> &'a str {
    f.get(key).map(String::as_str).unwrap_or("")
}

impl FakeContainerServer {
    /// A server with an empty container and permissive policies.
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(State {
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

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new registration (or rollover) code's text, as `register/initialize`
    /// makes it; `prompt` asks a passphrase whose answer is `blue`.
    pub fn registration_uri(&self, prompt: Option<&str>) -> String {
        let mut s = self.state();
        s.counter += 1;
        let nonce = format!("{:040x}", 0x9509_336a_u64 + s.counter);
        let time = format!("2026-12-02T16:35:{:02}.696210+00:00", s.counter % 60);
        s.registration = Some((nonce.clone(), time.clone()));
        s.passphrase = prompt.map(|_| "blue".to_owned());
        format!(
            "pia://container/{SERIAL}?issuer=privacyIDEA&ttl=10&nonce={nonce}&time={}&url={}&serial={SERIAL}&key_algorithm=secp384r1&hash_algorithm=SHA256&ssl_verify=True&passphrase={}&send_passphrase=False",
            time.replace(':', "%3A").replace('+', "%2B"),
            URL.replace(':', "%3A"),
            prompt.unwrap_or("").replace(' ', "%20").replace('?', "%3F"),
        )
    }

    /// Adds a token to the container, or gives it a fresh secret.
    pub fn add_token(&self, serial: &str, tokentype: &str) {
        let mut s = self.state();
        s.counter += 1;
        let seed = u32::try_from(s.counter % u64::from(u32::MAX)).unwrap_or(0);
        let secret = base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            &seed.to_be_bytes().repeat(5),
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

    /// Takes a token out of the container.
    pub fn remove_token(&self, serial: &str) {
        self.state().tokens.remove(serial);
    }

    /// A rollover's token side: every token gets a new secret.
    pub fn regenerate_all(&self) {
        let tokens: Vec<(String, String)> = self
            .state()
            .tokens
            .iter()
            .map(|(s, (t, _))| (s.clone(), t.clone()))
            .collect();
        for (serial, tokentype) in tokens {
            self.add_token(&serial, &tokentype);
        }
    }

    /// The current secret (base32) of a token, if the container holds it.
    pub fn secret_of(&self, serial: &str) -> Option<String> {
        let s = self.state();
        let url = &s.tokens.get(serial)?.1;
        Some(url.split("secret=").nth(1)?.split('&').next()?.to_owned())
    }

    /// Sets the policies sent with finalize and synchronize answers (JSON
    /// object as privacyIDEA writes it).
    pub fn set_policies(&self, policies: Value) {
        self.state().policies = policies;
    }

    /// Sets what happens to the next synchronize answer (`Unreachable`
    /// stays until changed).
    pub fn set_fault(&self, fault: Fault) {
        self.state().fault = fault;
    }

    /// Whether a phone is registered.
    pub fn is_registered(&self) -> bool {
        self.state().client.is_some()
    }
}

impl State {
    fn take_challenge(&mut self, scope: &str) -> Option<(String, String)> {
        let found = self
            .challenges
            .iter()
            .find(|(_, (_, s))| s == scope)
            .map(|(n, (t, _))| (n.clone(), t.clone()))?;
        self.challenges.remove(&found.0);
        Some(found)
    }

    fn finalize(&mut self, f: &Form) -> HttpResponse {
        let Some((nonce, time)) = self.registration.clone() else {
            return refuse(400, 3000, "Container is already registered.");
        };
        let mut message = format!(
            "{nonce}|{time}|{}|{}",
            field(f, "container_serial"),
            scope("register/finalize")
        );
        for optional in ["device_brand", "device_model"] {
            if let Some(value) = f.get(optional).filter(|v| !v.is_empty()) {
                message.push('|');
                message.push_str(value);
            }
        }
        if let Some(expected) = &self.passphrase {
            message.push('|');
            message.push_str(expected);
        }
        let Some(spki) = pem_to_der(field(f, "public_client_key")) else {
            return refuse(400, 905, "bad key");
        };
        if !verify(&spki, &message, field(f, "signature")) {
            return refuse(400, 3002, "Could not verify signature!");
        }
        self.registration = None;
        self.client = Some(spki);
        answer(json!({"success": true, "policies": self.policies}))
    }

    fn challenge(&mut self, f: &Form) -> HttpResponse {
        if self.client.is_none() {
            return refuse(400, 3001, "Container is not registered.");
        }
        self.counter += 1;
        let nonce = format!("{:040x}", 0x00c0_ffee_u64 + self.counter);
        let time = format!("2026-12-02T17:00:{:02}+00:00", self.counter % 60);
        self.challenges
            .insert(nonce.clone(), (time.clone(), field(f, "scope").to_owned()));
        answer(
            json!({"enc_key_algorithm": "x25519", "nonce": nonce, "time_stamp": time,
                      "transaction_id": "1"}),
        )
    }

    fn signed(&mut self, f: &Form, endpoint: &str, tail: &[&str]) -> bool {
        let scope = scope(endpoint);
        let (Some((nonce, time)), Some(client)) =
            (self.take_challenge(&scope), self.client.clone())
        else {
            return false;
        };
        let mut message = format!("{nonce}|{time}|{}|{scope}", field(f, "container_serial"));
        for part in tail {
            message.push('|');
            message.push_str(part);
        }
        verify(&client, &message, field(f, "signature"))
    }

    fn synchronize(&mut self, f: &Form) -> HttpResponse {
        let key = field(f, "public_enc_key_client").to_owned();
        let dict = field(f, "container_dict_client").to_owned();
        if !self.signed(f, "synchronize", &[&key, &dict]) {
            return refuse(400, 3002, "Could not verify signature!");
        }
        let listed: Vec<String> = serde_json::from_str::<Value>(&dict)
            .ok()
            .and_then(|d| {
                d.get("tokens")?.as_array().map(|tokens| {
                    tokens
                        .iter()
                        .filter_map(|t| Some(t.get("serial")?.as_str()?.to_owned()))
                        .collect()
                })
            })
            .unwrap_or_default();
        let mut add = Vec::new();
        let mut update = Vec::new();
        for (serial, (tokentype, url)) in &self.tokens {
            if listed.contains(serial) {
                update.push(
                    json!({"serial": serial, "tokentype": tokentype, "counter": 0,
                                   "offline": false}),
                );
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
        let Some(client_public) = unb64(&key).and_then(|k| <[u8; 32]>::try_from(k).ok()) else {
            return refuse(400, 905, "bad key");
        };
        self.counter += 1;
        let byte = u8::try_from(self.counter % 256).unwrap_or(0);
        let Some(sealed) = crate::crypto::sync_cipher::seal_for_tests(
            &client_public,
            [byte; 32],
            [byte ^ 0x5a; 16],
            plain.as_bytes(),
        ) else {
            return refuse(500, 500, "encryption failed");
        };
        let mut ciphertext = b64(&sealed.ciphertext);
        if self.fault == Fault::FlipCiphertext {
            let first = if ciphertext.starts_with('A') {
                "B"
            } else {
                "A"
            };
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

    fn terminate(&mut self, f: &Form) -> HttpResponse {
        let forbidden =
            self.policies.get("disable_client_container_unregister") == Some(&json!("1"));
        if forbidden {
            return refuse(403, 303, "The action is not allowed!");
        }
        if !self.signed(f, "register/terminate/client", &[]) {
            return refuse(400, 3002, "Could not verify signature!");
        }
        self.client = None;
        answer(json!({"success": true}))
    }
}

impl HttpTransport for FakeContainerServer {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut s = self.state();
        if s.fault == Fault::Unreachable {
            return Err(TransportError::Unreachable("test".into()));
        }
        let f: Form = url::form_urlencoded::parse(request.body.expose())
            .into_owned()
            .collect();
        let path = request.url.strip_prefix(URL).unwrap_or("");
        Ok(match path {
            "/container/register/finalize" => s.finalize(&f),
            "/container/challenge" => s.challenge(&f),
            "/container/synchronize" => {
                let r = s.synchronize(&f);
                s.fault = Fault::None;
                r
            }
            "/container/register/terminate/client" => s.terminate(&f),
            _ => refuse(404, 601, "not found"),
        })
    }
}
