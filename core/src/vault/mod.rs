//! The encrypted vault: accounts under a random vault key, opened by a PIN (bound
//! to a device key) or by a one-time unblock code; three wrong PINs block it.
//!
//! # Keys
//! - The **vault key** (random, 256 bits) seals every account record, secret and
//!   names alike, with AES-256-GCM ([`aead`]); the associated data binds the
//!   purpose, the format version, the vault id and the record id.
//! - The **PIN slot** holds the vault key sealed under Argon2id(PIN), and that
//!   sealed blob wrapped again by the platform's **device key** ([`keystore`]).
//! - The **unblock slot** is the same with the unblock code.
//!
//! # Lockout
//! Every PIN check first commits (synchronously) one more failed attempt; only a
//! correct PIN sets the count back to zero. At [`MAX_PIN_ATTEMPTS`] the vault is
//! blocked and even the right PIN is refused until the unblock code is used. A
//! process killed at any instant therefore leaves an attempt counted, never
//! uncounted; nothing depends on the clock.
//!
//! Wrong unblock codes are counted the same way and, from the fourth on, each
//! further attempt first waits (see [`unblock_delay`]) — measured by the process
//! itself, so neither a restart nor a clock change shortens it.

mod backup_key;
mod bulk;
pub mod pin;
mod push;
pub(crate) mod record;
mod restore;
pub mod unblock_code;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::account::{Account, OtpKind};
use crate::crypto::{aead, kdf, keystore};
use crate::otp::{Algorithm, Code, CodeView};
use crate::rng::{RandomSource, random_array};
use crate::secret::Key256;
use crate::store;

pub use backup_key::MIN_PASSPHRASE_CHARS;
pub use bulk::AddOutcome;
pub use kdf::KdfParams;
pub use keystore::{DeviceKeystore, KeystoreError, SoftwareKeystore};
pub use pin::{Pin, PinError, PinPolicy};
pub use push::{
    AnswerOutcome, ChallengeState, EnrolOptions, PollReport, PushChallengeInfo, PushTokenInfo,
};
pub use restore::{BackupSecret, RestoreReport, Restored};
pub use store::StoreError;
pub use unblock_code::{UnblockCode, UnblockCodeError};

use store::{AccountRow, SlotRow, Store};

/// Wrong PINs in a row that block the vault.
pub const MAX_PIN_ATTEMPTS: u32 = 3;
/// File name of the vault database inside a vault folder.
pub const VAULT_FILE: &str = "vault.sqlite3";
/// Wrong unblock codes allowed before each attempt must wait.
pub const FREE_UNBLOCK_ATTEMPTS: u32 = 3;
/// The longest wait before an unblock attempt.
pub const MAX_UNBLOCK_DELAY: Duration = Duration::from_secs(600);

/// PIN and unblock-code checks in this process run one at a time. Each check
/// commits one more failed attempt before it derives the key and a correct one
/// resets the count after, so overlapping checks (an app calling from several
/// threads, or two handles on one vault) would see each other's provisional
/// counts, and a correct PIN could be refused as blocked. Checks are rare and
/// user-driven; one process-wide turn costs nothing noticeable.
static CHECK_TURN: Mutex<()> = Mutex::new(());

/// This thread's turn to check a secret. `()` guards no data, so a panic in
/// an earlier check leaves nothing to distrust.
fn check_turn() -> MutexGuard<'static, ()> {
    CHECK_TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

const SLOT_PIN: &str = "pin";
const SLOT_UNBLOCK: &str = "unblock";

/// The wait before the `attempt`-th unblock attempt since the last success
/// (1-based): none for the first three, then 2, 4, 8 … seconds, at most 10
/// minutes.
pub fn unblock_delay(attempt: u32) -> Duration {
    if attempt <= FREE_UNBLOCK_ATTEMPTS {
        return Duration::ZERO;
    }
    let exponent = (attempt - FREE_UNBLOCK_ATTEMPTS).min(16);
    Duration::from_secs(1u64 << exponent).min(MAX_UNBLOCK_DELAY)
}

/// Waits; injected so tests need not sleep.
pub trait Pause: Send + Sync {
    /// Blocks the calling thread for `duration`.
    fn pause(&self, duration: Duration);
}

/// [`Pause`] by `std::thread::sleep` (a monotonic wait, not the wall clock).
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleep;

impl Pause for ThreadSleep {
    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// What the vault needs from its platform.
#[derive(Clone)]
pub struct Services {
    /// The device keystore.
    pub keystore: Arc<dyn DeviceKeystore>,
    /// Randomness for keys, salts, nonces and unblock codes.
    pub rng: Arc<dyn RandomSource>,
    /// Waiting between unblock attempts.
    pub pause: Arc<dyn Pause>,
}

/// Costs and rules chosen when a vault is created or a PIN is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultConfig {
    /// KDF cost of the PIN slot.
    pub pin_kdf: KdfParams,
    /// KDF cost of the unblock slot.
    pub unblock_kdf: KdfParams,
    /// Rules for new PINs.
    pub pin_policy: PinPolicy,
}

impl Default for VaultConfig {
    fn default() -> Self {
        Self {
            pin_kdf: KdfParams::PIN_DEFAULT,
            unblock_kdf: KdfParams::UNBLOCK_DEFAULT,
            pin_policy: PinPolicy::default(),
        }
    }
}

/// Why a vault file cannot be used. The file is always left untouched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Not SQLite, not a Vakt vault, or damaged.
    #[error("the file is not a Vakt vault or is damaged")]
    NotAVault,
    /// Written by a newer version of Vakt.
    #[error("it was written by a newer Vakt (schema {found}; this one reads up to {supported})")]
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest schema this build reads.
        supported: u32,
    },
    /// The device key is missing or is not the one the vault was made with.
    #[error("this device's key does not open it (made on another device, or the key was lost)")]
    DeviceKey,
    /// A record or slot is damaged.
    #[error("part of it is damaged")]
    Damaged,
}

/// Everything that can go wrong with a vault, one variant per thing to act on.
/// Messages carry no secret and no account names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// No vault has been created here.
    #[error("no vault here yet (create one first)")]
    NotInitialized,
    /// A vault already exists here.
    #[error("a vault already exists here")]
    AlreadyInitialized,
    /// The vault file cannot be used; it has been left as it is.
    #[error("the vault cannot be opened: {0}")]
    Unreadable(Unreadable),
    /// Wrong PIN; the vault is not blocked yet.
    #[error("wrong PIN: {attempts_left} attempt(s) left before the vault is blocked")]
    WrongPin {
        /// Attempts left before the vault is blocked.
        attempts_left: u32,
    },
    /// Blocked after too many wrong PINs.
    #[error(
        "the vault is blocked after {MAX_PIN_ATTEMPTS} wrong PINs; unblock it with the unblock code"
    )]
    Blocked,
    /// The PIN is malformed or too weak to be set.
    #[error("PIN: {0}")]
    BadPin(PinError),
    /// The typed unblock code is malformed (not counted as an attempt).
    #[error("unblock code: {0}")]
    MistypedUnblockCode(UnblockCodeError),
    /// A well-formed unblock code that is not this vault's current one.
    #[error("wrong unblock code ({failed_attempts} wrong in a row)")]
    WrongUnblockCode {
        /// Wrong unblock codes since the last success, this one included.
        failed_attempts: u32,
    },
    /// The same account is already stored.
    #[error("this account is already in the vault (#{id})")]
    Duplicate {
        /// The existing account's id.
        id: u64,
    },
    /// No account with this id.
    #[error("no account #{id}")]
    NoSuchAccount {
        /// The id asked for.
        id: u64,
    },
    /// The account's codes are time-based; it has no counter to advance.
    #[error("account #{id} is time-based; it has no counter to advance")]
    NotCounterBased {
        /// The account's id.
        id: u64,
    },
    /// An argument is not acceptable (the message says which).
    #[error("{0}")]
    InvalidInput(String),
    /// Storage failed (busy, I/O).
    #[error("storage: {0}")]
    Storage(StoreError),
    /// The device keystore failed for a reason other than a wrong key.
    #[error("{0}")]
    Keystore(KeystoreError),
    /// No randomness could be drawn.
    #[error("the random number generator failed")]
    Random,
}

impl From<StoreError> for VaultError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Missing => VaultError::NotInitialized,
            StoreError::NotAVault => VaultError::Unreadable(Unreadable::NotAVault),
            StoreError::NewerSchema { found, supported } => {
                VaultError::Unreadable(Unreadable::NewerSchema { found, supported })
            }
            other => VaultError::Storage(other),
        }
    }
}

impl From<crate::rng::RandomError> for VaultError {
    fn from(_: crate::rng::RandomError) -> Self {
        VaultError::Random
    }
}

impl From<aead::AeadError> for VaultError {
    fn from(e: aead::AeadError) -> Self {
        match e {
            aead::AeadError::Random => VaultError::Random,
            aead::AeadError::Open => VaultError::Unreadable(Unreadable::Damaged),
        }
    }
}

fn keystore_error(e: KeystoreError) -> VaultError {
    match e {
        KeystoreError::Missing | KeystoreError::Rejected => {
            VaultError::Unreadable(Unreadable::DeviceKey)
        }
        other => VaultError::Keystore(other),
    }
}

/// The lockout state, readable without a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockStatus {
    /// Wrong PINs since the last correct one.
    pub failed_pin_attempts: u32,
    /// PIN attempts left before blocking (0 when blocked).
    pub attempts_left: u32,
    /// Whether only the unblock code opens the vault.
    pub blocked: bool,
    /// Wrong unblock codes since the last success.
    pub failed_unblock_attempts: u32,
    /// The wait the next unblock attempt will take.
    pub next_unblock_delay: Duration,
}

struct Inner {
    store: Mutex<Store>,
    services: Services,
    config: VaultConfig,
    vault_id: [u8; 16],
}

/// A vault file, opened but locked: it can report its lockout state, check a
/// PIN, or be unblocked.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault")
    }
}

fn slot_aad(kind: &str, vault_id: &[u8; 16]) -> Vec<u8> {
    let mut aad = format!("vakt/slot/v1/{kind}/").into_bytes();
    aad.extend_from_slice(vault_id);
    aad
}

fn account_aad(vault_id: &[u8; 16], id: u64) -> Vec<u8> {
    let mut aad = b"vakt/account/v1/".to_vec();
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(&id.to_be_bytes());
    aad
}

impl Inner {
    fn store(&self) -> Result<MutexGuard<'_, Store>, VaultError> {
        self.store
            .lock()
            .map_err(|_| VaultError::Storage(StoreError::Failed("vault lock poisoned".into())))
    }

    /// Seals the vault key into a new slot for `secret`.
    fn make_slot(
        &self,
        kind: &str,
        params: KdfParams,
        secret: &[u8],
        vault_key: &Key256,
    ) -> Result<SlotRow, VaultError> {
        let rng = self.services.rng.as_ref();
        let salt: [u8; 16] = random_array(rng)?;
        let kek = params.derive(secret, &salt).map_err(|_| {
            VaultError::InvalidInput("key derivation parameters out of range".into())
        })?;
        // EXPOSE: the vault key is sealed under the slot's key-encryption key.
        let inner = aead::seal(
            &kek,
            &slot_aad(kind, &self.vault_id),
            vault_key.expose(),
            rng,
        )?;
        let wrapped = self
            .services
            .keystore
            .wrap(&inner)
            .map_err(keystore_error)?;
        Ok(SlotRow {
            kdf: params.to_bytes().to_vec(),
            salt: salt.to_vec(),
            wrapped,
        })
    }

    /// Reads a slot and removes its device layer (no secret involved yet).
    fn unwrap_slot(&self, kind: &str) -> Result<(SlotRow, crate::SecretBytes), VaultError> {
        let slot = self
            .store()?
            .read(|tx| tx.slot(kind))?
            .ok_or(VaultError::NotInitialized)?;
        let inner = self
            .services
            .keystore
            .unwrap(&slot.wrapped)
            .map_err(keystore_error)?;
        Ok((slot, inner))
    }

    /// Opens the inner layer of a slot with `secret`: `Ok(None)` if the secret
    /// is wrong (AEAD authentication is the constant-time comparison).
    fn open_slot(
        &self,
        kind: &str,
        slot: &SlotRow,
        inner: &crate::SecretBytes,
        secret: &[u8],
    ) -> Result<Option<Key256>, VaultError> {
        let params = KdfParams::from_bytes(&slot.kdf)
            .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))?;
        let kek = params
            .derive(secret, &slot.salt)
            .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))?;
        // EXPOSE: the device-unwrapped slot is authenticated with the derived key.
        match aead::open(&kek, &slot_aad(kind, &self.vault_id), inner.expose()) {
            Ok(plain) => Key256::from_slice(&plain)
                .map(Some)
                .ok_or(VaultError::Unreadable(Unreadable::Damaged)),
            Err(_) => Ok(None),
        }
    }

    /// The PIN check with its lockout: count first, then check.
    fn check_pin(&self, pin: &Pin) -> Result<Key256, VaultError> {
        let _turn = check_turn();
        let (slot, inner) = self.unwrap_slot(SLOT_PIN)?;
        let failed = self.store()?.write(|tx| {
            let (pin_failures, unblock_failures) = tx.lockout()?;
            if pin_failures >= MAX_PIN_ATTEMPTS {
                return Err(VaultError::Blocked);
            }
            tx.set_lockout(pin_failures + 1, unblock_failures)?;
            Ok(pin_failures + 1)
        })?;
        match self.open_slot(SLOT_PIN, &slot, &inner, pin.expose().as_bytes())? {
            Some(vault_key) => {
                // Unsynced on purpose: losing this reset to a power cut only
                // leaves the count higher (see Store::write_unsynced).
                self.store()?.write_unsynced(|tx| {
                    let (_, unblock_failures) = tx.lockout()?;
                    tx.set_lockout(0, unblock_failures)
                        .map_err(VaultError::from)
                })?;
                Ok(vault_key)
            }
            None => match MAX_PIN_ATTEMPTS.saturating_sub(failed) {
                0 => Err(VaultError::Blocked),
                attempts_left => Err(VaultError::WrongPin { attempts_left }),
            },
        }
    }
}

/// Everything a new vault starts with: its id and key, its first unblock code,
/// and the slots that open it. Shared by `Vault::create` and restore, so that
/// both make keys the same way.
struct NewVault {
    inner: Inner,
    vault_key: Key256,
    code: UnblockCode,
    keys: NewKeys,
}

/// The rows that make a file a vault: its id and its slots.
struct NewKeys {
    vault_id: [u8; 16],
    pin_slot: SlotRow,
    unblock_slot: SlotRow,
    backup_slot: backup_key::NewCodeSlot,
}

impl NewVault {
    /// Draws a vault id, a vault key and an unblock code, and seals the key
    /// into the PIN, unblock and backup slots (the KDFs run here).
    fn generate(
        store: Store,
        services: Services,
        config: VaultConfig,
        pin: &Pin,
    ) -> Result<Self, VaultError> {
        let rng = services.rng.clone();
        let vault_id: [u8; 16] = random_array(rng.as_ref())?;
        let vault_key = Key256::new(random_array(rng.as_ref())?);
        let code = UnblockCode::generate(rng.as_ref())?;
        let inner = Inner {
            store: Mutex::new(store),
            services,
            config,
            vault_id,
        };
        let pin_slot = inner.make_slot(
            SLOT_PIN,
            config.pin_kdf,
            pin.expose().as_bytes(),
            &vault_key,
        )?;
        let unblock_slot = inner.make_slot(
            SLOT_UNBLOCK,
            config.unblock_kdf,
            code.canonical().as_bytes(),
            &vault_key,
        )?;
        let backup_slot = inner.backup_slot_for_code(&vault_key, &code)?;
        Ok(Self {
            inner,
            vault_key,
            code,
            keys: NewKeys {
                vault_id,
                pin_slot,
                unblock_slot,
                backup_slot,
            },
        })
    }
}

impl NewKeys {
    /// Writes the id, the slots and a clean lockout state, inside the caller's
    /// transaction; refuses if the file already holds a vault.
    fn write(&self, tx: &store::Tx<'_>) -> Result<(), VaultError> {
        if tx.slot(SLOT_PIN)?.is_some() {
            return Err(VaultError::AlreadyInitialized);
        }
        tx.set_meta("vault_id", &self.vault_id)?;
        tx.set_slot(SLOT_PIN, &self.pin_slot)?;
        tx.set_slot(SLOT_UNBLOCK, &self.unblock_slot)?;
        self.backup_slot.write(tx)?;
        tx.set_lockout(0, 0)?;
        Ok(())
    }
}

impl Vault {
    /// Creates a vault at `path` (the database file) protected by `pin`, and
    /// returns it with its first unblock code — shown to the user once.
    ///
    /// Refuses if a vault already exists there, and never touches a file it
    /// cannot read.
    pub fn create(
        path: &Path,
        services: Services,
        config: VaultConfig,
        pin: &Pin,
    ) -> Result<(Vault, UnblockCode), VaultError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| VaultError::Storage(StoreError::Failed(e.kind().to_string())))?;
        }
        let mut store = Store::open(path, true)?;
        if store.read(|tx| tx.slot(SLOT_PIN))?.is_some() {
            return Err(VaultError::AlreadyInitialized);
        }
        let NewVault {
            inner, code, keys, ..
        } = NewVault::generate(store, services, config, pin)?;
        inner.store()?.write(|tx| keys.write(tx))?;
        Ok((
            Vault {
                inner: Arc::new(inner),
            },
            code,
        ))
    }

    /// Opens an existing vault (locked). Reports, and leaves untouched, a file
    /// that is missing, foreign, damaged or from a newer version.
    pub fn open(path: &Path, services: Services, config: VaultConfig) -> Result<Vault, VaultError> {
        let mut store = Store::open(path, false)?;
        let vault_id = store.read(|tx| {
            if tx.slot(SLOT_PIN)?.is_none() {
                return Err(VaultError::NotInitialized);
            }
            let id = tx
                .meta("vault_id")?
                .ok_or(VaultError::Unreadable(Unreadable::Damaged))?;
            <[u8; 16]>::try_from(id).map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
        })?;
        Ok(Vault {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                services,
                config,
                vault_id,
            }),
        })
    }

    /// The key-derivation costs stored with the PIN slot (no secret needed).
    pub fn pin_kdf(&self) -> Result<KdfParams, VaultError> {
        let slot = self
            .inner
            .store()?
            .read(|tx| tx.slot(SLOT_PIN))?
            .ok_or(VaultError::NotInitialized)?;
        KdfParams::from_bytes(&slot.kdf).map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
    }

    /// The lockout state.
    pub fn status(&self) -> Result<LockStatus, VaultError> {
        let (pin, unblock) = self.inner.store()?.read(|tx| tx.lockout())?;
        Ok(LockStatus {
            failed_pin_attempts: pin,
            attempts_left: MAX_PIN_ATTEMPTS.saturating_sub(pin),
            blocked: pin >= MAX_PIN_ATTEMPTS,
            failed_unblock_attempts: unblock,
            next_unblock_delay: unblock_delay(unblock.saturating_add(1)),
        })
    }

    /// Checks the PIN (counting the attempt first) and opens a session.
    pub fn unlock(&self, pin: &Pin) -> Result<Session, VaultError> {
        let key = self.inner.check_pin(pin)?;
        Ok(Session {
            inner: self.inner.clone(),
            key,
        })
    }

    /// Changes the PIN; the current PIN counts as an attempt like any other.
    pub fn change_pin(&self, current: &Pin, new: &Pin) -> Result<(), VaultError> {
        let key = self.inner.check_pin(current)?;
        let slot = self.inner.make_slot(
            SLOT_PIN,
            self.inner.config.pin_kdf,
            new.expose().as_bytes(),
            &key,
        )?;
        self.inner.store()?.write(|tx| {
            tx.set_slot(SLOT_PIN, &slot)?;
            let (_, unblock_failures) = tx.lockout()?;
            tx.set_lockout(0, unblock_failures)
                .map_err(VaultError::from)
        })
    }

    /// Opens the vault with the unblock code and sets `new_pin`; the lockout is
    /// reset and a **new unblock code** replaces the old one, which stops
    /// working. Works whether or not the vault is blocked (it is also the
    /// forgotten-PIN path).
    ///
    /// Wrong codes are counted before the check, and from the fourth on each
    /// attempt first waits [`unblock_delay`].
    pub fn unblock(
        &self,
        code: &UnblockCode,
        new_pin: &Pin,
    ) -> Result<(Session, UnblockCode), VaultError> {
        let _turn = check_turn();
        let inner = &self.inner;
        let (slot, sealed) = inner.unwrap_slot(SLOT_UNBLOCK)?;
        let attempt = inner.store()?.write(|tx| {
            let (pin_failures, unblock_failures) = tx.lockout()?;
            let attempt = unblock_failures.saturating_add(1);
            tx.set_lockout(pin_failures, attempt)?;
            Ok::<_, VaultError>(attempt)
        })?;
        inner.services.pause.pause(unblock_delay(attempt));
        let key = inner
            .open_slot(SLOT_UNBLOCK, &slot, &sealed, code.canonical().as_bytes())?
            .ok_or(VaultError::WrongUnblockCode {
                failed_attempts: attempt,
            })?;
        let new_code = UnblockCode::generate(inner.services.rng.as_ref())?;
        let pin_slot = inner.make_slot(
            SLOT_PIN,
            inner.config.pin_kdf,
            new_pin.expose().as_bytes(),
            &key,
        )?;
        let unblock_slot = inner.make_slot(
            SLOT_UNBLOCK,
            inner.config.unblock_kdf,
            new_code.canonical().as_bytes(),
            &key,
        )?;
        let backup_slot = inner.backup_slot_for_code(&key, &new_code)?;
        inner.store()?.write(|tx| {
            tx.set_slot(SLOT_PIN, &pin_slot)?;
            tx.set_slot(SLOT_UNBLOCK, &unblock_slot)?;
            backup_slot.write(tx)?;
            tx.set_lockout(0, 0).map_err(VaultError::from)
        })?;
        Ok((
            Session {
                inner: inner.clone(),
                key,
            },
            new_code,
        ))
    }
}

/// An account as listed: everything but the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// Stable id within the vault.
    pub id: u64,
    /// Display order (ascending).
    pub position: i64,
    /// The service.
    pub issuer: String,
    /// The user's name at the service.
    pub name: String,
    /// TOTP/HOTP/Steam with period or counter.
    pub kind: OtpKind,
    /// HMAC hash.
    pub algorithm: Algorithm,
    /// Characters per code.
    pub digits: u8,
}

impl AccountInfo {
    fn new(id: u64, position: i64, account: &Account) -> Self {
        Self {
            id,
            position,
            issuer: account.issuer.clone(),
            name: account.name.clone(),
            kind: account.params.kind,
            algorithm: account.params.algorithm,
            digits: account.params.code_length(),
        }
    }
}

/// An account with its current code (time-based kinds) for a code screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeEntry {
    /// The account.
    pub info: AccountInfo,
    /// The code, seconds left and next code; `None` for HOTP (showing a code
    /// would spend a counter value — use [`Session::next_code`]).
    pub view: Option<CodeView>,
}

/// An unlocked vault. Holds the vault key (zeroized on drop) and nothing else:
/// records are decrypted per call, so account keys do not linger in memory.
pub struct Session {
    inner: Arc<Inner>,
    key: Key256,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(<redacted>)")
    }
}

fn exact_duplicate(a: &Account, b: &Account) -> bool {
    let same_kind = match (a.params.kind, b.params.kind) {
        (OtpKind::Totp { period: x }, OtpKind::Totp { period: y }) => x == y,
        (OtpKind::Hotp { .. }, OtpKind::Hotp { .. }) | (OtpKind::Steam, OtpKind::Steam) => true,
        _ => false,
    };
    same_kind
        && a.params.algorithm == b.params.algorithm
        && a.params.digits == b.params.digits
        && a.params.secret == b.params.secret
        && a.issuer == b.issuer
        && a.name == b.name
}

impl Session {
    fn open_row(&self, row: &AccountRow) -> Result<Account, VaultError> {
        let plain = aead::open(
            &self.key,
            &account_aad(&self.inner.vault_id, row.id),
            &row.sealed,
        )?;
        record::decode(&plain).map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
    }

    fn seal_row(
        &self,
        id: u64,
        position: i64,
        account: &Account,
    ) -> Result<AccountRow, VaultError> {
        let plain = record::encode(account).map_err(|e| VaultError::InvalidInput(e.to_string()))?;
        let sealed = aead::seal(
            &self.key,
            &account_aad(&self.inner.vault_id, id),
            &plain,
            self.inner.services.rng.as_ref(),
        )?;
        Ok(AccountRow {
            id,
            position,
            sealed,
        })
    }

    fn all(&self) -> Result<Vec<(AccountRow, Account)>, VaultError> {
        let rows = self.inner.store()?.read(|tx| tx.accounts())?;
        rows.into_iter()
            .map(|row| {
                let account = self.open_row(&row)?;
                Ok((row, account))
            })
            .collect()
    }

    /// Every account, in display order, without keys.
    pub fn accounts(&self) -> Result<Vec<AccountInfo>, VaultError> {
        Ok(self
            .all()?
            .iter()
            .map(|(row, account)| AccountInfo::new(row.id, row.position, account))
            .collect())
    }

    /// Adds an account; refuses an exact duplicate (same key, kind, parameters
    /// and names) with the existing account's id.
    pub fn add(&self, account: &Account) -> Result<u64, VaultError> {
        let mut store = self.inner.store()?;
        store.write(|tx| {
            for row in tx.accounts()? {
                if exact_duplicate(&self.open_row(&row)?, account) {
                    return Err(VaultError::Duplicate { id: row.id });
                }
            }
            let id = tx.next_account_id()?;
            let row = self.seal_row(id, tx.next_position()?, account)?;
            tx.put_account(&row)?;
            Ok(id)
        })
    }

    fn update(
        &self,
        id: u64,
        change: impl FnOnce(&mut Account) -> Result<(), VaultError>,
    ) -> Result<Account, VaultError> {
        let mut store = self.inner.store()?;
        store.write(|tx| {
            let row = tx.account(id)?.ok_or(VaultError::NoSuchAccount { id })?;
            let mut account = self.open_row(&row)?;
            let before = account.clone();
            change(&mut account)?;
            tx.put_account(&self.seal_row(id, row.position, &account)?)?;
            Ok(before)
        })
    }

    /// Renames an account: a new account name, and a new issuer if given.
    pub fn rename(&self, id: u64, issuer: Option<&str>, name: &str) -> Result<(), VaultError> {
        self.update(id, |account| {
            account.name = name.trim().to_owned();
            if let Some(issuer) = issuer {
                account.issuer = issuer.trim().to_owned();
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Deletes an account, or a push token (with its challenges and its
    /// device key).
    pub fn delete(&self, id: u64) -> Result<(), VaultError> {
        let alias = self.inner.store()?.write(|tx| {
            if tx.delete_account(id)? {
                return Ok(None);
            }
            match self.delete_push_token_in(tx, id)? {
                Some(alias) => Ok(Some(alias)),
                None => Err(VaultError::NoSuchAccount { id }),
            }
        })?;
        if let Some(alias) = alias {
            // The token is gone; a key left behind is harmless but useless.
            let _ = self.inner.services.keystore.delete_signing_key(&alias);
        }
        Ok(())
    }

    /// Puts the accounts in the order given; `ids` must list every account once.
    pub fn reorder(&self, ids: &[u64]) -> Result<(), VaultError> {
        let mut store = self.inner.store()?;
        store.write(|tx| {
            let mut existing: Vec<u64> = tx.accounts()?.iter().map(|r| r.id).collect();
            let mut wanted = ids.to_vec();
            existing.sort_unstable();
            wanted.sort_unstable();
            if existing != wanted {
                return Err(VaultError::InvalidInput(
                    "the new order must list every account exactly once".into(),
                ));
            }
            for (position, id) in ids.iter().enumerate() {
                let position = i64::try_from(position)
                    .map_err(|_| VaultError::InvalidInput("too many accounts".into()))?;
                tx.set_position(*id, position)?;
            }
            Ok(())
        })
    }

    /// The code screen at `unix_seconds`: every account, with code, seconds left
    /// and next code for time-based ones.
    pub fn codes(&self, unix_seconds: u64) -> Result<Vec<CodeEntry>, VaultError> {
        Ok(self
            .all()?
            .iter()
            .map(|(row, account)| CodeEntry {
                info: AccountInfo::new(row.id, row.position, account),
                view: account.params.code_view(unix_seconds),
            })
            .collect())
    }

    /// For an HOTP account: advances the counter, commits it, and only then
    /// returns the code for the counter value it had.
    pub fn next_code(&self, id: u64) -> Result<Code, VaultError> {
        let before = self.update(id, |account| match &mut account.params.kind {
            OtpKind::Hotp { counter } => {
                *counter = counter.checked_add(1).ok_or_else(|| {
                    VaultError::InvalidInput("the counter is at its maximum".into())
                })?;
                Ok(())
            }
            _ => Err(VaultError::NotCounterBased { id }),
        })?;
        Ok(before.params.current_code(0))
    }

    /// One account with its key (for an explicit export or QR transfer).
    pub fn account(&self, id: u64) -> Result<Account, VaultError> {
        let row = self
            .inner
            .store()?
            .read(|tx| tx.account(id))?
            .ok_or(VaultError::NoSuchAccount { id })?;
        self.open_row(&row)
    }

    /// Replaces the unblock code with a new one (the old one stops working),
    /// e.g. when the user lost it. Needs an unlocked vault.
    pub fn reissue_unblock_code(&self) -> Result<UnblockCode, VaultError> {
        let inner = &self.inner;
        let code = UnblockCode::generate(inner.services.rng.as_ref())?;
        let slot = inner.make_slot(
            SLOT_UNBLOCK,
            inner.config.unblock_kdf,
            code.canonical().as_bytes(),
            &self.key,
        )?;
        let backup_slot = inner.backup_slot_for_code(&self.key, &code)?;
        inner.store()?.write(|tx| {
            tx.set_slot(SLOT_UNBLOCK, &slot)?;
            backup_slot.write(tx).map_err(VaultError::from)
        })?;
        Ok(code)
    }

    /// Locks the vault: the session and its key are dropped (and zeroized).
    pub fn lock(self) {}
}

#[cfg(test)]
mod tests;
