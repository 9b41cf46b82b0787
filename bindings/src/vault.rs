//! The vault as two opaque objects: [`Vault`] (locked) and [`Session`] (unlocked).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use vakt_core::account::{Account as NewAccount, OtpKind, OtpParams};
use vakt_core::otp::{Digits, Period};
use vakt_core::rng::SystemRandom;
use vakt_core::vault::{self as core, Pin, PinPolicy, Services, ThreadSleep};
use zeroize::Zeroizing;

use crate::VaktError;
use crate::args::{account_id, time_in};
use crate::convert::{id_out, seconds, time_out};
use crate::otp::{HashAlgorithm, OtpType, kind_parts};
use crate::platform::{Clock, DeviceKeystore, ForeignKeystore, ForeignUserAuth, UserAuthKeystore};
use crate::unblock_code::NewUnblockCode;

/// Choices made when a vault is created.
#[derive(Clone, Copy, Debug, uniffi::Record)]
pub struct VaultOptions {
    /// Minimum PIN length, 4–12.
    pub min_pin_length: u32,
}

impl VaultOptions {
    pub(crate) fn config(self) -> core::VaultConfig {
        #[cfg_attr(not(feature = "test-support"), allow(unused_mut))]
        let mut config = core::VaultConfig {
            pin_policy: PinPolicy {
                min_len: usize::try_from(self.min_pin_length).unwrap_or(usize::MAX),
            },
            ..core::VaultConfig::default()
        };
        #[cfg(feature = "test-support")]
        if crate::test_support::fast_kdf() {
            config.pin_kdf = core::KdfParams::INSECURE_FOR_TESTS;
            config.unblock_kdf = core::KdfParams::INSECURE_FOR_TESTS;
        }
        config
    }
}

/// The platform's clock as the core's.
struct CoreClock(Arc<dyn Clock>);

impl vakt_core::clock::Clock for CoreClock {
    fn now_unix(&self) -> u64 {
        self.0.now_unix()
    }
}

pub(crate) fn services(keystore: Arc<dyn DeviceKeystore>, clock: Arc<dyn Clock>) -> Services {
    Services {
        keystore: Arc::new(ForeignKeystore(keystore)),
        rng: Arc::new(SystemRandom::new()),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(CoreClock(clock)),
    }
}

pub(crate) fn new_pin(text: &str, config: &core::VaultConfig) -> Result<Pin, VaktError> {
    Ok(Pin::new_checked(text, &config.pin_policy)?)
}

/// A vault just created, with its unblock code (show it once; never store it).
#[derive(uniffi::Record)]
pub struct CreatedVault {
    /// The vault, locked.
    pub vault: Arc<Vault>,
    /// The unblock code (an object that prints nothing: `reveal()` it once).
    pub unblock_code: Arc<NewUnblockCode>,
}

/// The result of unblocking: an open session and the *new* unblock code.
#[derive(uniffi::Record)]
pub struct Unblocked {
    /// The unlocked vault.
    pub session: Arc<Session>,
    /// The new unblock code (the old one no longer works). Show it once.
    pub unblock_code: Arc<NewUnblockCode>,
}

/// The lockout state (no PIN needed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LockState {
    /// Only the unblock code opens the vault.
    pub blocked: bool,
    /// PIN attempts left before blocking.
    pub attempts_left: u32,
    /// Wrong PINs since the last correct one.
    pub failed_pin_attempts: u32,
    /// Wrong unblock codes since the last success.
    pub failed_unblock_attempts: u32,
    /// How long the next unblock attempt will wait.
    pub next_unblock_delay: Duration,
}

/// Creates a vault at `path` protected by `pin`.
#[uniffi::export]
pub fn create_vault(
    path: String,
    keystore: Arc<dyn DeviceKeystore>,
    clock: Arc<dyn Clock>,
    pin: String,
    options: VaultOptions,
) -> Result<CreatedVault, VaktError> {
    let pin = Zeroizing::new(pin);
    let config = options.config();
    let pin = new_pin(&pin, &config)?;
    let (vault, code) = core::Vault::create(
        std::path::Path::new(&path),
        services(keystore, clock.clone()),
        config,
        &pin,
    )?;
    Ok(CreatedVault {
        vault: Arc::new(Vault {
            inner: vault,
            config,
            clock,
        }),
        unblock_code: NewUnblockCode::new(code),
    })
}

/// A vault on disk, locked.
#[derive(uniffi::Object)]
pub struct Vault {
    pub(crate) inner: core::Vault,
    config: core::VaultConfig,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Vault {
    /// The core vault.
    pub(crate) fn core(&self) -> &core::Vault {
        &self.inner
    }

    /// Wraps a core vault (created or restored here).
    pub(crate) fn wrap(
        inner: core::Vault,
        config: core::VaultConfig,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        Arc::new(Self {
            inner,
            config,
            clock,
        })
    }
}

#[uniffi::export]
impl Vault {
    /// Opens an existing vault. A file that cannot be read is reported and left
    /// untouched.
    #[uniffi::constructor]
    pub fn open(
        path: String,
        keystore: Arc<dyn DeviceKeystore>,
        clock: Arc<dyn Clock>,
        options: VaultOptions,
    ) -> Result<Arc<Self>, VaktError> {
        let config = options.config();
        let inner = core::Vault::open(
            std::path::Path::new(&path),
            services(keystore, clock.clone()),
            config,
        )?;
        Ok(Arc::new(Self {
            inner,
            config,
            clock,
        }))
    }

    /// The lockout state.
    pub fn status(&self) -> Result<LockState, VaktError> {
        let s = self.inner.status()?;
        Ok(LockState {
            blocked: s.blocked,
            attempts_left: s.attempts_left,
            failed_pin_attempts: s.failed_pin_attempts,
            failed_unblock_attempts: s.failed_unblock_attempts,
            next_unblock_delay: s.next_unblock_delay,
        })
    }

    /// Checks the PIN (the attempt is counted before the check) and unlocks.
    pub fn unlock(&self, pin: String) -> Result<Arc<Session>, VaktError> {
        let pin = Zeroizing::new(pin);
        let pin = Pin::parse(&pin)?;
        let session = self.inner.unlock(&pin)?;
        Ok(Session::new(session, self.clock.clone()))
    }

    /// Unblocks with the unblock code, sets `new_pin`, and returns the session
    /// with the new unblock code.
    pub fn unblock(&self, unblock_code: String, new_pin: String) -> Result<Unblocked, VaktError> {
        let code = Zeroizing::new(unblock_code);
        let new_pin = Zeroizing::new(new_pin);
        let code = core::UnblockCode::parse(&code)?;
        let pin = new_pin_checked(&new_pin, &self.config)?;
        let (session, new_code) = self.inner.unblock(&code, &pin)?;
        Ok(Unblocked {
            session: Session::new(session, self.clock.clone()),
            // EXPOSE: the new unblock code is shown to the user once.
            unblock_code: NewUnblockCode::new(new_code),
        })
    }

    /// Changes the PIN; the current PIN counts as an attempt.
    pub fn change_pin(&self, current_pin: String, new_pin: String) -> Result<(), VaktError> {
        let current = Zeroizing::new(current_pin);
        let new = Zeroizing::new(new_pin);
        let current = Pin::parse(&current)?;
        let new = new_pin_checked(&new, &self.config)?;
        Ok(self.inner.change_pin(&current, &new)?)
    }

    /// Whether biometric unlock is enabled (no PIN needed).
    pub fn biometric_enabled(&self) -> Result<bool, VaktError> {
        Ok(self.inner.biometric_enabled()?)
    }

    /// Opens a session through the platform's user-authenticated `key` (the
    /// platform shows its prompt). `BiometricNotEnabled`, `BiometricCancelled`,
    /// `BiometricLockedOut`: ask for the PIN. `BiometricInvalidated`: biometric
    /// unlock was turned off (biometrics changed); the PIN opens and can enable
    /// it again. Never opens a blocked vault (`Blocked`) and leaves the PIN
    /// count as it is.
    pub fn unlock_biometric(
        &self,
        key: Arc<dyn UserAuthKeystore>,
    ) -> Result<Arc<Session>, VaktError> {
        let session = self.inner.unlock_biometric(&ForeignUserAuth(key))?;
        Ok(Session::new(session, self.clock.clone()))
    }
}

fn new_pin_checked(text: &str, config: &core::VaultConfig) -> Result<Pin, VaktError> {
    new_pin(text, config)
}

/// An account as listed (never its key).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Account {
    /// Stable id within the vault.
    pub id: i64,
    /// Display order.
    pub position: i64,
    /// The service.
    pub issuer: String,
    /// The user's name at the service.
    pub account_name: String,
    /// TOTP, HOTP or Steam.
    pub otp_type: OtpType,
    /// The HMAC hash.
    pub algorithm: HashAlgorithm,
    /// Characters per code.
    pub digits: u32,
    /// How long each code lasts (time-based kinds).
    pub period: Option<Duration>,
    /// The counter of the next code (HOTP).
    pub counter: Option<u64>,
}

impl From<&core::AccountInfo> for Account {
    fn from(a: &core::AccountInfo) -> Self {
        let (otp_type, period, counter) = kind_parts(a.kind);
        Self {
            id: id_out(a.id),
            position: a.position,
            issuer: a.issuer.clone(),
            account_name: a.name.clone(),
            otp_type,
            algorithm: a.algorithm.into(),
            digits: u32::from(a.digits),
            period: period.map(seconds),
            counter,
        }
    }
}

/// One row of the code screen.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CodeRow {
    /// The account.
    pub account: Account,
    /// HOTP: no code is shown until the user asks for one (`next_code`;
    /// each spends a counter value).
    pub counter_based: bool,
    /// The current code; `None` for HOTP.
    pub code: Option<String>,
    /// How long `code` stays valid (from the time asked for); `None` for HOTP.
    pub time_left: Option<Duration>,
    /// When `code` stops being valid; `None` for HOTP.
    pub valid_until: Option<SystemTime>,
    /// The code after this one (show it when `time_left` is short); `None`
    /// for HOTP.
    pub next_code: Option<String>,
}

/// A key typed by hand ("can't scan the code?").
#[derive(Clone, uniffi::Record)]
pub struct ManualEntry {
    /// The service.
    pub issuer: String,
    /// The user's name at the service.
    pub account_name: String,
    /// The key as shown (base32; spaces, dashes and lower case are fine).
    pub key: String,
    /// TOTP (default), HOTP or Steam.
    pub otp_type: OtpType,
    /// SHA1 (default), SHA256, SHA512.
    pub algorithm: HashAlgorithm,
    /// Digits, 1–10 (default 6).
    pub digits: u32,
    /// How long each code lasts, whole seconds (default 30 s).
    pub period: Duration,
    /// HOTP counter to start from (default 0).
    pub counter: u64,
}

/// An unlocked vault. `lock()` ends it at once, from any thread; later calls
/// fail with `Locked`. Calls run concurrently (a poll waiting on the network
/// does not hold up the code screen); a call still running when the session
/// is locked finishes, and its result is discarded: it fails with `Locked`.
/// The session also locks itself after an idle timeout, or when the app has
/// stayed in the background too long ([`Session::set_idle_timeout`],
/// [`Session::entered_background`]).
#[derive(uniffi::Object)]
pub struct Session {
    /// The open session; calls clone the `Arc`, so taking it out never waits
    /// for them (the vault key is zeroized when the last call returns).
    inner: RwLock<Option<Arc<core::Session>>>,
    locked: AtomicBool,
    auto_lock: Mutex<core::AutoLock>,
    clock: Arc<dyn Clock>,
    /// The vault's clock offset (read at unlock, kept in step by `set_clock_offset`).
    clock_offset: AtomicI64,
}

impl Session {
    pub(crate) fn new(session: core::Session, clock: Arc<dyn Clock>) -> Arc<Self> {
        let now = clock.now_unix();
        // A vault whose offset does not read shows codes by the phone's clock.
        let offset = session.clock_offset().unwrap_or(0);
        Arc::new(Self {
            inner: RwLock::new(Some(Arc::new(session))),
            locked: AtomicBool::new(false),
            auto_lock: Mutex::new(core::AutoLock::new(now)),
            clock,
            clock_offset: AtomicI64::new(offset),
        })
    }

    /// Now, by the vault's clock corrected by its offset: what codes and push use.
    pub(crate) fn now(&self) -> u64 {
        vakt_core::clock::corrected(
            self.clock.now_unix(),
            self.clock_offset.load(Ordering::SeqCst),
        )
    }

    /// The open session, for one call: `Locked` once locked, or when the
    /// auto-lock rule says so now (the session is locked then).
    fn open_session(&self) -> Result<Arc<core::Session>, VaktError> {
        if !self.auto_lock_allows(|rule, now| rule.touch(now)) {
            return Err(VaktError::Locked);
        }
        let guard = self.inner.read().map_err(|_| VaktError::Internal {
            message: "session lock poisoned".into(),
        })?;
        guard.clone().ok_or(VaktError::Locked)
    }

    /// Whether the session stays open: not locked, and `check` of the
    /// auto-lock rule at the clock's time now says so; locks it otherwise.
    fn auto_lock_allows(&self, check: impl FnOnce(&mut core::AutoLock, u64) -> bool) -> bool {
        if self.locked.load(Ordering::SeqCst) {
            return false;
        }
        let now = self.clock.now_unix();
        let open = self
            .auto_lock
            .lock()
            .map(|mut rule| check(&mut rule, now))
            .unwrap_or(false);
        if !open {
            self.lock();
        }
        open
    }

    /// Runs `f` on the open session (`Locked` once locked), mapping its error.
    /// A result that arrives after the session was locked is discarded.
    pub(crate) fn with<T, E: Into<VaktError>>(
        &self,
        f: impl FnOnce(&core::Session) -> Result<T, E>,
    ) -> Result<T, VaktError> {
        let session = self.open_session()?;
        let out = f(&session);
        drop(session);
        if self.locked.load(Ordering::SeqCst) {
            return Err(VaktError::Locked);
        }
        out.map_err(Into::into)
    }
}

impl Session {
    /// The code screen at `now` (Unix seconds).
    fn codes_at_unix(&self, now: u64) -> Result<Vec<CodeRow>, VaktError> {
        let rows = self.with(|s| s.codes(now))?;
        Ok(rows
            .iter()
            .map(|e| {
                let view = e.view.as_ref();
                CodeRow {
                    account: Account::from(&e.info),
                    counter_based: view.is_none(),
                    code: view.map(|v| v.code.to_string()),
                    time_left: view.map(|v| seconds(v.seconds_left)),
                    valid_until: view.map(|v| time_out(now.saturating_add(v.seconds_left))),
                    next_code: view.and_then(|v| v.next_code.as_ref().map(ToString::to_string)),
                }
            })
            .collect())
    }
}

fn manual_account(entry: &ManualEntry) -> Result<NewAccount, VaktError> {
    let key = Zeroizing::new(entry.key.clone());
    let secret = vakt_core::provision::keytext::parse_base32_key(&key)?;
    let invalid = |message: &str| VaktError::InvalidParameter {
        message: message.to_owned(),
    };
    let kind = match entry.otp_type {
        OtpType::Totp => OtpKind::Totp {
            period: Period::new(entry.period.as_secs())
                .ok_or_else(|| invalid("period: must be at least 1 second"))?,
        },
        OtpType::Hotp => OtpKind::Hotp {
            counter: entry.counter,
        },
        OtpType::Steam => OtpKind::Steam,
    };
    let (algorithm, digits) = match entry.otp_type {
        OtpType::Steam => (
            vakt_core::otp::Algorithm::Sha1,
            Digits::new(vakt_core::otp::STEAM_DIGITS).unwrap_or_default(),
        ),
        _ => (
            entry.algorithm.into(),
            u8::try_from(entry.digits)
                .ok()
                .and_then(Digits::new)
                .ok_or_else(|| invalid("digits: must be from 1 to 10"))?,
        ),
    };
    Ok(NewAccount::new(
        &entry.issuer,
        &entry.account_name,
        OtpParams {
            kind,
            algorithm,
            digits,
            secret,
        },
    ))
}

#[uniffi::export]
impl Session {
    /// Every account in display order.
    pub fn accounts(&self) -> Result<Vec<Account>, VaktError> {
        self.with(|s| Ok::<_, core::VaultError>(s.accounts()?.iter().map(Account::from).collect()))
    }

    /// Adds the account of an otpauth URI; returns its id.
    pub fn add_uri(&self, uri: String) -> Result<i64, VaktError> {
        let uri = Zeroizing::new(uri);
        let account = vakt_core::provision::uri::parse(&uri)?;
        self.with(|s| s.add(&account)).map(id_out)
    }

    /// Adds an account from a key typed by hand; returns its id.
    pub fn add_manual(&self, entry: ManualEntry) -> Result<i64, VaktError> {
        let account = manual_account(&entry)?;
        self.with(|s| s.add(&account)).map(id_out)
    }

    /// Renames an account (and its issuer, if given).
    pub fn rename(
        &self,
        id: i64,
        issuer: Option<String>,
        account_name: String,
    ) -> Result<(), VaktError> {
        let id = account_id(id)?;
        self.with(|s| s.rename(id, issuer.as_deref(), &account_name))
    }

    /// Deletes an account, or a push token (with its challenges and its
    /// signing key in the keystore).
    pub fn delete(&self, id: i64) -> Result<(), VaktError> {
        let id = account_id(id)?;
        self.with(|s| s.delete(id))
    }

    /// Puts the accounts in this order (every id once).
    pub fn reorder(&self, ids: Vec<i64>) -> Result<(), VaktError> {
        let ids = ids
            .into_iter()
            .map(account_id)
            .collect::<Result<Vec<_>, _>>()?;
        self.with(|s| s.reorder(&ids))
    }

    /// The code screen now (by the vault's clock, corrected by its offset).
    pub fn codes(&self) -> Result<Vec<CodeRow>, VaktError> {
        self.codes_at_unix(self.now())
    }

    /// The code screen at `at` (screenshots, tests).
    pub fn codes_at(&self, at: SystemTime) -> Result<Vec<CodeRow>, VaktError> {
        self.codes_at_unix(time_in(at)?)
    }

    /// HOTP: advances the counter (committed first) and returns the code.
    pub fn next_code(&self, id: i64) -> Result<String, VaktError> {
        let id = account_id(id)?;
        self.with(|s| s.next_code(id).map(|c| c.into_string()))
    }

    /// Replaces the unblock code; returns the new one (show it once).
    pub fn reissue_unblock_code(&self) -> Result<Arc<NewUnblockCode>, VaktError> {
        self.with(|s| s.reissue_unblock_code().map(NewUnblockCode::new))
    }

    /// Locks, at once and from any thread (it never waits for calls in
    /// progress: they finish and fail with `Locked`); the vault key is
    /// zeroized when the last of them returns. Later calls fail with `Locked`.
    pub fn lock(&self) {
        self.locked.store(true, Ordering::SeqCst);
        if let Ok(mut guard) = self.inner.write() {
            guard.take();
        }
    }

    /// Whether the session is locked (by `lock()`, or by the auto-lock rule,
    /// which this checks now).
    pub fn is_locked(&self) -> bool {
        !self.auto_lock_allows(|rule, now| !rule.expired(now))
    }

    /// Locks the session after `timeout` without a call (whole seconds, by
    /// the vault's clock; `None`: never by idleness). Checked on every call
    /// and by `is_locked()`; an app that wants the key gone from memory at
    /// that moment calls `lock()` from its own timer.
    pub fn set_idle_timeout(&self, timeout: Option<Duration>) {
        if let Ok(mut rule) = self.auto_lock.lock() {
            rule.set_idle_timeout(timeout.map(|t| t.as_secs()));
        }
    }

    /// Enables biometric unlock with the platform's user-authenticated `key`;
    /// the user's `pin` is asked again (a wrong one counts towards the
    /// lockout). Replaces an earlier enrolment.
    pub fn enable_biometric(
        &self,
        pin: String,
        key: Arc<dyn UserAuthKeystore>,
    ) -> Result<(), VaktError> {
        let pin = Pin::parse(&Zeroizing::new(pin))?;
        self.with(|s| s.enable_biometric(s.confirm_pin(&pin)?, &ForeignUserAuth(key)))
    }

    /// Turns biometric unlock off.
    pub fn disable_biometric(&self) -> Result<(), VaktError> {
        self.with(|s| s.disable_biometric())
    }

    /// The clock offset in seconds (the right time minus the phone's) that
    /// codes and push timestamps use; show it to the user when it is
    /// `NOTICEABLE_CLOCK_OFFSET` (30 s) or more either way.
    pub fn clock_offset(&self) -> Result<i64, VaktError> {
        self.with(|s| s.clock_offset())
    }

    /// Keeps `seconds` as the clock offset (0 clears it): measured by the app
    /// from the `Date` of a reply of a server it trusts over https (the
    /// privacyIDEA server), as `server_time − middle of the request`. More than
    /// a day either way is refused (`InvalidInput`). The lockout reads no clock.
    pub fn set_clock_offset(&self, seconds: i64) -> Result<(), VaktError> {
        self.with(|s| s.set_clock_offset(seconds))?;
        self.clock_offset.store(seconds, Ordering::SeqCst);
        Ok(())
    }

    /// The app went to the background (Android `onStop`, iOS scene phase
    /// `.background`): with `lock_after` under a second the session locks
    /// now; otherwise it locks if the app is still away that long when it is
    /// next used or comes back ([`Session::entered_foreground`]).
    pub fn entered_background(&self, lock_after: Duration) {
        let lock_after_seconds = lock_after.as_secs();
        if lock_after_seconds == 0 {
            self.lock();
            return;
        }
        let now = self.clock.now_unix();
        if let Ok(mut rule) = self.auto_lock.lock() {
            rule.entered_background(now, lock_after_seconds);
        }
    }

    /// The app is in the foreground again: returns whether the session is
    /// still open (false: it locked, ask for the PIN).
    pub fn entered_foreground(&self) -> bool {
        self.auto_lock_allows(|rule, now| rule.entered_foreground(now))
    }
}
