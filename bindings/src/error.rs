//! The one public error enum, and the single place core errors map into it.

use vakt_core::backup::BackupError;
use vakt_core::provision::ProvisionError;
use vakt_core::push::{AddressError, ChallengeError, PushError, TransportError};
use vakt_core::qr::QrError;
use vakt_core::qr::render::RenderError;
use vakt_core::transfer::export::aegis::ExportError;
use vakt_core::transfer::import::ImportError;
use vakt_core::vault::{StoreError, Unreadable, UserAuthError, VaultError};

use crate::convert::id_out;

/// Why a vault file cannot be used (it is always left untouched).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum UnreadableReason {
    /// Not a Vakt vault, or damaged beyond reading.
    NotAVault,
    /// Written by a newer version of the app.
    NewerVersion,
    /// This device's key does not open it (another device, or the key was lost).
    WrongDevice,
    /// Part of it is damaged.
    Damaged,
}

/// Why a backup file cannot be read (nothing was changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum BackupUnreadableReason {
    /// Not a Vakt backup (another app's export, a random file).
    NotABackup,
    /// Cut short (an incomplete download or copy).
    Truncated,
    /// A format this version does not read (a newer app may).
    NewerVersion,
    /// Damaged or altered.
    Damaged,
}

/// How a push server could not be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PushNetworkKind {
    /// No answer in time.
    Timeout,
    /// Not reachable (no network, name not found, connection refused).
    Unreachable,
    /// The secure connection failed (certificate not trusted, or unverified
    /// TLS refused by the platform transport).
    Tls,
    /// Another failure of the transport.
    Other,
}

/// Why a push challenge was refused (nothing of it was stored or shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ChallengeRefusal {
    /// Its signature does not verify with the token's server key: forged or altered.
    Forged,
    /// A field is missing or malformed.
    Malformed,
}

fn attempts(n: u32) -> &'static str {
    if n == 1 { "attempt" } else { "attempts" }
}

fn unreadable_message(reason: UnreadableReason) -> &'static str {
    match reason {
        UnreadableReason::NotAVault => "the file is not a Vakt vault",
        UnreadableReason::NewerVersion => "it was written by a newer version of the app",
        UnreadableReason::WrongDevice => {
            "this device's key does not open it (the app's data came from another device, or the key was deleted); restore a backup"
        }
        UnreadableReason::Damaged => "the file is damaged",
    }
}

fn backup_unreadable_message(reason: BackupUnreadableReason) -> &'static str {
    match reason {
        BackupUnreadableReason::NotABackup => "the file is not a Vakt backup",
        BackupUnreadableReason::Truncated => "the file is incomplete",
        BackupUnreadableReason::NewerVersion => "it was made by a newer version of the app",
        BackupUnreadableReason::Damaged => "the file is damaged",
    }
}

fn refusal_message(reason: ChallengeRefusal, field: Option<&str>) -> String {
    match (reason, field) {
        (ChallengeRefusal::Forged, _) => {
            "the login request was refused: its signature does not verify (it may be forged)".into()
        }
        (ChallengeRefusal::Malformed, Some(field)) => {
            format!("the login request was refused: its {field} is malformed")
        }
        (ChallengeRefusal::Malformed, None) => {
            "the login request was refused: it is malformed".into()
        }
    }
}

fn network_message(kind: PushNetworkKind) -> &'static str {
    match kind {
        PushNetworkKind::Timeout => "the push server did not answer in time",
        PushNetworkKind::Unreachable => "the push server could not be reached",
        PushNetworkKind::Tls => "the secure connection to the push server failed",
        PushNetworkKind::Other => "the request to the push server failed",
    }
}

/// Every error an app can act on, one variant per action. Its text (`Display`:
/// Kotlin `toString()`, Swift `description`) is the one English default for
/// every platform, written for people; it never contains a secret or an
/// account name. Apps that translate word the variant and its typed fields.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum VaktError {
    /// An otpauth URI was refused; `field` names the part at fault.
    #[error("{message}")]
    InvalidUri {
        /// `scheme`, `type`, `secret`, `algorithm`, `digits`, `period`, `counter`, `label`, `issuer`.
        field: String,
        /// For the user.
        message: String,
    },
    /// A typed key is not usable base32.
    #[error("{message}")]
    InvalidKey {
        /// For the user.
        message: String,
    },
    /// A manually entered parameter is out of range (digits, period).
    #[error("{message}")]
    InvalidParameter {
        /// For the user.
        message: String,
    },
    /// A PIN is malformed, or too weak to be set: `reason` says which rule it
    /// breaks (for the app to word in the user's language), `message` is the
    /// English default.
    #[error("{message}")]
    InvalidPin {
        /// The rule broken.
        reason: PinProblem,
        /// The English default text.
        message: String,
    },
    /// No vault at this path yet.
    #[error("no vault here yet")]
    NotInitialized,
    /// A vault already exists at this path.
    #[error("a vault already exists here")]
    AlreadyInitialized,
    /// The vault file cannot be used; it was left untouched.
    #[error("the vault cannot be opened: {}", unreadable_message(*reason))]
    VaultUnreadable {
        /// Why.
        reason: UnreadableReason,
    },
    /// Wrong PIN; `attempts_left` more before the vault is blocked.
    #[error("wrong PIN: {attempts_left} {} left before the vault is blocked", attempts(*attempts_left))]
    WrongPin {
        /// Attempts left (≥ 1).
        attempts_left: u32,
    },
    /// Blocked after three wrong PINs: only the unblock code opens it.
    #[error("the vault is blocked; use the unblock code")]
    Blocked,
    /// The typed unblock code is malformed (not counted as an attempt):
    /// `reason` says how, `message` is the English default.
    #[error("{message}")]
    MistypedUnblockCode {
        /// What is wrong with it.
        reason: UnblockCodeProblem,
        /// The English default text.
        message: String,
    },
    /// A well-formed unblock code that is not the vault's current one.
    #[error("wrong unblock code ({failed_attempts} in a row; each one waits longer)")]
    WrongUnblockCode {
        /// Wrong codes in a row, this one included.
        failed_attempts: u32,
    },
    /// The account is already in the vault.
    #[error("this account is already in the vault")]
    Duplicate {
        /// The existing account's id.
        existing_id: i64,
    },
    /// No account with this id.
    #[error("no such account")]
    NoSuchAccount {
        /// The id asked for.
        id: i64,
    },
    /// The account is time-based; it has no counter.
    #[error("this account is time-based")]
    NotCounterBased {
        /// The account's id.
        id: i64,
    },
    /// The session was locked; unlock again.
    #[error("the vault is locked")]
    Locked,
    /// An argument is not acceptable.
    #[error("{message}")]
    InvalidInput {
        /// For the user.
        message: String,
    },
    /// No QR code was found in the image.
    #[error("no QR code found in the image")]
    NoQrCode,
    /// A QR code that is not for an authenticator (a web address, Wi-Fi settings…).
    #[error("not an authenticator QR code{}", scheme.as_ref().map(|s| format!(" ({s}:)")).unwrap_or_default())]
    NotAnAuthenticatorQr {
        /// Its scheme (`https`, `wifi`, lower case, shortened), if it has one;
        /// never the rest of its text.
        scheme: Option<String>,
    },
    /// The backup file cannot be read; nothing was changed.
    #[error("this backup cannot be read: {}", backup_unreadable_message(*reason))]
    BackupUnreadable {
        /// Why.
        reason: BackupUnreadableReason,
    },
    /// The backup has no backup passphrase: open it with the unblock code.
    #[error("this backup has no backup passphrase; use the unblock code")]
    BackupHasNoPassphrase,
    /// The vault has no backup key yet (made before backups existed):
    /// `reissue_unblock_code` makes one.
    #[error("this vault has no backup key yet: make a new unblock code first")]
    NoBackupKey,
    /// The unblock code or passphrase does not open the backup. Counted in the
    /// new vault's lockout table like unblock attempts.
    #[error("this unblock code or passphrase does not open the backup")]
    WrongBackupSecret {
        /// Wrong secrets in a row, this one included.
        failed_attempts: u32,
    },
    /// The export file is encrypted: ask for its password.
    #[error("the file is encrypted: its password is needed")]
    ImportPasswordNeeded,
    /// The password does not open the export file (or the file is damaged).
    #[error("the password does not open this file")]
    WrongImportPassword,
    /// The file is not a readable export of the chosen format, or a variant
    /// that is not supported.
    #[error("{message}")]
    ImportFailed {
        /// For the user (names a field at most, never a value).
        message: String,
    },
    /// The vault file is damaged and was moved aside, untouched, to
    /// `moved_to`: offer to restore a backup (`Vault.restore`) into the same
    /// path, which is free now.
    #[error("the vault file is damaged; it was moved aside: restore a backup")]
    VaultDamaged {
        /// Where the damaged file is now (for logs, or a support request).
        moved_to: String,
    },
    /// No space is left on the device; nothing was changed. Ask the person to
    /// free some space, then retry. (Opening the vault, PIN attempts and codes
    /// still work: the vault keeps space aside for them.)
    #[error("there is no space left on the device; free some space and try again")]
    StorageFull,
    /// The vault's folder cannot be written (read-only storage, wrong
    /// permissions). `status` still works, but the vault cannot be opened:
    /// every PIN attempt must be recorded there first, for the lockout.
    #[error(
        "the vault's folder cannot be written; the PIN lockout must record each attempt there, so the vault cannot be opened"
    )]
    StorageNotWritable,
    /// The storage is not available yet (iOS before the first unlock after a
    /// restart; Android credential-encrypted storage in direct boot): retry
    /// after the person has unlocked the device.
    #[error("the storage is not available until the device is unlocked")]
    StorageUnavailable,
    /// Storage failed otherwise (busy: used by another process for too long,
    /// or an input/output failure); nothing was changed. Retry later.
    #[error("{message}")]
    Storage {
        /// For logs.
        message: String,
    },
    /// Biometric unlock is not enabled on this vault: use the PIN.
    #[error("biometric unlock is not enabled")]
    BiometricNotEnabled,
    /// The user cancelled the biometric prompt: ask for the PIN.
    #[error("the biometric prompt was cancelled")]
    BiometricCancelled,
    /// The system locked biometrics out after too many tries: use the PIN.
    #[error("biometrics are locked out by the system")]
    BiometricLockedOut,
    /// The biometric key is no longer valid (biometrics changed, lock screen
    /// removed): biometric unlock was turned off; the PIN opens the vault and
    /// can enable it again.
    #[error("the biometric key is no longer valid; unlock with the PIN")]
    BiometricInvalidated,
    /// The platform keystore failed for a reason other than a wrong key.
    #[error("{message}")]
    Keystore {
        /// For logs.
        message: String,
    },
    /// A push server address uses plain http to another machine, and the app
    /// does not allow insecure servers.
    #[error(
        "the push server does not use https; only https is allowed (or allow insecure servers)"
    )]
    InsecureServer,
    /// The push server could not be reached; try again later.
    #[error("{}{}{detail}", network_message(*kind), if detail.is_empty() { "" } else { ": " })]
    PushNetwork {
        /// How it failed.
        kind: PushNetworkKind,
        /// The transport's explanation, for logs.
        detail: String,
    },
    /// The push server refused (HTTP error or privacyIDEA error). At enrolment,
    /// 404 / code 601 usually means the code was already used or has expired.
    #[error("the push server refused the request (HTTP {status}{})", code.map(|c| format!(", error {c}")).unwrap_or_default())]
    PushServer {
        /// HTTP status.
        status: u16,
        /// privacyIDEA's error code, if it gave one (e.g. 601, 905).
        code: Option<i64>,
    },
    /// The push server's answer is not what privacyIDEA sends.
    #[error("the push server's answer is not understood")]
    UnexpectedPushReply,
    /// A push challenge was refused before anything of it was shown.
    #[error("{}", refusal_message(*reason, field.as_deref()))]
    ChallengeRefused {
        /// Forged or malformed.
        reason: ChallengeRefusal,
        /// The field at fault when malformed.
        field: Option<String>,
    },
    /// The challenge is for a push token this vault does not have.
    #[error("the login request is for a push token this vault does not have")]
    UnknownPushToken,
    /// The push token must be enrolled again (restored from a backup, or its
    /// enrolment was interrupted): scan a new enrolment code.
    #[error("this push token must be enrolled again: scan a new enrolment code")]
    NeedsReenrolment {
        /// The token's id.
        token_id: i64,
    },
    /// No push challenge with this id.
    #[error("no such login request")]
    NoSuchChallenge {
        /// The id asked for.
        id: i64,
    },
    /// The challenge is too old to answer.
    #[error("the login request has expired")]
    ChallengeExpired,
    /// The challenge was already answered.
    #[error("the login request was already answered")]
    AlreadyAnswered,
    /// The challenge has a presence check: approve with one of `options`
    /// (the one the login screen shows).
    #[error("pick the option the login screen shows")]
    PresenceRequired {
        /// The options to pick from.
        options: Vec<String>,
    },
    /// The presence answer is not one of the challenge's options.
    #[error("that answer is not one of the offered options")]
    NotAnOption,
    /// The server says the presence answer is wrong; the challenge is still open.
    #[error("wrong answer: it is not the one the login screen shows")]
    WrongPresenceAnswer,
    /// The server no longer has this challenge open (answered elsewhere or expired there).
    #[error("the push server no longer has this login request open")]
    ChallengeClosed,
    /// The entry is a token of a privacyIDEA container whose server does not
    /// allow deleting its tokens on the phone.
    #[error("this token belongs to a container whose server does not allow deleting it here")]
    DeletionNotAllowed {
        /// The entry's id.
        id: i64,
        /// The container's id.
        container_id: i64,
    },
    /// The container registration code asks a question: show `prompt` and
    /// register again with the answer.
    #[error("this registration code asks for a passphrase")]
    PassphraseRequired {
        /// The server's question.
        prompt: String,
    },
    /// The server refused the registration: the code expired or was already
    /// used, or the passphrase is wrong. Ask for a new code.
    #[error("the server refused the registration (code expired or used, or wrong passphrase)")]
    RegistrationRefused,
    /// The container is already registered with this vault.
    #[error("this container is already registered here")]
    ContainerAlreadyRegistered {
        /// The container's id.
        id: i64,
    },
    /// No container with this id.
    #[error("no such container")]
    NoSuchContainer {
        /// The id asked for.
        id: i64,
    },
    /// The server no longer accepts this vault for the container (moved to
    /// another phone by a rollover, or unregistered on the server); its tokens
    /// stay in the vault.
    #[error("this container is no longer registered with this vault")]
    ContainerNotRegisteredHere {
        /// The container's id.
        id: i64,
    },
    /// The server's policy does not allow this on the phone.
    #[error("the server's policy does not allow this on the phone")]
    NotAllowedByServer {
        /// What was refused (`unregister`).
        action: String,
    },
    /// An organisation's escrow key (scanned or typed) is not one: ask for
    /// it again.
    #[error("{message}")]
    InvalidOrgKey {
        /// For the user.
        message: String,
    },
    /// An unexpected internal failure.
    #[error("{message}")]
    Internal {
        /// For logs.
        message: String,
    },
}

impl From<VaultError> for VaktError {
    fn from(e: VaultError) -> Self {
        let message = e.to_string();
        match e {
            VaultError::NotInitialized => VaktError::NotInitialized,
            VaultError::AlreadyInitialized => VaktError::AlreadyInitialized,
            VaultError::Unreadable(reason) => VaktError::VaultUnreadable {
                reason: match reason {
                    Unreadable::NotAVault => UnreadableReason::NotAVault,
                    Unreadable::NewerSchema { .. } => UnreadableReason::NewerVersion,
                    Unreadable::DeviceKey => UnreadableReason::WrongDevice,
                    Unreadable::Damaged => UnreadableReason::Damaged,
                },
            },
            VaultError::WrongPin { attempts_left } => VaktError::WrongPin { attempts_left },
            VaultError::Blocked => VaktError::Blocked,
            VaultError::BadPin(e) => e.into(),
            VaultError::MistypedUnblockCode(e) => e.into(),
            VaultError::WrongUnblockCode { failed_attempts } => {
                VaktError::WrongUnblockCode { failed_attempts }
            }
            VaultError::Duplicate { id } => VaktError::Duplicate {
                existing_id: id_out(id),
            },
            VaultError::NoSuchAccount { id } => VaktError::NoSuchAccount { id: id_out(id) },
            VaultError::NotCounterBased { id } => VaktError::NotCounterBased { id: id_out(id) },
            VaultError::InvalidInput(_) => VaktError::InvalidInput { message },
            VaultError::DeletionNotAllowed { id, container } => VaktError::DeletionNotAllowed {
                id: id_out(id),
                container_id: id_out(container),
            },
            VaultError::Damaged { moved_to } => VaktError::VaultDamaged {
                moved_to: moved_to.display().to_string(),
            },
            VaultError::Storage(StoreError::Full) => VaktError::StorageFull,
            VaultError::Storage(StoreError::ReadOnly) => VaktError::StorageNotWritable,
            VaultError::Storage(StoreError::Unavailable) => VaktError::StorageUnavailable,
            VaultError::Storage(StoreError::Damaged) => VaktError::VaultUnreadable {
                reason: UnreadableReason::Damaged,
            },
            VaultError::Storage(StoreError::NotAVault) => VaktError::VaultUnreadable {
                reason: UnreadableReason::NotAVault,
            },
            VaultError::Storage(StoreError::NewerSchema { .. }) => VaktError::VaultUnreadable {
                reason: UnreadableReason::NewerVersion,
            },
            VaultError::Storage(StoreError::Missing) => VaktError::NotInitialized,
            VaultError::Storage(StoreError::Busy | StoreError::Failed(_)) => {
                VaktError::Storage { message }
            }
            VaultError::Keystore(_) => VaktError::Keystore { message },
            VaultError::BiometricNotEnabled => VaktError::BiometricNotEnabled,
            VaultError::UserAuth(e) => match e {
                UserAuthError::Cancelled => VaktError::BiometricCancelled,
                UserAuthError::LockedOut => VaktError::BiometricLockedOut,
                UserAuthError::KeyInvalidated => VaktError::BiometricInvalidated,
                UserAuthError::Failed(_) => VaktError::Keystore { message },
            },
            VaultError::Random => VaktError::Internal { message },
        }
    }
}

impl From<vakt_core::provision::uri::UriError> for VaktError {
    fn from(e: vakt_core::provision::uri::UriError) -> Self {
        VaktError::InvalidUri {
            field: e.field().to_owned(),
            message: e.to_string(),
        }
    }
}

impl From<vakt_core::escrow::EscrowError> for VaktError {
    fn from(e: vakt_core::escrow::EscrowError) -> Self {
        use vakt_core::escrow::EscrowError as E;
        match e {
            E::InvalidPublicKey | E::InvalidIdentity => VaktError::InvalidOrgKey {
                message: e.to_string(),
            },
            // Records are opened by the organisation, never by the app.
            other => VaktError::Internal {
                message: other.to_string(),
            },
        }
    }
}

impl From<vakt_core::provision::keytext::KeyTextError> for VaktError {
    fn from(e: vakt_core::provision::keytext::KeyTextError) -> Self {
        VaktError::InvalidKey {
            message: e.to_string(),
        }
    }
}

/// Which rule a PIN breaks, for the app to word in the user's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PinProblem {
    /// Something other than the digits 0–9.
    NotDigits,
    /// Shorter than the vault's minimum.
    TooShort {
        /// The minimum length in force.
        min: u32,
    },
    /// Longer than the maximum.
    TooLong {
        /// The maximum length.
        max: u32,
    },
    /// One digit repeated (1111).
    AllSame,
    /// A run of consecutive digits (1234, 9876).
    Sequence,
    /// Among the most commonly used PINs.
    Common,
}

/// What is wrong with a typed unblock code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum UnblockCodeProblem {
    /// Not the right number of characters (spaces and dashes aside).
    Length {
        /// Characters found.
        found: u32,
        /// Characters an unblock code has.
        expected: u32,
    },
    /// A character that unblock codes do not use, at this 1-based position.
    Character {
        /// 1-based position among the code's characters.
        position: u32,
    },
    /// The check character does not match: a character is wrong or two are swapped.
    Check,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<vakt_core::vault::PinError> for VaktError {
    fn from(e: vakt_core::vault::PinError) -> Self {
        use vakt_core::vault::PinError as E;
        let reason = match e {
            E::NotDigits => PinProblem::NotDigits,
            E::TooShort { min } => PinProblem::TooShort { min: count(min) },
            E::TooLong { max } => PinProblem::TooLong { max: count(max) },
            E::AllSame => PinProblem::AllSame,
            E::Sequence => PinProblem::Sequence,
            E::Common => PinProblem::Common,
        };
        VaktError::InvalidPin {
            reason,
            message: e.to_string(),
        }
    }
}

impl From<vakt_core::vault::UnblockCodeError> for VaktError {
    fn from(e: vakt_core::vault::UnblockCodeError) -> Self {
        use vakt_core::vault::UnblockCodeError as E;
        let reason = match e {
            E::Length { found, expected } => UnblockCodeProblem::Length {
                found: count(found),
                expected: count(expected),
            },
            E::Character { position } => UnblockCodeProblem::Character {
                position: count(position),
            },
            E::Check => UnblockCodeProblem::Check,
        };
        VaktError::MistypedUnblockCode {
            reason,
            message: e.to_string(),
        }
    }
}

impl From<ProvisionError> for VaktError {
    fn from(e: ProvisionError) -> Self {
        match e {
            ProvisionError::NotAuthenticator { scheme } => {
                VaktError::NotAnAuthenticatorQr { scheme }
            }
            other => VaktError::InvalidUri {
                field: other.field().to_owned(),
                message: other.to_string(),
            },
        }
    }
}

impl From<QrError> for VaktError {
    fn from(e: QrError) -> Self {
        let message = e.to_string();
        match e {
            QrError::DecoderFailed => VaktError::Internal { message },
            // Only from image files, which this library does not decode (the
            // platform does): listed to keep the match exhaustive.
            QrError::NotAnImage(_)
            | QrError::Empty
            | QrError::StrideTooSmall { .. }
            | QrError::BufferTooShort { .. }
            | QrError::TooLarge { .. } => VaktError::InvalidInput { message },
        }
    }
}

impl From<BackupError> for VaktError {
    fn from(e: BackupError) -> Self {
        let unreadable = |reason| VaktError::BackupUnreadable { reason };
        match e {
            BackupError::NotABackup => unreadable(BackupUnreadableReason::NotABackup),
            BackupError::Truncated => unreadable(BackupUnreadableReason::Truncated),
            BackupError::UnsupportedVersion { .. } | BackupError::UnsupportedContent => {
                unreadable(BackupUnreadableReason::NewerVersion)
            }
            // Our writers never ask for such a cost: a damaged or crafted file.
            BackupError::Damaged | BackupError::CostTooHigh => {
                unreadable(BackupUnreadableReason::Damaged)
            }
            BackupError::NoPassphraseSlot => VaktError::BackupHasNoPassphrase,
            BackupError::NoBackupKey => VaktError::NoBackupKey,
            BackupError::TooLarge => VaktError::InvalidInput {
                message: e.to_string(),
            },
            BackupError::Random => VaktError::Internal {
                message: e.to_string(),
            },
            // Only a restore checks a backup secret: the core counts it as an
            // unblock attempt of the new vault, whichever secret it was.
            BackupError::Vault(VaultError::WrongUnblockCode { failed_attempts }) => {
                VaktError::WrongBackupSecret { failed_attempts }
            }
            BackupError::Vault(e) => e.into(),
        }
    }
}

impl From<ImportError> for VaktError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::PasswordNeeded => VaktError::ImportPasswordNeeded,
            ImportError::WrongPassword => VaktError::WrongImportPassword,
            ImportError::NotThisFormat { .. }
            | ImportError::Unsupported(_)
            | ImportError::CostTooHigh
            | ImportError::TooLarge => VaktError::ImportFailed {
                message: e.to_string(),
            },
        }
    }
}

impl From<ExportError> for VaktError {
    fn from(e: ExportError) -> Self {
        VaktError::Internal {
            message: e.to_string(),
        }
    }
}

impl From<RenderError> for VaktError {
    fn from(e: RenderError) -> Self {
        let message = e.to_string();
        match e {
            RenderError::TooLong { .. } | RenderError::TooLarge { .. } => {
                VaktError::InvalidInput { message }
            }
            // `Encode`, and `Png` when a build enables vakt-core's
            // `image-files` (this library draws no PNG).
            _ => VaktError::Internal { message },
        }
    }
}

impl From<vakt_core::container::ContainerError> for VaktError {
    fn from(e: vakt_core::container::ContainerError) -> Self {
        use vakt_core::container::ContainerError as E;
        match e {
            E::Address(a) => PushError::Address(a).into(),
            E::Network(n) => PushError::Network(n).into(),
            E::Server {
                status,
                code,
                message,
            } => PushError::Server {
                status,
                code,
                message,
            }
            .into(),
            E::UnexpectedReply(what) => PushError::UnexpectedReply(what).into(),
            E::PassphraseRequired { prompt } => VaktError::PassphraseRequired { prompt },
            E::RegistrationRefused => VaktError::RegistrationRefused,
            E::AlreadyRegistered { id, .. } => {
                VaktError::ContainerAlreadyRegistered { id: id_out(id) }
            }
            E::NoSuchContainer { id } => VaktError::NoSuchContainer { id: id_out(id) },
            E::NotRegisteredHere { id } => VaktError::ContainerNotRegisteredHere { id: id_out(id) },
            E::NotAllowed { action } => VaktError::NotAllowedByServer {
                action: action.to_owned(),
            },
            E::Keystore(k) => VaktError::Keystore {
                message: k.to_string(),
            },
            E::Push(p) => (*p).into(),
            E::Vault(v) => v.into(),
        }
    }
}

impl From<vakt_core::rng::RandomError> for VaktError {
    fn from(_: vakt_core::rng::RandomError) -> Self {
        VaktError::Internal {
            message: "the random number generator failed".into(),
        }
    }
}

impl From<PushError> for VaktError {
    fn from(e: PushError) -> Self {
        match e {
            PushError::Address(AddressError::Insecure) => VaktError::InsecureServer,
            PushError::Address(AddressError::Invalid) => VaktError::InvalidUri {
                field: "url".into(),
                message: AddressError::Invalid.to_string(),
            },
            PushError::Network(e) => {
                let (kind, detail) = match e {
                    TransportError::Timeout => (PushNetworkKind::Timeout, String::new()),
                    TransportError::Unreachable(d) => (PushNetworkKind::Unreachable, d),
                    TransportError::Tls(d) => (PushNetworkKind::Tls, d),
                    TransportError::Other(d) => (PushNetworkKind::Other, d),
                };
                VaktError::PushNetwork { kind, detail }
            }
            PushError::Server { status, code, .. } => VaktError::PushServer { status, code },
            PushError::UnexpectedReply(_) => VaktError::UnexpectedPushReply,
            PushError::Challenge(ChallengeError::Forged) => VaktError::ChallengeRefused {
                reason: ChallengeRefusal::Forged,
                field: None,
            },
            PushError::Challenge(ChallengeError::Malformed(field)) => VaktError::ChallengeRefused {
                reason: ChallengeRefusal::Malformed,
                field: Some(field.to_owned()),
            },
            PushError::UnknownToken => VaktError::UnknownPushToken,
            PushError::NeedsReenrolment { id } => VaktError::NeedsReenrolment {
                token_id: id_out(id),
            },
            PushError::NoSuchChallenge { id } => VaktError::NoSuchChallenge { id: id_out(id) },
            PushError::Expired => VaktError::ChallengeExpired,
            PushError::AlreadyAnswered => VaktError::AlreadyAnswered,
            PushError::PresenceRequired { options } => VaktError::PresenceRequired { options },
            PushError::NotAnOption => VaktError::NotAnOption,
            PushError::WrongPresenceAnswer => VaktError::WrongPresenceAnswer,
            PushError::ChallengeClosed => VaktError::ChallengeClosed,
            // Both are answered by unlocking (the PIN or biometric unlock).
            PushError::VerificationRequired | PushError::UnlockOnce => VaktError::Locked,
            PushError::Keystore(e) => VaktError::Keystore {
                message: e.to_string(),
            },
            PushError::Vault(e) => e.into(),
        }
    }
}

/// What went wrong with one push token during a poll, as data to show next to it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PushProblemKind {
    /// The token's server does not use https (insecure servers not allowed).
    InsecureServer,
    /// The server could not be reached.
    Network {
        /// How.
        kind: PushNetworkKind,
    },
    /// The server refused (its HTTP status and privacyIDEA code).
    Server {
        /// HTTP status.
        status: u16,
        /// privacyIDEA's error code.
        code: Option<i64>,
    },
    /// The server's answer is not understood.
    UnexpectedReply,
    /// A challenge it sent was refused (forged or malformed) and not stored.
    ChallengeRefused {
        /// Forged or malformed.
        reason: ChallengeRefusal,
    },
    /// The keystore could not sign the poll.
    Keystore,
    /// Anything else (storage, …).
    Other,
}

/// One token's problem during a poll: which token, what kind, and a message
/// for people (no secret, no account name).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PushProblem {
    /// The push token.
    pub token_id: i64,
    /// What went wrong.
    pub kind: PushProblemKind,
    /// For people.
    pub message: String,
}

impl PushProblem {
    pub(crate) fn new(token_id: u64, e: PushError) -> Self {
        let e = VaktError::from(e);
        let message = e.to_string();
        let kind = match e {
            VaktError::InsecureServer => PushProblemKind::InsecureServer,
            VaktError::PushNetwork { kind, .. } => PushProblemKind::Network { kind },
            VaktError::PushServer { status, code } => PushProblemKind::Server { status, code },
            VaktError::UnexpectedPushReply => PushProblemKind::UnexpectedReply,
            VaktError::ChallengeRefused { reason, .. } => {
                PushProblemKind::ChallengeRefused { reason }
            }
            VaktError::Keystore { .. } => PushProblemKind::Keystore,
            _ => PushProblemKind::Other,
        };
        Self {
            token_id: id_out(token_id),
            kind,
            message,
        }
    }
}
