//! # vakt-ffi
//!
//! The uniffi face of vakt-core for Kotlin and Swift. Thin by rule: every
//! exported function converts its arguments, calls vakt-core and maps the error
//! into [`VaktError`]; there is no logic here.
//!
//! Live state crosses as opaque objects ([`Vault`], [`Session`]); secrets cross
//! only where a UI must show them (a code, an unblock code once). Platforms
//! implement [`Clock`] and [`DeviceKeystore`]; Rust defaults exist
//! ([`system_clock`], [`software_keystore`]).

uniffi::setup_scaffolding!();

mod error;
mod otp;
mod platform;
mod vault;

pub use error::{UnreadableReason, VaktError};
pub use otp::{HashAlgorithm, OtpType, UriDetails, code_for_uri, parse_uri};
pub use platform::{
    Clock, DeviceKeystore, KeystoreFailure, fixed_clock, software_keystore, system_clock,
};
pub use vault::{
    AccountInfo, CodeEntry, CreatedVault, LockStatus, ManualEntry, Session, Unblocked, Vault,
    VaultOptions, create_vault,
};
