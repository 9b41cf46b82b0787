//! A platform key that works only after the user has proved presence
//! (fingerprint, face, or the device's own lock-screen credential): Android
//! Keystore keys with user authentication required, used through
//! `BiometricPrompt` with a `CryptoObject`; iOS Keychain / Secure Enclave keys
//! with an access control such as `.biometryCurrentSet`. The vault's
//! biometric slot keeps a random secret sealed by such a key.

use crate::secret::SecretBytes;

/// Why the platform's user-authenticated key did not seal or open.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserAuthError {
    /// The user cancelled the prompt (or it timed out): ask for the PIN.
    #[error("the user cancelled")]
    Cancelled,
    /// The platform locked biometrics out after too many tries: the PIN (or
    /// the device credential) is the way in until the platform lifts it.
    #[error("biometrics are locked out by the system")]
    LockedOut,
    /// The key is gone or permanently invalidated (biometrics were enrolled
    /// or removed, the lock screen was removed): the biometric slot is
    /// removed and the PIN opens the vault.
    #[error("the biometric key is no longer valid")]
    KeyInvalidated,
    /// Any other platform failure (for logs; no secret).
    #[error("{0}")]
    Failed(String),
}

/// The platform's user-authenticated key.
pub trait UserAuthKey: Send + Sync {
    /// Seals `plain` under the key (the platform may ask the user first).
    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, UserAuthError>;
    /// Opens what [`UserAuthKey::seal`] made, after the user authenticated.
    fn unseal(&self, sealed: &[u8]) -> Result<SecretBytes, UserAuthError>;
}
