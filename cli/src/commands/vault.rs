//! The vault's life: `vakt init`, `status`, `unblock`, `pin change`,
//! `new-unblock-code`.

use clap::Subcommand;
use serde_json::json;
use vakt_core::vault::{UnblockCode, Vault, VaultConfig, VaultError};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{print_line, print_unblock_code};
use crate::secrets;

/// `vakt pin ...`
#[derive(Subcommand)]
pub enum PinCommand {
    /// Change the PIN (VAKT_PIN, VAKT_NEW_PIN); the current PIN counts as an attempt.
    Change,
}

/// Said whenever a new unblock code replaces one.
const BACKUP_NOTE: &str = "Backups made before now still need the previous unblock code; \
make a new backup now (vakt backup export) so that this code opens it.\n";

/// `vakt init [--json]`.
pub fn init(ctx: &Context, json: bool) -> Result<(), CliError> {
    let config = ctx.new_vault_config();
    // Opening tells "already initialised" from "unreadable"; either way the
    // file is left alone.
    ctx.ensure_no_vault()?;
    let pin = secrets::read_new_pin(secrets::PIN, &config.pin_policy)?;
    let (_, code) = Vault::create(&ctx.vault_file(), ctx.new_device_services()?, config, &pin)
        .map_err(|e| CliError::vault(&e))?;
    print_unblock_code(
        &code,
        json,
        &format!("Created a vault in {}.\n", ctx.dir().display()),
    )
}

/// `vakt status [--json]`: the lockout state; needs no PIN.
pub fn status(ctx: &Context, json: bool) -> Result<(), CliError> {
    let s = ctx
        .open_vault()?
        .status()
        .map_err(|e| CliError::vault(&e))?;
    let keystore = ctx.device_key_location()?.map_or("missing", |l| l.name());
    if json {
        return print_line(
            &json!({
                "blocked": s.blocked,
                "attempts_left": s.attempts_left,
                "failed_pin_attempts": s.failed_pin_attempts,
                "failed_unblock_attempts": s.failed_unblock_attempts,
                "next_unblock_delay_seconds": s.next_unblock_delay.as_secs(),
                "keystore": keystore,
            })
            .to_string(),
        );
    }
    let state = if s.blocked {
        "blocked: unblock it with the unblock code (vakt unblock)".to_owned()
    } else {
        format!("ok: {} PIN attempt(s) left", s.attempts_left)
    };
    let key = match keystore {
        "keyring" => "device key: in the OS keyring",
        "file" => {
            "device key: in a file beside the vault (vakt keystore migrate moves it into the OS keyring)"
        }
        _ => "device key: missing (this folder was copied without it, or it was deleted)",
    };
    print_line(&format!("{state}\n{key}"))
}

/// `vakt unblock [--json]` with VAKT_UNBLOCK_CODE and VAKT_NEW_PIN.
pub fn unblock(ctx: &Context, json: bool) -> Result<(), CliError> {
    let vault = ctx.open_vault()?;
    let text = secrets::read(secrets::UNBLOCK_CODE, "Unblock code: ")?;
    let code = UnblockCode::parse(&text)
        .map_err(|e| CliError::vault(&VaultError::MistypedUnblockCode(e)))?;
    let new_pin = secrets::read_new_pin(secrets::NEW_PIN, &VaultConfig::default().pin_policy)?;
    let (_, new_code) = vault
        .unblock(&code, &new_pin)
        .map_err(|e| CliError::vault(&e))?;
    print_unblock_code(
        &new_code,
        json,
        &format!(
            "Unblocked; the new PIN is set. The old unblock code no longer works.\n{BACKUP_NOTE}"
        ),
    )
}

/// `vakt pin change` with VAKT_PIN and VAKT_NEW_PIN.
pub fn pin(ctx: &Context, command: &PinCommand) -> Result<(), CliError> {
    let PinCommand::Change = command;
    let vault = ctx.open_vault()?;
    let current = secrets::read_pin(secrets::PIN, "Current PIN: ")?;
    let new = secrets::read_new_pin(secrets::NEW_PIN, &VaultConfig::default().pin_policy)?;
    vault
        .change_pin(&current, &new)
        .map_err(|e| CliError::vault(&e))?;
    print_line("PIN changed")
}

/// `vakt new-unblock-code [--json]`: replaces the unblock code (needs the PIN).
pub fn new_unblock_code(ctx: &Context, json: bool) -> Result<(), CliError> {
    let code = ctx
        .unlock()?
        .reissue_unblock_code()
        .map_err(|e| CliError::vault(&e))?;
    print_unblock_code(
        &code,
        json,
        &format!("The old unblock code no longer works.\n{BACKUP_NOTE}"),
    )
}
