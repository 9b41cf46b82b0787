//! `vakt add`: an account from an otpauth URI or a key typed by hand, or
//! whatever the QR codes in images hold (accounts, Google Authenticator
//! exports, push tokens to enrol).
//!
//! # Contract
//! - `vakt add --uri URI` or `vakt add --issuer I --account A [...]` (the key
//!   from VAKT_SECRET or a prompt): prints `added #ID` (and a note on stderr
//!   when an account under other names gives the same codes). An account
//!   already in the vault under the same names is refused (exit 2), naming
//!   its id. `--uri` takes `otpauth://` URIs only.
//! - `vakt add --qr IMAGE`: adds every account found, one line each:
//!   `added #ID  LABEL` (with `(gives the same codes as #ID)` when an account
//!   under other names does), or `already in the vault as #ID  LABEL` (not
//!   added again). Exit 0 when every usable account found is now in the vault;
//!   unusable entries and foreign codes are reported on stderr alongside.
//!   Exit 2, with a message, when nothing usable is found (no PIN is asked
//!   for then).
//! - `vakt add --qr PUSH_QR.png` or `vakt add --uri otpauth://pipush/…` enrols
//!   the push token (talks to the server): prints `enrolled push token #ID
//!   NAME  (SERIAL)`, or `push token SERIAL is already enrolled as #ID`. Push
//!   tokens are enrolled before any account is added; a server that cannot
//!   be reached or refuses stops the command (exit 7).
//!
//! - `vakt add --qr CONTAINER_QR.png` or `vakt add --uri pia://container/…`
//!   registers with a privacyIDEA container and synchronises it: see
//!   `commands::container` for what it prints.
//!
//! Every code is added through the core's one entry point,
//! `Session::provision` (an export code's accounts in one transaction).

use std::path::PathBuf;

use clap::Args;
use vakt_core::account::{Account, OtpKind, OtpParams};
use vakt_core::entries::{AccountAdded, Added, PushSetup};
use vakt_core::otp::{Algorithm, Digits, Period};
use vakt_core::provision::keytext::parse_base32_key;
use vakt_core::provision::{self, ProvisionError, Provisioning, uri};
use vakt_core::push::{EnrolOptions, PushError};
use vakt_core::vault::{AddOutcome, Session, VaultError};

use crate::containers::register_and_sync;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{print_line, print_warning};
use crate::qr_reader::{interpret, scan_images};
use crate::secrets;

/// Arguments of `vakt add`.
#[derive(Args)]
pub struct AddArgs {
    /// An otpauth:// URI (as in a QR code); `-` reads it from stdin, and
    /// VAKT_URI is read when no other source is given (on the command line,
    /// other users can see the key).
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

/// The account of a key typed by hand (VAKT_SECRET or a prompt) and the
/// flags.
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
    let uri = match (&args.uri, &args.issuer, &args.account) {
        (Some(arg), _, _) => secrets::read_uri(Some(arg))?,
        (None, None, None) => secrets::read_uri(None)?,
        _ => None,
    };
    let code = match &uri {
        Some(text) => {
            let code = classify_uri(text)?;
            secrets::warn_uri_on_command_line(args.uri.as_deref());
            code
        }
        None if args.issuer.is_none() && args.account.is_none() => {
            return Err(CliError::bad_input(
                "give --uri, --qr, or --issuer and/or --account for a key typed by hand",
            ));
        }
        None => Provisioning::Account(manual_account(args)?),
    };
    let session = ctx.unlock()?;
    match code {
        // One account: `added #ID`, or refused as a duplicate.
        Provisioning::Account(_) => {
            let lines = match provision_one(ctx, &session, &code) {
                Ok(Added::Accounts(accounts)) => accounts.iter().map(added_line).collect::<Result<
                    Vec<_>,
                    _,
                >>(
                )?,
                result => outcome_lines(&code, result)?,
            };
            print_line(&lines.join("\n"))
        }
        // A push token: enrolled and reported as from a QR code.
        _ => add_codes(ctx, &session, [&code]),
    }
}

/// `added #ID` for an account given by URI or by hand — the whole line, as
/// scripts read it; that it gives the same codes as another account is a note
/// on stderr. A duplicate is refused, naming the one there.
fn added_line(account: &AccountAdded) -> Result<String, CliError> {
    match account.outcome {
        AddOutcome::Added(id) => Ok(format!("added #{id}")),
        AddOutcome::AddedLike { id, like } => {
            print_warning(&format!(
                "note: #{id} gives the same codes as #{like}, which has other names \
                 (the same account renamed? vakt delete ID removes one)"
            ));
            Ok(format!("added #{id}"))
        }
        AddOutcome::Duplicate(id) => Err(CliError::vault(&VaultError::Duplicate { id })),
    }
}

/// What `--uri` names: an `otpauth://` URI's account, or a push token to
/// enrol. Other text (an export code's, a web address) is refused the way
/// the otpauth parser refuses it, naming the scheme it expects.
fn classify_uri(text: &str) -> Result<Provisioning, CliError> {
    match provision::classify(text) {
        Ok(
            code @ (Provisioning::Account(_) | Provisioning::Push(_) | Provisioning::Container(_)),
        ) => Ok(code),
        Err(ProvisionError::Uri(e)) => Err(CliError::bad_input(e.to_string())),
        Err(ProvisionError::Push(e) | ProvisionError::Container(e)) => {
            Err(CliError::bad_input(e.to_string()))
        }
        Ok(Provisioning::Migration(_))
        | Err(ProvisionError::NotAuthenticator { .. } | ProvisionError::Migration(_)) => {
            Err(CliError::bad_input(match uri::parse(text) {
                Err(e) => e.to_string(),
                Ok(_) => "not an otpauth:// URI".to_owned(),
            }))
        }
    }
}

/// `vakt add --qr IMAGE...`: adds what every code holds — push tokens first
/// (so a server that fails stops the command before any account is added),
/// then the accounts.
fn add_from_images(ctx: &Context, images: &[PathBuf]) -> Result<(), CliError> {
    let found = interpret(scan_images(images)?).report("no usable authenticator QR code found")?;
    let (pushes, accounts): (Vec<_>, Vec<_>) = found
        .iter()
        .partition(|f| matches!(f.code, Provisioning::Push(_) | Provisioning::Container(_)));

    let session = ctx.unlock()?;
    add_codes(
        ctx,
        &session,
        pushes.into_iter().chain(accounts).map(|f| &f.code),
    )
}

/// Adds `codes` in turn, printing a line for each push token and account;
/// when one fails, the lines so far are printed before the error.
fn add_codes<'a>(
    ctx: &Context,
    session: &Session,
    codes: impl IntoIterator<Item = &'a Provisioning>,
) -> Result<(), CliError> {
    let mut lines = Vec::new();
    for code in codes {
        if let Provisioning::Container(container) = code {
            match register_and_sync(ctx, session, container) {
                Ok(more) => lines.extend(more),
                Err(e) => {
                    print_line(&lines.join("\n"))?;
                    return Err(e);
                }
            }
            continue;
        }
        match outcome_lines(code, provision_one(ctx, session, code)) {
            Ok(more) => lines.extend(more),
            Err(e) => {
                print_line(&lines.join("\n"))?;
                return Err(e);
            }
        }
    }
    print_line(&lines.join("\n"))
}

/// Adds what one code holds through the core's one entry point; a push token
/// is enrolled with its server under the user's connection rules.
fn provision_one(
    ctx: &Context,
    session: &Session,
    code: &Provisioning,
) -> Result<Added, PushError> {
    let context = ctx.push_context();
    let options = EnrolOptions::default();
    session.provision(
        code,
        Some(PushSetup {
            context: &context,
            options: &options,
        }),
    )
}

/// The lines saying what adding `code` did — a push token enrolled (or
/// already enrolled here), each account added or already there — or the error
/// to stop with.
fn outcome_lines(
    code: &Provisioning,
    result: Result<Added, PushError>,
) -> Result<Vec<String>, CliError> {
    match (code, result) {
        (_, Ok(Added::PushToken(token))) => Ok(vec![format!(
            "enrolled push token #{}  {}  ({})",
            token.id,
            token.display_name(),
            token.serial
        )]),
        (_, Ok(Added::Accounts(accounts))) => Ok(accounts.iter().map(account_line).collect()),
        (Provisioning::Push(push), Err(PushError::Vault(VaultError::Duplicate { id }))) => {
            Ok(vec![format!(
                "push token {} is already enrolled as #{id}",
                push.serial
            )])
        }
        (Provisioning::Push(_), Err(e)) => Err(CliError::push_enrolment(&e)),
        (_, Err(e)) => Err(CliError::push(&e)),
    }
}

/// `added #ID  LABEL` (with the account it gives the same codes as), or
/// `already in the vault as #ID  LABEL`.
fn account_line(account: &AccountAdded) -> String {
    let label = account.display_label();
    match account.outcome {
        AddOutcome::Added(id) => format!("added #{id}  {label}"),
        AddOutcome::AddedLike { id, like } => {
            format!("added #{id}  {label} (gives the same codes as #{like})")
        }
        AddOutcome::Duplicate(id) => format!("already in the vault as #{id}  {label}"),
    }
}
