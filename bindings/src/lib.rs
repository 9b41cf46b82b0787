//! # vakt-ffi
//!
//! The uniffi face of vakt-core for Kotlin and Swift. Thin by rule: every
//! exported function converts its arguments, calls vakt-core and maps the error
//! into [`VaktError`]; there is no logic here.

uniffi::setup_scaffolding!();

/// Every error an app can act on, one variant per action.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VaktError {
    /// An otpauth URI was refused; `field` names the part at fault.
    #[error("{message}")]
    InvalidUri {
        /// The field at fault (`secret`, `digits`, …).
        field: String,
        /// A message for the user; it never contains the secret.
        message: String,
    },
}

impl From<vakt_core::uri::UriError> for VaktError {
    fn from(e: vakt_core::uri::UriError) -> Self {
        VaktError::InvalidUri {
            field: e.field().to_owned(),
            message: e.to_string(),
        }
    }
}

/// The code of an otpauth URI at `unix_seconds` (for hotp: at the URI's counter).
#[uniffi::export]
pub fn code_for_uri(uri: String, unix_seconds: u64) -> Result<String, VaktError> {
    let account = vakt_core::uri::parse(&uri)?;
    Ok(account.params.current_code(unix_seconds).into_string())
}
