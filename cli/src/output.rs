//! What the commands print: results on stdout, one-line notes on stderr, and
//! the JSON shapes more than one command prints.

use std::io::Write;

use serde_json::{Map, Value, json};
use vakt_core::account::{Account, OtpKind};
use vakt_core::vault::{AccountInfo, UnblockCode};

use crate::error::CliError;

/// Writes `text` and a newline to stdout; a closed pipe is not an error worth a
/// panic.
pub fn print_line(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(CliError::internal(format!("cannot write output: {e}")))
            }
        })
}

/// Writes `vakt: TEXT` to stderr: a problem that does not stop the command.
pub fn print_warning(text: &str) {
    let line = text.replace(['\n', '\r'], " ");
    let _ = writeln!(std::io::stderr(), "vakt: {line}");
}

/// Prints a new unblock code, shown this once: `{"unblock_code": …}` with
/// `json`, else `extra` followed by the code set apart to be written down.
pub fn print_unblock_code(code: &UnblockCode, json: bool, extra: &str) -> Result<(), CliError> {
    let shown = code.to_display();
    if json {
        // EXPOSE: the unblock code is shown once, on purpose.
        return print_line(&json!({ "unblock_code": shown.expose() }).to_string());
    }
    // EXPOSE: as above.
    print_line(&format!(
        "{extra}Your unblock code (write it down; it is shown only now):\n\n    {}\n",
        shown.expose()
    ))
}

/// The JSON fields of an account, as `vakt uri inspect --json` and `vakt scan`
/// print them (the key only with `reveal`).
pub fn account_json(account: &Account, reveal: bool) -> Map<String, Value> {
    let p = &account.params;
    let mut fields = Map::new();
    fields.insert("kind".into(), json!(p.kind.name()));
    fields.insert("issuer".into(), json!(account.issuer));
    fields.insert("account".into(), json!(account.name));
    fields.insert("algorithm".into(), json!(p.algorithm.name()));
    fields.insert("digits".into(), json!(p.code_length()));
    insert_counting(&mut fields, p.kind);
    if reveal {
        // EXPOSE: the user asked for the secret with --reveal.
        fields.insert("secret".into(), json!(p.secret.to_base32().expose()));
    }
    fields
}

/// The JSON fields of an account in the vault (never its key), as `vakt list`
/// and `vakt codes` print them.
pub fn account_info_json(info: &AccountInfo) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("id".into(), json!(info.id));
    fields.insert("kind".into(), json!(info.kind.name()));
    fields.insert("issuer".into(), json!(info.issuer));
    fields.insert("account".into(), json!(info.name));
    fields.insert("algorithm".into(), json!(info.algorithm.name()));
    fields.insert("digits".into(), json!(info.digits));
    insert_counting(&mut fields, info.kind);
    fields
}

/// `period` (seconds; 30 for Steam) or `counter`.
fn insert_counting(fields: &mut Map<String, Value>, kind: OtpKind) {
    match kind {
        OtpKind::Totp { period } => {
            fields.insert("period".into(), json!(period.get()));
        }
        OtpKind::Steam => {
            fields.insert("period".into(), json!(30));
        }
        OtpKind::Hotp { counter } => {
            fields.insert("counter".into(), json!(counter));
        }
    }
}
