//! # vakt-ffi
//!
//! The uniffi face of vakt-core for Kotlin and Swift. Thin by rule: every
//! exported function converts its arguments, calls vakt-core and maps the error
//! into [`VaktError`]; there is no logic here.
//!
//! Live state crosses as opaque objects ([`Vault`], [`Session`],
//! [`ScannedCode`]); secrets cross only where a UI must show them (a code, an
//! unblock code once, an export the user asked for). Platforms
//! implement [`Clock`], [`DeviceKeystore`] and [`HttpTransport`]; Rust
//! defaults exist for the clock and the keystore ([`system_clock`],
//! [`software_keystore`]). There is no Rust HTTP transport in this library:
//! apps pass their platform's HTTP stack (its trust store, proxies and network
//! policy apply), and the library stays free of a second TLS stack.

uniffi::setup_scaffolding!();

mod args;
mod backup;
mod container;
mod convert;
mod error;
mod escrow;
mod otp;
mod platform;
mod push;
mod push_locked;
mod scan;
#[cfg(test)]
mod session_tests;
#[cfg(feature = "test-support")]
mod test_support;
mod transfer;
mod unblock_code;
mod vault;

pub use backup::{BackupInfo, BackupSecretKind, RestoredVault, inspect_backup, restore_backup};
pub use error::{
    BackupUnreadableReason, ChallengeRefusal, PinProblem, PushNetworkKind, PushProblem,
    PushProblemKind, UnblockCodeProblem, UnreadableReason, VaktError,
};
pub use escrow::{EscrowStatus, OrgKeyInfo, PendingEscrowRecord, parse_org_key};
pub use otp::{HashAlgorithm, OtpType, UriInfo, code_for_uri, parse_uri};
pub use platform::{
    Clock, DeviceKeystore, HttpMethod, HttpRequest, HttpResponse, HttpTransport, KeystoreFailure,
    TransportFailure, UserAuthFailure, UserAuthKeystore, clock_offset_from_date, fixed_clock,
    system_clock,
};
pub use push::{
    DeclineReason, PushChallenge, PushChallengeState, PushDecision, PushPollReport, PushToken,
    PushTokenState,
};
pub use scan::{
    AddOutcome, MigrationBatch, MigrationProgress, MissingExportCodes, PushEnrolmentDetails,
    PushFirebase, ScannedAccountAdded, ScannedCode, ScannedContent, UnusableExportEntry,
    max_image_pixels, scan_camera_frame, scan_still_image,
};
#[cfg(feature = "test-support")]
pub use test_support::{
    FakeChallenge, FakePrivacyIdea, FakeRequest, TestSupportEscrowOpened, software_keystore,
    test_support_check_container_key, test_support_open_escrow_record, test_support_use_fast_kdf,
};
pub use transfer::{
    ImportFormat, ImportReport, ImportedAccount, MigrationExport, MigrationQrCode,
    NotExportableAccount, QrImage, SkippedEntry,
};
pub use unblock_code::NewUnblockCode;
pub use vault::{
    Account, CodeRow, CreatedVault, LockState, ManualEntry, Session, Unblocked, Vault,
    VaultOptions, create_vault,
};
