//! What the platform provides: a clock and the device keystore. Kotlin and Swift
//! implement these traits; Rust defaults exist for tests and desktop use.

use std::sync::Arc;

use vakt_core::clock::Clock as _;
use vakt_core::rng::SystemRandom;
use vakt_core::secret::SecretBytes;
use vakt_core::vault::{KeystoreError, SoftwareKeystore};

use crate::VaktError;

/// A source of the current time.
#[uniffi::export(with_foreign)]
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;
}

/// Why the platform keystore could not wrap or unwrap.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeystoreFailure {
    /// The device key does not exist.
    #[error("the device key is missing")]
    KeyMissing,
    /// The data was not wrapped by this device's key.
    #[error("the device key rejected the data")]
    Rejected,
    /// Any other failure (locked device, hardware error).
    #[error("{message}")]
    Failed {
        /// For logs.
        message: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeystoreFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeystoreFailure::Failed { message: e.reason }
    }
}

/// A platform keystore holding a non-exportable key (Android Keystore AES-GCM,
/// iOS Keychain / Secure Enclave). It only ever sees already-encrypted slots.
#[uniffi::export(with_foreign)]
pub trait DeviceKeystore: Send + Sync {
    /// Encrypts `plaintext` with the device key.
    fn wrap(&self, plaintext: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure>;
    /// Decrypts what [`DeviceKeystore::wrap`] made on this device.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure>;
}

/// The platform keystore seen from the core.
pub(crate) struct ForeignKeystore(pub Arc<dyn DeviceKeystore>);

impl vakt_core::vault::DeviceKeystore for ForeignKeystore {
    fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        self.0.wrap(plaintext.to_vec()).map_err(to_core)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes, KeystoreError> {
        self.0
            .unwrap(wrapped.to_vec())
            .map(SecretBytes::new)
            .map_err(to_core)
    }
}

fn to_core(e: KeystoreFailure) -> KeystoreError {
    match e {
        KeystoreFailure::KeyMissing => KeystoreError::Missing,
        KeystoreFailure::Rejected => KeystoreError::Rejected,
        KeystoreFailure::Failed { message } => KeystoreError::Failed(message),
    }
}

/// The core's software keystore behind the foreign trait.
struct Software(SoftwareKeystore);

impl DeviceKeystore for Software {
    fn wrap(&self, plaintext: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure> {
        vakt_core::vault::DeviceKeystore::wrap(&self.0, &plaintext).map_err(from_core)
    }

    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure> {
        vakt_core::vault::DeviceKeystore::unwrap(&self.0, &wrapped)
            // EXPOSE: handed to the caller, which is the vault's own unwrap path.
            .map(|secret| secret.expose().to_vec())
            .map_err(from_core)
    }
}

fn from_core(e: KeystoreError) -> KeystoreFailure {
    match e {
        KeystoreError::Missing => KeystoreFailure::KeyMissing,
        KeystoreError::Rejected => KeystoreFailure::Rejected,
        KeystoreError::Failed(message) => KeystoreFailure::Failed { message },
    }
}

/// A file-based software keystore (the key file is created if missing) — for
/// tests and desktops; phones use their platform keystore.
#[uniffi::export]
pub fn software_keystore(key_file: String) -> Result<Arc<dyn DeviceKeystore>, VaktError> {
    let keystore = SoftwareKeystore::open_or_create(
        std::path::Path::new(&key_file),
        Box::new(SystemRandom::new()),
    )
    .map_err(|e| VaktError::Keystore {
        message: e.to_string(),
    })?;
    Ok(Arc::new(Software(keystore)))
}

struct System;

impl Clock for System {
    fn now_unix(&self) -> u64 {
        vakt_core::clock::SystemClock.now_unix()
    }
}

struct Fixed(u64);

impl Clock for Fixed {
    fn now_unix(&self) -> u64 {
        self.0
    }
}

/// The system clock.
#[uniffi::export]
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(System)
}

/// A clock stopped at `unix_seconds` (tests).
#[uniffi::export]
pub fn fixed_clock(unix_seconds: u64) -> Arc<dyn Clock> {
    Arc::new(Fixed(unix_seconds))
}
