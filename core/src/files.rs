//! The files the core writes itself (beside the SQLite vault, which SQLite
//! writes): private to their owner, replaced atomically, never through a
//! symbolic link planted in their place. One writer for the core and the CLI.
//!
//! - Folders the core creates are `0700`, files `0600` (Unix). An existing
//!   folder the user named is left as it is.
//! - A file is replaced by writing a new temporary file beside it — created
//!   with `O_CREAT | O_EXCL` (`create_new`), which never opens an existing
//!   file or follows a symbolic link — syncing it, renaming it over the old
//!   one (a rename replaces a link, it does not write through it) and syncing
//!   the folder. A crash leaves the old file or the new one, and at worst a
//!   stray temporary file, never a half-written key.
//!
//! std only: the phone library carries no temporary-file crate for the few
//! files it writes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Options that create a new file readable and writable by its owner only,
/// failing if anything (a file, a link) is already at the path.
fn new_private_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `dir` and any missing parents; the folders created here are
/// `0700`. Folders that exist already are not changed.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_private_dir_all(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// Creates an empty private (`0600`) file at `path` unless something is
/// there already (then it is left as it is).
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    match new_private_file().open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `path`: a new private temporary file beside it, synced,
/// then renamed over `path`, and the folder synced (see the module notes).
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (tmp, mut file) = loop {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(
            ".{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let tmp = dir.join(tmp_name);
        match new_private_file().open(&tmp) {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename itself durable.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Makes a new private file at `path` (never opening an existing one) and
/// writes up to `len` bytes that do not compress into it, stopping early when
/// the storage is full; returns how many bytes it holds (synced). Used to set
/// space aside (`vault::reserve`).
pub fn fill_private_file(path: &Path, len: u64) -> io::Result<u64> {
    let mut file = new_private_file().open(path)?;
    // xorshift64: cheap, and no compressing file system shrinks it.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 64 * 1024];
    for word in chunk.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        for (byte, value) in word.iter_mut().zip(state.to_le_bytes()) {
            *byte = value;
        }
    }
    let mut written: u64 = 0;
    while written < len {
        let want = usize::try_from(len - written)
            .unwrap_or(usize::MAX)
            .min(chunk.len());
        let part = chunk.get(..want).unwrap_or(&chunk);
        match file.write(part) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) => {
                break;
            }
            Err(e) => return Err(e),
        }
    }
    match file.sync_all() {
        Err(e) if e.kind() != io::ErrorKind::StorageFull => Err(e),
        _ => Ok(written),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replaces_atomically_and_privately() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        write_private_atomic(&path, b"one").unwrap();
        write_private_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        // Nothing else is left in the folder.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let path = dir.path().join("device.key");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_private_atomic(&path, b"key").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(
            !fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&path).unwrap(), b"key");
    }

    #[test]
    fn fills_a_new_file_and_never_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reserve");
        assert_eq!(fill_private_file(&path, 100_000).unwrap(), 100_000);
        assert_eq!(fs::metadata(&path).unwrap().len(), 100_000);
        assert!(fill_private_file(&path, 10).is_err());
        assert_eq!(fs::metadata(&path).unwrap().len(), 100_000);
    }

    #[cfg(unix)]
    #[test]
    fn folders_made_here_are_private_and_others_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let deep = dir.path().join("a").join("b");
        create_private_dir_all(&deep).unwrap();
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&deep), 0o700);
        assert_eq!(mode(dir.path()), 0o755);
        let file = deep.join("vault.sqlite3");
        ensure_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        fs::write(&file, b"kept").unwrap();
        ensure_private_file(&file).unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"kept");
    }
}
