//! The vault's side of backups: the backup key (sealed under the vault key in
//! `meta`), the key slot of the current unblock code (made wherever an unblock
//! code is made, since only then is the code known), an optional backup
//! passphrase slot, and [`Session::backup`], which needs no key derivation.

use crate::backup::format::{self, Header, KeySlot, Record, RecordKind, SlotKind};
use crate::backup::{BackupError, Contents};
use crate::rng::random_array;
use crate::secret::{Key256, SecretString};

use super::handle::Inner;
use super::{Session, UnblockCode, Unreadable, VaultError, record};
use crate::crypto::aead;
use crate::store::{StoreError, Tx};

const META_KEY: &str = "backup_key";
const META_ID: &str = "backup_id";
const META_GENERATION: &str = "backup_generation";
const META_UNBLOCK_SLOT: &str = "backup_slot_unblock";
const META_PASSPHRASE_SLOT: &str = "backup_slot_passphrase";

/// The shortest backup passphrase accepted: it guards a file that may sit in
/// cloud storage, open to offline guessing.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

fn key_aad(vault_id: &[u8; 16], backup_id: &[u8; 16]) -> Vec<u8> {
    let mut aad = b"vakt/backup-key/v1/".to_vec();
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(backup_id);
    aad
}

fn damaged() -> VaultError {
    VaultError::Unreadable(Unreadable::Damaged)
}

fn slot_error(e: BackupError) -> VaultError {
    match e {
        BackupError::Random => VaultError::Random,
        BackupError::Vault(e) => e,
        _ => VaultError::InvalidInput("key derivation parameters out of range".into()),
    }
}

/// What `meta` holds about the backup key.
struct Stored {
    backup_id: [u8; 16],
    sealed_key: Vec<u8>,
    generation: u32,
    unblock_slot: Option<Vec<u8>>,
    passphrase_slot: Option<Vec<u8>>,
}

fn read_stored(tx: &Tx<'_>) -> Result<Option<Stored>, VaultError> {
    let Some(sealed_key) = tx.meta(META_KEY)? else {
        return Ok(None);
    };
    let backup_id = tx
        .meta(META_ID)?
        .and_then(|id| <[u8; 16]>::try_from(id).ok())
        .ok_or_else(damaged)?;
    let generation = tx
        .meta(META_GENERATION)?
        .and_then(|g| <[u8; 4]>::try_from(g).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(damaged)?;
    Ok(Some(Stored {
        backup_id,
        sealed_key,
        generation,
        unblock_slot: tx.meta(META_UNBLOCK_SLOT)?,
        passphrase_slot: tx.meta(META_PASSPHRASE_SLOT)?,
    }))
}

fn open_key(
    vault_key: &Key256,
    vault_id: &[u8; 16],
    stored: &Stored,
) -> Result<Key256, VaultError> {
    let plain = aead::open(
        vault_key,
        &key_aad(vault_id, &stored.backup_id),
        &stored.sealed_key,
    )?;
    Key256::from_slice(&plain).ok_or_else(damaged)
}

/// The backup key material to write with a new unblock code, in the same
/// transaction as the code's vault slot.
pub(super) struct NewCodeSlot {
    backup_id: [u8; 16],
    /// Set when the backup key is new (a new vault, or one from before backups).
    sealed_key: Option<Vec<u8>>,
    generation: u32,
    slot: Vec<u8>,
}

impl NewCodeSlot {
    /// Writes it (inside the caller's transaction).
    pub(super) fn write(&self, tx: &Tx<'_>) -> Result<(), StoreError> {
        if let Some(sealed) = &self.sealed_key {
            tx.set_meta(META_KEY, sealed)?;
            tx.set_meta(META_ID, &self.backup_id)?;
            // A new backup key: a passphrase slot of an older key (if any) is void.
            tx.delete_meta(META_PASSPHRASE_SLOT)?;
        }
        tx.set_meta(META_GENERATION, &self.generation.to_be_bytes())?;
        tx.set_meta(META_UNBLOCK_SLOT, &self.slot)
    }
}

/// A fresh backup key and its id, sealed under `vault_key`.
pub(super) fn new_backup_key(
    inner: &Inner,
    vault_key: &Key256,
) -> Result<([u8; 16], Key256, Vec<u8>), VaultError> {
    let rng = inner.services.rng.as_ref();
    let backup_id: [u8; 16] = random_array(rng)?;
    let backup_key = Key256::new(random_array(rng)?);
    // EXPOSE: the backup key is sealed under the vault key.
    let sealed = aead::seal(
        vault_key,
        &key_aad(&inner.vault_id, &backup_id),
        backup_key.expose(),
        rng,
    )?;
    Ok((backup_id, backup_key, sealed))
}

impl Inner {
    /// Seals the vault's backup key under a new unblock code (one Argon2id run).
    /// A vault without a backup key (new, or made before backups) gets one.
    pub(super) fn backup_slot_for_code(
        &self,
        vault_key: &Key256,
        code: &UnblockCode,
    ) -> Result<NewCodeSlot, VaultError> {
        let stored = self.store()?.read(read_stored)?;
        let (backup_id, backup_key, sealed_key, generation) = match stored {
            Some(stored) => (
                stored.backup_id,
                open_key(vault_key, &self.vault_id, &stored)?,
                None,
                stored.generation.saturating_add(1),
            ),
            None => {
                let (id, key, sealed) = new_backup_key(self, vault_key)?;
                (id, key, Some(sealed), 1)
            }
        };
        let slot = KeySlot::seal(
            SlotKind::UnblockCode,
            self.config.unblock_kdf,
            code.canonical().as_bytes(),
            &backup_id,
            &backup_key,
            self.services.rng.as_ref(),
        )
        .map_err(slot_error)?;
        Ok(NewCodeSlot {
            backup_id,
            sealed_key,
            generation,
            slot: slot.to_bytes().map_err(slot_error)?,
        })
    }
}

impl Session {
    /// A backup of every account, ready to store (cloud, a file, the issuer).
    /// Cheap: no key derivation runs, so an app can call it after every change
    /// (see [`Session::change_count`]).
    ///
    /// It opens with the current unblock code (and the backup passphrase, if one
    /// is set); it holds no device key.
    pub fn backup(&self) -> Result<Vec<u8>, BackupError> {
        let (rows, stored) = self
            .inner
            .store()?
            .read(|tx| Ok::<_, VaultError>((tx.accounts()?, read_stored(tx)?)))?;
        let stored = stored.ok_or(BackupError::NoBackupKey)?;
        let unblock_slot = stored
            .unblock_slot
            .as_deref()
            .ok_or(BackupError::NoBackupKey)?;
        let backup_key = open_key(&self.key, &self.inner.vault_id, &stored)?;
        let mut slots = vec![KeySlot::from_bytes(unblock_slot).map_err(|_| damaged())?];
        if let Some(bytes) = &stored.passphrase_slot {
            slots.push(KeySlot::from_bytes(bytes).map_err(|_| damaged())?);
        }
        let records = rows
            .iter()
            .map(|row| {
                let plain = self.open_account_record(row)?;
                // The vault's record is the backup's record; check it reads.
                record::decode(&plain).map_err(|_| damaged())?;
                Ok(Record {
                    kind: RecordKind::Account,
                    bytes: plain,
                })
            })
            .collect::<Result<Vec<_>, BackupError>>()?;
        let mut records = records;
        for token in self.push_token_records()? {
            records.push(Record {
                kind: RecordKind::PushToken,
                bytes: token.encode().map_err(|_| damaged())?,
            });
        }
        let header = Header {
            backup_id: stored.backup_id,
            generation: stored.generation,
            slots,
        };
        format::write(
            &header,
            &backup_key,
            &records,
            self.inner.services.rng.as_ref(),
        )
    }

    /// A number that goes up with every change to the accounts or to what opens
    /// backups: when it differs from its value at the last stored backup, a new
    /// backup is due.
    pub fn change_count(&self) -> Result<u64, VaultError> {
        Ok(self.inner.store()?.read(|tx| tx.change_seq())?)
    }

    /// Lets `passphrase` open backups too (from the next backup on), besides
    /// the unblock code. At least [`MIN_PASSPHRASE_CHARS`] characters; derived
    /// with the PIN's Argon2id cost, since a backup may face offline guessing.
    pub fn set_backup_passphrase(&self, passphrase: &SecretString) -> Result<(), BackupError> {
        // EXPOSE: the passphrase's length is checked, then it is derived.
        let text = passphrase.expose();
        if text.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(VaultError::InvalidInput(format!(
                "a backup passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"
            ))
            .into());
        }
        let stored = self
            .inner
            .store()?
            .read(read_stored)?
            .ok_or(BackupError::NoBackupKey)?;
        let backup_key = open_key(&self.key, &self.inner.vault_id, &stored)?;
        let slot = KeySlot::seal(
            SlotKind::Passphrase,
            self.inner.config.pin_kdf,
            text.as_bytes(),
            &stored.backup_id,
            &backup_key,
            self.inner.services.rng.as_ref(),
        )?;
        let bytes = slot.to_bytes()?;
        self.inner.store()?.write(|tx| {
            tx.set_meta(META_PASSPHRASE_SLOT, &bytes)
                .map_err(VaultError::from)
        })?;
        Ok(())
    }

    /// Stops the backup passphrase from opening backups made from now on
    /// (backups already made still open with it).
    pub fn remove_backup_passphrase(&self) -> Result<bool, VaultError> {
        self.inner.store()?.write(|tx| {
            tx.delete_meta(META_PASSPHRASE_SLOT)
                .map_err(VaultError::from)
        })
    }
}

/// Checks that a decrypted backup's accounts are usable (shared by restore and
/// tests).
pub(super) fn contents_of(
    parsed: &format::Parsed<'_>,
    backup_key: &Key256,
) -> Result<Contents, BackupError> {
    crate::backup::decode_records(&parsed.open(backup_key)?)
}
