//! The device-bound key: a keystore the platform provides (Android Keystore,
//! iOS Keychain / Secure Enclave) that wraps and unwraps small blobs with a key
//! that never leaves it. The core ships [`SoftwareKeystore`], a file-based
//! implementation for the CLI and tests.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::rng::{RandomSource, random_array};
use crate::secret::{Key256, SecretBytes};
use crate::vault::aead;

/// Why the keystore could not wrap or unwrap.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    /// The device key does not exist (another device, or the key was deleted).
    #[error("the device key is missing")]
    Missing,
    /// The blob was not made by this device's key, or is damaged.
    #[error("the device key cannot unwrap this data (another device's key?)")]
    Rejected,
    /// The keystore failed for another reason (locked device, I/O, …).
    #[error("the device keystore failed: {0}")]
    Failed(String),
}

/// A platform keystore holding a non-exportable key.
pub trait DeviceKeystore: Send + Sync {
    /// Encrypts `plaintext` with the device key.
    fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, KeystoreError>;
    /// Decrypts a blob made by [`DeviceKeystore::wrap`] on this device.
    fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes, KeystoreError>;
}

const AAD: &[u8] = b"vakt/device-wrap/v1";
/// File name of the software device key inside a vault folder.
pub const DEVICE_KEY_FILE: &str = "device.key";

/// A device key kept in a file (mode 0600). It protects a vault copied without
/// that file, and stands in for the platform keystore on desktops and in tests;
/// it is not hardware-backed.
pub struct SoftwareKeystore {
    key: Key256,
    rng: Box<dyn RandomSource>,
}

impl std::fmt::Debug for SoftwareKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareKeystore(<redacted>)")
    }
}

impl SoftwareKeystore {
    /// A keystore with the given key (tests).
    pub fn from_key(key: Key256, rng: Box<dyn RandomSource>) -> Self {
        Self { key, rng }
    }

    /// Opens the key file at `path`; [`KeystoreError::Missing`] if absent. It is
    /// never created here: a missing key next to an existing vault must be
    /// reported, not silently replaced.
    pub fn open(path: &Path, rng: Box<dyn RandomSource>) -> Result<Self, KeystoreError> {
        let bytes = zeroize::Zeroizing::new(match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeystoreError::Missing);
            }
            Err(e) => return Err(KeystoreError::Failed(e.kind().to_string())),
        });
        let key = Key256::from_slice(&bytes).ok_or(KeystoreError::Rejected)?;
        Ok(Self { key, rng })
    }

    /// Opens the key file, or creates it with a fresh random key if absent.
    pub fn open_or_create(path: &Path, rng: Box<dyn RandomSource>) -> Result<Self, KeystoreError> {
        match Self::open(path, Box::new(crate::rng::SystemRandom::new())) {
            Ok(found) => Ok(Self {
                key: found.key.clone(),
                rng,
            }),
            Err(KeystoreError::Missing) => {
                let key = Key256::new(
                    random_array(rng.as_ref()).map_err(|e| KeystoreError::Failed(e.to_string()))?,
                );
                write_private(path, key.expose())
                    .map_err(|e| KeystoreError::Failed(e.kind().to_string()))?;
                Ok(Self { key, rng })
            }
            Err(e) => Err(e),
        }
    }

    /// The conventional key file path inside a vault folder.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(DEVICE_KEY_FILE)
    }
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename) with mode 0600.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        // Make the rename itself durable.
        if let Ok(dir) = fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

impl DeviceKeystore for SoftwareKeystore {
    fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        aead::seal(&self.key, AAD, plaintext, self.rng.as_ref())
            .map_err(|e| KeystoreError::Failed(e.to_string()))
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes, KeystoreError> {
        aead::open(&self.key, AAD, wrapped)
            .map(|mut plain| SecretBytes::new(std::mem::take(&mut *plain)))
            .map_err(|_| KeystoreError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DeterministicRandom;

    #[test]
    fn file_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = SoftwareKeystore::path_in(dir.path());
        assert_eq!(
            SoftwareKeystore::open(&path, Box::new(DeterministicRandom::new(1))).map(|_| ()),
            Err(KeystoreError::Missing)
        );
        let a =
            SoftwareKeystore::open_or_create(&path, Box::new(DeterministicRandom::new(1))).unwrap();
        let wrapped = a.wrap(b"inner").unwrap();
        let b = SoftwareKeystore::open(&path, Box::new(DeterministicRandom::new(2))).unwrap();
        assert_eq!(b.unwrap(&wrapped).unwrap().expose(), b"inner");
        let other =
            SoftwareKeystore::from_key(Key256::new([3; 32]), Box::new(DeterministicRandom::new(3)));
        assert_eq!(
            other.unwrap(&wrapped).map(|_| ()),
            Err(KeystoreError::Rejected)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
