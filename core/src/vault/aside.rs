//! A damaged vault file is moved aside, never written: renamed, with its
//! `-wal` and `-shm` files, to `vault.sqlite3.damaged-N` (the first `N` not
//! taken), so that its bytes are kept for whoever wants to look at them and
//! the folder is free for a restore from a backup.

use std::path::{Path, PathBuf};

use crate::store::StoreError;

use super::error::VaultError;

/// `path` with `suffix` appended to its last component.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Renames the vault file at `path` (and its `-wal`, `-shm` files) aside;
/// returns the new name of the vault file.
pub(super) fn move_aside(path: &Path) -> Result<PathBuf, VaultError> {
    let failed = |e: std::io::Error| VaultError::Storage(StoreError::from_io(&e));
    for n in 1..1000 {
        let aside = with_suffix(path, &format!(".damaged-{n}"));
        let taken = [
            &aside,
            &with_suffix(&aside, "-wal"),
            &with_suffix(&aside, "-shm"),
        ]
        .iter()
        .any(|p| std::fs::symlink_metadata(p).is_ok());
        if taken {
            continue;
        }
        // The side files first, so that the vault file is never found beside
        // a journal that is not its own.
        for side in ["-wal", "-shm"] {
            let from = with_suffix(path, side);
            if std::fs::symlink_metadata(&from).is_ok() {
                std::fs::rename(&from, with_suffix(&aside, side)).map_err(failed)?;
            }
        }
        std::fs::rename(path, &aside).map_err(failed)?;
        return Ok(aside);
    }
    Err(VaultError::Storage(StoreError::Failed(
        "too many damaged vault files set aside".into(),
    )))
}
