//! Escrow of the unblock code to an organisation: reading the organisation's
//! public key (from its QR code or configuration string), turning escrow on
//! and off on a session, and — on the locked vault, with no PIN, also when it
//! is blocked — its status and the records waiting to be uploaded.

use std::sync::Arc;
use std::time::SystemTime;

use vakt_core::escrow::OrgPublicKey;

use crate::VaktError;
use crate::convert::{id_out, time_out};
use crate::unblock_code::NewUnblockCode;
use crate::vault::{Session, Vault};

/// An organisation's public key, read and checked.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OrgKeyInfo {
    /// The key as the organisation hands it out (`vakt-org-…`).
    pub public_key: String,
    /// What the user compares with the organisation's published value.
    pub fingerprint: String,
}

/// Whether escrow is on, to which organisation, and the last delivery.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct EscrowStatus {
    /// Escrow is on.
    pub enabled: bool,
    /// The organisation's key, while escrow is on.
    pub org: Option<OrgKeyInfo>,
    /// The vault's id (hex): support checks records against it.
    pub vault_id: String,
    /// When a record was last handed over, if ever.
    pub last_delivered_at: Option<SystemTime>,
    /// Records waiting to be uploaded.
    pub pending: u32,
}

/// An escrow record to upload to the organisation. `record` is sealed to the
/// organisation's key: nothing in it is readable without that key.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PendingEscrowRecord {
    /// Its local id, for `escrow_delivered`.
    pub id: i64,
    /// The generation of the unblock code it holds.
    pub generation: u32,
    /// When that code was made.
    pub created_at: SystemTime,
    /// A file name for the upload.
    pub file_name: String,
    /// The sealed record.
    pub record: Vec<u8>,
}

fn info(org: &OrgPublicKey) -> OrgKeyInfo {
    OrgKeyInfo {
        public_key: org.encoded(),
        fingerprint: org.fingerprint(),
    }
}

/// Reads an organisation's public key (as scanned or typed) and checks it;
/// show the fingerprint to the user before enrolling.
#[uniffi::export]
pub fn parse_org_key(text: String) -> Result<OrgKeyInfo, VaktError> {
    Ok(info(&OrgPublicKey::parse(&text)?))
}

#[uniffi::export]
impl Session {
    /// Turns escrow on (or moves it to another organisation): every new
    /// unblock code is sealed to `org_public_key` with `hint`. Makes a new
    /// unblock code now (the old one stops working) and returns it.
    pub fn enrol_escrow(
        &self,
        org_public_key: String,
        hint: String,
    ) -> Result<Arc<NewUnblockCode>, VaktError> {
        let org = OrgPublicKey::parse(&org_public_key)?;
        self.with(|s| s.enrol_escrow(&org, &hint).map(NewUnblockCode::new))
    }

    /// Turns escrow off; records not yet uploaded are dropped. `false` if it
    /// was off.
    pub fn disable_escrow(&self) -> Result<bool, VaktError> {
        self.with(vakt_core::vault::Session::disable_escrow)
    }
}

#[uniffi::export]
impl Vault {
    /// Whether escrow is on, to whom, and the last delivery (no PIN needed).
    pub fn escrow_status(&self) -> Result<EscrowStatus, VaktError> {
        let s = self.core().escrow_status()?;
        Ok(EscrowStatus {
            enabled: s.org.is_some(),
            org: s.org.as_ref().map(info),
            vault_id: s.vault_id_hex(),
            last_delivered_at: s.last_delivered_at.map(time_out),
            pending: u32::try_from(s.pending).unwrap_or(u32::MAX),
        })
    }

    /// The escrow records waiting to be uploaded, oldest first (no PIN
    /// needed; works on a blocked vault). Upload them through the app's
    /// transport, then call `escrow_delivered` with their ids.
    pub fn escrow_pending(&self) -> Result<Vec<PendingEscrowRecord>, VaktError> {
        Ok(self
            .core()
            .escrow_pending()?
            .into_iter()
            .map(|p| PendingEscrowRecord {
                id: id_out(p.id),
                generation: p.generation,
                created_at: time_out(p.created_at),
                file_name: p.file_name,
                record: p.record,
            })
            .collect())
    }

    /// Marks records uploaded, so they are not offered again (ids that are
    /// not pending, negative ones included, are ignored).
    pub fn escrow_delivered(&self, ids: Vec<i64>) -> Result<(), VaktError> {
        let ids: Vec<u64> = ids
            .into_iter()
            .filter_map(|id| u64::try_from(id).ok())
            .collect();
        Ok(self.core().escrow_delivered(&ids)?)
    }
}
