//! privacyIDEA containers as `vakt add` and `vakt container` both use them:
//! registering from a code (with the passphrase its prompt asks for) and
//! synchronising, and how a container and a synchronisation are printed.

use serde_json::{Value, json};
use vakt_core::container::{
    ContainerInfo, Member, MemberKind, RegisterOptions, SyncReport, SyncedToken,
};
use vakt_core::provision::container_code::ContainerCode;
use vakt_core::push::EnrolOptions;
use vakt_core::push::time::iso8601_z;
use vakt_core::vault::Session;

use crate::context::Context;
use crate::error::CliError;
use crate::secrets;

/// Registers with the container of `code` and synchronises it at once: the
/// lines to print (`registered container #ID  SERIAL`, then the sync's).
/// The passphrase, when the code asks one, is read from
/// VAKT_CONTAINER_PASSPHRASE or a prompt showing the server's question.
pub fn register_and_sync(
    ctx: &Context,
    session: &Session,
    code: &ContainerCode,
) -> Result<Vec<String>, CliError> {
    let passphrase = match &code.passphrase_prompt {
        Some(prompt) => Some(secrets::read_secret(
            secrets::CONTAINER_PASSPHRASE,
            &format!("{prompt} "),
        )?),
        None => None,
    };
    let options = RegisterOptions {
        passphrase,
        device_brand: None,
        device_model: Some("vakt".into()),
    };
    let push = ctx.push_context();
    let info = session
        .register_container(code, &push, &options)
        .map_err(|e| CliError::container(&e))?;
    let mut lines = vec![format!(
        "registered container #{}  {}",
        info.id, info.serial
    )];
    let report = session
        .sync_container(info.id, &ctx.push_context(), &EnrolOptions::default())
        .map_err(|e| {
            let _ = crate::output::print_line(&lines.join("\n"));
            CliError::container(&e)
        })?;
    lines.extend(report_lines(&report));
    Ok(lines)
}

fn token_line(verb: &str, t: &SyncedToken) -> String {
    format!("{verb} #{}  {} ({})", t.entry_id, t.serial, t.tokentype)
}

/// One line per token a synchronisation added, removed or could not add.
pub fn report_lines(report: &SyncReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .added
        .iter()
        .map(|t| token_line("added", t))
        .collect();
    lines.extend(
        report
            .removed
            .iter()
            .map(|t| token_line("removed from the container (kept here)", t)),
    );
    lines.extend(
        report
            .failed
            .iter()
            .map(|f| format!("not added: {} ({})", f.serial, f.reason)),
    );
    if lines.is_empty() {
        lines.push(format!(
            "container #{}: in sync ({} tokens)",
            report.container_id,
            report.updated.len()
        ));
    }
    lines
}

fn synced_json(t: &SyncedToken) -> Value {
    json!({"serial": t.serial, "tokentype": t.tokentype, "id": t.entry_id})
}

/// A synchronisation as JSON: `added`, `updated`, `removed` (arrays of
/// `serial`, `tokentype`, `id`), `failed` (`serial`, `reason`).
pub fn report_json(report: &SyncReport) -> Value {
    json!({
        "id": report.container_id,
        "added": report.added.iter().map(synced_json).collect::<Vec<_>>(),
        "updated": report.updated.iter().map(synced_json).collect::<Vec<_>>(),
        "removed": report.removed.iter().map(synced_json).collect::<Vec<_>>(),
        "failed": report.failed.iter().map(|f| json!({"serial": f.serial, "reason": f.reason})).collect::<Vec<_>>(),
    })
}

fn member_json(m: &Member) -> Value {
    json!({
        "serial": m.serial,
        "tokentype": m.tokentype,
        "kind": match m.kind { MemberKind::Account => "account", MemberKind::Push => "push" },
        "id": m.entry_id,
        "removed": m.removed,
    })
}

/// A container as JSON.
pub fn info_json(info: &ContainerInfo) -> Value {
    json!({
        "id": info.id,
        "serial": info.serial,
        "issuer": info.issuer,
        "url": info.url,
        "state": info.state.name(),
        "registered_at": (info.registered_at > 0).then(|| iso8601_z(info.registered_at)),
        "last_sync": info.last_sync.map(iso8601_z),
        "policies": {
            "client_rollover": info.policies.client_rollover,
            "disable_token_deletion": info.policies.disable_token_deletion,
            "disable_unregister": info.policies.disable_unregister,
            "initially_add_tokens": info.policies.initially_add_tokens,
        },
        "tokens": info.tokens.iter().map(member_json).collect::<Vec<_>>(),
    })
}
