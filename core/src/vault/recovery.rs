//! What opens backups, as the vault keeps it: for the current unblock code —
//! and the backup passphrase, if one is set — a **key-encryption key** (KEK),
//! `Argon2id(secret, salt)`, derived once while the secret is known (when the
//! code is made; when the passphrase is set) and kept sealed under the vault
//! key with its salt and cost.
//!
//! A backup needs no key derivation: it draws a fresh backup key and seals it
//! under each KEK (`backup::make`). So no two backups share a backup key, and
//! a secret that is no longer current — a replaced unblock code, a removed or
//! replaced passphrase — opens only the backups made while it was current:
//! its KEK is gone from the vault the moment it is replaced.
//!
//! Vaults from before this design (schema 3 and older) kept one backup key for
//! every backup; the schema 4 migration drops it, and such a vault makes
//! backups again once it has a new unblock code (`BackupError::NoBackupKey`
//! until then), exactly as a vault from before backups did.

use zeroize::Zeroizing;

use crate::crypto::kdf::KdfParams;
use crate::rng::random_array;
use crate::secret::{Key256, SecretString};
use crate::store::Tx;

use super::error::{Unreadable, VaultError};
use super::handle::Inner;
use super::session::Session;
use super::unblock_code::UnblockCode;

/// The shortest backup passphrase accepted: it guards a file that may sit in
/// cloud storage, open to offline guessing.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

const META_GENERATION: &str = "backup_generation";
const META_KEK_CODE: &str = "backup_kek_code";
const META_KEK_PASSPHRASE: &str = "backup_kek_passphrase";
/// The purpose label of backup KEKs sealed under the vault key.
const KEK_RECORD: &[u8] = b"vakt/backup-kek/v1/";
const SALT_LEN: usize = 16;
const KEK_LEN: usize = 12 + SALT_LEN + 32;

/// Which secret a KEK is derived from (bound into its sealing).
#[derive(Clone, Copy)]
enum Secret {
    Code,
    Passphrase,
}

impl Secret {
    fn context(self) -> &'static [u8] {
        match self {
            Secret::Code => b"unblock-code",
            Secret::Passphrase => b"passphrase",
        }
    }
}

/// A key-encryption key for backups, with the salt and cost a reader of a
/// backup needs to derive it again from the secret.
#[derive(Debug)]
pub(crate) struct BackupKek {
    /// The Argon2id cost.
    pub(crate) kdf: KdfParams,
    /// The Argon2id salt.
    pub(crate) salt: [u8; SALT_LEN],
    /// `Argon2id(secret, salt)`.
    pub(crate) key: Key256,
}

impl BackupKek {
    /// Derives the KEK of `secret` with a fresh salt (one Argon2id run).
    fn derive(inner: &Inner, kdf: KdfParams, secret: &[u8]) -> Result<Self, VaultError> {
        let salt: [u8; SALT_LEN] = random_array(inner.services.rng.as_ref())?;
        let key = kdf.derive(secret, &salt).map_err(|_| {
            VaultError::InvalidInput("key derivation parameters out of range".into())
        })?;
        Ok(Self { kdf, salt, key })
    }

    /// `kdf 12 ‖ salt 16 ‖ key 32`.
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(KEK_LEN));
        out.extend_from_slice(&self.kdf.to_bytes());
        out.extend_from_slice(&self.salt);
        // EXPOSE: the KEK is written into a buffer sealed under the vault key.
        out.extend_from_slice(self.key.expose());
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, VaultError> {
        let damaged = || VaultError::Unreadable(Unreadable::Damaged);
        if bytes.len() != KEK_LEN {
            return Err(damaged());
        }
        let (kdf, rest) = bytes.split_at(12);
        let (salt, key) = rest.split_at(SALT_LEN);
        Ok(Self {
            kdf: KdfParams::from_bytes(kdf).map_err(|_| damaged())?,
            salt: salt.try_into().map_err(|_| damaged())?,
            key: Key256::from_slice(key).ok_or_else(damaged)?,
        })
    }

    fn seal(
        &self,
        inner: &Inner,
        vault_key: &Key256,
        secret: Secret,
    ) -> Result<Vec<u8>, VaultError> {
        inner.seal_record(vault_key, KEK_RECORD, &[secret.context()], &self.encode())
    }

    fn open(
        inner: &Inner,
        vault_key: &Key256,
        secret: Secret,
        sealed: &[u8],
    ) -> Result<Self, VaultError> {
        let plain = inner.open_record(vault_key, KEK_RECORD, &[secret.context()], sealed)?;
        Self::decode(&plain)
    }
}

/// Everything a new backup is sealed for.
#[derive(Debug)]
pub(crate) struct BackupKeks {
    /// Which unblock code of this vault opens the backups made now: 1 for the
    /// vault's first code, one more for each code made since.
    pub(crate) generation: u32,
    /// The current unblock code's KEK.
    pub(crate) code: BackupKek,
    /// The backup passphrase's KEK, if one is set.
    pub(crate) passphrase: Option<BackupKek>,
}

/// The backup KEK of a new unblock code, to write in the same transaction as
/// the code's vault slot — and with it, if escrow is on, the code's escrow
/// record (`escrow`).
pub(super) struct NewCodeKek {
    sealed: Vec<u8>,
    code: UnblockCode,
    created_at: u64,
}

impl NewCodeKek {
    /// Writes it (inside the caller's transaction), one generation on from the
    /// code before, or 1 for a new vault. A KEK of an earlier code is replaced
    /// and so gone for good; the passphrase's KEK stays (the passphrase has not
    /// changed). With escrow on, the code's escrow record (of this
    /// generation) is queued in the same transaction.
    pub(super) fn write(
        &self,
        tx: &Tx<'_>,
        inner: &Inner,
        vault_key: &Key256,
    ) -> Result<(), VaultError> {
        let generation = match tx.meta(META_GENERATION)? {
            Some(bytes) => read_generation(&bytes)?.saturating_add(1),
            None => 1,
        };
        tx.set_meta(META_GENERATION, &generation.to_be_bytes())?;
        tx.set_meta(META_KEK_CODE, &self.sealed)?;
        inner.queue_escrow(tx, vault_key, &self.code, generation, self.created_at)
    }
}

fn read_generation(bytes: &[u8]) -> Result<u32, VaultError> {
    <[u8; 4]>::try_from(bytes)
        .map(u32::from_be_bytes)
        .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
}

impl Inner {
    /// The backup KEK of a new unblock code (one Argon2id run at the unblock
    /// cost), sealed under `vault_key`.
    pub(super) fn backup_kek_for_code(
        &self,
        vault_key: &Key256,
        code: &UnblockCode,
    ) -> Result<NewCodeKek, VaultError> {
        let kek = BackupKek::derive(self, self.config.unblock_kdf, code.canonical().as_bytes())?;
        Ok(NewCodeKek {
            sealed: kek.seal(self, vault_key, Secret::Code)?,
            code: code.clone(),
            created_at: self.services.clock.now_unix(),
        })
    }
}

impl Session {
    /// What a backup made now is sealed for; `None` for a vault that has no
    /// KEK for its unblock code (made before backups were re-keyed: it needs a
    /// new unblock code first).
    pub(crate) fn backup_keks(&self) -> Result<Option<BackupKeks>, VaultError> {
        let (generation, code, passphrase) = self.read(|tx| {
            Ok::<_, VaultError>((
                tx.meta(META_GENERATION)?,
                tx.meta(META_KEK_CODE)?,
                tx.meta(META_KEK_PASSPHRASE)?,
            ))
        })?;
        let (Some(generation), Some(code)) = (generation, code) else {
            return Ok(None);
        };
        let inner = &self.inner;
        Ok(Some(BackupKeks {
            generation: read_generation(&generation)?,
            code: BackupKek::open(inner, &self.key, Secret::Code, &code)?,
            passphrase: passphrase
                .map(|sealed| BackupKek::open(inner, &self.key, Secret::Passphrase, &sealed))
                .transpose()?,
        }))
    }

    /// A number that goes up with every change to the accounts, the push
    /// tokens or what opens backups: when it differs from its value at the
    /// last stored backup, a new backup is due.
    pub fn change_count(&self) -> Result<u64, VaultError> {
        self.read(|tx| Ok::<_, VaultError>(tx.change_seq()?))
    }

    /// Lets `passphrase` open backups too (from the next backup on), besides
    /// the unblock code; it replaces an earlier passphrase, which opens only
    /// the backups made before. At least [`MIN_PASSPHRASE_CHARS`] characters;
    /// derived with the PIN's Argon2id cost, since a backup may face offline
    /// guessing.
    pub fn set_backup_passphrase(&self, passphrase: &SecretString) -> Result<(), VaultError> {
        // EXPOSE: the passphrase's length is checked, then it is derived.
        let text = passphrase.expose();
        if text.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(VaultError::InvalidInput(format!(
                "a backup passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"
            )));
        }
        let inner = &self.inner;
        let kek = BackupKek::derive(inner, inner.config.pin_kdf, text.as_bytes())?;
        let sealed = kek.seal(inner, &self.key, Secret::Passphrase)?;
        self.write(|tx| Ok::<_, VaultError>(tx.set_meta(META_KEK_PASSPHRASE, &sealed)?))
    }

    /// Stops the backup passphrase from opening backups made from now on
    /// (backups already made still open with it); `false` if none was set.
    pub fn remove_backup_passphrase(&self) -> Result<bool, VaultError> {
        self.write(|tx| Ok::<_, VaultError>(tx.delete_meta(META_KEK_PASSPHRASE)?))
    }
}
