//! The vault's reserved space: a file beside the vault (`vault.sqlite3.reserve`)
//! that is deleted when a lockout write (an attempt counted, or its reset)
//! finds no space left, so that the write can be retried — a full disk must
//! not stop the lockout from counting, nor a person from seeing their codes.
//! It is made again, as far as space allows, whenever the vault is opened
//! or unlocked.
//!
//! Deleting a file frees its blocks on every file system, copy-on-write ones
//! (APFS, btrfs, F2FS) included, where even overwriting a page in place needs
//! new space; only a snapshot holding the file keeps them. The file is
//! filled with bytes that do not compress, so a compressing file system still
//! sets the full size aside.

use std::path::{Path, PathBuf};

/// How much space is kept aside: what opening the vault (its `-shm` file, 32
/// KiB), counting an attempt and resetting it (two WAL frames of a 4 KiB page
/// each) need, with a wide margin for an unblock (which rewrites the slots).
pub const RESERVE_BYTES: u64 = 512 * 1024;

/// The reserve file beside the vault file at `vault_path`.
pub fn reserve_path(vault_path: &Path) -> PathBuf {
    let mut name = vault_path.as_os_str().to_owned();
    name.push(".reserve");
    name.into()
}

/// Frees the reserve at `path`; whether there was one to free.
pub(super) fn release(path: &Path) -> bool {
    let had = std::fs::symlink_metadata(path).is_ok_and(|m| m.len() > 0);
    had && std::fs::remove_file(path).is_ok()
}

/// Makes the reserve at `path` whole again if space allows: a shorter one is
/// replaced by a new file of [`RESERVE_BYTES`] or, on a disk with less free,
/// of as much as there is. Best effort: a failure leaves less reserved,
/// nothing else.
pub(super) fn top_up(path: &Path) {
    let len = std::fs::symlink_metadata(path).map(|m| (m.is_file(), m.len()));
    match len {
        Ok((true, len)) if len >= RESERVE_BYTES => {}
        Ok(_) => {
            if std::fs::remove_file(path).is_ok() {
                let _ = crate::files::fill_private_file(path, RESERVE_BYTES);
            }
        }
        Err(_) => {
            let _ = crate::files::fill_private_file(path, RESERVE_BYTES);
        }
    }
}
