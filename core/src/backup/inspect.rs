//! What a backup's header says, read without any secret.

use super::error::BackupError;
use super::format::{self, FORMAT_VERSION, SlotKind};

/// What can be learned from a backup without any secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    /// The file's format version.
    pub format_version: u8,
    /// The backup key's random id, hex (the same for every backup of a vault
    /// until it is restored elsewhere).
    pub backup_id: String,
    /// Which unblock code opens it: 1 for the first code of this backup key, one
    /// more for each code made since.
    pub generation: u32,
    /// Whether a backup passphrase opens it too.
    pub has_passphrase: bool,
}

/// Reads a backup's header (integrity-checked), without any secret.
pub fn inspect(bytes: &[u8]) -> Result<BackupInfo, BackupError> {
    let parsed = format::parse(bytes)?;
    let header = &parsed.header;
    Ok(BackupInfo {
        format_version: FORMAT_VERSION,
        backup_id: header
            .backup_id
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        generation: header.generation,
        has_passphrase: header.slot(SlotKind::Passphrase).is_some(),
    })
}
