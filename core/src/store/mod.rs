//! The SQLite file: opening without harm, numbered migrations, transactions.
//!
//! Raw connections never leave this module; callers get typed operations on a
//! [`Tx`], and every multi-step change runs in one `BEGIN IMMEDIATE`
//! transaction. The file is in WAL mode with `synchronous = FULL`, so a commit
//! is on disk before `commit` returns — the lockout counter depends on it.
//!
//! Opening never writes to a file it cannot read: a file that is not SQLite, a
//! SQLite file that is not a Vakt vault, or a vault from a newer schema is
//! reported and left exactly as it was. A Vakt vault whose pages fail
//! SQLite's integrity check is reported as [`StoreError::Damaged`].
//!
//! Storage failures are classified by what a person can do about them: no
//! space left ([`StoreError::Full`]), storage that cannot be written
//! ([`StoreError::ReadOnly`]: a read-only file system, no permission), storage
//! not available yet ([`StoreError::Unavailable`]: files protected until the
//! device is first unlocked). SQLite's own codes do not always say which (a
//! full disk often shows as an I/O error while extending the `-shm` file), so
//! on such failures the folder is probed with an ordinary file
//! ([`diagnose`]). A vault on storage that cannot be written is still opened
//! for reading ([`Store::is_read_only`]); every write then fails as
//! `ReadOnly`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

/// `PRAGMA application_id` of Vakt vaults ('VAKT').
const APPLICATION_ID: i64 = 0x5641_4B54;

/// The numbered migrations; schema version N is reached by running the first N.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_backups.sql"),
    include_str!("migrations/0003_push.sql"),
    include_str!("migrations/0004_backup_rekey.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 4;

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
            None => StoreError::Failed("unexpected database state".into()),
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

/// Finds out, with ordinary files, why SQLite could not open or write the
/// vault at `path` when its own code does not say (an I/O error, a file that
/// cannot be opened): the vault file opened for writing (nothing written),
/// then a small probe file made, synced and removed in its folder. `None`
/// when both work.
pub fn diagnose(path: &Path) -> Option<StoreError> {
    if path.exists()
        && let Err(e) = std::fs::OpenOptions::new().write(true).open(path)
    {
        return Some(StoreError::from_io(&e));
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
/// vault, not someone else's file.
pub fn has_vault_header(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 100];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    read.is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && header.get(68..72) == Some(&APPLICATION_ID.to_be_bytes()[4..])
}

/// Whether the file at `path` has a SQLite header whose file-format numbers
/// (bytes 18 and 19) are above 2: SQLite then opens it for reading only,
/// which no vault this build wrote asks for.
fn header_refuses_writes(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 20];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    read.is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && header.get(18..20).is_some_and(|v| v.iter().any(|&b| b > 2))
}

/// Maps a SQLite error on the vault at `path`: what SQLite reports as an I/O
/// failure or an unopenable file is diagnosed ([`diagnose`]).
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
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

/// One stored account row: clear id and order, sealed record.
#[derive(Clone, Debug)]
pub struct AccountRow {
    /// Never reused within a vault.
    pub id: u64,
    /// Sort order (ascending).
    pub position: i64,
    /// The AEAD-sealed record.
    pub sealed: Vec<u8>,
}

/// One stored challenge row.
#[derive(Clone, Debug)]
pub struct ChallengeRow {
    /// Local id (never reused).
    pub id: u64,
    /// The push token it belongs to.
    pub token_id: u64,
    /// The server's nonce.
    pub nonce: String,
    /// When it was first received (Unix seconds).
    pub received_at: u64,
    /// When it stops being answerable here (Unix seconds).
    pub expires_at: u64,
    /// 1 open, 2 answer being sent, 3 answered, 4 closed by the server.
    pub state: u8,
    /// The sealed details.
    pub sealed: Vec<u8>,
}

/// One key slot.
#[derive(Clone, Debug)]
pub struct SlotRow {
    /// Encoded KDF parameters.
    pub kdf: Vec<u8>,
    /// KDF salt.
    pub salt: Vec<u8>,
    /// The device-wrapped, AEAD-sealed vault key.
    pub wrapped: Vec<u8>,
}

/// An open vault file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Opened for reading only: the storage cannot be written.
    read_only: bool,
}

fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::NotAVault)
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Failed("value out of range".into()))
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
        };
        store.migrate(version)?;
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
        Ok(Store {
            conn,
            path: path.to_owned(),
            read_only: true,
        })
    }

    /// Reads, before any write, what says whether the file is a Vakt vault
    /// this build can use (these fail on a file that is not SQLite), checks
    /// its pages (`PRAGMA quick_check`), and returns its schema version.
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
        let verdict: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(err)?;
        if verdict != "ok" {
            return Err(StoreError::Damaged);
        }
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
        for (index, sql) in MIGRATIONS.iter().enumerate() {
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

/// Whether the vault at `path` has a `-wal` file with content (changes not
/// yet copied into the vault file).
fn has_pending_wal(path: &Path) -> bool {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    std::fs::metadata(PathBuf::from(name)).is_ok_and(|m| m.len() > 0)
}

/// A `file:` URI naming `path` as immutable (SQLite then takes no locks and
/// makes no `-shm` file); bytes outside the unreserved set are escaped.
fn immutable_uri(path: &Path) -> Result<String, StoreError> {
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

/// A `push_challenges` row as SQLite returns it.
type RawChallenge = (i64, i64, String, i64, i64, i64, Vec<u8>);

/// Typed operations inside a transaction.
pub struct Tx<'a>(&'a rusqlite::Transaction<'a>);

impl Tx<'_> {
    /// A `meta` value.
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a `meta` value.
    pub fn set_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    /// Deletes a `meta` value; whether it existed.
    pub fn delete_meta(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.0.execute("DELETE FROM meta WHERE name = ?1", [name])? == 1)
    }

    /// The change counter (schema 2): one more for every change to an account
    /// or to the backup key material.
    pub fn change_seq(&self) -> Result<u64, StoreError> {
        let seq: i64 = self
            .0
            .query_row("SELECT seq FROM changes WHERE id = 1", [], |r| r.get(0))?;
        to_u64(seq)
    }

    /// A key slot.
    pub fn slot(&self, kind: &str) -> Result<Option<SlotRow>, StoreError> {
        Ok(self
            .0
            .query_row(
                "SELECT kdf, salt, wrapped FROM slots WHERE kind = ?1",
                [kind],
                |r| {
                    Ok(SlotRow {
                        kdf: r.get(0)?,
                        salt: r.get(1)?,
                        wrapped: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Writes (or replaces) a key slot.
    pub fn set_slot(&self, kind: &str, slot: &SlotRow) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO slots (kind, kdf, salt, wrapped) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind) DO UPDATE SET
               kdf = excluded.kdf, salt = excluded.salt, wrapped = excluded.wrapped",
            params![kind, slot.kdf, slot.salt, slot.wrapped],
        )?;
        Ok(())
    }

    /// Failed PIN and unblock attempts.
    pub fn lockout(&self) -> Result<(u32, u32), StoreError> {
        let (pin, unblock): (i64, i64) = self.0.query_row(
            "SELECT failed_pin, failed_unblock FROM lockout WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let pin = u32::try_from(pin).map_err(|_| StoreError::NotAVault)?;
        let unblock = u32::try_from(unblock).map_err(|_| StoreError::NotAVault)?;
        Ok((pin, unblock))
    }

    /// Sets both counters.
    pub fn set_lockout(&self, failed_pin: u32, failed_unblock: u32) -> Result<(), StoreError> {
        let changed = self.0.execute(
            "UPDATE lockout SET failed_pin = ?1, failed_unblock = ?2 WHERE id = 1",
            params![failed_pin, failed_unblock],
        )?;
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::NotAVault)
        }
    }

    /// Every account row, in display order.
    pub fn accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT id, position, sealed FROM accounts ORDER BY position, id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, position, sealed) = row?;
            out.push(AccountRow {
                id: to_u64(id)?,
                position,
                sealed,
            });
        }
        Ok(out)
    }

    /// One account row.
    pub fn account(&self, id: u64) -> Result<Option<AccountRow>, StoreError> {
        let found = self
            .0
            .query_row(
                "SELECT position, sealed FROM accounts WHERE id = ?1",
                [to_i64(id)?],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )
            .optional()?;
        Ok(found.map(|(position, sealed)| AccountRow {
            id,
            position,
            sealed,
        }))
    }

    /// Reserves a new account id (ids are never reused).
    pub fn next_account_id(&self) -> Result<u64, StoreError> {
        let current = match self.meta("next_account_id")? {
            Some(bytes) => {
                let array: [u8; 8] = bytes.try_into().map_err(|_| StoreError::NotAVault)?;
                u64::from_be_bytes(array)
            }
            None => 1,
        };
        let next = current
            .checked_add(1)
            .ok_or_else(|| StoreError::Failed("account ids exhausted".into()))?;
        self.set_meta("next_account_id", &next.to_be_bytes())?;
        Ok(current)
    }

    /// The position after the last account.
    pub fn next_position(&self) -> Result<i64, StoreError> {
        Ok(self.0.query_row(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM accounts",
            [],
            |r| r.get(0),
        )?)
    }

    /// Inserts or replaces an account row.
    pub fn put_account(&self, row: &AccountRow) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO accounts (id, position, sealed) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET position = excluded.position, sealed = excluded.sealed",
            params![to_i64(row.id)?, row.position, row.sealed],
        )?;
        Ok(())
    }

    /// Sets an account's position.
    pub fn set_position(&self, id: u64, position: i64) -> Result<bool, StoreError> {
        Ok(self.0.execute(
            "UPDATE accounts SET position = ?2 WHERE id = ?1",
            params![to_i64(id)?, position],
        )? == 1)
    }

    /// Deletes an account; whether it existed.
    pub fn delete_account(&self, id: u64) -> Result<bool, StoreError> {
        Ok(self
            .0
            .execute("DELETE FROM accounts WHERE id = ?1", [to_i64(id)?])?
            == 1)
    }

    /// Every push token row (id, sealed record), by id.
    pub fn push_tokens(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT id, sealed FROM push_tokens ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed) = row?;
            out.push((to_u64(id)?, sealed));
        }
        Ok(out)
    }

    /// Inserts or replaces a push token row.
    pub fn put_push_token(&self, id: u64, sealed: &[u8]) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO push_tokens (id, sealed) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed",
            params![to_i64(id)?, sealed],
        )?;
        Ok(())
    }

    /// Deletes a push token and its challenges; whether it existed.
    pub fn delete_push_token(&self, id: u64) -> Result<bool, StoreError> {
        let id = to_i64(id)?;
        self.0
            .execute("DELETE FROM push_challenges WHERE token_id = ?1", [id])?;
        Ok(self
            .0
            .execute("DELETE FROM push_tokens WHERE id = ?1", [id])?
            == 1)
    }

    fn challenge_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawChallenge> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    }

    fn challenge_row(raw: RawChallenge) -> Result<ChallengeRow, StoreError> {
        let (id, token_id, nonce, received_at, expires_at, state, sealed) = raw;
        Ok(ChallengeRow {
            id: to_u64(id)?,
            token_id: to_u64(token_id)?,
            nonce,
            received_at: to_u64(received_at)?,
            expires_at: to_u64(expires_at)?,
            state: u8::try_from(state).map_err(|_| StoreError::NotAVault)?,
            sealed,
        })
    }

    /// Challenges in `states`, oldest first.
    pub fn challenges(&self, states: &[u8]) -> Result<Vec<ChallengeRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, token_id, nonce, received_at, expires_at, state, sealed
             FROM push_challenges ORDER BY id",
        )?;
        let rows = stmt.query_map([], Self::challenge_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            let row = Self::challenge_row(row?)?;
            if states.contains(&row.state) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// One challenge by local id.
    pub fn challenge(&self, id: u64) -> Result<Option<ChallengeRow>, StoreError> {
        let raw = self
            .0
            .query_row(
                "SELECT id, token_id, nonce, received_at, expires_at, state, sealed
                 FROM push_challenges WHERE id = ?1",
                [to_i64(id)?],
                Self::challenge_from_row,
            )
            .optional()?;
        raw.map(Self::challenge_row).transpose()
    }

    /// One challenge by token and nonce.
    pub fn challenge_by_nonce(
        &self,
        token_id: u64,
        nonce: &str,
    ) -> Result<Option<ChallengeRow>, StoreError> {
        let raw = self
            .0
            .query_row(
                "SELECT id, token_id, nonce, received_at, expires_at, state, sealed
                 FROM push_challenges WHERE token_id = ?1 AND nonce = ?2",
                params![to_i64(token_id)?, nonce],
                Self::challenge_from_row,
            )
            .optional()?;
        raw.map(Self::challenge_row).transpose()
    }

    /// Inserts a new challenge; its local id.
    pub fn insert_challenge(&self, row: &ChallengeRow) -> Result<u64, StoreError> {
        self.0.execute(
            "INSERT INTO push_challenges (token_id, nonce, received_at, expires_at, state, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                to_i64(row.token_id)?,
                row.nonce,
                to_i64(row.received_at)?,
                to_i64(row.expires_at)?,
                row.state,
                row.sealed
            ],
        )?;
        to_u64(self.0.last_insert_rowid())
    }

    /// Sets a challenge's state and sealed details.
    pub fn update_challenge(&self, id: u64, state: u8, sealed: &[u8]) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE push_challenges SET state = ?2, sealed = ?3 WHERE id = ?1",
            params![to_i64(id)?, state, sealed],
        )?;
        Ok(())
    }

    /// Forgets challenges received before `before` (Unix seconds); how many.
    pub fn prune_challenges(&self, before: u64) -> Result<usize, StoreError> {
        Ok(self.0.execute(
            "DELETE FROM push_challenges WHERE received_at < ?1",
            [to_i64(before)?],
        )?)
    }
}
