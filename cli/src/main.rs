//! `vakt`, the command-line authenticator.
//!
//! Contract (scripts rely on it): results on stdout, one-line messages on
//! stderr, exit status 0 on success and 2 on bad input (see [`error::Status`]).
//!
//! Layers, each using only those below it:
//! - `main.rs`: parses the arguments (clap) and dispatches to a command.
//! - `commands/`: one module per command group; commands never use each other.
//! - [`context`]: the vault folder and the global flags of this run, and what
//!   is done with them (open, unlock, make a vault; reach push servers);
//!   [`device_key`]: where the device key is (the OS keyring or a file).
//! - [`qr_reader`]: QR codes read from image files and frames, and what they
//!   hold; [`live`]: the live code view in the terminal.
//! - [`output`] (what is printed, shared JSON shapes), [`secrets`] (from the
//!   environment or a prompt), [`files`] (size-limited reads, private
//!   writes), [`error`] (exit statuses, and every core error mapped to one).

mod commands;
mod containers;
mod context;
mod device_key;
mod error;
mod files;
mod live;
mod output;
mod qr_reader;
mod secrets;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::context::Context;
use crate::error::CliError;

/// A command-line authenticator: one-time codes from otpauth URIs and vaults.
#[derive(Parser)]
#[command(
    name = "vakt",
    version,
    after_help = "Example: VAKT_PIN=493817 vakt init && vakt add --qr screenshot.png && vakt codes\n\nThe PIN is read from VAKT_PIN or a prompt; see `man vakt` (vakt man) for every command."
)]
struct Cli {
    /// The folder that holds the vault (created if missing).
    /// Default: $XDG_DATA_HOME/vakt, else ~/.local/share/vakt.
    #[arg(long, global = true, value_name = "DIR", env = "VAKT_VAULT")]
    vault: Option<PathBuf>,
    /// Allow push servers over plain http on other machines, and honour a
    /// server's request not to verify its TLS certificate (sslverify=0).
    #[arg(long, global = true)]
    allow_insecure: bool,
    /// Where a new vault's device key goes: the OS keyring (Secret Service,
    /// Keychain, Credential Manager), a file beside the vault, or auto (the
    /// keyring where one runs, else a file with a warning). An existing vault
    /// uses wherever its key is.
    #[arg(long, global = true, value_enum, default_value_t = device_key::Choice::Auto, env = "VAKT_KEYSTORE")]
    keystore: device_key::Choice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the current code of an otpauth URI (for hotp: the URI's counter).
    #[command(
        after_help = "Example: VAKT_URI=\"otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP\" vakt code"
    )]
    Code(commands::otp::CodeArgs),
    /// Work with otpauth URIs.
    #[command(subcommand)]
    #[command(after_help = "Example: vakt uri inspect --uri - < uri.txt")]
    Uri(commands::otp::UriCommand),
    /// Create a vault protected by VAKT_PIN; prints the unblock code once.
    #[command(
        after_help = "Example: VAKT_PIN=493817 vakt init   (write the unblock code down, or enrol escrow)"
    )]
    Init {
        /// Print {"unblock_code": "..."}.
        #[arg(long)]
        json: bool,
    },
    /// Add an account from an otpauth URI, a QR code image, or a key typed by hand (VAKT_SECRET).
    #[command(after_help = "Example: vakt add --qr screenshot.png")]
    Add(commands::add::AddArgs),
    /// Show what QR codes in images (or a raw luma frame) hold; needs no vault.
    #[command(after_help = "Example: vakt scan export-1.png export-2.png")]
    Scan(commands::scan::ScanArgs),
    /// Write accounts as Google Authenticator export QR codes (PNG files).
    #[command(after_help = "Example: vakt export --qr ./codes 1 2 3")]
    Export(commands::export::ExportArgs),
    /// Draw one account's otpauth QR code in the terminal (or as a PNG).
    #[command(after_help = "Example: vakt qr 3")]
    Qr(commands::export::QrArgs),
    /// List the accounts (never their keys).
    #[command(after_help = "Example: vakt list --json")]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Give an account a new name (and issuer).
    #[command(after_help = "Example: vakt rename 3 alice@example.com --issuer \"Example Corp\"")]
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
    #[command(after_help = "Example: vakt delete 3")]
    Delete {
        /// The account's id.
        id: u64,
    },
    /// Put the accounts in this order (every id once).
    #[command(after_help = "Example: vakt reorder 2 1 3")]
    Reorder {
        /// Every account id, in the new order.
        #[arg(required = true)]
        ids: Vec<u64>,
    },
    /// Show the current codes (HOTP accounts without a code: see vakt next).
    #[command(after_help = "Example: vakt codes --watch")]
    Codes {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The time, in Unix seconds (default: now). With --watch: the time
        /// the view starts at, running on from there (screenshots, tests).
        #[arg(long, value_name = "UNIX_SECONDS")]
        at: Option<u64>,
        /// A live view in the terminal: countdowns, the next code near the
        /// end, HOTP codes on Enter, a filter as you type, copy with Enter.
        #[arg(long, conflicts_with = "json")]
        watch: bool,
        /// With --watch: lock (leave the view) after this many seconds
        /// without a key; 0: never.
        #[arg(
            long,
            value_name = "SECONDS",
            default_value_t = 300,
            requires = "watch"
        )]
        idle_lock: u64,
    },
    /// Advance an HOTP account's counter and print its code.
    #[command(after_help = "Example: vakt next 4")]
    Next {
        /// The account's id.
        id: u64,
    },
    /// Show the lockout state (no PIN needed).
    #[command(after_help = "Example: vakt status --json")]
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unblock with VAKT_UNBLOCK_CODE, set VAKT_NEW_PIN; prints the new unblock code.
    #[command(after_help = "Example: VAKT_UNBLOCK_CODE=... VAKT_NEW_PIN=... vakt unblock")]
    Unblock {
        /// Print {"unblock_code": "..."}.
        #[arg(long)]
        json: bool,
    },
    /// Change the PIN.
    #[command(subcommand)]
    #[command(after_help = "Example: vakt pin change   (asks for the current and the new PIN)")]
    Pin(commands::vault::PinCommand),
    /// Replace the unblock code with a new one (needs VAKT_PIN).
    #[command(after_help = "Example: vakt new-unblock-code")]
    NewUnblockCode {
        /// Print {"unblock_code": "..."}.
        #[arg(long)]
        json: bool,
    },
    /// Back up every account to one encrypted file, or restore one.
    #[command(subcommand)]
    #[command(after_help = "Example: vakt backup export vakt-backup.bin")]
    Backup(commands::backup::BackupCommand),
    /// Add the accounts of another app's export file (needs VAKT_PIN).
    #[command(after_help = "Example: vakt import --from aegis aegis-export.json")]
    Import(commands::import::ImportArgs),
    /// Push login requests (privacyIDEA): poll, approve, deny; token-update.
    #[command(subcommand)]
    #[command(after_help = "Example: vakt push poll")]
    Push(commands::push::PushCommand),
    /// privacyIDEA containers: list, sync, unregister (register with vakt add).
    #[command(subcommand)]
    #[command(after_help = "Example: vakt container sync")]
    Container(commands::container::ContainerCommand),
    /// The clock offset applied to codes and push: show it, sync it from a server, or set it.
    #[command(after_help = "Example: vakt time sync https://pi.example.com")]
    Time(commands::time::TimeArgs),
    /// Move the device key into the OS keyring (vakt keystore migrate).
    #[command(subcommand, after_help = "Example: vakt keystore migrate")]
    Keystore(commands::keystore::KeystoreCommand),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Example: vakt completions bash > ~/.local/share/bash-completion/completions/vakt"
    )]
    Completions(commands::docs::CompletionsArgs),
    /// Print the man page, or write every page into a folder.
    #[command(after_help = "Example: vakt man --out ~/.local/share/man/man1 && man vakt")]
    Man(commands::docs::ManArgs),
    /// Escrow of the unblock code to an organisation: keygen, enrol, status, pending, open, disable.
    #[command(
        subcommand,
        after_help = "Example: vakt escrow enrol --org age1… --hint alice@example.com"
    )]
    Escrow(commands::escrow::EscrowCommand),
}

/// Runs the parsed command.
fn run(cli: Cli) -> Result<(), CliError> {
    // Built by the commands that use a vault (the others need no folder).
    let ctx = || Context::new(cli.vault.clone(), cli.allow_insecure, cli.keystore);
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
        Command::Codes {
            json,
            at,
            watch: false,
            ..
        } => commands::accounts::codes(&ctx()?, *json, *at),
        Command::Codes {
            at,
            watch: true,
            idle_lock,
            ..
        } => commands::accounts::watch(&ctx()?, *at, *idle_lock),
        Command::Next { id } => commands::accounts::next(&ctx()?, *id),
        Command::Status { json } => commands::vault::status(&ctx()?, *json),
        Command::Unblock { json } => commands::vault::unblock(&ctx()?, *json),
        Command::Pin(command) => commands::vault::pin(&ctx()?, command),
        Command::NewUnblockCode { json } => commands::vault::new_unblock_code(&ctx()?, *json),
        Command::Backup(command) => commands::backup::run(&ctx()?, command),
        Command::Import(args) => commands::import::import(&ctx()?, args),
        Command::Push(command) => commands::push::run(&ctx()?, command),
        Command::Container(command) => commands::container::run(&ctx()?, command),
        Command::Time(args) => commands::time::run(&ctx()?, args),
        Command::Keystore(command) => commands::keystore::run(&ctx()?, command),
        Command::Completions(args) => commands::docs::completions(Cli::command(), args),
        Command::Man(args) => commands::docs::man(Cli::command(), args),
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
