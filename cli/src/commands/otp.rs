//! `vakt code` and `vakt uri inspect`: codes and fields of a single otpauth URI,
//! no vault needed.

use clap::{Args, Subcommand};
use serde_json::Value;
use vakt_core::Account;
use vakt_core::clock::{Clock, SystemClock};
use vakt_core::provision::uri;

use crate::error::CliError;
use crate::output::{account_json, print_line};

/// Arguments of `vakt code`.
#[derive(Args)]
pub struct CodeArgs {
    /// The otpauth:// URI; `-` reads it from stdin; without it, VAKT_URI
    /// (on the command line, other users can see the key).
    #[arg(long)]
    uri: Option<String>,
    /// The time to compute the code for, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<u64>,
}

/// `vakt uri ...`
#[derive(Subcommand)]
pub enum UriCommand {
    /// Print the fields of an otpauth URI (the secret only with --reveal).
    Inspect {
        /// The otpauth:// URI; `-` reads it from stdin; without it, VAKT_URI.
        uri: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also print the secret (base32, upper case, no padding).
        #[arg(long)]
        reveal: bool,
    },
}

/// The account of the otpauth URI given as `arg`, on stdin or in VAKT_URI.
fn parse(arg: Option<&str>) -> Result<Account, CliError> {
    let text = crate::secrets::read_uri(arg)?.ok_or_else(|| {
        CliError::bad_input(format!(
            "give the URI: --uri - (stdin), {}, or as an argument",
            crate::secrets::URI
        ))
    })?;
    let account = uri::parse(&text).map_err(|e| CliError::bad_input(e.to_string()))?;
    crate::secrets::warn_uri_on_command_line(arg);
    Ok(account)
}

/// `vakt code --uri URI [--at T]`: the code alone on stdout.
pub fn code(args: &CodeArgs) -> Result<(), CliError> {
    let account = parse(args.uri.as_deref())?;
    let now = args.at.unwrap_or_else(|| SystemClock.now_unix());
    print_line(account.params.current_code(now).as_str())
}

/// `vakt uri inspect URI [--json] [--reveal]`.
pub fn uri(command: &UriCommand) -> Result<(), CliError> {
    let UriCommand::Inspect { uri, json, reveal } = command;
    let account = parse(uri.as_deref())?;
    let fields = account_json(&account, *reveal);
    if *json {
        return print_line(&Value::Object(fields).to_string());
    }
    let mut text = String::new();
    for (key, value) in &fields {
        let shown = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!("{key:<10} {shown}\n"));
    }
    if !*reveal {
        text.push_str("secret     (hidden; --reveal shows it)\n");
    }
    print_line(text.trim_end())
}
