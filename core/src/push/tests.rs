//! Push: the captured privacyIDEA 3.14 vectors (signatures reproduce byte for
//! byte), the stored records, and (`vault_ops`, feature `rsa-keygen`) the vault
//! operations against an in-process fake server that follows privacyIDEA's
//! rules (its answer logic mirrors pushtoken.py).

use base64::Engine;
use serde_json::{Value, json};

use super::protocol::{self, ChallengeError, ChallengeFields, Decision, DeclineReason};
use super::transport::HttpResponse;
use super::*;
use crate::crypto::rsa::{self as crypto, ServerKey};
use crate::secret::SecretBytes;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/privacyidea");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

fn vectors() -> Value {
    serde_json::from_str(&fixture("push_test_vectors.json")).unwrap()
}

fn pem_body(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

fn phone_key() -> SecretBytes {
    SecretBytes::new(pem_body(
        vectors()["phone_private_key_pkcs8_pem"].as_str().unwrap(),
    ))
}

fn server_key() -> ServerKey {
    ServerKey::from_pkcs1_base64(vectors()["server_public_key_pkcs1_b64"].as_str().unwrap())
        .unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

#[test]
fn device_signatures_reproduce_the_captured_ones_byte_for_byte() {
    let v = vectors();
    let key = phone_key();
    for case in [
        &v["poll_request"],
        &v["last_poll"],
        &v["approve"],
        &v["decline"],
    ] {
        let signature = crypto::sign_pkcs8(&key, s(&case["signed_string"]).as_bytes()).unwrap();
        assert_eq!(
            crypto::encode_signature(&signature),
            s(&case["signature_b32"])
        );
    }
    // The strings themselves, built from their parts.
    let serial = s(&v["serial"]);
    assert_eq!(
        protocol::poll_signed_string(serial, s(&v["poll_request"]["timestamp"])),
        s(&v["poll_request"]["signed_string"])
    );
    let nonce = s(&v["challenge"]["nonce"]);
    assert_eq!(
        protocol::answer_signed_string(nonce, serial, &Decision::Approve { presence: None }),
        s(&v["approve"]["signed_string"])
    );
    assert_eq!(
        protocol::answer_signed_string(
            s(&v["decline"]["challenge"]["nonce"]),
            serial,
            &Decision::Decline {
                reason: Some(DeclineReason::UnknownTrigger)
            }
        ),
        s(&v["decline"]["signed_string"])
    );
    let presence = fixture("presence_answer_signed_string.txt");
    let (nonce, _) = presence.trim().split_once('|').unwrap();
    assert_eq!(
        protocol::answer_signed_string(
            nonce,
            serial,
            &Decision::Approve {
                presence: Some("X".into())
            }
        ),
        presence.trim()
    );
    // The public key sent at enrolment is the SPKI of the phone key.
    let sent = base64::engine::general_purpose::URL_SAFE
        .decode(s(&v["phone_pubkey_sent_b64url_spki"]))
        .unwrap();
    assert_eq!(crypto::normalize_public_key(&sent).unwrap(), sent);
    let pkcs1 = crypto::spki_to_pkcs1(&sent).unwrap();
    assert_eq!(crypto::normalize_public_key(&pkcs1).unwrap(), sent);
}

#[test]
fn captured_challenges_verify_and_any_change_is_refused() {
    let key = server_key();
    let poll: Value = serde_json::from_str(&fixture("push_poll_response.json")).unwrap();
    let reply = HttpResponse {
        status: 200,
        body: fixture("push_poll_response.json").into_bytes(),
    };
    let items = protocol::poll_reply(&reply).unwrap();
    assert_eq!(items.len(), 1);
    let fields = ChallengeFields::from_json(&items[0]).unwrap();
    assert_eq!(
        fields.signed_string(),
        s(&vectors()["challenge_signed_string"])
    );
    let challenge = fields.verify(&key).unwrap();
    assert_eq!(challenge.title, "DemoIdP");
    assert_eq!(challenge.question, "Log in to 127.0.0.1?");
    assert!(challenge.sslverify);
    assert!(challenge.decline_reason);
    assert!(challenge.presence_options.is_empty());
    assert_eq!(
        protocol::capabilities_signed_string(&json!({"decline_reason": true}), &challenge.nonce),
        fixture("push_capabilities_signed_string.txt").trim()
    );

    // Every field that is signed: changed by one character, refused.
    for field in [
        "nonce",
        "url",
        "serial",
        "question",
        "title",
        "signature",
        "capabilities",
    ] {
        let mut item = poll["result"]["value"][0].clone();
        let original = s(&item[field]).to_owned();
        let changed = match field {
            "nonce" | "signature" => {
                let mut chars: Vec<char> = original.chars().collect();
                chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
                chars.into_iter().collect()
            }
            "capabilities" => r#"{"decline_reason": false}"#.to_owned(),
            _ => format!("{original}x"),
        };
        item[field] = Value::String(changed);
        let outcome = ChallengeFields::from_json(&item).and_then(|f| f.verify(&key));
        assert_eq!(outcome, Err(ChallengeError::Forged), "{field}");
    }
    // sslverify flipped: refused too.
    let mut item = poll["result"]["value"][0].clone();
    item["sslverify"] = json!("0");
    assert_eq!(
        ChallengeFields::from_json(&item).and_then(|f| f.verify(&key)),
        Err(ChallengeError::Forged)
    );
    // Lower-case or unpadded signatures are not the wire spelling.
    let mut item = poll["result"]["value"][0].clone();
    item["signature"] = json!(s(&item["signature"]).to_lowercase());
    assert!(
        ChallengeFields::from_json(&item)
            .unwrap()
            .verify(&key)
            .is_err()
    );
    // Missing fields are named.
    for field in [
        "nonce",
        "serial",
        "url",
        "question",
        "title",
        "sslverify",
        "signature",
    ] {
        let mut item = poll["result"]["value"][0].clone();
        item.as_object_mut().unwrap().remove(field);
        assert_eq!(
            ChallengeFields::from_json(&item),
            Err(ChallengeError::Malformed(field)),
            "{field}"
        );
    }
}

#[test]
fn presence_challenges_sign_their_options() {
    let key = server_key();
    let poll: Value = serde_json::from_str(&fixture("presence_poll_response.json")).unwrap();
    let item = &poll["result"]["value"][0];
    let fields = ChallengeFields::from_json(item).unwrap();
    assert_eq!(
        fields.signed_string(),
        fixture("presence_challenge_signed_string.txt").trim()
    );
    let challenge = fields.verify(&key).unwrap();
    assert_eq!(challenge.presence_options, ["X", "L", "Z"]);
    // Dropping or changing the options breaks the signature.
    let mut stripped = item.clone();
    stripped.as_object_mut().unwrap().remove("require_presence");
    assert_eq!(
        ChallengeFields::from_json(&stripped).unwrap().verify(&key),
        Err(ChallengeError::Forged)
    );
    let mut changed = item.clone();
    changed["require_presence"] = json!("X,L,Q");
    assert_eq!(
        ChallengeFields::from_json(&changed).unwrap().verify(&key),
        Err(ChallengeError::Forged)
    );
    // The same fields as push-notification data (string pairs).
    let pairs: Vec<(String, String)> = item
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), s(v).to_owned()))
        .collect();
    assert_eq!(
        ChallengeFields::from_pairs(&pairs).unwrap().verify(&key),
        Ok(challenge)
    );
}

#[test]
fn server_replies_are_read() {
    let step2 = HttpResponse {
        status: 200,
        body: fixture("push_step2_response.json").into_bytes(),
    };
    assert_eq!(protocol::registration_reply(&step2).unwrap(), server_key());
    let c2p = HttpResponse {
        status: 200,
        body: fixture("c2p_answer_response.json").into_bytes(),
    };
    assert_eq!(
        protocol::answer_reply(&c2p).unwrap(),
        protocol::AnswerReply {
            accepted: true,
            display_code: Some("29".into())
        }
    );
    let refused = HttpResponse {
        status: 404,
        body:
            br#"{"result":{"status":false,"error":{"code":601,"message":"ERR601: no such token"}}}"#
                .to_vec(),
    };
    assert_eq!(
        protocol::registration_reply(&refused),
        Err(protocol::ReplyError::Refused {
            status: 404,
            code: Some(601),
            message: "ERR601: no such token".into()
        })
    );
    let html = HttpResponse {
        status: 502,
        body: b"<html>bad gateway</html>".to_vec(),
    };
    assert!(matches!(
        protocol::poll_reply(&html),
        Err(protocol::ReplyError::Refused { status: 502, .. })
    ));
    let odd = HttpResponse {
        status: 200,
        body: b"{}".to_vec(),
    };
    assert!(matches!(
        protocol::poll_reply(&odd),
        Err(protocol::ReplyError::Unexpected(_))
    ));
}

// ---------------------------------------------------------------------------
// The vault operations (tests/vault_ops.rs) and what they share with the tests here.

const URL: &str = "http://127.0.0.1:5077/ttype/push";
const SERIAL: &str = "PIPU0000TEST";
const CREDENTIAL: &str = "6ed5882c2d97952ad8b8e944c8e7f46274fbb5fe";

fn enrolment() -> crate::provision::push_enrolment::PushEnrolment {
    crate::provision::push_enrolment::parse(&format!(
        "otpauth://pipush/{SERIAL}?url=http%3A//127.0.0.1%3A5077/ttype/push&ttl=10&issuer=privacyIDEA&enrollment_credential={CREDENTIAL}&v=1&serial={SERIAL}&sslverify=0&poll_only=True"
    ))
    .unwrap()
}

const T0: u64 = 1_795_311_434;

#[test]
fn records_round_trip_and_refuse_damage() {
    let token = PushToken {
        state: TokenState::Enrolled,
        serial: SERIAL.into(),
        label: "alice".into(),
        issuer: "privacyIDEA".into(),
        url: URL.into(),
        sslverify: false,
        require_app_pin: true,
        poll_only: true,
        enrolled_at: T0,
        key_alias: "vakt-push-00".into(),
        server_key: Some(server_key()),
        notification_token: "fb-token".into(),
        notification_pending: true,
    };
    let bytes = token.encode().unwrap();
    assert_eq!(PushToken::decode(&bytes).unwrap(), token);
    for len in 0..bytes.len() {
        assert!(PushToken::decode(&bytes[..len]).is_err(), "length {len}");
    }
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert!(PushToken::decode(&longer).is_err());
}

#[test]
fn errors_and_debug_output_hold_no_secrets() {
    let e = enrolment();
    assert!(!format!("{e:?}").contains(CREDENTIAL));
    let body = protocol::form(&[("enrollment_credential", CREDENTIAL)]);
    assert!(!format!("{body:?}").contains(CREDENTIAL));
    let key = phone_key();
    assert!(!format!("{key:?}").contains("MII"));
}

/// The vault operations against a fake privacyIDEA: they generate RSA keys (the
/// fake server's and the software keystore's).
#[cfg(feature = "rsa-keygen")]
mod operations;
