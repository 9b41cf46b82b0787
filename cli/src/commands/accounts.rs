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

/// `vakt codes --watch`: the live view until the user quits or it idles out;
/// the session is locked on the way out either way.
pub fn watch(ctx: &Context, at: Option<u64>, idle_lock: u64) -> Result<(), CliError> {
    let session = ctx.unlock()?;
    let offset = session.clock_offset().map_err(|e| CliError::vault(&e))?;
    let started = std::time::Instant::now();
    let now = move || match at {
        // A given start time runs on with the real clock.
        Some(at) => at.saturating_add(started.elapsed().as_secs()),
        None => corrected(SystemClock.now_unix(), offset),
    };
    let ended = crate::live::terminal::run(&session, &now, idle_lock)?;
    drop(session);
    if ended == crate::live::terminal::Ended::IdleLocked {
        print_line(&format!("locked after {idle_lock} s without a key"))?;
    }
    Ok(())
}

/// `vakt codes [--json] [--at T]`: the code screen, once.
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
