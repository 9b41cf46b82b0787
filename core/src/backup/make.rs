//! Making a backup of an unlocked vault: every account and push token, under a
//! fresh backup key sealed for the current unblock code (and the backup
//! passphrase, if one is set) with the KEKs the vault keeps — no key
//! derivation, so an app can make one after every change.

use crate::rng::random_array;
use crate::secret::Key256;
use crate::vault::{Session, Unreadable, VaultError};

use super::error::BackupError;
use super::format::{self, Header, KeySlot, Record, RecordKind, SlotKind};

fn damaged() -> VaultError {
    VaultError::Unreadable(Unreadable::Damaged)
}

impl Session {
    /// A backup of every account, push token and container, ready to store (cloud, a
    /// file, the issuer). Cheap: no key derivation runs (see
    /// [`Session::change_count`]).
    ///
    /// It opens with the current unblock code (and the backup passphrase, if
    /// one is set); it holds no device key. Each backup has its own backup key
    /// and id, so no secret from before a change of code or passphrase opens a
    /// backup made after it.
    pub fn backup(&self) -> Result<Vec<u8>, BackupError> {
        let keks = self.backup_keks()?.ok_or(BackupError::NoBackupKey)?;
        let records = self.backup_records()?;
        let rng = self.services().rng.as_ref();
        let backup_id: [u8; 16] = random_array(rng).map_err(|_| BackupError::Random)?;
        let backup_key = Key256::new(random_array(rng).map_err(|_| BackupError::Random)?);
        let mut slots = vec![KeySlot::seal_with_kek(
            SlotKind::UnblockCode,
            keks.code.kdf,
            keks.code.salt,
            &keks.code.key,
            &backup_id,
            &backup_key,
            rng,
        )?];
        if let Some(kek) = &keks.passphrase {
            slots.push(KeySlot::seal_with_kek(
                SlotKind::Passphrase,
                kek.kdf,
                kek.salt,
                &kek.key,
                &backup_id,
                &backup_key,
                rng,
            )?);
        }
        let header = Header {
            backup_id,
            generation: keks.generation,
            slots,
        };
        format::write(&header, &backup_key, &records, rng)
    }

    /// The payload's records: accounts in display order, push tokens, the
    /// escrow enrolment, containers.
    pub(crate) fn backup_records(&self) -> Result<Vec<Record>, BackupError> {
        let rows = self.read(|tx| Ok::<_, VaultError>(tx.accounts()?))?;
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            let plain = self.open_account_record(row)?;
            // The vault's record is the backup's record; check it reads.
            crate::vault::record::decode(&plain).map_err(|_| damaged())?;
            records.push(Record {
                kind: RecordKind::Account,
                bytes: plain,
            });
        }
        let tokens = self.push_token_records()?;
        for token in &tokens {
            records.push(Record {
                kind: RecordKind::PushToken,
                bytes: token.encode().map_err(|_| damaged())?,
            });
        }
        // A restore numbers accounts 1… in this order, then push tokens: the
        // containers' tokens are written with those ids.
        let mut restored_ids: Vec<u64> = rows.iter().map(|r| r.id).collect();
        restored_ids.extend(self.push_token_ids()?);
        for record in self.container_backup_records(&restored_ids)? {
            records.push(Record {
                kind: RecordKind::Container,
                bytes: record,
            });
        }
        if let Some(enrolment) = self.escrow_enrolment()? {
            records.push(Record {
                kind: RecordKind::EscrowEnrolment,
                bytes: zeroize::Zeroizing::new(enrolment.encode()),
            });
        }
        Ok(records)
    }
}
