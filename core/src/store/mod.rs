//! The SQLite file: opening without harm, numbered migrations, transactions.
//!
//! Raw connections never leave this module; callers get typed operations on a
//! [`Tx`], and every multi-step change runs in one `BEGIN IMMEDIATE`
//! transaction. The file is in WAL mode with `synchronous = FULL`, so a commit
//! is on disk before `commit` returns — the lockout counter depends on it.
//!
//! Opening never writes to a file it cannot read: a file that is not SQLite, a
//! SQLite file that is not a Vakt vault, or a vault from a newer schema is
//! reported and left exactly as it was. A Vakt vault whose pages SQLite finds
//! corrupt is reported as [`StoreError::Damaged`].
//!
//! Storage failures are classified by what a person can do about them: no
//! space left ([`StoreError::Full`]), storage that cannot be written
//! ([`StoreError::ReadOnly`]: a read-only file system, no permission), storage
//! not available yet ([`StoreError::Unavailable`]: files protected until the
//! device is first unlocked). SQLite's own codes do not always say which (a
//! full disk often shows as an I/O error while extending the `-shm` file), so
//! on such failures the folder is probed with an ordinary file
//! (`probe`). A vault on storage that cannot be written is still opened
//! for reading ([`Store::is_read_only`]); every write then fails as
//! `ReadOnly`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 7;

mod error;
mod lock_file;
mod open_files;
mod probe;
mod rows;
mod schema;
mod tx;

pub use error::StoreError;
pub use lock_file::{lock_path, open_lock_file};
pub use probe::has_vault_header;
pub use rows::{AccountRow, ChallengeRow, SlotRow};
pub use tx::Tx;

use open_files::OpenFile;
use probe::{APPLICATION_ID, classify, has_pending_wal, header_refuses_writes, immutable_uri};

/// An open vault file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Opened for reading only: the storage cannot be written.
    read_only: bool,
    /// This process has the file open (dropped after `conn`: fields drop in
    /// order).
    _open: OpenFile,
}

impl Store {
    /// Opens the vault file at `path`, creating it only if `create` is set,
    /// and brings its schema up to date. An existing vault on storage that
    /// cannot be written is opened for reading only ([`Store::is_read_only`]).
    pub fn open(path: &Path, create: bool) -> Result<Self, StoreError> {
        if !create && !path.exists() {
            return Err(StoreError::Missing);
        }
        let opened = match Self::open_writable(path, create) {
            Err(StoreError::ReadOnly) if !create => Self::open_read_only(path),
            other => other,
        };
        match opened {
            // A file with Vakt's header that does not read is a damaged vault.
            Err(StoreError::NotAVault) if has_vault_header(path) => Err(StoreError::Damaged),
            other => other,
        }
    }

    fn open_writable(path: &Path, create: bool) -> Result<Self, StoreError> {
        if header_refuses_writes(path) {
            return Err(if has_vault_header(path) {
                StoreError::Damaged
            } else {
                StoreError::NotAVault
            });
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let err = |e| classify(path, e);
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        let open = OpenFile::register(path);
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        let version = Self::check_file(&conn, path)?;
        if version == 0 && !create {
            // An empty file (a vault never finished): nothing to open, and
            // nothing is written to it here.
            return Err(StoreError::Missing);
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
            read_only: false,
            _open: open,
        };
        store.migrate(version)?;
        schema::check(&store.conn)?;
        Ok(store)
    }

    /// Opens an existing vault for reading only (its storage cannot be
    /// written). A vault left without a `-wal` file (closed cleanly) is read
    /// as immutable, since SQLite cannot make its `-shm` file there.
    fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let attempt = |conn: Connection| -> Result<(Connection, u32), StoreError> {
            conn.busy_timeout(Duration::from_secs(10))
                .map_err(StoreError::from)?;
            let version = Self::check_file(&conn, path)?;
            Ok((conn, version))
        };
        let first = Connection::open_with_flags(path, flags)
            .map_err(StoreError::from)
            .and_then(attempt);
        let (conn, version) = match first {
            Ok(opened) => opened,
            Err(StoreError::Failed(_) | StoreError::ReadOnly) if !has_pending_wal(path) => {
                let uri = immutable_uri(path)?;
                let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
                    .map_err(StoreError::from)?;
                attempt(conn)?
            }
            Err(StoreError::Failed(_) | StoreError::ReadOnly) => return Err(StoreError::ReadOnly),
            Err(e) => return Err(e),
        };
        if version < SCHEMA_VERSION {
            // An older schema needs a migration, which is a write.
            return Err(StoreError::ReadOnly);
        }
        schema::check(&conn)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            read_only: true,
            _open: OpenFile::register(path),
        })
    }

    /// Reads, before any write, what says whether the file is a Vakt vault
    /// this build can use (these fail on a file that is not SQLite), and
    /// returns its schema version.
    fn check_file(conn: &Connection, path: &Path) -> Result<u32, StoreError> {
        let err = |e| classify(path, e);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(err)?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(err)?;
        let version = u32::try_from(version).map_err(|_| StoreError::NotAVault)?;
        if version == 0 && tables > 0 {
            return Err(StoreError::NotAVault); // someone else's SQLite file
        }
        if version > 0 && app_id != APPLICATION_ID {
            return Err(StoreError::NotAVault);
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        // No `PRAGMA quick_check` on every open: it reads the whole file each
        // time. Damage shows as SQLITE_CORRUPT / NOTADB when the damaged page
        // is read, which is classified as `Damaged` too (the damage sweeps of
        // vault/tests.rs).
        Ok(version)
    }

    /// Whether the vault was opened for reading only (its storage cannot be
    /// written); every write then fails as [`StoreError::ReadOnly`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn migrate(&mut self, from: u32) -> Result<(), StoreError> {
        if from >= SCHEMA_VERSION {
            return Ok(());
        }
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(path, e))?;
        // Re-read inside the write lock: another process may have migrated.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let current = u32::try_from(current).map_err(|_| StoreError::NotAVault)?;
        for (index, sql) in schema::MIGRATIONS.iter().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            if number > current {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", number)?;
            }
        }
        tx.commit().map_err(|e| classify(path, e))?;
        Ok(())
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed (and synced)
    /// only if `f` succeeds.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.read_only {
            return Err(StoreError::ReadOnly.into());
        }
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(path, e))?;
        let out = f(&Tx(&tx))?;
        tx.commit().map_err(|e| classify(path, e))?;
        Ok(out)
    }

    /// Like [`Store::write`], but the commit is not synced to disk before
    /// returning (`synchronous = NORMAL` for this one transaction). Only for
    /// changes whose loss at a power cut is harmless and conservative, such as
    /// setting the failed-PIN count back to zero after a correct PIN: a lost
    /// reset leaves the count higher, never lower. A process kill loses nothing
    /// either way; the next synced commit makes it durable too.
    pub fn write_unsynced<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.read_only {
            return Err(StoreError::ReadOnly.into());
        }
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(StoreError::from)?;
        let out = self.write(f);
        let restored = self
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(StoreError::from);
        let out = out?;
        restored?;
        Ok(out)
    }

    /// Runs `f` in a read transaction (a consistent snapshot).
    pub fn read<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(|e| classify(path, e))?;
        let out = f(&Tx(&tx))?;
        tx.finish().map_err(|e| classify(path, e))?;
        Ok(out)
    }
}
