//! Secrets come from the environment or a no-echo prompt, never from argv.

use std::io::IsTerminal;

use vakt_core::secret::SecretString;
use vakt_core::vault::{Pin, PinPolicy};
use zeroize::Zeroizing;

use crate::error::CliError;

/// Environment variable with the PIN.
pub const PIN: &str = "VAKT_PIN";
/// Environment variable with the new PIN.
pub const NEW_PIN: &str = "VAKT_NEW_PIN";
/// Environment variable with the unblock code.
pub const UNBLOCK_CODE: &str = "VAKT_UNBLOCK_CODE";
/// Environment variable with a typed OTP key.
pub const SECRET: &str = "VAKT_SECRET";
/// Environment variable with the backup passphrase.
pub const BACKUP_PASSPHRASE: &str = "VAKT_BACKUP_PASSPHRASE";
/// Environment variable with the password of a file to import.
pub const IMPORT_PASSWORD: &str = "VAKT_IMPORT_PASSWORD";
/// Environment variable with the password of an encrypted export.
pub const EXPORT_PASSWORD: &str = "VAKT_EXPORT_PASSWORD";
/// Environment variable with the answer to a container registration code's
/// passphrase prompt.
pub const CONTAINER_PASSPHRASE: &str = "VAKT_CONTAINER_PASSPHRASE";
/// Environment variable with an otpauth URI (it holds a key).
pub const URI: &str = "VAKT_URI";

/// The longest URI read from stdin (a QR code holds at most ~3 KB).
const MAX_URI_BYTES: u64 = 64 * 1024;

/// The otpauth URI a command works on, which holds a key: `-` reads it from
/// stdin, no argument reads [`URI`]. A URI given as the argument still works;
/// once it has been read as a usable URI, [`warn_uri_on_command_line`] says
/// that any user of the machine can see a command line (`/proc/*/cmdline`,
/// `ps`) and that shells keep it in their history.
pub fn read_uri(arg: Option<&str>) -> Result<Option<Zeroizing<String>>, CliError> {
    match arg {
        Some("-") => {
            use std::io::Read;
            let mut text = Zeroizing::new(String::new());
            std::io::stdin()
                .take(MAX_URI_BYTES)
                .read_to_string(&mut text)
                .map_err(|e| CliError::bad_input(format!("cannot read the URI from stdin: {e}")))?;
            Ok(Some(Zeroizing::new(text.trim().to_owned())))
        }
        Some(text) => Ok(Some(Zeroizing::new(text.to_owned()))),
        None => Ok(std::env::var(URI).ok().map(Zeroizing::new)),
    }
}

/// Warns that the URI (usable, so holding a key or enrolment credential) was
/// given on the command line — unless `arg` is absent or `-`.
pub fn warn_uri_on_command_line(arg: Option<&str>) {
    if arg.is_some_and(|a| a != "-") {
        crate::output::print_warning(&format!(
            "the URI on the command line holds a key that other users of this machine can see \
             and your shell keeps in its history; give it as --uri - (stdin) or in {URI}"
        ));
    }
}

/// Whether `var` is set (to anything, even empty).
pub fn is_set(var: &str) -> bool {
    std::env::var_os(var).is_some()
}

/// Reads `var` (or asks) straight into a [`SecretString`].
pub fn read_secret(var: &str, prompt: &str) -> Result<SecretString, CliError> {
    read(var, prompt).map(SecretString::from)
}

/// Reads `var`, or asks on the terminal without echo; fails with a clear
/// message when neither is possible.
pub fn read(var: &str, prompt: &str) -> Result<Zeroizing<String>, CliError> {
    if let Some(value) = std::env::var_os(var) {
        return value
            .into_string()
            .map(Zeroizing::new)
            .map_err(|_| CliError::bad_input(format!("{var} is not valid UTF-8")));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::bad_input(format!(
            "{var} is not set and there is no terminal to ask on"
        )));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| CliError::bad_input(format!("cannot read {var} from the terminal: {e}")))
}

/// Reads a PIN from `var` (or asks with `prompt`); the message of a malformed
/// one names `var`.
pub fn read_pin(var: &str, prompt: &str) -> Result<Pin, CliError> {
    let text = read(var, prompt)?;
    Pin::parse(&text).map_err(|e| CliError::bad_input(format!("{var}: {e}")))
}

/// Reads a new PIN from `var` (or asks), held to `policy`.
pub fn read_new_pin(var: &str, policy: &PinPolicy) -> Result<Pin, CliError> {
    let text = read(var, "New PIN: ")?;
    Pin::new_checked(&text, policy).map_err(|e| CliError::bad_input(format!("{var}: {e}")))
}
