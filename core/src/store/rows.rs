//! The rows the store hands out: clear ids and order, sealed records.

use super::error::StoreError;

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
    /// The answer given (schema 5: empty, or a key tag and the sealed
    /// answer); in a row not upgraded yet (`shown` is `None`), the schema-3
    /// sealed details.
    pub sealed: Vec<u8>,
    /// The verified challenge, sealed under the device record key (`None`
    /// in a row from before schema 5 not upgraded yet).
    pub shown: Option<Vec<u8>>,
}

/// One escrow record row (schema 5).
#[derive(Clone, Debug)]
pub struct EscrowRow {
    /// Local id (never reused).
    pub id: u64,
    /// The unblock code's generation.
    pub generation: u32,
    /// When the code was made (Unix seconds).
    pub created_at: u64,
    /// The record, sealed to the organisation's key.
    pub record: Vec<u8>,
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

/// A stored integer as the unsigned id or count it holds.
pub(super) fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::NotAVault)
}

/// An id the app names, as SQLite stores ids; `None` past `i64::MAX`, where
/// no row can be (SQLite's integers are `i64`): looking such an id up finds
/// nothing, as for any other id that is not there, instead of failing.
pub(super) fn stored_id(id: u64) -> Option<i64> {
    i64::try_from(id).ok()
}

/// An id or count as SQLite stores it.
pub(super) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Failed("value out of range".into()))
}
