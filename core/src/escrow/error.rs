//! Why an organisation key or an escrow record was refused.

/// Why an organisation key or an escrow record was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EscrowError {
    /// Not an organisation public key (`age1…`).
    #[error("not an organisation public key (an age X25519 recipient, age1…)")]
    InvalidPublicKey,
    /// Not an organisation identity (`AGE-SECRET-KEY-1…`, one per file).
    #[error("not an organisation key file (one age X25519 identity, AGE-SECRET-KEY-1…)")]
    InvalidIdentity,
    /// Not an escrow record (not an age file).
    #[error("not an escrow record")]
    NotARecord,
    /// The record is sealed to another organisation key.
    #[error("the escrow record is not sealed to this organisation key")]
    WrongKey,
    /// The record was changed or cut short after it was sealed.
    #[error("the escrow record is damaged or was tampered with")]
    Tampered,
    /// It opened, but what it holds is not an escrow record of this format.
    #[error("the escrow record opened but holds no escrow record this version reads")]
    Malformed,
    /// The record belongs to another vault than the one named.
    #[error("the escrow record belongs to vault {found}, not {expected}")]
    OtherVault {
        /// The vault id the caller expected (hex).
        expected: String,
        /// The vault id in the record (hex).
        found: String,
    },
    /// Sealing failed (no randomness or an internal error of the age library).
    #[error("the escrow record could not be sealed")]
    Seal,
}
