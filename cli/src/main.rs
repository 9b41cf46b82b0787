//! `vakt`, the command-line authenticator.
//!
//! Contract (scripts rely on it): results on stdout, one-line messages on
//! stderr, exit status 0 on success and 2 on bad input (see [`error::Status`]).
//!
//! Layers, each using only those below it:
//! - `main.rs`: parses the arguments (clap) and dispatches to a command.
//! - `commands/`: one module per command group; commands never use each other.
//! - [`context`]: the vault folder and the global flags of this run, and what
//!   is done with them (open, unlock, make a vault; reach push servers).
//! - [`qr_reader`]: QR codes read from image files and frames, and what they
//!   hold.
//! - [`output`] (what is printed, shared JSON shapes), [`secrets`] (from the
//!   environment or a prompt), [`files`] (size-limited reads, private
//!   writes), [`error`] (exit statuses, and every core error mapped to one).

mod commands;
mod context;
mod error;
mod files;
mod output;
mod qr_reader;
mod secrets;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::Context;
use crate::error::CliError;

/// A command-line authenticator: one-time codes from otpauth URIs and vaults.
#[derive(Parser)]
#[command(name = "vakt", version, about, long_about = None)]
struct Cli {
    /// The folder that holds the vault (created if missing).
    /// Default: $XDG_DATA_HOME/vakt, else ~/.local/share/vakt.
    #[arg(long, global = true, value_name = "DIR", env = "VAKT_VAULT")]
    vault: Option<PathBuf>,
    /// Allow push servers over plain http on other machines, and honour a
    /// server's request not to verify its TLS certificate (sslverify=0).
    #[arg(long, global = true)]
    allow_insecure: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the current code of an otpauth URI (for hotp: the URI's counter).
    Code(commands::otp::CodeArgs),
    /// Work with otpauth URIs.
    #[command(subcommand)]
    Uri(commands::otp::UriCommand),
    /// Create a vault protected by VAKT_PIN; prints the unblock code once.
    Init {
        /// Print {"unblock_code": "..."}.
        #[arg(long)]
        json: bool,
    },
    /// Add an account from an otpauth URI, a QR code image, or a key typed by hand (VAKT_SECRET).
    Add(commands::add::AddArgs),
    /// Show what QR codes in images (or a raw luma frame) hold; needs no vault.
    Scan(commands::scan::ScanArgs),
    /// Write accounts as Google Authenticator export QR codes (PNG files).
    Export(commands::export::ExportArgs),
    /// Draw one account's otpauth QR code in the terminal (or as a PNG).
    Qr(commands::export::QrArgs),
    /// List the accounts (never their keys).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Give an account a new name (and issuer).
    Rename {
        /// The account's id (see vakt list).
        id: u64,
        /// The new account name.
        name: String,
        /// A new issuer too.
        #[arg(long)]
        issuer: Option<String>,
    },
    /// Delete an account.
    Delete {
        /// The account's id.
        id: u64,
    },
    /// Put the accounts in this order (every id once).
    Reorder {
        /// Every account id, in the new order.
        #[arg(required = true)]
        ids: Vec<u64>,
    },
    /// Show the current codes (HOTP accounts without a code: see vakt next).
    Codes {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The time, in Unix seconds (default: now).
        #[arg(long, value_name = "UNIX_SECONDS")]
        at: Option<u64>,
    },
    /// Advance an HOTP account's counter and print its code.
    Next {
        /// The account's id.
        id: u64,
    },
    /// Show the lockout state (no PIN needed).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unblock with VAKT_UNBLOCK_CODE, set VAKT_NEW_PIN; prints the new unblock code.
    Unblock {
        /// Print {"unblock_code": "..."}.
        #[arg(long)]
        json: bool,
    },
    /// Change the PIN.
    #[command(subcommand)]
    Pin(commands::vault::PinCommand),
    /// Replace the unblock code with a new one (needs VAKT_PIN).
    NewUnblockCode {
        /// Print {"unblock_code": "..."}.
        #[arg(long)]
        json: bool,
    },
    /// Back up every account to one encrypted file, or restore one.
    #[command(subcommand)]
    Backup(commands::backup::BackupCommand),
    /// Add the accounts of another app's export file (needs VAKT_PIN).
    Import(commands::import::ImportArgs),
    /// Push login requests (privacyIDEA): poll, approve, deny; token-update.
    #[command(subcommand)]
    Push(commands::push::PushCommand),
    /// The clock offset applied to codes and push: show it, sync it from a server, or set it.
    Time(commands::time::TimeArgs),
    /// Escrow of the unblock code to an organisation: keygen, enrol, status, pending, open, disable.
    #[command(subcommand)]
    Escrow(commands::escrow::EscrowCommand),
}

/// Runs the parsed command.
fn run(cli: Cli) -> Result<(), CliError> {
    // Built by the commands that use a vault (the others need no folder).
    let ctx = || Context::new(cli.vault.clone(), cli.allow_insecure);
    match &cli.command {
        Command::Code(args) => commands::otp::code(args),
        Command::Uri(command) => commands::otp::uri(command),
        Command::Init { json } => commands::vault::init(&ctx()?, *json),
        Command::Add(args) => commands::add::add(&ctx()?, args),
        Command::Scan(args) => commands::scan::scan(args),
        Command::Export(args) => commands::export::export(&ctx()?, args),
        Command::Qr(args) => commands::export::qr(&ctx()?, args),
        Command::List { json } => commands::accounts::list(&ctx()?, *json),
        Command::Rename { id, name, issuer } => {
            commands::accounts::rename(&ctx()?, *id, name, issuer.as_deref())
        }
        Command::Delete { id } => commands::accounts::delete(&ctx()?, *id),
        Command::Reorder { ids } => commands::accounts::reorder(&ctx()?, ids),
        Command::Codes { json, at } => commands::accounts::codes(&ctx()?, *json, *at),
        Command::Next { id } => commands::accounts::next(&ctx()?, *id),
        Command::Status { json } => commands::vault::status(&ctx()?, *json),
        Command::Unblock { json } => commands::vault::unblock(&ctx()?, *json),
        Command::Pin(command) => commands::vault::pin(&ctx()?, command),
        Command::NewUnblockCode { json } => commands::vault::new_unblock_code(&ctx()?, *json),
        Command::Backup(command) => commands::backup::run(&ctx()?, command),
        Command::Import(args) => commands::import::import(&ctx()?, args),
        Command::Push(command) => commands::push::run(&ctx()?, command),
        Command::Time(args) => commands::time::run(&ctx()?, args),
        Command::Escrow(command) => commands::escrow::run(ctx, command),
    }
}

/// Parses the arguments, runs the command, and exits with its status.
fn main() -> ExitCode {
    error::install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to
            // stderr (exit 2, our "bad input").
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}
