//! The privacyIDEA push messages: what is signed, what is sent, and how the
//! server's answers are read. Pure functions; no I/O, no storage.
//!
//! Signed strings (RSASSA-PKCS1-v1_5, SHA-256; see [`super::crypto`]):
//!
//! | message | signer | string |
//! |---|---|---|
//! | challenge | server | `nonce\|url\|serial\|question\|title\|sslverify[\|require_presence]` |
//! | capabilities | server | RFC 8785 JSON `{"capabilities":{…},"nonce":"…"}` |
//! | poll | device | `serial\|timestamp` (ISO 8601) |
//! | approve | device | `nonce\|serial[\|presence_answer]` |
//! | decline | device | `nonce\|serial\|decline[\|reason]` |

use serde_json::Value;

use super::transport::HttpResponse;
use crate::crypto::rsa::{CryptoError, ServerKey};
use crate::secret::SecretBytes;

/// Why a challenge was refused before anything of it was shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// A field is missing, of the wrong type or malformed.
    #[error("the challenge's `{0}` is missing or malformed")]
    Malformed(&'static str),
    /// The server's signature over the challenge (or its capabilities) does not verify.
    #[error("the challenge's signature does not verify (forged or altered)")]
    Forged,
}

/// A challenge as received (poll answer item or push notification data),
/// not yet verified. Nothing of it may be shown before [`Self::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeFields {
    nonce: String,
    url: String,
    serial: String,
    question: String,
    title: String,
    sslverify: String,
    signature: String,
    require_presence: Option<String>,
    capabilities: Option<(String, String)>,
}

/// A verified challenge, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The server's nonce (identifies the challenge; base32).
    pub nonce: String,
    /// The token's serial.
    pub serial: String,
    /// Where to answer.
    pub url: String,
    /// Whether the server asks that its certificate be verified.
    pub sslverify: bool,
    /// Title (e.g. the service).
    pub title: String,
    /// Question (e.g. "Log in to …?").
    pub question: String,
    /// Presence-check options (number matching), empty if none: the user picks
    /// the one the login screen shows.
    pub presence_options: Vec<String>,
    /// The server accepts a reason with a decline.
    pub decline_reason: bool,
}

fn text_field(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ChallengeError> {
    get(name).ok_or(ChallengeError::Malformed(name))
}

fn is_nonce(text: &str) -> bool {
    (16..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b) || b == b'=')
}

impl ChallengeFields {
    fn from_getter(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ChallengeError> {
        let nonce = text_field(get, "nonce")?;
        if !is_nonce(&nonce) {
            return Err(ChallengeError::Malformed("nonce"));
        }
        let serial = text_field(get, "serial")?;
        let url = text_field(get, "url")?;
        let sslverify = text_field(get, "sslverify")?;
        for (name, value) in [
            ("serial", &serial),
            ("url", &url),
            ("sslverify", &sslverify),
        ] {
            if value.is_empty() || value.contains('|') {
                return Err(ChallengeError::Malformed(name));
            }
        }
        let require_presence = get("require_presence").filter(|p| !p.is_empty());
        let capabilities = match (get("capabilities"), get("capabilities_signature")) {
            (Some(c), Some(s)) if !c.is_empty() => Some((c, s)),
            _ => None,
        };
        Ok(Self {
            nonce,
            url,
            serial,
            question: text_field(get, "question")?,
            title: text_field(get, "title")?,
            sslverify,
            signature: text_field(get, "signature")?,
            require_presence,
            capabilities,
        })
    }

    /// From a poll answer item (a JSON object of strings).
    pub fn from_json(item: &Value) -> Result<Self, ChallengeError> {
        let object = item
            .as_object()
            .ok_or(ChallengeError::Malformed("challenge"))?;
        Self::from_getter(&|name| object.get(name).and_then(Value::as_str).map(str::to_owned))
    }

    /// From push notification data (string keys and values, as Firebase and
    /// APNs deliver them). Unknown keys are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ChallengeError> {
        Self::from_getter(&|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    /// The serial it names (to find the token whose key verifies it).
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The nonce it claims.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The string the server signed.
    pub fn signed_string(&self) -> String {
        let mut text = [
            self.nonce.as_str(),
            &self.url,
            &self.serial,
            &self.question,
            &self.title,
            &self.sslverify,
        ]
        .join("|");
        if let Some(presence) = &self.require_presence {
            text.push('|');
            text.push_str(presence);
        }
        text
    }

    /// Verifies the server's signatures and returns the challenge to show.
    pub fn verify(&self, key: &ServerKey) -> Result<Challenge, ChallengeError> {
        key.verify(&self.signed_string(), &self.signature)
            .map_err(|_| ChallengeError::Forged)?;
        let sslverify = match self.sslverify.as_str() {
            "1" | "True" | "true" => true,
            "0" | "False" | "false" => false,
            _ => return Err(ChallengeError::Malformed("sslverify")),
        };
        let presence_options: Vec<String> = match &self.require_presence {
            Some(list) => list.split(',').map(|o| o.trim().to_owned()).collect(),
            None => Vec::new(),
        };
        if presence_options.iter().any(String::is_empty) {
            return Err(ChallengeError::Malformed("require_presence"));
        }
        let decline_reason = match &self.capabilities {
            Some((capabilities, signature)) => {
                let parsed: Value = serde_json::from_str(capabilities)
                    .map_err(|_| ChallengeError::Malformed("capabilities"))?;
                let signed = capabilities_signed_string(&parsed, &self.nonce);
                key.verify(&signed, signature)
                    .map_err(|_| ChallengeError::Forged)?;
                parsed.get("decline_reason") == Some(&Value::Bool(true))
            }
            None => false,
        };
        Ok(Challenge {
            nonce: self.nonce.clone(),
            serial: self.serial.clone(),
            url: self.url.clone(),
            sslverify,
            title: self.title.clone(),
            question: self.question.clone(),
            presence_options,
            decline_reason,
        })
    }
}

/// RFC 8785 (JCS) canonical JSON for the values privacyIDEA puts in
/// capabilities: objects with sorted keys, no whitespace, JSON string escapes.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // JCS orders by UTF-16 code units.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*key).clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(*key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `{"capabilities":…,"nonce":"…"}` canonicalised: what the server signs.
pub fn capabilities_signed_string(capabilities: &Value, nonce: &str) -> String {
    let mut map = serde_json::Map::new();
    map.insert("capabilities".into(), capabilities.clone());
    map.insert("nonce".into(), Value::String(nonce.into()));
    canonical_json(&Value::Object(map))
}

/// The device's signed string for a poll.
pub fn poll_signed_string(serial: &str, timestamp: &str) -> String {
    format!("{serial}|{timestamp}")
}

/// What the device key signs to give the server a new push-notification
/// registration token: `new_fb_token|serial|timestamp`.
pub fn registration_update_signed_string(
    registration_token: &str,
    serial: &str,
    timestamp: &str,
) -> String {
    format!("{registration_token}|{serial}|{timestamp}")
}

/// How the user answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Approve; with the presence option the user picked when asked.
    Approve {
        /// The picked presence option (number matching), if the challenge has any.
        presence: Option<String>,
    },
    /// Decline, optionally saying why.
    Decline {
        /// Why, if the server accepts reasons.
        reason: Option<DeclineReason>,
    },
}

/// Why the user declined (privacyIDEA's vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclineReason {
    /// The user did not start this login (possible attack).
    UnknownTrigger,
    /// The user started it but changed their mind.
    Cancelled,
}

impl DeclineReason {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::UnknownTrigger => "unknown_trigger",
            DeclineReason::Cancelled => "cancelled",
        }
    }

    /// From the wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "unknown_trigger" => Some(DeclineReason::UnknownTrigger),
            "cancelled" => Some(DeclineReason::Cancelled),
            _ => None,
        }
    }
}

/// The device's signed string for an answer.
pub fn answer_signed_string(nonce: &str, serial: &str, decision: &Decision) -> String {
    match decision {
        Decision::Approve { presence: None } => format!("{nonce}|{serial}"),
        Decision::Approve {
            presence: Some(answer),
        } => format!("{nonce}|{serial}|{answer}"),
        Decision::Decline { reason: None } => format!("{nonce}|{serial}|decline"),
        Decision::Decline {
            reason: Some(reason),
        } => format!("{nonce}|{serial}|decline|{}", reason.as_str()),
    }
}

/// A form body (`application/x-www-form-urlencoded`), built in a secret buffer.
pub fn form(pairs: &[(&str, &str)]) -> SecretBytes {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    SecretBytes::new(serializer.finish().into_bytes())
}

/// The answer's form body.
pub fn answer_form(nonce: &str, serial: &str, decision: &Decision, signature: &str) -> SecretBytes {
    let mut pairs = vec![
        ("nonce", nonce),
        ("serial", serial),
        ("signature", signature),
    ];
    match decision {
        Decision::Approve {
            presence: Some(answer),
        } => pairs.push(("presence_answer", answer)),
        Decision::Approve { presence: None } => {}
        Decision::Decline { reason } => {
            pairs.push(("decline", "1"));
            if let Some(reason) = reason {
                pairs.push(("decline_reason", reason.as_str()));
            }
        }
    }
    form(&pairs)
}

/// What a privacyIDEA answer said, once its envelope was checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// The server refused (HTTP error or `result.status=false`).
    #[error("the server refused (HTTP {status}{}): {message}", code.map(|c| format!(", error {c}")).unwrap_or_default())]
    Refused {
        /// HTTP status.
        status: u16,
        /// privacyIDEA's error code (e.g. 601, 905).
        code: Option<i64>,
        /// privacyIDEA's message (server text, shortened).
        message: String,
    },
    /// Not a privacyIDEA answer, or not the expected shape.
    #[error("the server's answer is not what privacyIDEA sends ({0})")]
    Unexpected(&'static str),
}

/// Parses a privacyIDEA JSON envelope; `Err` for an error answer.
pub fn envelope(response: &HttpResponse) -> Result<Value, ReplyError> {
    let json: Result<Value, _> = serde_json::from_slice(&response.body);
    let refused = |json: Option<&Value>| {
        let error = json.and_then(|j| j.pointer("/result/error"));
        let message: String = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("no explanation given")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        ReplyError::Refused {
            status: response.status,
            code: error.and_then(|e| e.get("code")).and_then(Value::as_i64),
            message,
        }
    };
    match json {
        Ok(json) => {
            let ok_status = (200..300).contains(&response.status);
            if ok_status && json.pointer("/result/status") == Some(&Value::Bool(true)) {
                Ok(json)
            } else if json.pointer("/result").is_some() {
                Err(refused(Some(&json)))
            } else {
                Err(ReplyError::Unexpected("no result"))
            }
        }
        Err(_) if !(200..300).contains(&response.status) => Err(refused(None)),
        Err(_) => Err(ReplyError::Unexpected("not JSON")),
    }
}

/// The server's public key from the enrolment answer.
pub fn registration_reply(response: &HttpResponse) -> Result<ServerKey, ReplyError> {
    let json = envelope(response)?;
    if json.pointer("/result/value") != Some(&Value::Bool(true)) {
        return Err(ReplyError::Unexpected("enrolment not confirmed"));
    }
    let key = json
        .pointer("/detail/public_key")
        .and_then(Value::as_str)
        .ok_or(ReplyError::Unexpected("no public key"))?;
    ServerKey::from_pkcs1_base64(key)
        .map_err(|_: CryptoError| ReplyError::Unexpected("bad public key"))
}

/// The open challenges in a poll answer (each still to be verified).
pub fn poll_reply(response: &HttpResponse) -> Result<Vec<Value>, ReplyError> {
    let json = envelope(response)?;
    match json.pointer("/result/value") {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(ReplyError::Unexpected("no challenge list")),
    }
}

/// The server's reply to an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerReply {
    /// The server matched and took the answer.
    pub accepted: bool,
    /// A code to show the user, who types it on the login screen
    /// (privacyIDEA's "code to phone" mode).
    pub display_code: Option<String>,
}

/// Reads the reply to an answer.
pub fn answer_reply(response: &HttpResponse) -> Result<AnswerReply, ReplyError> {
    let json = envelope(response)?;
    let accepted = match json.pointer("/result/value") {
        Some(Value::Bool(b)) => *b,
        _ => return Err(ReplyError::Unexpected("no result value")),
    };
    let display_code = json
        .pointer("/detail/display_code")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty() && c.len() <= 32)
        .map(str::to_owned);
    Ok(AnswerReply {
        accepted,
        display_code,
    })
}
