//! `vakt keystore migrate`: the device key moved from its file into the OS
//! keyring, crash-safely (see [`crate::device_key`]).

use clap::Subcommand;

use crate::context::Context;
use crate::device_key::{self, Migrated};
use crate::error::CliError;
use crate::output::print_line;

/// `vakt keystore …`.
#[derive(Subcommand)]
pub enum KeystoreCommand {
    /// Move the device key from the file beside the vault into the OS keyring
    /// (needs no PIN; the vault itself is not changed).
    Migrate,
}

/// Runs a `vakt keystore` command.
pub fn run(ctx: &Context, command: &KeystoreCommand) -> Result<(), CliError> {
    match command {
        KeystoreCommand::Migrate => {
            let said = match device_key::migrate(ctx.dir())? {
                Migrated::Moved => {
                    "the device key is in the OS keyring now; the key file is removed"
                }
                Migrated::Finished => "finished an interrupted move: the key file is removed",
                Migrated::AlreadyThere => "the device key is in the OS keyring already",
            };
            print_line(said)
        }
    }
}
