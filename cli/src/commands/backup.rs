//! `vakt backup export | restore | info | passphrase`.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;
use vakt_core::backup::{self, format::MAX_PAYLOAD_LEN};
use vakt_core::backup::{BackupSecret, PassphraseAfterRestore};
use vakt_core::secret::SecretString;
use vakt_core::vault::{UnblockCode, Vault, VaultError};

use crate::context::Context;
use crate::error::CliError;
use crate::files;
use crate::output::{print_line, print_unblock_code};
use crate::secrets;

/// The largest backup file read.
const MAX_BACKUP_LEN: usize = MAX_PAYLOAD_LEN + 8192;

/// `vakt backup ...`
#[derive(Subcommand)]
pub enum BackupCommand {
    /// Write a backup of every account to FILE (needs VAKT_PIN). It opens with
    /// the current unblock code (and the backup passphrase, if set).
    Export {
        /// Where to write it (replaced if it exists).
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Restore FILE into a new vault: VAKT_UNBLOCK_CODE (the code current when
    /// the backup was made) or VAKT_BACKUP_PASSPHRASE, and VAKT_NEW_PIN. Prints
    /// the new vault's unblock code.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Print {"unblock_code", "restored", "needs_reenrolment", "passphrase"}.
        #[arg(long)]
        json: bool,
    },
    /// Show which unblock code a backup needs (no secret needed).
    Info {
        /// The backup file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Let a backup passphrase open backups too (needs VAKT_PIN).
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
}

/// `vakt backup passphrase ...`
#[derive(Subcommand)]
pub enum PassphraseCommand {
    /// Set VAKT_BACKUP_PASSPHRASE (12+ characters) as a second way to open
    /// backups made from now on.
    Set,
    /// Stop the passphrase from opening backups made from now on.
    Remove,
}

/// Runs a `vakt backup` command.
pub fn run(ctx: &Context, command: &BackupCommand) -> Result<(), CliError> {
    match command {
        BackupCommand::Export { file, json } => export(ctx, file, *json),
        BackupCommand::Restore { file, json } => restore(ctx, file, *json),
        BackupCommand::Info { file, json } => info(file, *json),
        BackupCommand::Passphrase(command) => passphrase(ctx, command),
    }
}

/// `vakt backup export FILE [--json]`.
fn export(ctx: &Context, file: &Path, json: bool) -> Result<(), CliError> {
    let session = ctx.unlock()?;
    let bytes = session.backup().map_err(|e| CliError::backup(&e))?;
    let accounts = session.accounts().map_err(|e| CliError::vault(&e))?.len();
    let info = backup::inspect(&bytes).map_err(|e| CliError::backup(&e))?;
    files::write_private(file, &bytes)?;
    if json {
        return print_line(
            &json!({
                "file": file.display().to_string(),
                "accounts": accounts,
                "generation": info.generation,
                "backup_id": info.backup_id,
                "passphrase": info.has_passphrase,
            })
            .to_string(),
        );
    }
    let also = if info.has_passphrase {
        " (or the backup passphrase)"
    } else {
        ""
    };
    print_line(&format!(
        "Wrote a backup of {accounts} account(s) to {}.\nIt opens with your current unblock code{also}; \
         keep the code apart from the file.",
        file.display()
    ))
}

/// `vakt backup restore FILE [--json]`: into a new vault in the folder.
fn restore(ctx: &Context, file: &Path, json: bool) -> Result<(), CliError> {
    let bytes = files::read_limited(file, MAX_BACKUP_LEN)?;
    // A bad or foreign file is reported before any secret is asked for.
    let info = backup::inspect(&bytes).map_err(|e| CliError::backup(&e))?;
    ctx.ensure_no_vault()?;
    let code;
    let phrase;
    let secret =
        if !secrets::is_set(secrets::UNBLOCK_CODE) && secrets::is_set(secrets::BACKUP_PASSPHRASE) {
            if !info.has_passphrase {
                return Err(CliError::backup(&backup::BackupError::NoPassphraseSlot));
            }
            phrase = secrets::read_secret(secrets::BACKUP_PASSPHRASE, "Backup passphrase: ")?;
            BackupSecret::Passphrase(&phrase)
        } else {
            let text = secrets::read(secrets::UNBLOCK_CODE, "Unblock code of the backup: ")?;
            code = UnblockCode::parse(&text)
                .map_err(|e| CliError::vault(&VaultError::MistypedUnblockCode(e)))?;
            BackupSecret::UnblockCode(&code)
        };
    let config = ctx.new_vault_config();
    let new_pin = secrets::read_new_pin(secrets::NEW_PIN, &config.pin_policy)?;
    let restored = Vault::restore(
        &ctx.vault_file(),
        ctx.new_device_services()?,
        config,
        &bytes,
        secret,
        &new_pin,
    )
    .map_err(|e| CliError::backup(&e))?;
    let report = &restored.report;
    if json {
        let shown = restored.unblock_code.to_display();
        return print_line(
            &json!({
                // EXPOSE: the new unblock code is shown once, on purpose.
                "unblock_code": shown.expose(),
                "restored": report.restored,
                "needs_reenrolment": report.needs_reenrolment,
                "passphrase": match report.passphrase {
                    PassphraseAfterRestore::NoneSet => "none",
                    PassphraseAfterRestore::Kept => "kept",
                    PassphraseAfterRestore::Dropped => "dropped",
                },
            })
            .to_string(),
        );
    }
    let mut extra = format!(
        "Restored {} account(s) into {}.\n",
        report.restored,
        ctx.dir().display()
    );
    if !report.needs_reenrolment.is_empty() {
        extra.push_str(
            "Enrol these again on this device (their push keys stay with the old one):\n",
        );
        for label in &report.needs_reenrolment {
            extra.push_str(&format!("    {label}\n"));
        }
    }
    match report.passphrase {
        PassphraseAfterRestore::Kept => {
            extra.push_str("The backup passphrase opens this vault's backups too.\n")
        }
        PassphraseAfterRestore::Dropped => extra.push_str(
            "The backup's passphrase was not given, so this vault's backups open with the \
             unblock code only (vakt backup passphrase set, to add it again).\n",
        ),
        PassphraseAfterRestore::NoneSet => {}
    }
    extra.push_str("This vault has a new unblock code; the backup's code does not open it.\n");
    print_unblock_code(&restored.unblock_code, false, &extra)
}

/// `vakt backup info FILE [--json]`: which unblock code opens it (no secret).
fn info(file: &Path, json: bool) -> Result<(), CliError> {
    let bytes = files::read_limited(file, MAX_BACKUP_LEN)?;
    let info = backup::inspect(&bytes).map_err(|e| CliError::backup(&e))?;
    if json {
        return print_line(
            &json!({
                "format_version": info.format_version,
                "backup_id": info.backup_id,
                "generation": info.generation,
                "passphrase": info.has_passphrase,
            })
            .to_string(),
        );
    }
    let also = if info.has_passphrase {
        ", or the backup passphrase"
    } else {
        ""
    };
    print_line(&format!(
        "Vakt backup (format {}), backup key {}.\nOpens with unblock code #{} of that key{also}.",
        info.format_version, info.backup_id, info.generation
    ))
}

/// `vakt backup passphrase set|remove`.
fn passphrase(ctx: &Context, command: &PassphraseCommand) -> Result<(), CliError> {
    let session = ctx.unlock()?;
    match command {
        PassphraseCommand::Set => {
            let phrase: SecretString =
                secrets::read_secret(secrets::BACKUP_PASSPHRASE, "Backup passphrase: ")?;
            session
                .set_backup_passphrase(&phrase)
                .map_err(|e| CliError::vault(&e))?;
            print_line("The backup passphrase opens backups made from now on (vakt backup export).")
        }
        PassphraseCommand::Remove => {
            let removed = session
                .remove_backup_passphrase()
                .map_err(|e| CliError::vault(&e))?;
            print_line(if removed {
                "Backups made from now on open with the unblock code only."
            } else {
                "No backup passphrase was set."
            })
        }
    }
}
