//! `vakt container …`: privacyIDEA smartphone containers (registration is
//! `vakt add` with a container code).
//!
//! # Contract
//! - `vakt add --qr IMAGE` or `vakt add --uri pia://container/…` registers
//!   this vault with the container (a registration or a rollover code) and
//!   synchronises it at once: prints `registered container #ID  SERIAL`, then
//!   a line per token: `added #ID  SERIAL (TYPE)`, `removed from the container
//!   (kept here) #ID  SERIAL (TYPE)`, `not added: SERIAL (REASON)`. A code
//!   that asks a passphrase reads VAKT_CONTAINER_PASSPHRASE (or prompts with
//!   the server's question).
//! - `vakt container list [--json]`: the containers. JSON: an array of
//!   objects with `id`, `serial`, `issuer`, `url`, `state` (`registered`,
//!   `pending`, `not-registered-here`, `needs-registration`),
//!   `registered_at`, `last_sync` (ISO 8601 or null), `policies`
//!   (`client_rollover`, `disable_token_deletion`, `disable_unregister`,
//!   `initially_add_tokens`), `tokens` (`serial`, `tokentype`, `kind`
//!   `account`|`push`, `id`, `removed`).
//! - `vakt container sync [ID] [--json]`: synchronises every registered
//!   container (or ID). JSON: an array of objects with `id`, `added`,
//!   `updated`, `removed` (arrays of `serial`, `tokentype`, `id`), `failed`
//!   (`serial`, `reason`). Tokens the server removed from a container stay in
//!   the vault and are reported.
//! - `vakt container unregister ID`: unregisters from the server and forgets
//!   the container here; its tokens stay. Prints `unregistered container #ID`.
//!
//! All need the PIN (`VAKT_PIN` or the prompt). Exit statuses: 0 done; 2 bad
//! input (no such container, an address refused without `--allow-insecure`);
//! 7 the server could not be reached or refused; 12 the server's policy does
//! not allow it from the phone; 13 the container is no longer registered with
//! this vault (moved to another phone by a rollover, or unregistered on the
//! server: its tokens stay); plus the vault's statuses.

use clap::Subcommand;
use vakt_core::container::ContainerState;
use vakt_core::push::EnrolOptions;

use crate::containers::{info_json, report_json, report_lines};
use crate::context::Context;
use crate::error::CliError;
use crate::output::print_line;

/// `vakt container …`.
#[derive(Subcommand)]
pub enum ContainerCommand {
    /// List the containers this vault is registered with.
    #[command(after_help = "Example:\n  VAKT_PIN=… vakt container list --json")]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Synchronise the tokens of every registered container (or one) with its server.
    #[command(after_help = "Example:\n  VAKT_PIN=… vakt container sync --json")]
    Sync {
        /// Only this container.
        id: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unregister a container from its server and forget it here (its tokens stay).
    #[command(after_help = "Example:\n  VAKT_PIN=… vakt container unregister 1")]
    Unregister {
        /// The container's id (vakt container list).
        id: u64,
    },
}

/// Runs a `vakt container` command.
pub fn run(ctx: &Context, command: &ContainerCommand) -> Result<(), CliError> {
    let session = ctx.unlock()?;
    match command {
        ContainerCommand::List { json } => {
            let containers = session.containers().map_err(|e| CliError::vault(&e))?;
            if *json {
                let list: Vec<_> = containers.iter().map(info_json).collect();
                return print_line(&serde_json::Value::Array(list).to_string());
            }
            if containers.is_empty() {
                return print_line("no containers");
            }
            let lines: Vec<String> = containers
                .iter()
                .map(|c| {
                    format!(
                        "#{}  {}  {}  {} tokens  {}",
                        c.id,
                        c.serial,
                        c.state.name(),
                        c.tokens.iter().filter(|t| !t.removed).count(),
                        c.url
                    )
                })
                .collect();
            print_line(&lines.join("\n"))
        }
        ContainerCommand::Sync { id, json } => {
            let containers = session.containers().map_err(|e| CliError::vault(&e))?;
            let chosen: Vec<_> = match id {
                Some(id) => {
                    let one = containers
                        .into_iter()
                        .find(|c| c.id == *id)
                        .ok_or_else(|| CliError::bad_input(format!("no container #{id}")))?;
                    vec![one]
                }
                None => containers
                    .into_iter()
                    .filter(|c| c.state == ContainerState::Registered)
                    .collect(),
            };
            let mut reports = Vec::new();
            let mut lines = Vec::new();
            let mut first_error = None;
            for container in &chosen {
                match session.sync_container(
                    container.id,
                    &ctx.push_context(),
                    &EnrolOptions::default(),
                ) {
                    Ok(report) => {
                        lines.extend(report_lines(&report));
                        reports.push(report_json(&report));
                    }
                    Err(e) => {
                        let error = CliError::container(&e);
                        crate::output::print_warning(&format!(
                            "vakt: container #{}: {}",
                            container.id,
                            error.message()
                        ));
                        first_error.get_or_insert(error);
                    }
                }
            }
            if *json {
                print_line(&serde_json::Value::Array(reports).to_string())?;
            } else if !lines.is_empty() {
                print_line(&lines.join("\n"))?;
            } else if chosen.is_empty() {
                print_line("no registered containers")?;
            }
            match first_error {
                Some(e) => Err(e),
                None => Ok(()),
            }
        }
        ContainerCommand::Unregister { id } => {
            session
                .unregister_container(*id, &ctx.push_context())
                .map_err(|e| CliError::container(&e))?;
            print_line(&format!("unregistered container #{id}"))
        }
    }
}
