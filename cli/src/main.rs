//! `vakt`, the command-line authenticator.
//!
//! Contract (scripts rely on it): results on stdout, one-line messages on
//! stderr, exit status 0 on success and 2 on bad input (see [`error::Status`]).

mod error;
mod otp_commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// A command-line authenticator: one-time codes from otpauth URIs and vaults.
#[derive(Parser)]
#[command(name = "vakt", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the current code of an otpauth URI (for hotp: the URI's counter).
    Code(otp_commands::CodeArgs),
    /// Work with otpauth URIs.
    #[command(subcommand)]
    Uri(otp_commands::UriCommand),
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Code(args) => otp_commands::code(&args),
        Command::Uri(command) => otp_commands::uri(&command),
    }
}

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
