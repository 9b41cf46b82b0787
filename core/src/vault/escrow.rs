//! Escrow of the unblock code to an organisation (the vault's side): once a
//! vault is enrolled with the organisation's public key, every unblock code
//! it makes — at enrolment, after `unblock`, after a re-issue, and the first
//! code of a vault restored from a backup made while escrow was on (the
//! backup carries the enrolment) — is sealed to
//! that key in an escrow record (`crate::escrow`) **in the same transaction**
//! as the code's slot, so no crash can leave a code without its record.
//!
//! The current code is not kept in clear (only its slot and backup KEK), so
//! enrolling makes a new code, in the enrolment's transaction, and returns it.
//! Records wait in the vault, outside the vault key's encryption (they are
//! sealed to the organisation already), until the app or the CLI hands them
//! over ([`Vault::escrow_pending`], [`Vault::escrow_delivered`]): no PIN is
//! needed for that, and a blocked vault hands them over too — that is when
//! the user needs the support desk.

use crate::escrow::{EscrowPayload, OrgPublicKey, vault_id_hex};
use crate::secret::Key256;
use crate::store::Tx;

use super::error::{Unreadable, VaultError};
use super::handle::Inner;
use super::locked::Vault;
use super::session::Session;
use super::unblock_code::UnblockCode;

const META_ORG: &str = "escrow_org";
const META_HINT: &str = "escrow_hint";
const META_DELIVERED: &str = "escrow_delivered_at";
/// The purpose label of the hint sealed under the vault key.
const HINT_RECORD: &[u8] = b"vakt/escrow-hint/v1/";
/// The longest account hint accepted, in characters.
pub const MAX_ESCROW_HINT_CHARS: usize = 200;

/// Whether a vault's unblock codes go into escrow, and to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscrowStatus {
    /// The organisation's key, while escrow is on.
    pub org: Option<OrgPublicKey>,
    /// The vault's id (the records name it; support checks it).
    pub vault_id: [u8; 16],
    /// When a record was last handed over (Unix seconds), if ever.
    pub last_delivered_at: Option<u64>,
    /// Records waiting to be handed over.
    pub pending: usize,
}

impl EscrowStatus {
    /// The vault id in hex, as records and `vakt escrow open` show it.
    pub fn vault_id_hex(&self) -> String {
        vault_id_hex(&self.vault_id)
    }
}

/// An escrow record waiting to be handed over to the organisation.
#[derive(Clone, Debug)]
pub struct PendingEscrow {
    /// Its local id (for [`Vault::escrow_delivered`]).
    pub id: u64,
    /// The generation of the unblock code it holds.
    pub generation: u32,
    /// When that code was made (Unix seconds).
    pub created_at: u64,
    /// The record, sealed to the organisation's key.
    pub record: Vec<u8>,
    /// A file name for it: `vakt-escrow-<vault id>-<generation>.vaktescrow`.
    pub file_name: String,
}

/// A vault's escrow enrolment as a backup carries it: the organisation's key
/// and the hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscrowEnrolment {
    /// The organisation's public key.
    pub org: OrgPublicKey,
    /// The organisation's hint.
    pub hint: String,
}

impl EscrowEnrolment {
    /// `org (ASCII) ‖ 0x00 ‖ hint (UTF-8)`.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = self.org.encoded().into_bytes();
        out.push(0);
        out.extend_from_slice(self.hint.as_bytes());
        out
    }

    /// Reads what [`EscrowEnrolment::encode`] wrote.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, VaultError> {
        let damaged = || VaultError::Unreadable(Unreadable::Damaged);
        let split = bytes.iter().position(|&b| b == 0).ok_or_else(damaged)?;
        let (org, hint) = bytes.split_at(split);
        let org = std::str::from_utf8(org).map_err(|_| damaged())?;
        let hint = std::str::from_utf8(hint.get(1..).unwrap_or_default()).map_err(|_| damaged())?;
        check_hint(hint).map_err(|_| damaged())?;
        Ok(Self {
            org: OrgPublicKey::parse(org).map_err(|_| damaged())?,
            hint: hint.to_owned(),
        })
    }
}

fn check_hint(hint: &str) -> Result<(), VaultError> {
    if hint.chars().count() > MAX_ESCROW_HINT_CHARS {
        return Err(VaultError::InvalidInput(format!(
            "an escrow hint has at most {MAX_ESCROW_HINT_CHARS} characters"
        )));
    }
    if hint.chars().any(char::is_control) {
        return Err(VaultError::InvalidInput(
            "an escrow hint cannot hold control characters".into(),
        ));
    }
    Ok(())
}

fn read_u64(bytes: &[u8]) -> Result<u64, VaultError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
}

fn read_org(tx: &Tx<'_>) -> Result<Option<OrgPublicKey>, VaultError> {
    tx.meta(META_ORG)?
        .map(|bytes| {
            std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| OrgPublicKey::parse(text).ok())
                .ok_or(VaultError::Unreadable(Unreadable::Damaged))
        })
        .transpose()
}

impl Inner {
    /// Inside the transaction that writes a new unblock code's slot: if
    /// escrow is on, seals the code to the organisation and queues the record.
    pub(super) fn queue_escrow(
        &self,
        tx: &Tx<'_>,
        vault_key: &Key256,
        code: &UnblockCode,
        generation: u32,
        created_at: u64,
    ) -> Result<(), VaultError> {
        let Some(org) = read_org(tx)? else {
            return Ok(());
        };
        let hint = match tx.meta(META_HINT)? {
            Some(sealed) => {
                let plain = self.open_record(vault_key, HINT_RECORD, &[], &sealed)?;
                String::from_utf8(plain.to_vec())
                    .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))?
            }
            None => String::new(),
        };
        let payload = EscrowPayload {
            unblock_code: code.to_display(),
            vault_id: self.vault_id,
            generation,
            created_at,
            hint,
        };
        let record = crate::escrow::seal(&payload, &org, self.services.rng.as_ref())
            .map_err(|_| VaultError::Random)?;
        tx.queue_escrow(generation, created_at, &record)?;
        Ok(())
    }

    fn escrow_status(&self) -> Result<EscrowStatus, VaultError> {
        self.store()?.read(|tx| {
            Ok(EscrowStatus {
                org: read_org(tx)?,
                vault_id: self.vault_id,
                last_delivered_at: tx.meta(META_DELIVERED)?.map(|b| read_u64(&b)).transpose()?,
                pending: tx.pending_escrow()?.len(),
            })
        })
    }
}

impl Session {
    /// The escrow enrolment, if escrow is on (for backups).
    pub(crate) fn escrow_enrolment(&self) -> Result<Option<EscrowEnrolment>, VaultError> {
        let (org, hint) =
            self.read(|tx| Ok::<_, VaultError>((read_org(tx)?, tx.meta(META_HINT)?)))?;
        let Some(org) = org else {
            return Ok(None);
        };
        let hint = match hint {
            Some(sealed) => {
                let plain = self
                    .inner
                    .open_record(&self.key, HINT_RECORD, &[], &sealed)?;
                String::from_utf8(plain.to_vec())
                    .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))?
            }
            None => String::new(),
        };
        Ok(Some(EscrowEnrolment { org, hint }))
    }

    /// Writes an escrow enrolment inside the caller's transaction (a
    /// restore): the next unblock code written in it is escrowed.
    pub(crate) fn write_escrow_enrolment(
        &self,
        tx: &Tx<'_>,
        enrolment: &EscrowEnrolment,
    ) -> Result<(), VaultError> {
        check_hint(&enrolment.hint)?;
        let sealed =
            self.inner
                .seal_record(&self.key, HINT_RECORD, &[], enrolment.hint.as_bytes())?;
        tx.set_meta(META_ORG, enrolment.org.encoded().as_bytes())?;
        tx.set_meta(META_HINT, &sealed)?;
        Ok(())
    }

    /// Turns escrow on (or moves it to another organisation): from now on
    /// every new unblock code is sealed to `org` with `hint` (the
    /// organisation's name for the user, e.g. an e-mail address; at most
    /// [`MAX_ESCROW_HINT_CHARS`] characters). Makes a new unblock code at
    /// once — the current one is not kept in clear — and queues its record,
    /// all in one transaction; returns the new code (the old one stops
    /// working).
    pub fn enrol_escrow(&self, org: &OrgPublicKey, hint: &str) -> Result<UnblockCode, VaultError> {
        check_hint(hint)?;
        let enrolment = EscrowEnrolment {
            org: org.clone(),
            hint: hint.to_owned(),
        };
        self.replace_unblock_code(|tx| self.write_escrow_enrolment(tx, &enrolment))
    }

    /// Turns escrow off: no more records are made, and records not yet
    /// handed over are dropped. Records already delivered stay with the
    /// organisation (re-issue the unblock code to make them useless).
    /// `false` if escrow was off.
    pub fn disable_escrow(&self) -> Result<bool, VaultError> {
        self.write(|tx| {
            let was_on = tx.delete_meta(META_ORG)?;
            tx.delete_meta(META_HINT)?;
            tx.drop_pending_escrow()?;
            Ok::<_, VaultError>(was_on)
        })
    }
}

impl Vault {
    /// Whether escrow is on, to which organisation, the last delivery and
    /// what waits (no PIN needed).
    pub fn escrow_status(&self) -> Result<EscrowStatus, VaultError> {
        self.inner.escrow_status()
    }

    /// The escrow records waiting to be handed over, oldest first (no PIN
    /// needed; works on a blocked vault).
    pub fn escrow_pending(&self) -> Result<Vec<PendingEscrow>, VaultError> {
        let id = vault_id_hex(&self.inner.vault_id);
        let rows = self.inner.store()?.read(|tx| tx.pending_escrow())?;
        Ok(rows
            .into_iter()
            .map(|row| PendingEscrow {
                id: row.id,
                generation: row.generation,
                created_at: row.created_at,
                file_name: format!("vakt-escrow-{id}-{}.vaktescrow", row.generation),
                record: row.record,
            })
            .collect())
    }

    /// Marks records handed over (now, by the vault's clock), so they are
    /// not offered again; ids that are not pending are ignored.
    pub fn escrow_delivered(&self, ids: &[u64]) -> Result<(), VaultError> {
        let now = self.inner.services.clock.now_unix();
        self.inner.store()?.write(|tx| {
            let mut any = false;
            for &id in ids {
                any |= tx.mark_escrow_delivered(id, now)?;
            }
            if any {
                tx.set_meta(META_DELIVERED, &now.to_be_bytes())?;
            }
            Ok::<_, VaultError>(())
        })
    }
}
