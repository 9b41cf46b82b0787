//! The vault's lock file, whose exclusive lock is the check turn of every
//! process (`vault::lockout`).

use std::path::Path;

use super::error::StoreError;

/// The path of the lock file beside the vault file at `path`
/// (`vault.sqlite3.lock`): the vault's check turn (`vault::lockout`).
pub fn lock_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    name.into()
}

/// Opens (creating it if needed, readable and writable by the owner only) the
/// lock file at `path`; its content is never read or written.
pub fn open_lock_file(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| StoreError::from_io(&e))
}
