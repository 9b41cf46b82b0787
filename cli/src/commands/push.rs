//! `vakt push …`: privacyIDEA push tokens and their login requests (enrolment
//! is `vakt add`).
//!
//! # Contract
//! - `vakt push list [--json]`: the push tokens. JSON: an array of objects with
//!   `id`, `serial`, `label`, `issuer`, `url`, `state` (`enrolled`,
//!   `needs_reenrolment`, `interrupted`), `enrolled_at` (ISO 8601 or null).
//! - `vakt push poll [--json]`: asks every enrolled token's server for open
//!   challenges, verifies their signatures, and prints every challenge waiting
//!   for an answer. JSON: an array of objects with `id`, `account`,
//!   `token_id`, `serial`, `title`, `question`, `presence_options` (array, may
//!   be empty), `expires_at` (ISO 8601 UTC), `expires_at_unix`,
//!   `received_at_unix`, `state` (`open`, or `sending` for an answer to
//!   retry), `decline_reasons` (whether `--reason` is passed on).
//!   Refused challenges (bad signature, malformed) and servers that fail are
//!   reported on stderr; exit 7 if no token could be polled at all.
//! - `vakt push receive FILE|-`: takes a push notification's data (a JSON
//!   object of strings) and prints the verified challenge like `poll`.
//! - `vakt push approve ID [--answer X] [--json]`: approves (with the presence
//!   option the login screen shows, when the challenge has options). Prints
//!   `approved` and, if the server sent one, the code to type on the login
//!   screen. JSON: `{"id", "result": "approved", "display_code": … or null}`.
//! - `vakt push deny ID [--reason cancelled|unknown_trigger] [--json]`.
//! - `vakt push token-update REGISTRATION_TOKEN [--json]`: gives every
//!   enrolled token's server a new push-notification registration token
//!   (Firebase), signed by the token's device key. JSON: an array of objects
//!   with `serial`, `ok` (bool), `error` (string or null). A token whose server
//!   failed keeps the new token and is sent it again by the next `poll` (or
//!   the same command). Exit 0 if every server took it, else the first
//!   failure's status: 7 (could not be reached, or refused), 2 (an address
//!   refused without `--allow-insecure`), 70 (the keystore).
//! - `--allow-insecure` (global): allow plain http to non-loopback servers and
//!   honour `sslverify=0`.
//!
//! `list`, `poll`, `receive` and `deny` work on the locked vault: no
//! `VAKT_PIN`, no prompt (the device key reads and signs what they need).
//! Only the first run after an upgrade from a vault whose push records
//! predate that asks for the PIN once (`VAKT_PIN` or the prompt) to upgrade
//! them. `poll` with `VAKT_PIN` set unlocks (a wrong PIN: 3) and then also
//! sends a registration token still to send and applies the clock offset,
//! both kept under the vault key. `approve` and `token-update` need the PIN (`VAKT_PIN` or the
//! prompt): exit 3 on a wrong one, 4 when the vault is blocked. A blocked
//! vault still lists, polls, receives and denies. A locked poll uses the
//! uncorrected clock.
//!
//! Exit statuses: 0 done; 2 bad input (no such challenge, expired, already
//! answered, not an option, wrong presence answer — the challenge stays
//! open —, a refused challenge); 7 the push server could not be reached, or
//! refused; plus the vault's statuses (3 wrong PIN, 4 blocked, 6 unreadable).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use vakt_core::push::time::iso8601_z;
use vakt_core::push::{
    AnswerOutcome, ChallengeFields, ChallengeState, Decision, DeclineReason, PollReport,
    PushChallengeInfo, PushError, PushTokenInfo, TokenState,
};

use vakt_core::vault::{Session, Vault};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{print_line, print_warning};
use crate::secrets::PIN as PIN_VAR;

/// `vakt push …`.
#[derive(Subcommand)]
pub enum PushCommand {
    /// List the push tokens.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fetch open login requests from the servers and show them.
    Poll {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Take a push notification's data (JSON object) and show its request.
    Receive {
        /// The file with the notification data, or - for stdin.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a login request.
    Approve(ApproveArgs),
    /// Deny a login request.
    Deny(DenyArgs),
    /// Send a new push-notification registration token to every token's server.
    TokenUpdate {
        /// The new registration token (Firebase).
        registration_token: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `vakt push approve`.
#[derive(Args)]
pub struct ApproveArgs {
    /// The request's id (see vakt push poll).
    id: u64,
    /// The option the login screen shows (number matching).
    #[arg(long)]
    answer: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `vakt push deny`.
#[derive(Args)]
pub struct DenyArgs {
    /// The request's id (see vakt push poll).
    id: u64,
    /// Why: `unknown_trigger` (I did not try to log in) or `cancelled`.
    #[arg(long)]
    reason: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// A token's state as `vakt push list --json` names it.
fn state_name(state: TokenState) -> &'static str {
    match state {
        TokenState::Enrolled => "enrolled",
        TokenState::NeedsReenrolment => "needs_reenrolment",
        TokenState::Pending => "interrupted",
    }
}

/// A push token as `vakt push list --json` prints it.
fn token_json(token: &PushTokenInfo) -> Value {
    json!({
        "id": token.id,
        "serial": token.serial,
        "label": token.label,
        "issuer": token.issuer,
        "url": token.url,
        "state": state_name(token.state),
        "enrolled_at": (token.enrolled_at > 0).then(|| iso8601_z(token.enrolled_at)),
    })
}

/// A login request as `vakt push poll --json` prints it.
fn challenge_json(c: &PushChallengeInfo) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("account".into(), json!(c.account));
    m.insert("token_id".into(), json!(c.token_id));
    m.insert("serial".into(), json!(c.challenge.serial));
    m.insert("title".into(), json!(c.challenge.title));
    m.insert("question".into(), json!(c.challenge.question));
    m.insert(
        "presence_options".into(),
        json!(c.challenge.presence_options),
    );
    m.insert("expires_at".into(), json!(iso8601_z(c.expires_at)));
    m.insert("expires_at_unix".into(), json!(c.expires_at));
    m.insert("received_at_unix".into(), json!(c.received_at));
    m.insert(
        "state".into(),
        json!(match c.state {
            ChallengeState::Open => "open",
            ChallengeState::Sending(_) => "sending",
            ChallengeState::Answered(_) => "answered",
            ChallengeState::Closed => "closed",
        }),
    );
    m.insert("decline_reasons".into(), json!(c.challenge.decline_reason));
    Value::Object(m)
}

/// A login request's line (`now`: for the seconds left).
fn challenge_line(c: &PushChallengeInfo, now: u64) -> String {
    let mut line = format!(
        "#{}  {}  {} — {}  (expires in {} s)",
        c.id,
        c.account,
        c.challenge.title,
        c.challenge.question,
        c.expires_at.saturating_sub(now)
    );
    if !c.challenge.presence_options.is_empty() {
        line.push_str(&format!(
            "  pick the one the login screen shows: {}",
            c.challenge.presence_options.join(" ")
        ));
    }
    if matches!(c.state, ChallengeState::Sending(_)) {
        line.push_str("  [answer not confirmed; answer again to retry]");
    }
    line
}

/// Prints login requests: JSON, one line each, or that there are none.
fn print_challenges(
    challenges: &[PushChallengeInfo],
    json: bool,
    now: u64,
) -> Result<(), CliError> {
    if json {
        let items: Vec<Value> = challenges.iter().map(challenge_json).collect();
        return print_line(&Value::Array(items).to_string());
    }
    if challenges.is_empty() {
        return print_line("no login requests waiting");
    }
    let lines: Vec<String> = challenges.iter().map(|c| challenge_line(c, now)).collect();
    print_line(&lines.join("\n"))
}

/// Runs `f` on the locked vault; if its push records are from before push
/// worked while locked, unlocks it once (the PIN, as for any unlock) to
/// upgrade them and runs `f` again.
fn locked<T>(
    ctx: &Context,
    vault: &Vault,
    f: impl Fn(&Vault) -> Result<T, PushError>,
) -> Result<T, CliError> {
    match f(vault) {
        Err(PushError::UnlockOnce) => {
            drop(ctx.unlock_vault(vault)?);
            f(vault).map_err(|e| CliError::push(&e))
        }
        other => other.map_err(|e| CliError::push(&e)),
    }
}

/// `vakt push …`: everything but `approve` and `token-update` on the locked
/// vault (no PIN).
pub fn run(ctx: &Context, command: &PushCommand) -> Result<(), CliError> {
    // A poll given the PIN also sends a registration token still to send
    // and applies the clock offset (both kept under the vault key).
    let poll_unlocked =
        matches!(command, PushCommand::Poll { .. }) && std::env::var_os(PIN_VAR).is_some();
    match command {
        PushCommand::Approve(_) | PushCommand::TokenUpdate { .. } => {
            let session = ctx.unlock()?;
            run_unlocked(ctx, &session, command)
        }
        PushCommand::Poll { json } if poll_unlocked => {
            let session = ctx.unlock()?;
            let net = ctx.push_context();
            let report = session.poll_push(&net).map_err(|e| CliError::push(&e))?;
            let enrolled = session
                .push_tokens()
                .map_err(|e| CliError::vault(&e))?
                .iter()
                .filter(|t| t.state == TokenState::Enrolled)
                .count();
            print_poll(&report, enrolled, *json, net.now)
        }
        _ => run_locked(ctx, &ctx.open_vault()?, command),
    }
}

/// Prints a poll's challenges and problems; fails as the first problem if
/// no enrolled token could be polled.
fn print_poll(report: &PollReport, enrolled: usize, json: bool, now: u64) -> Result<(), CliError> {
    let mut failed_tokens = Vec::new();
    for (id, problem) in &report.problems {
        print_warning(&format!("push token #{id}: {problem}"));
        if !matches!(problem, PushError::Challenge(_)) && !failed_tokens.contains(id) {
            failed_tokens.push(*id);
        }
    }
    print_challenges(&report.challenges, json, now)?;
    if enrolled > 0
        && failed_tokens.len() == enrolled
        && let Some((_, problem)) = report.problems.first()
    {
        return Err(CliError::push(problem));
    }
    Ok(())
}

/// The commands that work on a locked vault.
fn run_locked(ctx: &Context, vault: &Vault, command: &PushCommand) -> Result<(), CliError> {
    let net = ctx.push_context();
    match command {
        PushCommand::List { json } => {
            let tokens = locked(ctx, vault, Vault::push_tokens)?;
            if *json {
                let items: Vec<Value> = tokens.iter().map(token_json).collect();
                return print_line(&Value::Array(items).to_string());
            }
            if tokens.is_empty() {
                return print_line("no push tokens (enrol one with vakt add --qr)");
            }
            let lines: Vec<String> = tokens
                .iter()
                .map(|t| {
                    let state = match t.state {
                        TokenState::Enrolled => "enrolled".to_owned(),
                        TokenState::NeedsReenrolment => {
                            "restored: scan a new enrolment code to use it here".to_owned()
                        }
                        TokenState::Pending => {
                            "enrolment interrupted: scan a new enrolment code".to_owned()
                        }
                    };
                    format!("#{}  {}  ({})  {state}", t.id, t.display_name(), t.serial)
                })
                .collect();
            print_line(&lines.join("\n"))
        }
        PushCommand::Poll { json } => {
            let report = locked(ctx, vault, |v| v.poll_push(&net))?;
            let enrolled = vault
                .push_tokens()
                .map_err(|e| CliError::push(&e))?
                .iter()
                .filter(|t| t.state == TokenState::Enrolled)
                .count();
            print_poll(&report, enrolled, *json, net.now)
        }
        PushCommand::Receive { file, json } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| CliError::bad_input(format!("stdin: {e}")))?
            } else {
                std::fs::read_to_string(file)
                    .map_err(|e| CliError::bad_input(format!("{}: {e}", file.display())))?
            };
            let value: Value = serde_json::from_str(&text)
                .map_err(|_| CliError::bad_input("the notification data is not a JSON object"))?;
            let fields =
                ChallengeFields::from_json(&value).map_err(|e| CliError::push(&e.into()))?;
            let challenge = locked(ctx, vault, |v| v.receive_push(&fields, net.now))?;
            print_challenges(&[challenge], *json, net.now)
        }
        PushCommand::Deny(args) => {
            let reason = match args.reason.as_deref() {
                None => None,
                Some(name) => Some(DeclineReason::from_name(name).ok_or_else(|| {
                    CliError::bad_input(format!(
                        "--reason: '{name}' is not cancelled or unknown_trigger"
                    ))
                })?),
            };
            locked(ctx, vault, |v| v.decline_push(args.id, reason, &net))?;
            if args.json {
                return print_line(&json!({"id": args.id, "result": "declined"}).to_string());
            }
            print_line("declined")
        }
        PushCommand::Approve(_) | PushCommand::TokenUpdate { .. } => {
            let session = ctx.unlock()?;
            run_unlocked(ctx, &session, command)
        }
    }
}

/// The commands that need the PIN.
fn run_unlocked(ctx: &Context, session: &Session, command: &PushCommand) -> Result<(), CliError> {
    let net = ctx.push_context();
    match command {
        PushCommand::Approve(args) => {
            let decision = Decision::Approve {
                presence: args.answer.clone(),
            };
            let outcome = session
                .answer_push(args.id, decision, &net)
                .map_err(|e| CliError::push(&e))?;
            let display_code = match &outcome {
                AnswerOutcome::Approved { display_code } => display_code.clone(),
                AnswerOutcome::Declined => None,
            };
            if args.json {
                return print_line(
                    &json!({"id": args.id, "result": "approved", "display_code": display_code})
                        .to_string(),
                );
            }
            match display_code {
                Some(code) => print_line(&format!(
                    "approved; type this code on the login screen: {code}"
                )),
                None => print_line("approved"),
            }
        }
        PushCommand::TokenUpdate {
            registration_token,
            json,
        } => {
            let results = session
                .update_push_registration(registration_token, &net)
                .map_err(|e| CliError::push(&e))?;
            if *json {
                let items: Vec<Value> = results
                    .iter()
                    .map(|u| {
                        json!({
                            "serial": u.serial,
                            "ok": u.result.is_ok(),
                            "error": u.result.as_ref().err().map(ToString::to_string),
                        })
                    })
                    .collect();
                print_line(&Value::Array(items).to_string())?;
            } else if results.is_empty() {
                print_line("no enrolled push tokens")?;
            } else {
                let lines: Vec<String> = results
                    .iter()
                    .map(|u| match &u.result {
                        Ok(()) => format!("#{}  {}  updated", u.token_id, u.serial),
                        Err(e) => format!(
                            "#{}  {}  not updated ({e}); sent again by the next poll",
                            u.token_id, u.serial
                        ),
                    })
                    .collect();
                print_line(&lines.join("\n"))?;
            }
            match results.iter().find_map(|u| u.result.as_ref().err()) {
                Some(e) => Err(CliError::push(e)),
                None => Ok(()),
            }
        }
        _ => run_locked(ctx, &ctx.open_vault()?, command),
    }
}
