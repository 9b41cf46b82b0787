//! The vault commands: init, add, list, rename, delete, reorder, codes, next,
//! status, unblock, pin change, new-unblock-code.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use vakt_core::account::{Account, OtpKind, OtpParams};
use vakt_core::clock::{Clock, SystemClock};
use vakt_core::otp::{Algorithm, Digits, Period};
use vakt_core::provision::keytext::parse_base32_key;
use vakt_core::provision::uri;
use vakt_core::vault::{AccountInfo, UnblockCode, Vault, VaultConfig, VaultError};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{account_info_json, print_line, print_unblock_code};
use crate::secrets;

/// Arguments of `vakt add`.
#[derive(Args)]
pub struct AddArgs {
    /// An otpauth:// URI (as in a QR code).
    #[arg(long, conflicts_with_all = ["issuer", "account", "hotp", "steam"])]
    uri: Option<String>,
    /// An image of a QR code (otpauth or Google Authenticator export); adds
    /// every account in it. May be given more than once.
    #[arg(long, value_name = "IMAGE", conflicts_with_all = ["uri", "issuer", "account", "hotp", "steam"])]
    qr: Vec<PathBuf>,
    /// The service's name, for a key typed by hand (read from VAKT_SECRET or a prompt).
    #[arg(long)]
    issuer: Option<String>,
    /// Your name at the service.
    #[arg(long)]
    account: Option<String>,
    /// Counter-based (HOTP) instead of time-based.
    #[arg(long, conflicts_with = "steam")]
    hotp: bool,
    /// A Steam Guard account.
    #[arg(long)]
    steam: bool,
    /// The HOTP counter to start from.
    #[arg(long, requires = "hotp", default_value_t = 0)]
    counter: u64,
    /// SHA1 (default), SHA256 or SHA512.
    #[arg(long, default_value = "SHA1")]
    algorithm: String,
    /// Digits per code, 1–10.
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// Seconds per code (TOTP).
    #[arg(long, default_value_t = 30)]
    period: u64,
}

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

fn manual_account(args: &AddArgs) -> Result<Account, CliError> {
    let key = secrets::read(secrets::SECRET, "Key (as the service shows it): ")?;
    let secret = parse_base32_key(&key).map_err(|e| CliError::bad_input(format!("key: {e}")))?;
    let algorithm = Algorithm::from_name(&args.algorithm).ok_or_else(|| {
        CliError::bad_input(format!(
            "algorithm: '{}' is not SHA1, SHA256 or SHA512",
            args.algorithm
        ))
    })?;
    let digits = Digits::new(args.digits).ok_or_else(|| {
        CliError::bad_input(format!("digits: {} is not from 1 to 10", args.digits))
    })?;
    let kind = if args.steam {
        OtpKind::Steam
    } else if args.hotp {
        OtpKind::Hotp {
            counter: args.counter,
        }
    } else {
        OtpKind::Totp {
            period: Period::new(args.period)
                .ok_or_else(|| CliError::bad_input("period: must be at least 1 second"))?,
        }
    };
    let (algorithm, digits) = if args.steam {
        (Algorithm::Sha1, Digits::new(5).unwrap_or_default())
    } else {
        (algorithm, digits)
    };
    Ok(Account::new(
        args.issuer.as_deref().unwrap_or_default(),
        args.account.as_deref().unwrap_or_default(),
        OtpParams {
            kind,
            algorithm,
            digits,
            secret,
        },
    ))
}

/// `vakt add --uri URI`, `vakt add --qr IMAGE` or `vakt add --issuer I --account A [...]`.
pub fn add(ctx: &Context, args: &AddArgs) -> Result<(), CliError> {
    if !args.qr.is_empty() {
        return crate::commands::scan::add_from_images(ctx, &args.qr);
    }
    if let Some(text) = args
        .uri
        .as_deref()
        .filter(|t| vakt_core::provision::push_enrolment::is_push_uri(t))
    {
        let push = vakt_core::provision::push_enrolment::parse(text)
            .map_err(|e| CliError::bad_input(e.to_string()))?;
        let session = ctx.unlock()?;
        let lines = crate::commands::push::enrol(ctx, &session, &[push])?;
        return print_line(&lines.join("\n"));
    }
    let account = match &args.uri {
        Some(text) => uri::parse(text).map_err(|e| CliError::bad_input(e.to_string()))?,
        None if args.issuer.is_none() && args.account.is_none() => {
            return Err(CliError::bad_input(
                "give --uri, --qr, or --issuer and/or --account for a key typed by hand",
            ));
        }
        None => manual_account(args)?,
    };
    let session = ctx.unlock()?;
    let id = session.add(&account).map_err(|e| CliError::vault(&e))?;
    print_line(&format!("added #{id}"))
}

fn label(info: &AccountInfo) -> String {
    match (info.issuer.is_empty(), info.name.is_empty()) {
        (false, false) => format!("{} ({})", info.issuer, info.name),
        (false, true) => info.issuer.clone(),
        (true, _) => info.name.clone(),
    }
}

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
        .map(|a| format!("{:>4}  {:<5}  {}", a.id, a.kind.name(), label(a)))
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
    let now = at.unwrap_or_else(|| SystemClock.now_unix());
    let entries = ctx.unlock()?.codes(now).map_err(|e| CliError::vault(&e))?;
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
                label(&e.info)
            ),
            None => format!(
                "{:>4}  {:<10}  {:>4}  {:<15}  {}",
                e.info.id,
                "(hotp)",
                "",
                format!("vakt next {}", e.info.id),
                label(&e.info)
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

/// `vakt status [--json]`: the lockout state; needs no PIN.
pub fn status(ctx: &Context, json: bool) -> Result<(), CliError> {
    let s = ctx
        .open_vault()?
        .status()
        .map_err(|e| CliError::vault(&e))?;
    if json {
        return print_line(
            &json!({
                "blocked": s.blocked,
                "attempts_left": s.attempts_left,
                "failed_pin_attempts": s.failed_pin_attempts,
                "failed_unblock_attempts": s.failed_unblock_attempts,
                "next_unblock_delay_seconds": s.next_unblock_delay.as_secs(),
            })
            .to_string(),
        );
    }
    if s.blocked {
        print_line("blocked: unblock it with the unblock code (vakt unblock)")
    } else {
        print_line(&format!("ok: {} PIN attempt(s) left", s.attempts_left))
    }
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
