//! privacyIDEA push messages from arbitrary bytes: server replies (enrolment,
//! poll, answer), challenges (as JSON and as notification pairs, verified with
//! the captured server key) and the stored push records must be refused or
//! read without panicking (and the schema-5 challenge parts read back as
//! they were written).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::crypto::rsa::ServerKey;
use vakt_core::push::HttpResponse;
use vakt_core::push::protocol::{self, ChallengeFields};
use vakt_core::push::token::{self, PushToken, StoredChallenge};

const SERVER_KEY: &str = include_str!("../../fixtures/privacyidea/server_public_key_pkcs1.b64");

fuzz_target!(|data: &[u8]| {
    let key = ServerKey::from_pkcs1_base64(SERVER_KEY).ok();
    for status in [200u16, 404] {
        let response = HttpResponse {
            status,
            body: data.to_vec(),
        };
        let _ = protocol::registration_reply(&response);
        let _ = protocol::answer_reply(&response);
        if let Ok(items) = protocol::poll_reply(&response) {
            for item in &items {
                if let (Ok(fields), Some(key)) = (ChallengeFields::from_json(item), &key) {
                    let _ = fields.verify(key);
                }
            }
        }
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = protocol::canonical_json(&value);
        if let (Ok(fields), Some(key)) = (ChallengeFields::from_json(&value), &key) {
            let _ = fields.signed_string();
            let _ = fields.verify(key);
        }
        if let Some(object) = value.as_object() {
            let pairs: Vec<(String, String)> = object
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            let _ = ChallengeFields::from_pairs(&pairs);
        }
    }
    let _ = PushToken::decode(data);
    let _ = StoredChallenge::decode(data, "NONCE", "SERIAL");
    // Schema 5: a challenge's shown part and its answer, read back as written.
    if let Ok(challenge) = token::decode_shown(data, "NONCE", "SERIAL") {
        let again = token::encode_shown(&challenge).unwrap();
        assert_eq!(
            token::decode_shown(&again, "NONCE", "SERIAL").as_ref(),
            Ok(&challenge)
        );
    }
    if let Ok((decision, code)) = token::decode_answer(data) {
        let again = token::encode_answer(&decision, code.as_deref()).unwrap();
        assert_eq!(token::decode_answer(&again), Ok((decision, code)));
    }
    let _ = vakt_core::crypto::rsa::decode_signature(&String::from_utf8_lossy(data));
});
