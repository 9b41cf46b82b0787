//! `vakt add`: an account from an otpauth URI or a key typed by hand, or
//! whatever the QR codes in images hold (accounts, Google Authenticator
//! exports, push tokens to enrol).
//!
//! # Contract
//! - `vakt add --uri URI` or `vakt add --issuer I --account A [...]` (the key
//!   from VAKT_SECRET or a prompt): prints `added #ID`. An account already in
//!   the vault is refused (exit 2), naming its id.
//! - `vakt add --qr IMAGE`: adds every account found. Accounts already in the
//!   vault are reported and not added again. Exit 0 when every usable account
//!   found is now in the vault (added, or already there); unusable entries and
//!   foreign codes are reported on stderr alongside. Exit 2, with a message,
//!   when nothing usable is found (no PIN is asked for then).
//! - `vakt add --qr PUSH_QR.png` or `vakt add --uri otpauth://pipush/…` enrols
//!   the push token (talks to the server): prints `enrolled push token #ID
//!   SERIAL`.

use std::path::PathBuf;

use clap::Args;
use vakt_core::account::{Account, OtpKind, OtpParams};
use vakt_core::otp::{Algorithm, Digits, Period};
use vakt_core::provision::keytext::parse_base32_key;
use vakt_core::provision::push_enrolment::PushEnrolment;
use vakt_core::provision::uri;
use vakt_core::push::{EnrolOptions, PushError};
use vakt_core::vault::{Session, VaultError};

use crate::context::Context;
use crate::error::CliError;
use crate::output::print_line;
use crate::qr_reader::{Found, account_label, interpret, scan_images};
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
        return add_from_images(ctx, &args.qr);
    }
    if let Some(text) = args
        .uri
        .as_deref()
        .filter(|t| vakt_core::provision::push_enrolment::is_push_uri(t))
    {
        let push = vakt_core::provision::push_enrolment::parse(text)
            .map_err(|e| CliError::bad_input(e.to_string()))?;
        let session = ctx.unlock()?;
        let lines = enrol(ctx, &session, &[push])?;
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

/// `vakt add --qr IMAGE...`: adds every account the codes hold.
pub fn add_from_images(ctx: &Context, images: &[PathBuf]) -> Result<(), CliError> {
    let findings = interpret(scan_images(images)?);
    let pushes: Vec<PushEnrolment> = findings
        .found
        .iter()
        .filter_map(|f| match f {
            Found::Push { push, .. } => Some((**push).clone()),
            Found::Account { .. } => None,
        })
        .collect();
    let accounts: Vec<Account> = findings.accounts().cloned().collect();
    findings.report("no usable authenticator QR code found")?;

    let session = ctx.unlock()?;
    let mut lines = enrol(ctx, &session, &pushes)?;
    for account in &accounts {
        let label = account_label(account);
        match session.add(account) {
            Ok(id) => lines.push(format!("added #{id}  {label}")),
            Err(VaultError::Duplicate { id }) => {
                lines.push(format!("already in the vault as #{id}  {label}"));
            }
            Err(e) => {
                print_line(&lines.join("\n"))?;
                return Err(CliError::vault(&e));
            }
        }
    }
    print_line(&lines.join("\n"))
}

/// Enrols scanned or typed push tokens; one line per token.
pub fn enrol(
    ctx: &Context,
    session: &Session,
    pushes: &[PushEnrolment],
) -> Result<Vec<String>, CliError> {
    let net = ctx.push_context();
    let mut lines = Vec::new();
    for push in pushes {
        match session.enrol_push(push, &net, &EnrolOptions::default()) {
            Ok(token) => lines.push(format!(
                "enrolled push token #{}  {}  ({})",
                token.id,
                token.display_name(),
                token.serial
            )),
            Err(PushError::Vault(vakt_core::vault::VaultError::Duplicate { id })) => {
                lines.push(format!(
                    "push token {} is already enrolled as #{id}",
                    push.serial
                ));
            }
            Err(e) => {
                print_line(&lines.join("\n"))?;
                return Err(CliError::push_enrolment(&e));
            }
        }
    }
    Ok(lines)
}
