//! Documentation generated from the command-line definitions themselves, so it
//! never drifts from them: shell completions (`vakt completions SHELL`) and
//! man pages (`vakt man`). Neither needs a vault.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use clap_complete::Shell;

use crate::error::CliError;

/// `vakt completions SHELL`.
#[derive(Args)]
#[command(
    after_help = "Example (bash): vakt completions bash > ~/.local/share/bash-completion/completions/vakt"
)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `vakt man [--out DIR]`.
#[derive(Args)]
pub struct ManArgs {
    /// Write vakt.1 and one page per command (vakt-codes.1, …) into this
    /// folder (created if missing) instead of printing vakt.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Prints the completion script of `command` for `args.shell` on stdout.
pub fn completions(mut command: clap::Command, args: &CompletionsArgs) -> Result<(), CliError> {
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    write_stdout(&script)
}

/// Prints `command`'s man page (section 1) on stdout, or writes it and one
/// page per subcommand into `args.out`.
pub fn man(command: clap::Command, args: &ManArgs) -> Result<(), CliError> {
    match &args.out {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| CliError::internal(format!("the man page could not be made: {e}")))?;
            write_stdout(&page)
        }
        Some(dir) => write_pages(command, dir),
    }
}

fn write_pages(command: clap::Command, dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::io("create", dir, &e))?;
    clap_mangen::generate_to(command, dir)
        .map_err(|e| CliError::io("write man pages into", dir, &e))?;
    println!("{}", dir.join("vakt.1").display());
    Ok(())
}

/// Writes `bytes` to stdout; a reader that stopped early (`| head`) is not
/// an error.
fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::internal(format!("stdout: {e}")))
        }
        _ => Ok(()),
    }
}
