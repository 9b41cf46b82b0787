//! Typed operations inside a transaction: the only way callers read or write
//! the vault's tables.

use rusqlite::{OptionalExtension, params};

use super::error::StoreError;
use super::rows::{AccountRow, ChallengeRow, EscrowRow, SlotRow, stored_id, to_i64, to_u64};

/// A `push_challenges` row as SQLite returns it.
type RawChallenge = (i64, i64, String, i64, i64, i64, Vec<u8>, Option<Vec<u8>>);

/// A push token's id and its shown copy (`None` until upgraded).
pub type ShownToken = (u64, Option<Vec<u8>>);

/// Typed operations inside a transaction.
pub struct Tx<'a>(pub(super) &'a rusqlite::Transaction<'a>);

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

    /// Deletes a key slot; whether it existed.
    pub fn delete_slot(&self, kind: &str) -> Result<bool, StoreError> {
        Ok(self
            .0
            .execute("DELETE FROM slots WHERE kind = ?1", [kind])?
            == 1)
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
        let Some(key) = stored_id(id) else {
            return Ok(None);
        };
        let found = self
            .0
            .query_row(
                "SELECT position, sealed FROM accounts WHERE id = ?1",
                [key],
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
        let Some(id) = stored_id(id) else {
            return Ok(false);
        };
        Ok(self.0.execute(
            "UPDATE accounts SET position = ?2 WHERE id = ?1",
            params![id, position],
        )? == 1)
    }

    /// Deletes an account; whether it existed.
    pub fn delete_account(&self, id: u64) -> Result<bool, StoreError> {
        let Some(id) = stored_id(id) else {
            return Ok(false);
        };
        Ok(self.0.execute("DELETE FROM accounts WHERE id = ?1", [id])? == 1)
    }

    /// Every push token row (id, sealed record), by id.
    pub fn push_tokens(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        self.id_rows("SELECT id, sealed FROM push_tokens ORDER BY id")
    }

    /// The rows of `sql`, which selects an id and one value.
    fn id_rows<T: rusqlite::types::FromSql>(&self, sql: &str) -> Result<Vec<(u64, T)>, StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, value) = row?;
            out.push((to_u64(id)?, value));
        }
        Ok(out)
    }

    /// Every push token's shown copy (id, sealed under the device record
    /// key; `None` until upgraded), by id.
    pub fn push_tokens_shown(&self) -> Result<Vec<ShownToken>, StoreError> {
        self.id_rows("SELECT id, shown FROM push_tokens ORDER BY id")
    }

    /// Queues an escrow record (not yet delivered). Records of earlier
    /// generations not yet delivered are dropped: their codes no longer work.
    pub fn queue_escrow(
        &self,
        generation: u32,
        created_at: u64,
        record: &[u8],
    ) -> Result<(), StoreError> {
        self.0.execute(
            "DELETE FROM escrow_records WHERE delivered_at IS NULL AND generation < ?1",
            [generation],
        )?;
        self.0.execute(
            "INSERT INTO escrow_records (generation, created_at, record) VALUES (?1, ?2, ?3)",
            params![generation, to_i64(created_at)?, record],
        )?;
        Ok(())
    }

    /// The escrow records not yet delivered, oldest first.
    pub fn pending_escrow(&self) -> Result<Vec<EscrowRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, generation, created_at, record FROM escrow_records
             WHERE delivered_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, generation, created_at, record) = row?;
            out.push(EscrowRow {
                id: to_u64(id)?,
                generation: u32::try_from(generation).map_err(|_| StoreError::NotAVault)?,
                created_at: to_u64(created_at)?,
                record,
            });
        }
        Ok(out)
    }

    /// Marks an escrow record delivered at `at`; whether it was pending.
    pub fn mark_escrow_delivered(&self, id: u64, at: u64) -> Result<bool, StoreError> {
        Ok(self.0.execute(
            "UPDATE escrow_records SET delivered_at = ?2 WHERE id = ?1 AND delivered_at IS NULL",
            params![to_i64(id)?, to_i64(at)?],
        )? == 1)
    }

    /// Drops the escrow records not yet delivered (escrow turned off).
    pub fn drop_pending_escrow(&self) -> Result<usize, StoreError> {
        Ok(self
            .0
            .execute("DELETE FROM escrow_records WHERE delivered_at IS NULL", [])?)
    }

    /// Inserts or replaces a push token row: the record under the vault key
    /// and its shown copy under the device record key.
    pub fn put_push_token(&self, id: u64, sealed: &[u8], shown: &[u8]) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO push_tokens (id, sealed, shown) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, shown = excluded.shown",
            params![to_i64(id)?, sealed, shown],
        )?;
        Ok(())
    }

    /// Sets a push token's shown copy only (the upgrade to schema 5).
    pub fn set_push_token_shown(&self, id: u64, shown: &[u8]) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE push_tokens SET shown = ?2 WHERE id = ?1",
            params![to_i64(id)?, shown],
        )?;
        Ok(())
    }

    /// Every container row (id, sealed record), by id.
    pub fn containers(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        self.id_rows("SELECT id, sealed FROM containers ORDER BY id")
    }

    /// The id the next inserted container row gets (ids are never reused).
    pub fn next_container_id(&self) -> Result<u64, StoreError> {
        let used: Option<i64> = self
            .0
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'containers'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let max: Option<i64> = self
            .0
            .query_row("SELECT MAX(id) FROM containers", [], |r| r.get(0))?;
        to_u64(used.unwrap_or(0).max(max.unwrap_or(0)))?
            .checked_add(1)
            .ok_or(StoreError::Failed("no container id left".into()))
    }

    /// Inserts or replaces container row `id`.
    pub fn put_container(&self, id: u64, sealed: &[u8]) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO containers (id, sealed) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed",
            params![to_i64(id)?, sealed],
        )?;
        Ok(())
    }

    /// Deletes container row `id`; whether it existed.
    pub fn delete_container(&self, id: u64) -> Result<bool, StoreError> {
        let Some(id) = stored_id(id) else {
            return Ok(false);
        };
        Ok(self
            .0
            .execute("DELETE FROM containers WHERE id = ?1", [id])?
            == 1)
    }

    /// Deletes a push token and its challenges; whether it existed.
    pub fn delete_push_token(&self, id: u64) -> Result<bool, StoreError> {
        let Some(id) = stored_id(id) else {
            return Ok(false);
        };
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
            r.get(7)?,
        ))
    }

    fn challenge_row(raw: RawChallenge) -> Result<ChallengeRow, StoreError> {
        let (id, token_id, nonce, received_at, expires_at, state, sealed, shown) = raw;
        Ok(ChallengeRow {
            id: to_u64(id)?,
            token_id: to_u64(token_id)?,
            nonce,
            received_at: to_u64(received_at)?,
            expires_at: to_u64(expires_at)?,
            state: u8::try_from(state).map_err(|_| StoreError::NotAVault)?,
            sealed,
            shown,
        })
    }

    /// Challenges in `states`, oldest first.
    pub fn challenges(&self, states: &[u8]) -> Result<Vec<ChallengeRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, token_id, nonce, received_at, expires_at, state, sealed, shown
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
        let Some(id) = stored_id(id) else {
            return Ok(None);
        };
        let raw = self
            .0
            .query_row(
                "SELECT id, token_id, nonce, received_at, expires_at, state, sealed, shown
                 FROM push_challenges WHERE id = ?1",
                [id],
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
        let Some(token_id) = stored_id(token_id) else {
            return Ok(None);
        };
        let raw = self
            .0
            .query_row(
                "SELECT id, token_id, nonce, received_at, expires_at, state, sealed, shown
                 FROM push_challenges WHERE token_id = ?1 AND nonce = ?2",
                params![token_id, nonce],
                Self::challenge_from_row,
            )
            .optional()?;
        raw.map(Self::challenge_row).transpose()
    }

    /// Inserts a new challenge; its local id.
    pub fn insert_challenge(&self, row: &ChallengeRow) -> Result<u64, StoreError> {
        self.0.execute(
            "INSERT INTO push_challenges
               (token_id, nonce, received_at, expires_at, state, sealed, shown)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                to_i64(row.token_id)?,
                row.nonce,
                to_i64(row.received_at)?,
                to_i64(row.expires_at)?,
                row.state,
                row.sealed,
                row.shown
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

    /// Sets a challenge's shown copy and answer (the upgrade to schema 5).
    pub fn set_challenge_shown(
        &self,
        id: u64,
        shown: &[u8],
        sealed: &[u8],
    ) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE push_challenges SET shown = ?2, sealed = ?3 WHERE id = ?1",
            params![to_i64(id)?, shown, sealed],
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
