//! What ordinary file operations tell about the vault's storage when SQLite's
//! own codes do not: why a write failed (space, permission, not yet
//! available), whether a file is a Vakt vault at all, and how to open one on
//! storage that cannot be written.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::StoreError;

/// `PRAGMA application_id` of Vakt vaults ('VAKT').
pub(super) const APPLICATION_ID: i64 = 0x5641_4B54;

/// Finds out, with ordinary files, why SQLite could not open or write the
/// vault at `path` when its own code does not say (an I/O error, a file that
/// cannot be opened): the vault file's permissions (read from its metadata:
/// the file itself is never opened here, see `open_files`), then a small
/// probe file made, synced and removed in its folder. `None` when both work.
pub(super) fn diagnose(path: &Path) -> Option<StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().readonly() => return Some(StoreError::ReadOnly),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Some(StoreError::from_io(&e));
        }
        _ => {}
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let probe = dir.join(format!(".vakt-probe-{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut file| {
            let page = [0x5a_u8; 65536];
            let out = file.write_all(&page).and_then(|()| file.sync_all());
            let _ = std::fs::remove_file(&probe);
            out
        });
    match written {
        Ok(()) => None,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
        Err(e) => Some(StoreError::from_io(&e)),
    }
}

/// Whether the first 100 bytes of the file at `path` are a SQLite header
/// with Vakt's application id: then a file that does not read is a damaged
/// vault, not someone else's file. A file this process has open through
/// SQLite is one (and is not read here: `open_files`).
pub fn has_vault_header(path: &Path) -> bool {
    use std::io::Read;
    if super::open_files::is_open(path) {
        return true;
    }
    let mut header = [0u8; 100];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    read.is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && header.get(68..72) == Some(&APPLICATION_ID.to_be_bytes()[4..])
}

/// Whether the file at `path` has a SQLite header whose file-format numbers
/// (bytes 18 and 19) are above 2: SQLite then opens it for reading only,
/// which no vault this build wrote asks for. A file this process has open
/// through SQLite was writable then (and is not read here: `open_files`).
pub(super) fn header_refuses_writes(path: &Path) -> bool {
    use std::io::Read;
    if super::open_files::is_open(path) {
        return false;
    }
    let mut header = [0u8; 20];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    read.is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && header.get(18..20).is_some_and(|v| v.iter().any(|&b| b > 2))
}

/// Maps a SQLite error on the vault at `path`: what SQLite reports as an I/O
/// failure or an unopenable file is diagnosed ([`diagnose`]).
pub(super) fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Failed(detail) => diagnose(path).unwrap_or(StoreError::Failed(detail)),
        // Writable storage, yet SQLite will not write: the file itself says
        // so (its header's format numbers), which no vault of ours does.
        StoreError::ReadOnly => diagnose(path).unwrap_or(if has_vault_header(path) {
            StoreError::Damaged
        } else {
            StoreError::NotAVault
        }),
        other => other,
    }
}

/// Whether the vault at `path` has a `-wal` file with content (changes not
/// yet copied into the vault file).
pub(super) fn has_pending_wal(path: &Path) -> bool {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    std::fs::metadata(PathBuf::from(name)).is_ok_and(|m| m.len() > 0)
}

/// A `file:` URI naming `path` as immutable (SQLite then takes no locks and
/// makes no `-shm` file); bytes outside the unreserved set are escaped.
pub(super) fn immutable_uri(path: &Path) -> Result<String, StoreError> {
    let absolute = std::path::absolute(path).map_err(|e| StoreError::from_io(&e))?;
    let text = absolute
        .to_str()
        .ok_or_else(|| StoreError::Failed("the vault's path is not text".into()))?;
    let mut uri = String::from("file:");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    Ok(uri)
}
