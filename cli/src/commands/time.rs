//! The clock the codes use: `vakt time [--json]` shows the offset the vault
//! applies to the system clock, `vakt time sync URL` measures it from the
//! `Date` of a server's reply (https, or loopback / `--allow-insecure`),
//! `vakt time set SECONDS` sets it by hand (0 clears it).

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;
use vakt_core::clock::{Clock, SystemClock, corrected, offset_from};
use vakt_core::push::PushError;
use vakt_core::push::http::UreqTransport;
use vakt_core::push::transport::endpoint;
use vakt_core::vault::{NOTICEABLE_CLOCK_OFFSET, Session};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{print_line, print_warning};

/// `vakt time`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TimeArgs {
    /// Measure or set the offset (without one: show it).
    #[command(subcommand)]
    command: Option<TimeCommand>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `vakt time sync|set`.
#[derive(Subcommand, Debug)]
pub enum TimeCommand {
    /// Measure the offset from the Date of a server's reply (a HEAD request) and keep it.
    Sync {
        /// The server (e.g. your privacyIDEA server's address).
        url: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set the offset by hand, in seconds (positive: the system clock is behind; 0 clears it).
    Set {
        /// Seconds to add to the system clock.
        #[arg(allow_hyphen_values = true)]
        seconds: i64,
    },
}

/// Runs `vakt time …`.
pub fn run(ctx: &Context, args: &TimeArgs) -> Result<(), CliError> {
    let session = ctx.unlock()?;
    match &args.command {
        None => show(&session, args.json),
        Some(TimeCommand::Sync { url, json }) => {
            sync(ctx, &session, url)?;
            show(&session, *json)
        }
        Some(TimeCommand::Set { seconds }) => {
            session
                .set_clock_offset(*seconds)
                .map_err(|e| CliError::vault(&e))?;
            show(&session, false)
        }
    }
}

fn show(session: &Session, json: bool) -> Result<(), CliError> {
    let offset = session.clock_offset().map_err(|e| CliError::vault(&e))?;
    let system = SystemClock.now_unix();
    let noticeable = offset.abs() >= NOTICEABLE_CLOCK_OFFSET;
    if json {
        return print_line(
            &json!({
                "offset_seconds": offset,
                "system_time": system,
                "corrected_time": corrected(system, offset),
                "noticeable": noticeable,
            })
            .to_string(),
        );
    }
    if noticeable {
        print_warning(&format!(
            "the system clock is {} s {}; codes use the corrected time — set the clock right",
            offset.abs(),
            if offset > 0 { "behind" } else { "ahead" }
        ));
    }
    print_line(&format!("clock offset: {offset:+} s"))
}

fn sync(ctx: &Context, session: &Session, url: &str) -> Result<(), CliError> {
    let target = endpoint(url, true, &ctx.connection_policy())
        .map_err(|e| CliError::push(&PushError::from(e)))?;
    let sent = SystemClock.now_unix();
    let server = UreqTransport::new()
        .server_date(
            target.url.as_str(),
            target.verify_tls,
            Duration::from_secs(15),
        )
        .map_err(|e| CliError::push(&PushError::from(e)))?
        .ok_or_else(|| {
            CliError::bad_input("the server's reply has no Date to measure the clock by")
        })?;
    let received = SystemClock.now_unix();
    session
        .set_clock_offset(offset_from(server, sent, received))
        .map_err(|e| CliError::vault(&e))
}
