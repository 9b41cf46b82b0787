//! What is signed and sent to a privacyIDEA container endpoint, and how its
//! answers are read (docs/containers.md). Pure functions: no network, no
//! vault.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use serde_json::{Value, json};

use crate::push::protocol::{ReplyError, envelope};
use crate::push::transport::HttpResponse;
use crate::secret::SecretString;

use super::record::ContainerPolicies;

/// Registration: the device key and the signed challenge.
pub const FINALIZE: &str = "container/register/finalize";
/// A fresh challenge for one of the signed operations below.
pub const CHALLENGE: &str = "container/challenge";
/// Token list in, encrypted token changes out.
pub const SYNCHRONIZE: &str = "container/synchronize";
/// Unregister from the phone.
pub const TERMINATE: &str = "container/register/terminate/client";

/// privacyIDEA's `create_endpoint_url`: `base`, a `/` unless it ends in one,
/// and `endpoint`; `base` as it is if it already contains the endpoint.
pub fn endpoint_url(base: &str, endpoint: &str) -> String {
    if base.contains(endpoint) {
        base.to_owned()
    } else if base.ends_with('/') {
        format!("{base}{endpoint}")
    } else {
        format!("{base}/{endpoint}")
    }
}

/// The signed message: the fields joined by `|`, empty ones of `optional`
/// left out together with their `|` (privacyIDEA's `validate_challenge`).
pub fn signed_message(required: &[&str], optional: &[&str], tail: &[&str]) -> SecretString {
    let parts: Vec<&str> = required
        .iter()
        .copied()
        .chain(optional.iter().copied().filter(|s| !s.is_empty()))
        .chain(tail.iter().copied())
        .collect();
    SecretString::new(parts.join("|"))
}

/// Base64url with padding, as privacyIDEA's `urlsafe_b64decode` wants it.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE.encode(bytes)
}

/// Base64url with or without padding; `None` if it is not.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(text.trim()).ok()
}

/// privacyIDEA's truth value in a policy answer: `true`, `"1"`, `"True"`
/// (any case) and `1` are set; anything else is not.
fn is_set(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => {
            matches!(s.trim().to_ascii_lowercase().as_str(), "1" | "true")
        }
        _ => false,
    }
}

/// The policies of an answer's `policies` object; `None` without one.
pub fn policies(value: Option<&Value>) -> Option<ContainerPolicies> {
    let p = value?.as_object()?;
    Some(ContainerPolicies {
        client_rollover: is_set(p.get("container_client_rollover")),
        initially_add_tokens: is_set(p.get("initially_add_tokens_to_container")),
        disable_token_deletion: is_set(p.get("disable_client_token_deletion")),
        disable_unregister: is_set(p.get("disable_client_container_unregister")),
    })
}

/// The answer to finalize: the policies (defaults if it sent none).
pub fn finalize_reply(response: &HttpResponse) -> Result<ContainerPolicies, ReplyError> {
    let json = envelope(response)?;
    let value = json.pointer("/result/value");
    Ok(policies(value.and_then(|v| v.get("policies"))).unwrap_or_default())
}

/// A challenge from `/container/challenge`.
#[derive(Clone, Debug)]
pub struct ServerChallenge {
    /// The nonce, verbatim.
    pub nonce: SecretString,
    /// Its creation time, verbatim.
    pub time_stamp: String,
}

fn text<'a>(value: &'a Value, key: &str, what: &'static str) -> Result<&'a str, ReplyError> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 512 && !s.contains('|'))
        .ok_or(ReplyError::Unexpected(what))
}

/// The answer to `/container/challenge`.
pub fn challenge_reply(response: &HttpResponse) -> Result<ServerChallenge, ReplyError> {
    let json = envelope(response)?;
    let value = json
        .pointer("/result/value")
        .ok_or(ReplyError::Unexpected("no challenge"))?;
    Ok(ServerChallenge {
        nonce: SecretString::new(text(value, "nonce", "no nonce")?.to_owned()),
        time_stamp: text(value, "time_stamp", "no time stamp")?.to_owned(),
    })
}

/// The encrypted part of a synchronize answer and its clear parts.
#[derive(Clone, Debug)]
pub struct SyncAnswer {
    /// The server's X25519 public key for this answer (raw).
    pub server_public: Vec<u8>,
    /// AES-GCM IV.
    pub iv: Vec<u8>,
    /// AES-GCM tag.
    pub tag: Vec<u8>,
    /// The encrypted container dict.
    pub ciphertext: Vec<u8>,
    /// The policies, if the answer carried them.
    pub policies: Option<ContainerPolicies>,
}

/// The answer to `/container/synchronize`: its encrypted dict, checked for
/// the one scheme privacyIDEA uses (X25519, AES-GCM).
pub fn sync_reply(response: &HttpResponse) -> Result<SyncAnswer, ReplyError> {
    let json = envelope(response)?;
    let value = json
        .pointer("/result/value")
        .ok_or(ReplyError::Unexpected("no value"))?;
    let params = value
        .get("encryption_params")
        .ok_or(ReplyError::Unexpected("no encryption parameters"))?;
    let algorithm = params.get("algorithm").and_then(Value::as_str);
    let mode = params.get("mode").and_then(Value::as_str);
    if !algorithm.is_some_and(|a| a.eq_ignore_ascii_case("AES"))
        || !mode.is_some_and(|m| m.eq_ignore_ascii_case("GCM"))
    {
        return Err(ReplyError::Unexpected("an encryption other than AES-GCM"));
    }
    let field = |v: &Value, key: &str, what: &'static str| {
        v.get(key)
            .and_then(Value::as_str)
            .and_then(b64_decode)
            .ok_or(ReplyError::Unexpected(what))
    };
    Ok(SyncAnswer {
        server_public: field(value, "public_server_key", "no server key")?,
        iv: field(params, "init_vector", "no IV")?,
        tag: field(params, "tag", "no tag")?,
        ciphertext: field(value, "container_dict_server", "no container data")?,
        policies: policies(value.get("policies")),
    })
}

/// The phone's token list for synchronize (`container_dict_client`).
pub fn client_dict<'a>(serial: &str, tokens: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let tokens: Vec<Value> = tokens
        .map(|(serial, tokentype)| json!({"serial": serial, "tokentype": tokentype}))
        .collect();
    json!({"serial": serial, "type": "smartphone", "tokens": tokens}).to_string()
}

/// A token the server lists as already on the phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Its serial.
    pub serial: String,
    /// Its type.
    pub tokentype: String,
}

/// The decrypted server dict: enrolment URLs of tokens to add (each a fresh
/// secret), and the tokens the phone listed that the container still holds.
/// Tokens in neither are no longer in the container.
pub struct ServerDict {
    /// `otpauth://…` enrolment URLs (secrets inside).
    pub add: Vec<SecretString>,
    /// Tokens the phone listed that are still in the container.
    pub update: Vec<Listed>,
}

impl std::fmt::Debug for ServerDict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerDict")
            .field("add", &self.add.len())
            .field("update", &self.update)
            .finish()
    }
}

/// Reads the decrypted server dict of container `serial`; `Err` with what is
/// wrong if it is not privacyIDEA's, or for another container.
pub fn server_dict(plain: &[u8], serial: &str) -> Result<ServerDict, &'static str> {
    let json: Value = serde_json::from_slice(plain).map_err(|_| "not JSON")?;
    let theirs = json
        .pointer("/container/serial")
        .and_then(Value::as_str)
        .ok_or("no container serial")?;
    if theirs != serial {
        return Err("the answer is for another container");
    }
    let tokens = json.get("tokens").ok_or("no tokens")?;
    let list = |key: &str| -> Result<&Vec<Value>, &'static str> {
        match tokens.get(key) {
            None | Some(Value::Null) => Ok(const { &Vec::new() }),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err("a token list is not a list"),
        }
    };
    let add = list("add")?
        .iter()
        .map(|v| {
            v.as_str()
                .map(|s| SecretString::new(s.to_owned()))
                .ok_or("an added token is not a URL")
        })
        .collect::<Result<Vec<_>, _>>()?;
    let update = list("update")?
        .iter()
        .map(|v| {
            let serial = v.get("serial").and_then(Value::as_str);
            let tokentype = v.get("tokentype").and_then(Value::as_str).unwrap_or("");
            serial
                .map(|s| Listed {
                    serial: s.to_owned(),
                    tokentype: tokentype.to_owned(),
                })
                .ok_or("an updated token has no serial")
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ServerDict { add, update })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_follow_privacyidea() {
        assert_eq!(
            endpoint_url("http://127.0.0.1:41021", FINALIZE),
            "http://127.0.0.1:41021/container/register/finalize"
        );
        assert_eq!(
            endpoint_url("https://pi.example/", SYNCHRONIZE),
            "https://pi.example/container/synchronize"
        );
        assert_eq!(
            endpoint_url("https://pi.example/container/synchronize", SYNCHRONIZE),
            "https://pi.example/container/synchronize"
        );
    }

    #[test]
    fn messages_leave_out_empty_optional_fields() {
        let m = signed_message(&["n", "t", "S", "scope"], &["", "model", ""], &[]);
        assert_eq!(m.expose(), "n|t|S|scope|model");
        let m = signed_message(&["n", "t", "S", "scope"], &[], &["key", "{}"]);
        assert_eq!(m.expose(), "n|t|S|scope|key|{}");
    }

    #[test]
    fn the_messages_privacyidea_accepted_are_rebuilt() {
        let v: Value = serde_json::from_str(include_str!(
            "../../../fixtures/privacyidea/containers/vectors.json"
        ))
        .unwrap();
        let reg = &v["registration"];
        let code = crate::provision::container_code::parse(reg["uri"].as_str().unwrap()).unwrap();
        let scope = endpoint_url(&code.url, FINALIZE);
        let message = signed_message(
            &[code.nonce.expose(), &code.time, &code.serial, &scope],
            &["VaktProbe", "1", ""],
            &[],
        );
        assert_eq!(message.expose(), reg["signed_message"].as_str().unwrap());
        let sync = &v["synchronize"];
        let request = &sync["request"];
        let signed = sync["signed_message"].as_str().unwrap();
        let parts: Vec<&str> = signed.splitn(5, '|').collect();
        let message = signed_message(
            &[
                parts[0],
                parts[1],
                &code.serial,
                &endpoint_url(&code.url, SYNCHRONIZE),
            ],
            &[],
            &[
                request["public_enc_key_client"].as_str().unwrap(),
                request["container_dict_client"].as_str().unwrap(),
            ],
        );
        assert_eq!(message.expose(), signed);
        // The recorded answer reads, and its parts decode.
        let answer = HttpResponse {
            status: 200,
            body: json!({"result": {"status": true, "value": sync["response_value"]}})
                .to_string()
                .into_bytes(),
        };
        let reply = sync_reply(&answer).unwrap();
        assert_eq!(
            (reply.iv.len(), reply.tag.len(), reply.server_public.len()),
            (16, 16, 32)
        );
        let dict = server_dict(sync["decrypted"].to_string().as_bytes(), &code.serial).unwrap();
        assert_eq!(dict.add.len(), 3);
        assert!(reply.policies.unwrap().client_rollover);
    }

    #[test]
    fn policy_values_as_privacyidea_writes_them() {
        let p = policies(Some(&json!({
            "container_client_rollover": "1",
            "disable_client_container_unregister": true,
            "disable_client_token_deletion": "True",
            "initially_add_tokens_to_container": false
        })))
        .unwrap();
        assert!(p.client_rollover && p.disable_unregister && p.disable_token_deletion);
        assert!(!p.initially_add_tokens);
        assert_eq!(policies(None), None);
    }

    #[test]
    fn base64_with_and_without_padding() {
        assert_eq!(b64(&[0xfb, 0xff]), "-_8=");
        assert_eq!(b64_decode("-_8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(b64_decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(b64_decode("+/8="), None);
    }

    #[test]
    fn server_dicts_are_checked() {
        let plain = br#"{"container":{"serial":"SMPH1","type":"smartphone"},"tokens":{"add":["otpauth://totp/T?secret=AAAA"],"update":[{"serial":"H1","tokentype":"hotp","counter":1}]}}"#;
        let dict = server_dict(plain, "SMPH1").unwrap();
        assert_eq!(dict.add.len(), 1);
        assert_eq!(dict.update[0].serial, "H1");
        assert!(!format!("{dict:?}").contains("AAAA"));
        assert_eq!(
            server_dict(plain, "SMPH2").unwrap_err(),
            "the answer is for another container"
        );
        assert!(server_dict(b"[]", "SMPH1").is_err());
        assert!(
            server_dict(
                br#"{"container":{"serial":"SMPH1"},"tokens":{"add":[1]}}"#,
                "SMPH1"
            )
            .is_err()
        );
        let empty =
            server_dict(br#"{"container":{"serial":"SMPH1"},"tokens":{}}"#, "SMPH1").unwrap();
        assert!(empty.add.is_empty() && empty.update.is_empty());
    }
}
