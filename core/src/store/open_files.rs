//! Which vault files this process has open through SQLite. POSIX drops every
//! `fcntl` lock a process holds on a file as soon as any of its descriptors
//! for that file is closed — SQLite's locks included, which is what keeps two
//! processes' transactions apart. So the probes that read a vault file with
//! ordinary I/O (`probe`) never touch a file this process has open: two
//! `Vault`s of one file in one process (an app and its widget) must not undo
//! each other's locks. (The CLI once opened a vault twice and handed out HOTP
//! codes twice across processes; `cli/tests/parallel.rs`.)

use std::path::Path;
use std::sync::Mutex;

/// A file's identity without opening it: device and inode where there are
/// any, else its canonical path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(std::path::PathBuf),
}

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(FileId::Inode(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(FileId::Path)
    }
}

/// Open files and how many connections each has.
static OPEN: Mutex<Vec<(FileId, usize)>> = Mutex::new(Vec::new());

fn open_files() -> std::sync::MutexGuard<'static, Vec<(FileId, usize)>> {
    OPEN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether this process has the file at `path` open through SQLite.
pub(super) fn is_open(path: &Path) -> bool {
    file_id(path).is_some_and(|id| open_files().iter().any(|(open, _)| *open == id))
}

/// Held by a [`Store`](super::Store) for as long as its connection is open.
#[derive(Debug)]
pub(super) struct OpenFile(Option<FileId>);

impl OpenFile {
    /// Records that a connection to the file at `path` is open.
    pub(super) fn register(path: &Path) -> Self {
        let id = file_id(path);
        if let Some(id) = &id {
            let mut files = open_files();
            match files.iter_mut().find(|(open, _)| open == id) {
                Some((_, count)) => *count += 1,
                None => files.push((id.clone(), 1)),
            }
        }
        Self(id)
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if let Some(id) = &self.0 {
            let mut files = open_files();
            if let Some(at) = files.iter().position(|(open, _)| open == id)
                && let Some((_, count)) = files.get_mut(at)
            {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    files.swap_remove(at);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_open_while_a_registration_lives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v");
        std::fs::write(&path, b"x").unwrap();
        assert!(!is_open(&path));
        let first = OpenFile::register(&path);
        let second = OpenFile::register(&path);
        assert!(is_open(&path));
        drop(first);
        assert!(is_open(&path), "one connection is still open");
        drop(second);
        assert!(!is_open(&path));
        assert!(!is_open(&dir.path().join("missing")));
    }
}
