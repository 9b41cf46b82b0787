//! A push token as the vault stores it (sealed like every account record), and
//! a challenge's sealed details. Small versioned binary formats, built in
//! zeroizing buffers.
//!
//! ```text
//! token:     version u8 (=1) | state u8 (1 pending, 2 enrolled, 3 needs
//!            re-enrolment) | flags u8 (1 sslverify, 2 app PIN required,
//!            4 poll only, 8 notification token not yet sent to the server) | enrolled_at u64 BE | then u16-length fields:
//!            serial, label, issuer, url, key alias, server key (PKCS#1 DER,
//!            empty until enrolled), push-notification token
//! challenge: version u8 (=1) | sslverify u8 | decline_reason u8 | decision u8
//!            (0 none, 1 approve, 2 decline) | then u16-length fields: url,
//!            title, question, presence options (comma-separated), decision
//!            detail (presence answer or decline reason), display code
//!            (schema 3 and 4; read once, by the upgrade to schema 5)
//! shown:     version u8 (=1) | sslverify u8 | decline_reason u8 | then
//!            u16-length fields: url, title, question, presence options
//!            (schema 5: the verified challenge, under the device record key)
//! answer:    version u8 (=1) | decision u8 (1 approve, 2 decline) | then
//!            u16-length fields: decision detail, display code (schema 5)
//! ```
//!
//! A token's shown copy (under the device record key) is the token format
//! with an empty notification token and its not-sent flag clear.
//!
//! In a backup, a token is the same bytes (backup record kind 2); a restore
//! stores it as needing re-enrolment, since its key stayed on the old device.

use zeroize::Zeroizing;

use super::protocol::{Challenge, Decision, DeclineReason};
use crate::crypto::rsa::ServerKey;
use crate::vault::record::{Reader, RecordError, put_field};

const VERSION: u8 = 1;

/// A push record could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a push record is malformed")]
pub struct PushRecordError;

/// Where a token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenState {
    /// Key made and registration sent, not confirmed (an interrupted
    /// enrolment: the server may or may not have it; enrol again).
    Pending,
    /// Enrolled: challenges can be received and answered.
    Enrolled,
    /// Restored from a backup: its key is on the old device; enrol again.
    NeedsReenrolment,
}

/// A push token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushToken {
    /// Where it stands.
    pub state: TokenState,
    /// The server's serial for it.
    pub serial: String,
    /// The label shown.
    pub label: String,
    /// The issuer shown.
    pub issuer: String,
    /// Where to poll and answer.
    pub url: String,
    /// The server asked for its certificate to be verified.
    pub sslverify: bool,
    /// The server asks that the app be unlocked before answering.
    pub require_app_pin: bool,
    /// The server sends no notifications; the app polls.
    pub poll_only: bool,
    /// When it was enrolled (Unix seconds; 0 while pending).
    pub enrolled_at: u64,
    /// The keystore alias of the device key.
    pub key_alias: String,
    /// The server's key that signs challenges (absent while pending).
    pub server_key: Option<ServerKey>,
    /// The push-notification token (Firebase registration token) the server
    /// has, or is to be sent (empty when polling only).
    pub notification_token: String,
    /// `notification_token` is new and the server has not confirmed it yet:
    /// it is sent again (`Session::retry_push_registration`, each poll).
    pub notification_pending: bool,
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), PushRecordError> {
    put_field(out, bytes, "a push field").map_err(|_| PushRecordError)
}

impl From<RecordError> for PushRecordError {
    fn from(_: RecordError) -> Self {
        PushRecordError
    }
}

/// How a push token is named on screen: `issuer: label`, or the label alone.
pub fn display_name(issuer: &str, label: &str) -> String {
    if issuer.is_empty() || issuer == label {
        label.to_owned()
    } else {
        format!("{issuer}: {label}")
    }
}

impl PushToken {
    /// `issuer: label`, or the label alone.
    pub fn display_name(&self) -> String {
        display_name(&self.issuer, &self.label)
    }

    /// Encodes the token.
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>, PushRecordError> {
        let state = match self.state {
            TokenState::Pending => 1u8,
            TokenState::Enrolled => 2,
            TokenState::NeedsReenrolment => 3,
        };
        let flags = u8::from(self.sslverify)
            | (u8::from(self.require_app_pin) << 1)
            | (u8::from(self.poll_only) << 2)
            | (u8::from(self.notification_pending) << 3);
        let mut out = Zeroizing::new(Vec::with_capacity(640));
        out.extend_from_slice(&[VERSION, state, flags]);
        out.extend_from_slice(&self.enrolled_at.to_be_bytes());
        for field in [
            &self.serial,
            &self.label,
            &self.issuer,
            &self.url,
            &self.key_alias,
        ] {
            put(&mut out, field.as_bytes())?;
        }
        put(
            &mut out,
            self.server_key.as_ref().map(ServerKey::der).unwrap_or(&[]),
        )?;
        put(&mut out, self.notification_token.as_bytes())?;
        Ok(out)
    }

    /// Decodes a token.
    pub fn decode(bytes: &[u8]) -> Result<Self, PushRecordError> {
        let mut r = Reader::new(bytes);
        if r.byte()? != VERSION {
            return Err(PushRecordError);
        }
        let state = match r.byte()? {
            1 => TokenState::Pending,
            2 => TokenState::Enrolled,
            3 => TokenState::NeedsReenrolment,
            _ => return Err(PushRecordError),
        };
        let flags = r.byte()?;
        if flags & !15 != 0 {
            return Err(PushRecordError);
        }
        let enrolled_at = r.u64()?;
        let serial = r.text()?;
        let label = r.text()?;
        let issuer = r.text()?;
        let url = r.text()?;
        let key_alias = r.text()?;
        let server_key = match r.field()? {
            [] => None,
            der => Some(ServerKey::from_pkcs1_der(der).map_err(|_| PushRecordError)?),
        };
        let notification_token = r.text()?;
        r.end()?;
        if state == TokenState::Enrolled && server_key.is_none() {
            return Err(PushRecordError);
        }
        Ok(Self {
            state,
            serial,
            label,
            issuer,
            url,
            sslverify: flags & 1 != 0,
            require_app_pin: flags & 2 != 0,
            poll_only: flags & 4 != 0,
            notification_pending: flags & 8 != 0,
            enrolled_at,
            key_alias,
            server_key,
            notification_token,
        })
    }
}

/// A token's shown copy: the token without its notification registration
/// token (what a locked vault may read).
pub fn shown_part(token: &PushToken) -> PushToken {
    PushToken {
        notification_token: String::new(),
        notification_pending: false,
        ..token.clone()
    }
}

/// Encodes a verified challenge (its nonce and serial live elsewhere).
pub fn encode_shown(c: &Challenge) -> Result<Zeroizing<Vec<u8>>, PushRecordError> {
    let mut out = Zeroizing::new(Vec::with_capacity(256));
    out.extend_from_slice(&[VERSION, u8::from(c.sslverify), u8::from(c.decline_reason)]);
    put(&mut out, c.url.as_bytes())?;
    put(&mut out, c.title.as_bytes())?;
    put(&mut out, c.question.as_bytes())?;
    put(&mut out, c.presence_options.join(",").as_bytes())?;
    Ok(out)
}

/// Decodes the verified challenge `nonce` of token `serial`.
pub fn decode_shown(bytes: &[u8], nonce: &str, serial: &str) -> Result<Challenge, PushRecordError> {
    let mut r = Reader::new(bytes);
    if r.byte()? != VERSION {
        return Err(PushRecordError);
    }
    let sslverify = flag(r.byte()?)?;
    let decline_reason = flag(r.byte()?)?;
    let url = r.text()?;
    let title = r.text()?;
    let question = r.text()?;
    let options = r.text()?;
    r.end()?;
    Ok(Challenge {
        nonce: nonce.to_owned(),
        serial: serial.to_owned(),
        url,
        sslverify,
        title,
        question,
        presence_options: split_options(&options),
        decline_reason,
    })
}

/// Encodes an answer given and the display code the server sent for it.
pub fn encode_answer(
    decision: &Decision,
    display_code: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, PushRecordError> {
    let (kind, detail) = decision_parts(decision);
    let mut out = Zeroizing::new(Vec::with_capacity(32));
    out.extend_from_slice(&[VERSION, kind]);
    put(&mut out, detail.as_bytes())?;
    put(&mut out, display_code.unwrap_or_default().as_bytes())?;
    Ok(out)
}

/// Decodes an answer: the decision and the display code.
pub fn decode_answer(bytes: &[u8]) -> Result<(Decision, Option<String>), PushRecordError> {
    let mut r = Reader::new(bytes);
    if r.byte()? != VERSION {
        return Err(PushRecordError);
    }
    let kind = r.byte()?;
    let detail = r.text()?;
    let display_code = r.text()?;
    r.end()?;
    let decision = decision_of(kind, detail)?.ok_or(PushRecordError)?;
    Ok((decision, Some(display_code).filter(|d| !d.is_empty())))
}

fn flag(byte: u8) -> Result<bool, PushRecordError> {
    match byte {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(PushRecordError),
    }
}

fn split_options(options: &str) -> Vec<String> {
    if options.is_empty() {
        Vec::new()
    } else {
        options.split(',').map(str::to_owned).collect()
    }
}

fn decision_parts(decision: &Decision) -> (u8, String) {
    match decision {
        Decision::Approve { presence } => (1, presence.clone().unwrap_or_default()),
        Decision::Decline { reason } => {
            (2, reason.map(|r| r.as_str().to_owned()).unwrap_or_default())
        }
    }
}

fn decision_of(kind: u8, detail: String) -> Result<Option<Decision>, PushRecordError> {
    Ok(match kind {
        0 => None,
        1 => Some(Decision::Approve {
            presence: Some(detail).filter(|d| !d.is_empty()),
        }),
        2 => Some(Decision::Decline {
            reason: match detail.as_str() {
                "" => None,
                name => Some(DeclineReason::from_name(name).ok_or(PushRecordError)?),
            },
        }),
        _ => return Err(PushRecordError),
    })
}

/// A challenge's sealed details and the answer given to it (the schema-3
/// record; schema 5 keeps the two apart: [`encode_shown`], [`encode_answer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChallenge {
    /// The verified challenge.
    pub challenge: Challenge,
    /// The answer committed (being sent, or sent).
    pub decision: Option<Decision>,
    /// The code the server gave to show, if any.
    pub display_code: Option<String>,
}

impl StoredChallenge {
    /// Encodes the details (the nonce and serial live elsewhere).
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>, PushRecordError> {
        let c = &self.challenge;
        let (decision, detail) = match &self.decision {
            None => (0u8, String::new()),
            Some(decision) => decision_parts(decision),
        };
        let mut out = Zeroizing::new(Vec::with_capacity(256));
        out.extend_from_slice(&[
            VERSION,
            u8::from(c.sslverify),
            u8::from(c.decline_reason),
            decision,
        ]);
        put(&mut out, c.url.as_bytes())?;
        put(&mut out, c.title.as_bytes())?;
        put(&mut out, c.question.as_bytes())?;
        put(&mut out, c.presence_options.join(",").as_bytes())?;
        put(&mut out, detail.as_bytes())?;
        put(
            &mut out,
            self.display_code.as_deref().unwrap_or_default().as_bytes(),
        )?;
        Ok(out)
    }

    /// Decodes the details of the challenge `nonce` of token `serial`.
    pub fn decode(bytes: &[u8], nonce: &str, serial: &str) -> Result<Self, PushRecordError> {
        let mut r = Reader::new(bytes);
        if r.byte()? != VERSION {
            return Err(PushRecordError);
        }
        let sslverify = r.byte()? == 1;
        let decline_reason = r.byte()? == 1;
        let decision_kind = r.byte()?;
        let url = r.text()?;
        let title = r.text()?;
        let question = r.text()?;
        let options = r.text()?;
        let detail = r.text()?;
        let display_code = r.text()?;
        r.end()?;
        let decision = decision_of(decision_kind, detail)?;
        Ok(Self {
            challenge: Challenge {
                nonce: nonce.to_owned(),
                serial: serial.to_owned(),
                url,
                sslverify,
                title,
                question,
                presence_options: split_options(&options),
                decline_reason,
            },
            decision,
            display_code: Some(display_code).filter(|d| !d.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 ?|:é]{0,40}"
    }

    proptest! {
        /// A challenge's shown part and its answer read back as written, and
        /// every truncation of them is refused (never misread).
        #[test]
        fn schema_5_challenge_parts_read_back(
            url in text(), title in text(), question in text(),
            options in prop::collection::vec("[A-Z0-9]{1,3}", 0..4),
            sslverify: bool, decline_reason: bool,
            approve: bool, detail in "[A-Z0-9]{0,3}", code in "[0-9]{0,6}",
        ) {
            let challenge = Challenge {
                nonce: "NONCE".into(),
                serial: "SERIAL".into(),
                url, sslverify, title, question,
                presence_options: options,
                decline_reason,
            };
            let shown = encode_shown(&challenge).unwrap();
            prop_assert_eq!(decode_shown(&shown, "NONCE", "SERIAL"), Ok(challenge));
            for cut in 0..shown.len() {
                prop_assert!(decode_shown(&shown[..cut], "NONCE", "SERIAL").is_err());
            }
            let decision = if approve {
                Decision::Approve { presence: Some(detail).filter(|d| !d.is_empty()) }
            } else {
                Decision::Decline { reason: None }
            };
            let code = Some(code).filter(|c| !c.is_empty());
            let answer = encode_answer(&decision, code.as_deref()).unwrap();
            prop_assert_eq!(decode_answer(&answer), Ok((decision, code)));
            for cut in 0..answer.len() {
                prop_assert!(decode_answer(&answer[..cut]).is_err());
            }
        }
    }

    #[test]
    fn a_shown_token_has_no_registration_token() {
        let token = PushToken {
            state: TokenState::Enrolled,
            serial: "PIPU1".into(),
            label: "alice".into(),
            issuer: "Corp".into(),
            url: "https://pi.example/ttype/push".into(),
            sslverify: true,
            require_app_pin: true,
            poll_only: false,
            enrolled_at: 7,
            key_alias: "vakt-push-1".into(),
            server_key: None,
            notification_token: "fb-secret-address".into(),
            notification_pending: true,
        };
        let shown = shown_part(&token);
        assert_eq!(shown.notification_token, "");
        assert!(!shown.notification_pending);
        assert_eq!(
            PushToken {
                notification_token: token.notification_token.clone(),
                notification_pending: true,
                ..shown
            },
            token
        );
    }
}
