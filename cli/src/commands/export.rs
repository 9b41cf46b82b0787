//! `vakt export --qr` and `vakt qr`: accounts out as QR codes.
//!
//! # Contract
//! - `vakt export --qr DIR [ID...]`: Google Authenticator export codes as PNG
//!   files (`vakt-export-1-of-2.png` …), all accounts in list order when no
//!   ids are given. Accounts the format cannot hold (Steam, periods other than
//!   30 s, digits other than 6 or 8) are each written as their own
//!   `otpauth://` code (`vakt-account-ID.png`), and the output says why. Files
//!   are created new (never overwritten; nothing is written if one exists),
//!   readable by the owner only.
//! - `vakt qr ID [--png FILE] [--invert]`: one account's `otpauth://` code in
//!   the terminal (light modules drawn as blocks, for dark backgrounds;
//!   `--invert` for light ones), or as a PNG file.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use vakt_core::account::Account;
use vakt_core::provision::uri;
use vakt_core::qr::render as qr_render;
use vakt_core::rng::SystemRandom;
use vakt_core::transfer::export::aegis::{self, AegisEncryption};
use vakt_core::transfer::export::google_authenticator;
use vakt_core::{SecretBytes, SecretString};

use crate::context::Context;
use crate::error::CliError;
use crate::files;
use crate::output::{print_line, print_warning};
use crate::secrets;

/// Arguments of `vakt export`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["qr", "aegis"])))]
pub struct ExportArgs {
    /// Write Google Authenticator export QR codes (PNG files) into this folder.
    #[arg(long, value_name = "DIR")]
    qr: Option<PathBuf>,
    /// Write an Aegis Authenticator JSON file (readable by Aegis and by vakt import).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["qr", "ids"])]
    aegis: Option<PathBuf>,
    /// Encrypt the Aegis file with a password (VAKT_EXPORT_PASSWORD or a prompt).
    #[arg(long, requires = "aegis")]
    encrypt: bool,
    /// Print JSON (with --aegis).
    #[arg(long, requires = "aegis")]
    json: bool,
    /// The accounts to export as QR codes, in this order (default: all, in list order).
    ids: Vec<u64>,
}

/// Arguments of `vakt qr`.
#[derive(Args)]
pub struct QrArgs {
    /// The account's id (see vakt list).
    id: u64,
    /// Write the code to this PNG file instead of the terminal.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    /// Draw dark modules as blocks (for terminals with a light background).
    #[arg(long, conflicts_with = "png")]
    invert: bool,
}

/// A PNG of the QR code of `text`.
fn render_png(text: &SecretString) -> Result<SecretBytes, CliError> {
    qr_render::png(text).map_err(|e| CliError::internal(e.to_string()))
}

/// `vakt export --qr DIR [ID...]`: export codes as PNG files.
pub fn export(ctx: &Context, args: &ExportArgs) -> Result<(), CliError> {
    if let Some(file) = &args.aegis {
        return export_aegis(ctx, file, args.encrypt, args.json);
    }
    let Some(qr_dir) = &args.qr else {
        return Err(CliError::bad_input("give --qr DIR or --aegis FILE"));
    };
    let (session, confirmed) = ctx.unlock_for_export()?;
    let mut ids: Vec<u64> = Vec::new();
    if args.ids.is_empty() {
        let all = session.accounts().map_err(|e| CliError::vault(&e))?;
        ids.extend(all.iter().map(|a| a.id));
    } else {
        for id in &args.ids {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
    }
    if ids.is_empty() {
        return Err(CliError::bad_input("no accounts to export (vakt add)"));
    }
    let accounts: Vec<Account> = session
        .export_some(&ids, confirmed)
        .map_err(|e| CliError::vault(&e))?;
    drop(session);

    let batch_id = google_authenticator::new_batch_id(&SystemRandom::new())
        .map_err(|_| CliError::internal("the random number generator failed"))?;
    let plan = google_authenticator::export(&accounts, batch_id);
    let count = plan.codes.len();
    let id_list = |indices: &[usize]| {
        indices
            .iter()
            .filter_map(|i| ids.get(*i))
            .map(|id| format!("#{id}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut files: Vec<(PathBuf, SecretBytes, String)> = Vec::new();
    for (n, code) in plan.codes.iter().enumerate() {
        files.push((
            qr_dir.join(format!("vakt-export-{}-of-{count}.png", n + 1)),
            render_png(&code.uri)?,
            format!(
                "export code {} of {count}: {}",
                n + 1,
                id_list(&code.accounts)
            ),
        ));
    }
    let mut skipped = Vec::new();
    for left_out in &plan.not_exportable {
        let (Some(id), Some(account)) = (ids.get(left_out.index), accounts.get(left_out.index))
        else {
            continue;
        };
        let why = format!(
            "#{id} {} cannot go into a Google Authenticator export ({})",
            account.display_label(),
            left_out.reason
        );
        match qr_render::png(&uri::format(account)) {
            Ok(png) => files.push((
                qr_dir.join(format!("vakt-account-{id}.png")),
                png,
                format!("{why}: an otpauth:// code for it alone"),
            )),
            Err(e) => skipped.push(format!(
                "{why}, nor into a QR code of its own ({e}); not exported"
            )),
        }
    }
    if files.is_empty() {
        skipped.iter().for_each(|s| print_warning(s));
        return Err(CliError::bad_input("nothing could be exported"));
    }

    files::create_private_dir(qr_dir)?;
    if let Some((path, _, _)) = files.iter().find(|(path, _, _)| path.exists()) {
        return Err(CliError::bad_input(format!(
            "{} already exists; choose an empty folder (nothing was written)",
            path.display()
        )));
    }
    let mut lines = Vec::new();
    for (path, png, what) in &files {
        files::write_new(path, png)?;
        lines.push(format!("wrote {} ({what})", path.display()));
    }
    skipped.iter().for_each(|s| print_warning(s));
    print_line(&lines.join("\n"))?;
    print_warning("these images hold your keys: delete them once they are scanned");
    Ok(())
}

/// `vakt qr ID [--png FILE] [--invert]`: one account's otpauth:// code.
pub fn qr(ctx: &Context, args: &QrArgs) -> Result<(), CliError> {
    let (session, confirmed) = ctx.unlock_for_export()?;
    let account = session
        .export_some(&[args.id], confirmed)
        .map_err(|e| CliError::vault(&e))?
        .pop()
        .ok_or_else(|| CliError::internal("no account came back"))?;
    let text = uri::format(&account);
    if let Some(path) = &args.png {
        files::write_new(path, &render_png(&text)?)?;
        return print_line(&format!("wrote {}", path.display()));
    }
    let drawn =
        qr_render::terminal(&text, args.invert).map_err(|e| CliError::internal(e.to_string()))?;
    // EXPOSE: the code is drawn for the user who asked for it.
    print_line(drawn.expose().trim_end_matches('\n'))
}

/// `vakt export --aegis FILE [--encrypt] [--json]`.
pub fn export_aegis(ctx: &Context, file: &Path, encrypt: bool, json: bool) -> Result<(), CliError> {
    let (session, confirmed) = ctx.unlock_for_export()?;
    let accounts = session
        .export_accounts(confirmed)
        .map_err(|e| CliError::vault(&e))?;
    let password = if encrypt {
        let password = secrets::read_secret(secrets::EXPORT_PASSWORD, "Password for the export: ")?;
        // EXPOSE: only checked for being empty.
        if password.expose().is_empty() {
            return Err(CliError::bad_input(format!(
                "{}: the password is empty",
                secrets::EXPORT_PASSWORD
            )));
        }
        Some(password)
    } else {
        None
    };
    let encryption = match &password {
        Some(p) => AegisEncryption::Password(p),
        None => AegisEncryption::None,
    };
    let bytes = aegis::aegis(&accounts, encryption, &SystemRandom::new())
        .map_err(|e| CliError::internal(e.to_string()))?;
    // EXPOSE: the export is written to the file the user asked for.
    files::write_private(file, bytes.expose())?;
    if json {
        return print_line(
            &json!({
                "file": file.display().to_string(),
                "accounts": accounts.len(),
                "encrypted": encrypt,
            })
            .to_string(),
        );
    }
    let how = if encrypt {
        "encrypted with your password"
    } else {
        "NOT encrypted: anyone who gets this file has every key; delete it once imported"
    };
    print_line(&format!(
        "Wrote {} account(s) to {} (Aegis format, {how}).",
        accounts.len(),
        file.display()
    ))
}
