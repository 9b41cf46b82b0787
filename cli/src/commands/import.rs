//! `vakt import --from FORMAT FILE`: another app's export file into the vault.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use vakt_core::transfer::import::{self, Format, ImportError, MAX_FILE_LEN};

use crate::context::Context;
use crate::error::CliError;
use crate::files;
use crate::output::print_line;
use crate::secrets;

/// Arguments of `vakt import`.
#[derive(Args)]
pub struct ImportArgs {
    /// The app the file comes from: aegis, 2fas, andotp, freeotp (FreeOTP and
    /// FreeOTP+), bitwarden, authy, ente, uri-list (otpauth URIs, one per line).
    #[arg(long = "from", value_name = "FORMAT")]
    from: String,
    /// The exported file (its password, if any, from VAKT_IMPORT_PASSWORD or a prompt).
    file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The names `--from` takes, for its error message.
fn format_names() -> String {
    Format::ALL.map(Format::name).join(", ")
}

/// `vakt import --from FORMAT FILE [--json]`.
pub fn import(ctx: &Context, args: &ImportArgs) -> Result<(), CliError> {
    let format = Format::from_name(&args.from).ok_or_else(|| {
        CliError::bad_input(format!(
            "--from: '{}' is not a known format ({})",
            args.from.chars().take(24).collect::<String>(),
            format_names()
        ))
    })?;
    let bytes = files::read_limited(&args.file, MAX_FILE_LEN)?;
    // The file is read before the PIN is asked for: a bad file costs no attempt.
    let given = if secrets::is_set(secrets::IMPORT_PASSWORD) {
        Some(secrets::read_secret(secrets::IMPORT_PASSWORD, "")?)
    } else {
        None
    };
    let imported = match import::read(format, &bytes, given.as_ref()) {
        Err(ImportError::PasswordNeeded) if given.is_none() => {
            let password =
                secrets::read_secret(secrets::IMPORT_PASSWORD, "Password of the exported file: ")?;
            import::read(format, &bytes, Some(&password))
        }
        other => other,
    }
    .map_err(|e| CliError::import(&e))?;
    let session = ctx.unlock()?;
    let report = import::apply(&session, imported).map_err(|e| CliError::vault(&e))?;
    if args.json {
        return print_line(
            &json!({
                "added": report.added.iter().map(|(id, label)| json!({"id": id, "label": label})).collect::<Vec<_>>(),
                "duplicates": report.duplicates.iter().map(|(id, label)| json!({"existing_id": id, "label": label})).collect::<Vec<_>>(),
                "look_alikes": report.look_alikes.iter().map(|(id, like, label)| json!({"id": id, "like_id": like, "label": label})).collect::<Vec<_>>(),
                "unsupported": report.unsupported.iter().map(|s| json!({"label": s.label, "reason": s.reason})).collect::<Vec<_>>(),
                "notes": report.notes,
            })
            .to_string(),
        );
    }
    let mut lines = vec![format!("added {}", report.added.len())];
    lines.extend(
        report
            .added
            .iter()
            .map(|(id, label)| format!("{id:>6}  {label}")),
    );
    if !report.duplicates.is_empty() {
        lines.push(format!(
            "skipped {} (already in the vault)",
            report.duplicates.len()
        ));
        lines.extend(
            report
                .duplicates
                .iter()
                .map(|(id, label)| format!("        {label} (the same as #{id})")),
        );
    }
    if !report.look_alikes.is_empty() {
        lines.push(format!(
            "note: {} added account(s) give the same codes as an account with another name \
             (the same account renamed? vakt delete ID removes one)",
            report.look_alikes.len()
        ));
        lines.extend(
            report
                .look_alikes
                .iter()
                .map(|(id, like, label)| format!("        #{id} {label} = #{like}")),
        );
    }
    if !report.unsupported.is_empty() {
        lines.push(format!("not imported {}", report.unsupported.len()));
        lines.extend(
            report
                .unsupported
                .iter()
                .map(|s| format!("        {}: {}", s.label, s.reason)),
        );
    }
    lines.extend(report.notes.iter().map(|n| format!("note: {n}")));
    print_line(&lines.join("\n"))
}
