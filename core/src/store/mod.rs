//! The SQLite file: opening without harm, numbered migrations, transactions.
//!
//! Raw connections never leave this module; callers get typed operations on a
//! [`Tx`], and every multi-step change runs in one `BEGIN IMMEDIATE`
//! transaction. The file is in WAL mode with `synchronous = FULL`, so a commit
//! is on disk before `commit` returns — the lockout counter depends on it.
//!
//! Opening never writes to a file it cannot read: a file that is not SQLite, a
//! SQLite file that is not a Vakt vault, or a vault from a newer schema is
//! reported and left exactly as it was.

use std::path::Path;
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
    /// The file is not SQLite, or is SQLite but not a Vakt vault, or is damaged.
    #[error("the file is not a Vakt vault or is damaged")]
    NotAVault,
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
    /// Any other SQLite or I/O failure (message without data).
    #[error("storage failed: {0}")]
    Failed(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
                StoreError::NotAVault
            }
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(code) => StoreError::Failed(format!("{code:?}")),
            None => StoreError::Failed("unexpected database state".into()),
        }
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
}

fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::NotAVault)
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Failed("value out of range".into()))
}

impl Store {
    /// Opens the vault file at `path`, creating it only if `create` is set,
    /// and brings its schema up to date.
    pub fn open(path: &Path, create: bool) -> Result<Self, StoreError> {
        if !create && !path.exists() {
            return Err(StoreError::Missing);
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // Read before any write: these fail on a file that is not SQLite.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
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
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut store = Store { conn };
        store.migrate(version)?;
        Ok(store)
    }

    fn migrate(&mut self, from: u32) -> Result<(), StoreError> {
        if from >= SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed (and synced)
    /// only if `f` succeeds.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&Tx(&tx))?;
        tx.commit().map_err(StoreError::from)?;
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(StoreError::from)?;
        let out = f(&Tx(&tx))?;
        tx.finish().map_err(StoreError::from)?;
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
    options
        .open(path)
        .map_err(|e| StoreError::Failed(format!("cannot open the vault's lock file: {}", e.kind())))
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
