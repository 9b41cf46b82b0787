//! Exit statuses and the one-line messages that go with them.

use std::io::Write;
use std::process::ExitCode;

/// The exit statuses of the CLI contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Bad input: a malformed URI, argument or file.
    BadInput = 2,
    /// Wrong PIN; the message says how many attempts are left.
    WrongPin = 3,
    /// The vault is blocked; only the unblock code opens it.
    Blocked = 4,
    /// Wrong (or mistyped) unblock code.
    WrongUnblockCode = 5,
    /// The vault file cannot be read (damaged, newer, another device's); left untouched.
    Unreadable = 6,
    /// A push server could not be reached, or refused.
    PushServer = 7,
    /// No space left on the device; nothing was changed.
    StorageFull = 8,
    /// The vault folder cannot be written (read-only storage, permissions).
    StorageNotWritable = 9,
    /// The storage is not available yet (locked until the device is unlocked).
    StorageUnavailable = 10,
    /// An escrow record was refused: sealed to another organisation key,
    /// changed after it was sealed, or made for another vault.
    EscrowRefused = 11,
    /// The server's policy does not allow this on the phone (deleting a
    /// container's token, unregistering its container).
    NotAllowed = 12,
    /// A privacyIDEA container is no longer registered with this vault (moved
    /// to another phone by a rollover, or unregistered on the server).
    NotRegisteredHere = 13,
    /// Something failed that is not the user's input (I/O, internal).
    Internal = 70,
}

/// An error the CLI reports: a status and a one-line message without secrets.
#[derive(Debug)]
pub struct CliError {
    status: Status,
    message: String,
}

impl CliError {
    /// Bad input, with a message naming what is wrong.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self {
            status: Status::BadInput,
            message: message.into(),
        }
    }

    /// An error with an explicit status.
    pub fn with_status(status: Status, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The one-line message (for a screen that shows it in place).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A failure that is not the input's fault.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: Status::Internal,
            message: message.into(),
        }
    }

    /// Maps an escrow error (a key or record refused) to its exit status.
    pub fn escrow(e: &vakt_core::escrow::EscrowError) -> Self {
        use vakt_core::escrow::EscrowError as E;
        let status = match e {
            E::InvalidPublicKey | E::InvalidIdentity | E::NotARecord | E::Malformed => {
                Status::BadInput
            }
            E::WrongKey | E::Tampered | E::OtherVault { .. } => Status::EscrowRefused,
            E::Seal => Status::Internal,
        };
        Self {
            status,
            message: e.to_string(),
        }
    }

    /// Maps a vault error to its exit status and message.
    pub fn vault(e: &vakt_core::vault::VaultError) -> Self {
        use vakt_core::vault::VaultError as E;
        let status = match e {
            E::WrongPin { .. } => Status::WrongPin,
            E::Blocked => Status::Blocked,
            E::WrongUnblockCode { .. } | E::MistypedUnblockCode(_) => Status::WrongUnblockCode,
            E::Unreadable(_) | E::Damaged { .. } => Status::Unreadable,
            E::Storage(store) => storage_status(store),
            E::Keystore(_) | E::Random | E::UserAuth(_) => Status::Internal,
            E::DeletionNotAllowed { .. } => Status::NotAllowed,
            E::NotInitialized
            | E::AlreadyInitialized
            | E::BadPin(_)
            | E::Duplicate { .. }
            | E::NoSuchAccount { .. }
            | E::NotCounterBased { .. }
            | E::InvalidInput(_)
            | E::BiometricNotEnabled => Status::BadInput,
        };
        let message = match e {
            E::Blocked => format!("{e} (vakt unblock)"),
            E::NotInitialized => "no vault here yet (vakt init)".to_owned(),
            E::Unreadable(_) => format!(
                "{e}; the file was left as it is (if it is damaged, move it away and \
                 restore a backup: vakt backup restore FILE)"
            ),
            E::Damaged { .. } => {
                format!("{e}. Restore a backup to get the accounts back: vakt backup restore FILE")
            }
            E::Storage(store) => storage_message(store),
            _ => e.to_string(),
        };
        Self { status, message }
    }

    /// Maps a failure to write or create `path` (an output file, the vault
    /// folder): no space, storage that cannot be written, or another I/O error.
    pub fn io(action: &str, path: &std::path::Path, e: &std::io::Error) -> Self {
        use vakt_core::vault::StoreError;
        let store = StoreError::from_io(e);
        match store {
            StoreError::Full | StoreError::ReadOnly | StoreError::Unavailable => Self {
                status: storage_status(&store),
                message: format!(
                    "cannot {action} {}: {}",
                    path.display(),
                    storage_message(&store)
                ),
            },
            _ => Self::internal(format!("cannot {action} {}: {e}", path.display())),
        }
    }

    /// Maps a backup error: the vault's own errors as [`CliError::vault`], a
    /// bad or foreign file as bad input.
    pub fn backup(e: &vakt_core::backup::BackupError) -> Self {
        use vakt_core::backup::BackupError as E;
        match e {
            E::Vault(inner) => Self::vault(inner),
            E::Random => Self::internal(e.to_string()),
            E::NoBackupKey => Self::bad_input(format!("{e} (vakt new-unblock-code)")),
            _ => Self::bad_input(e.to_string()),
        }
    }

    /// Maps an import error: all of them are about the file or its password.
    pub fn import(e: &vakt_core::transfer::import::ImportError) -> Self {
        Self::bad_input(e.to_string())
    }

    /// Maps a push error: the server could not be reached or refused (7),
    /// an address refused by the connection rules (bad input, naming
    /// `--allow-insecure`), the vault's own errors as [`CliError::vault`], the
    /// rest (a refused challenge, a wrong answer, …) bad input.
    pub fn push(e: &vakt_core::push::PushError) -> Self {
        use vakt_core::push::PushError as E;
        match e {
            E::Vault(inner) => Self::vault(inner),
            E::Network(_) | E::Server { .. } | E::UnexpectedReply(_) => {
                Self::with_status(Status::PushServer, e.to_string())
            }
            E::Keystore(_) => Self::internal(e.to_string()),
            E::Address(_) => Self::bad_input(format!("{e} (--allow-insecure)")),
            _ => Self::bad_input(e.to_string()),
        }
    }

    /// Maps an error of enrolling a push token as [`CliError::push`], saying
    /// what a server's 404 means there: the enrolment code was used or expired.
    pub fn push_enrolment(e: &vakt_core::push::PushError) -> Self {
        match e {
            vakt_core::push::PushError::Server { status: 404, .. } => Self::with_status(
                Status::PushServer,
                format!(
                    "{e} — the enrolment code was already used or has expired; ask for a new one"
                ),
            ),
            _ => Self::push(e),
        }
    }

    /// Maps a container error: the server could not be reached or refused
    /// (7), no longer registered here (13), not allowed by the server's
    /// policy (12), an address refused by the connection rules (bad input,
    /// naming `--allow-insecure`), the vault's and push's own errors as theirs,
    /// the rest bad input.
    pub fn container(e: &vakt_core::container::ContainerError) -> Self {
        use vakt_core::container::ContainerError as E;
        match e {
            E::Vault(inner) => Self::vault(inner),
            E::Push(inner) => Self::push(inner),
            E::Network(_) | E::Server { .. } | E::UnexpectedReply(_) => {
                Self::with_status(Status::PushServer, e.to_string())
            }
            E::RegistrationRefused => Self::with_status(Status::PushServer, e.to_string()),
            E::NotRegisteredHere { .. } => {
                Self::with_status(Status::NotRegisteredHere, e.to_string())
            }
            E::NotAllowed { .. } => Self::with_status(Status::NotAllowed, e.to_string()),
            E::Keystore(_) => Self::internal(e.to_string()),
            E::Address(_) => Self::bad_input(format!("{e} (--allow-insecure)")),
            E::PassphraseRequired { .. } => {
                Self::bad_input(format!("{e} (VAKT_CONTAINER_PASSPHRASE)"))
            }
            E::AlreadyRegistered { .. } | E::NoSuchContainer { .. } => {
                Self::bad_input(e.to_string())
            }
        }
    }

    /// Whether this is the "no vault yet" error.
    pub fn is_not_initialized(&self) -> bool {
        self.status == Status::BadInput && self.message.starts_with("no vault here yet")
    }

    /// Writes `vakt: MESSAGE` to stderr and returns the exit status.
    pub fn report(&self) -> ExitCode {
        let line = self.message.replace(['\n', '\r'], " ");
        let _ = writeln!(std::io::stderr(), "vakt: {line}");
        ExitCode::from(self.status as u8)
    }
}

/// The exit status of a storage failure.
fn storage_status(e: &vakt_core::vault::StoreError) -> Status {
    use vakt_core::vault::StoreError as S;
    match e {
        S::Full => Status::StorageFull,
        S::ReadOnly => Status::StorageNotWritable,
        S::Unavailable => Status::StorageUnavailable,
        S::Missing => Status::BadInput,
        S::NotAVault | S::Damaged | S::NewerSchema { .. } => Status::Unreadable,
        S::Busy | S::Failed(_) => Status::Internal,
    }
}

/// What happened to the storage and what to do, in plain words.
fn storage_message(e: &vakt_core::vault::StoreError) -> String {
    use vakt_core::vault::StoreError as S;
    match e {
        S::Full => "no space left on the device; nothing was changed. Free some space and \
                    try again (codes can still be shown)"
            .to_owned(),
        S::ReadOnly => "the vault folder cannot be written (read-only storage or no \
                        permission). Every PIN attempt must be recorded there before the PIN \
                        is checked, so the vault cannot be opened; vakt status still works. \
                        Make the folder writable, or copy it somewhere writable"
            .to_owned(),
        S::Unavailable => "the storage is not available yet (locked until the device is \
                           unlocked); unlock it and try again"
            .to_owned(),
        S::Busy => "the vault is busy: another program is using it; try again".to_owned(),
        S::Failed(_) => format!(
            "{e}; nothing was changed. Try again; if it keeps failing, check the disk, \
             or restore a backup"
        ),
        S::Missing | S::NotAVault | S::Damaged | S::NewerSchema { .. } => e.to_string(),
    }
}

/// Replaces Rust's panic message (and any backtrace) with one line. Panics are
/// bugs, never a way to report input errors; this only keeps their output tidy.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|_| {
        let _ = writeln!(
            std::io::stderr(),
            "vakt: internal error (a bug; please report it)"
        );
    }));
}
