//! The decrypted contents of a backup: accounts, push tokens, the escrow
//! enrolment and privacyIDEA containers.

use crate::account::Account;

use super::error::BackupError;
use super::format;

/// The decrypted contents of a backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contents {
    /// The accounts, in display order.
    pub accounts: Vec<Account>,
    /// Push tokens, restored as needing re-enrolment (their device keys stayed
    /// on the old device).
    pub push_tokens: Vec<crate::push::PushToken>,
    /// Names of entries restored but in need of re-enrolment on the new device
    /// (the push tokens, `issuer: label`).
    pub needs_reenrolment: Vec<String>,
    /// The escrow enrolment, if escrow was on: the restored vault is enrolled
    /// again, so its first unblock code is escrowed too.
    pub escrow: Option<crate::vault::EscrowEnrolment>,
    /// privacyIDEA containers, restored as needing registration (their
    /// device keys stayed on the old device): a rollover code registers the
    /// new vault, and its first sync gives every token a fresh secret.
    pub containers: Vec<crate::container::record::ContainerRecord>,
}

/// Decodes the records of an opened payload.
pub(crate) fn decode_records(records: &[format::Record]) -> Result<Contents, BackupError> {
    let mut accounts = Vec::with_capacity(records.len());
    let mut push_tokens = Vec::new();
    let mut needs_reenrolment = Vec::new();
    let mut escrow = None;
    let mut containers = Vec::new();
    for record in records {
        match record.kind {
            format::RecordKind::Account => accounts.push(
                crate::vault::record::decode(&record.bytes).map_err(|_| BackupError::Damaged)?,
            ),
            format::RecordKind::PushToken => {
                let mut token = crate::push::PushToken::decode(&record.bytes)
                    .map_err(|_| BackupError::Damaged)?;
                token.state = crate::push::TokenState::NeedsReenrolment;
                needs_reenrolment.push(token.display_name());
                push_tokens.push(token);
            }
            format::RecordKind::EscrowEnrolment => {
                let enrolment = crate::vault::EscrowEnrolment::decode(&record.bytes)
                    .map_err(|_| BackupError::Damaged)?;
                if escrow.replace(enrolment).is_some() {
                    return Err(BackupError::Damaged);
                }
            }
            format::RecordKind::Container => {
                let mut container: crate::container::record::ContainerRecord =
                    serde_json::from_slice(&record.bytes).map_err(|_| BackupError::Damaged)?;
                container.state = crate::container::ContainerState::NeedsRegistration;
                container.key_alias = String::new();
                needs_reenrolment.push(format!("container {}", container.serial));
                containers.push(container);
            }
        }
    }
    Ok(Contents {
        accounts,
        push_tokens,
        needs_reenrolment,
        escrow,
        containers,
    })
}
