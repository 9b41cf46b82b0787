//! The accounts in the vault: `vakt list`, `rename`, `delete`, `reorder`,
//! `codes`, `next`.

use serde_json::{Value, json};
use vakt_core::clock::{Clock, SystemClock, corrected};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{account_info_json, print_line};

/// `vakt list [--json]`.
pub fn list(ctx: &Context, json: bool) -> Result<(), CliError> {
    let accounts = ctx.unlock()?.accounts().map_err(|e| CliError::vault(&e))?;
    if json {
        let items: Vec<Value> = accounts
            .iter()
            .map(|a| Value::Object(account_info_json(a)))
            .collect();
        return print_line(&Value::Array(items).to_string());
    }
    if accounts.is_empty() {
        return print_line("no accounts yet (vakt add)");
    }
    let lines: Vec<String> = accounts
        .iter()
        .map(|a| format!("{:>4}  {:<5}  {}", a.id, a.kind.name(), a.display_label()))
        .collect();
    print_line(&lines.join("\n"))
}

/// `vakt rename ID NAME [--issuer I]`.
pub fn rename(ctx: &Context, id: u64, name: &str, issuer: Option<&str>) -> Result<(), CliError> {
    ctx.unlock()?
        .rename(id, issuer, name)
        .map_err(|e| CliError::vault(&e))?;
    print_line(&format!("renamed #{id}"))
}

/// `vakt delete ID`.
pub fn delete(ctx: &Context, id: u64) -> Result<(), CliError> {
    ctx.unlock()?.delete(id).map_err(|e| CliError::vault(&e))?;
    print_line(&format!("deleted #{id}"))
}

/// `vakt reorder ID...`.
pub fn reorder(ctx: &Context, ids: &[u64]) -> Result<(), CliError> {
    ctx.unlock()?
        .reorder(ids)
        .map_err(|e| CliError::vault(&e))?;
    print_line("reordered")
}

/// `vakt codes [--json] [--at T]`.
pub fn codes(ctx: &Context, json: bool, at: Option<u64>) -> Result<(), CliError> {
    let session = ctx.unlock()?;
    // An explicit time is taken as given; now is corrected by the vault's offset (vakt time).
    let now = match at {
        Some(at) => at,
        None => corrected(
            SystemClock.now_unix(),
            session.clock_offset().map_err(|e| CliError::vault(&e))?,
        ),
    };
    let entries = session.codes(now).map_err(|e| CliError::vault(&e))?;
    if json {
        let items: Vec<Value> = entries
            .iter()
            .map(|e| {
                let mut m = account_info_json(&e.info);
                match &e.view {
                    Some(view) => {
                        m.insert("code".into(), json!(view.code.as_str()));
                        m.insert("seconds_left".into(), json!(view.seconds_left));
                        m.insert(
                            "next_code".into(),
                            json!(view.next_code.as_ref().map(|c| c.as_str())),
                        );
                    }
                    None => {
                        m.insert("code".into(), Value::Null);
                    }
                }
                Value::Object(m)
            })
            .collect();
        return print_line(&Value::Array(items).to_string());
    }
    if entries.is_empty() {
        return print_line("no accounts yet (vakt add)");
    }
    let lines: Vec<String> = entries
        .iter()
        .map(|e| match &e.view {
            Some(view) => format!(
                "{:>4}  {:<10}  {:>3}s  next {:<10}  {}",
                e.info.id,
                view.code.as_str(),
                view.seconds_left,
                view.next_code.as_ref().map_or("", |c| c.as_str()),
                e.info.display_label()
            ),
            None => format!(
                "{:>4}  {:<10}  {:>4}  {:<15}  {}",
                e.info.id,
                "(hotp)",
                "",
                format!("vakt next {}", e.info.id),
                e.info.display_label()
            ),
        })
        .collect();
    print_line(&lines.join("\n"))
}

/// `vakt next ID`: advances an HOTP counter (committed first) and prints the code.
pub fn next(ctx: &Context, id: u64) -> Result<(), CliError> {
    let code = ctx
        .unlock()?
        .next_code(id)
        .map_err(|e| CliError::vault(&e))?;
    print_line(code.as_str())
}
