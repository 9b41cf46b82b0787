//! Escrow of the unblock code to an organisation: its key pair (`keys`), the
//! escrow record sealed to it with HPKE (`record`, `suite`). The vault queues
//! a record with every new unblock code (`vault::escrow`); the
//! organisation's support desk opens it with its secret key (docs/adr/0009).

mod error;
mod keys;
mod record;
mod suite;

pub use error::EscrowError;
pub use keys::{OrgIdentity, OrgPublicKey};
pub use record::{EscrowPayload, RecordHeader, open, seal, vault_id_hex};
