//! Why the vault file could not be opened or used, classified by what a
//! person can do about it.

/// Why the file could not be opened or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No vault file at the path.
    #[error("no vault file")]
    Missing,
    /// The file is not SQLite, or is SQLite but not a Vakt vault.
    #[error("the file is not a Vakt vault or is damaged")]
    NotAVault,
    /// A Vakt vault whose pages are damaged (they fail SQLite's integrity
    /// check, or its header is Vakt's but the rest does not read).
    #[error("the vault file is damaged")]
    Damaged,
    /// No space is left on the storage for the write (nothing was changed).
    #[error("there is no space left on the device")]
    Full,
    /// The vault's folder or file cannot be written: read-only storage, or no
    /// permission.
    #[error("the vault's folder cannot be written (read-only storage or no permission)")]
    ReadOnly,
    /// The storage is not available yet: the platform keeps it locked until
    /// the device is unlocked for the first time after it starts.
    #[error("the storage is not available yet (the device has not been unlocked since it started)")]
    Unavailable,
    /// Written by a newer Vakt.
    #[error("the vault has schema {found}; this version reads up to {supported}")]
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// Another process holds the vault for too long.
    #[error("the vault is busy (used by another process)")]
    Busy,
    /// Any other input/output failure (a plain description, without data).
    #[error("the vault's storage failed ({0})")]
    Failed(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => StoreError::NotAVault,
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Damaged,
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::DiskFull) => StoreError::Full,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(ErrorCode::SystemIoFailure) => StoreError::Failed("an input/output error".into()),
            Some(ErrorCode::CannotOpen) => StoreError::Failed("a file could not be opened".into()),
            Some(ErrorCode::PermissionDenied) => StoreError::ReadOnly,
            Some(ErrorCode::OutOfMemory) => StoreError::Failed("out of memory".into()),
            Some(_) => StoreError::Failed("an unexpected database failure".into()),
            None => match e {
                // A value of another type, or out of range, where this
                // build's writers always put one of theirs: the file was
                // changed underneath (a damaged page, a flipped bit of the
                // schema's text).
                rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
                | rusqlite::Error::InvalidColumnName(_)
                | rusqlite::Error::InvalidColumnIndex(_) => StoreError::Damaged,
                _ => StoreError::Failed("unexpected database state".into()),
            },
        }
    }
}

impl StoreError {
    /// Classifies an operating-system error on the vault's files.
    pub fn from_io(e: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        // ENOSPC, EDQUOT; ENOKEY (Linux/Android: an encrypted folder whose key
        // is not loaded yet, e.g. credential-encrypted storage before the
        // first unlock); EPERM on Apple platforms (data protection).
        const ENOSPC: i32 = 28;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        const EDQUOT: i32 = 122;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        const EDQUOT: i32 = 69;
        const ENOKEY: i32 = 126;
        let raw = e.raw_os_error();
        if raw == Some(ENOKEY) && cfg!(any(target_os = "linux", target_os = "android")) {
            return StoreError::Unavailable;
        }
        if raw == Some(1) && cfg!(any(target_os = "ios", target_os = "macos")) {
            return StoreError::Unavailable;
        }
        if raw == Some(ENOSPC) || raw == Some(EDQUOT) {
            return StoreError::Full;
        }
        match e.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => StoreError::Full,
            ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => StoreError::ReadOnly,
            ErrorKind::NotFound => StoreError::Failed("a file or folder is missing".into()),
            other => StoreError::Failed(other.to_string()),
        }
    }
}
