//! The device-bound key: a keystore the platform provides (Android Keystore,
//! iOS Keychain / Secure Enclave) that wraps and unwraps small blobs with a key
//! that never leaves it. The core ships [`SoftwareKeystore`], a file-based
//! implementation for the CLI and tests.

use std::fs;
use std::path::{Path, PathBuf};

use crate::crypto::aead;
use crate::rng::{RandomSource, random_array};
use crate::secret::{Key256, SecretBytes};

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

/// A platform keystore holding non-exportable keys: the device key that wraps
/// the vault's slots, and (for push tokens) RSA signing keys.
pub trait DeviceKeystore: Send + Sync {
    /// Encrypts `plaintext` with the device key.
    fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, KeystoreError>;
    /// Decrypts a blob made by [`DeviceKeystore::wrap`] on this device.
    fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes, KeystoreError>;

    /// Creates an RSA key pair of `bits` bits under `alias` (replacing any key
    /// of that alias) whose private key never leaves the keystore, and returns
    /// the public key as DER (`SubjectPublicKeyInfo`, or PKCS#1 `RSAPublicKey`).
    /// Keystores without signing keys keep this default, which refuses.
    fn create_signing_key(&self, alias: &str, bits: u32) -> Result<Vec<u8>, KeystoreError> {
        let _ = (alias, bits);
        Err(no_signing_keys())
    }

    /// Signs `message` with the key `alias`: RSASSA-PKCS1-v1_5 with SHA-256.
    /// [`KeystoreError::Missing`] if there is no such key.
    fn sign(&self, alias: &str, message: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        let _ = (alias, message);
        Err(no_signing_keys())
    }

    /// Deletes the key `alias`; succeeds if there is none.
    fn delete_signing_key(&self, alias: &str) -> Result<(), KeystoreError> {
        let _ = alias;
        Err(no_signing_keys())
    }
}

fn no_signing_keys() -> KeystoreError {
    KeystoreError::Failed("this keystore cannot hold signing keys".into())
}

/// Whether `alias` is a safe key name (also a file name): 1–64 of `A-Z a-z 0-9 - _`.
pub fn valid_alias(alias: &str) -> bool {
    (1..=64).contains(&alias.len())
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where a [`SoftwareKeystore`] keeps signing keys.
enum SigningKeys {
    /// Files `<alias>.key` in a folder, each sealed with the device key.
    Dir(PathBuf),
    /// In memory (sealed the same way), for a keystore made from a bare key.
    Memory(std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>),
}

/// Name of the folder, next to the device key file, holding signing keys.
pub const SIGNING_KEY_DIR: &str = "push-keys";

const AAD: &[u8] = b"vakt/device-wrap/v1";
/// File name of the software device key inside a vault folder.
pub const DEVICE_KEY_FILE: &str = "device.key";

/// A device key kept in a file (mode 0600). It protects a vault copied without
/// that file, and stands in for the platform keystore on desktops and in tests;
/// it is not hardware-backed. It creates push signing keys only when built with
/// the feature `rsa-keygen`; without it (the phone library, whose platform
/// keystore makes them) `create_signing_key` refuses, while keys it already
/// holds still sign and can be deleted.
pub struct SoftwareKeystore {
    key: Key256,
    rng: Box<dyn RandomSource>,
    signing: SigningKeys,
}

impl std::fmt::Debug for SoftwareKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareKeystore(<redacted>)")
    }
}

impl SoftwareKeystore {
    /// A keystore with the given key (tests).
    pub fn from_key(key: Key256, rng: Box<dyn RandomSource>) -> Self {
        Self {
            key,
            rng,
            signing: SigningKeys::Memory(Default::default()),
        }
    }

    /// A keystore with `key` kept elsewhere (the OS keyring), its signing
    /// keys in the `push-keys` folder of the vault folder `dir`, as for a key
    /// file in `dir`.
    pub fn with_key_in(key: Key256, dir: &Path, rng: Box<dyn RandomSource>) -> Self {
        Self {
            key,
            rng,
            signing: SigningKeys::Dir(dir.join(SIGNING_KEY_DIR)),
        }
    }

    /// The key in the key file at `path` (to move it elsewhere);
    /// [`KeystoreError::Missing`] if absent, [`KeystoreError::Rejected`] if
    /// it is not a key.
    pub fn read_key_file(path: &Path) -> Result<Key256, KeystoreError> {
        Self::open(path, Box::new(crate::rng::SystemRandom::new())).map(|k| k.key)
    }

    fn signing_dir(path: &Path) -> SigningKeys {
        SigningKeys::Dir(
            path.parent()
                .unwrap_or_else(|| Path::new("."))
                .join(SIGNING_KEY_DIR),
        )
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
        Ok(Self {
            key,
            rng,
            signing: Self::signing_dir(path),
        })
    }

    /// Opens the key file, or creates it with a fresh random key if absent.
    pub fn open_or_create(path: &Path, rng: Box<dyn RandomSource>) -> Result<Self, KeystoreError> {
        match Self::open(path, Box::new(crate::rng::SystemRandom::new())) {
            Ok(found) => Ok(Self {
                key: found.key.clone(),
                rng,
                signing: Self::signing_dir(path),
            }),
            Err(KeystoreError::Missing) => {
                let key = Key256::new(
                    random_array(rng.as_ref()).map_err(|e| KeystoreError::Failed(e.to_string()))?,
                );
                crate::files::write_private_atomic(path, key.expose())
                    .map_err(|e| KeystoreError::Failed(e.kind().to_string()))?;
                Ok(Self {
                    key,
                    rng,
                    signing: Self::signing_dir(path),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The conventional key file path inside a vault folder.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(DEVICE_KEY_FILE)
    }
}

fn signing_aad(alias: &str) -> Vec<u8> {
    format!("vakt/signing-key/v1/{alias}").into_bytes()
}

fn io_failure(e: std::io::Error) -> KeystoreError {
    KeystoreError::Failed(e.kind().to_string())
}

impl SoftwareKeystore {
    #[cfg(any(test, feature = "rsa-keygen"))]
    fn store_signing_key(&self, alias: &str, sealed: Vec<u8>) -> Result<(), KeystoreError> {
        match &self.signing {
            SigningKeys::Dir(dir) => {
                crate::files::create_private_dir_all(dir).map_err(io_failure)?;
                crate::files::write_private_atomic(&dir.join(format!("{alias}.key")), &sealed)
                    .map_err(io_failure)
            }
            SigningKeys::Memory(map) => {
                map.lock()
                    .map_err(|_| KeystoreError::Failed("keystore lock poisoned".into()))?
                    .insert(alias.to_owned(), sealed);
                Ok(())
            }
        }
    }

    fn load_signing_key(&self, alias: &str) -> Result<SecretBytes, KeystoreError> {
        let sealed = match &self.signing {
            SigningKeys::Dir(dir) => match fs::read(dir.join(format!("{alias}.key"))) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(KeystoreError::Missing);
                }
                Err(e) => return Err(io_failure(e)),
            },
            SigningKeys::Memory(map) => map
                .lock()
                .map_err(|_| KeystoreError::Failed("keystore lock poisoned".into()))?
                .get(alias)
                .cloned()
                .ok_or(KeystoreError::Missing)?,
        };
        aead::open(&self.key, &signing_aad(alias), &sealed)
            .map(|mut plain| SecretBytes::new(std::mem::take(&mut *plain)))
            .map_err(|_| KeystoreError::Rejected)
    }
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

    /// Generates the key with the `rsa` crate from this keystore's random
    /// source and keeps the PKCS#8 document sealed with the device key
    /// (feature `rsa-keygen`, on by default).
    #[cfg(feature = "rsa-keygen")]
    fn create_signing_key(&self, alias: &str, bits: u32) -> Result<Vec<u8>, KeystoreError> {
        if !valid_alias(alias) {
            return Err(KeystoreError::Failed("invalid key alias".into()));
        }
        let bits = usize::try_from(bits).map_err(|_| KeystoreError::Failed("key size".into()))?;
        let (pkcs8, spki) = crate::crypto::rsa::generate_rsa(bits, self.rng.as_ref())
            .map_err(|e| KeystoreError::Failed(e.to_string()))?;
        // EXPOSE: the private key is sealed under the device key.
        let sealed = aead::seal(
            &self.key,
            &signing_aad(alias),
            pkcs8.expose(),
            self.rng.as_ref(),
        )
        .map_err(|e| KeystoreError::Failed(e.to_string()))?;
        self.store_signing_key(alias, sealed)?;
        Ok(spki)
    }

    /// Built without the feature `rsa-keygen` (the phone library), this
    /// keystore cannot make signing keys: it refuses with the error of a
    /// keystore without signing keys ([`KeystoreError::Failed`], as
    /// [`DeviceKeystore::create_signing_key`]'s default does). The platform
    /// keystore makes push signing keys there. Keys made by a build with the
    /// feature still sign and can be deleted.
    #[cfg(not(feature = "rsa-keygen"))]
    fn create_signing_key(&self, alias: &str, bits: u32) -> Result<Vec<u8>, KeystoreError> {
        let _ = (alias, bits);
        Err(no_signing_keys())
    }

    fn sign(&self, alias: &str, message: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        if !valid_alias(alias) {
            return Err(KeystoreError::Missing);
        }
        let pkcs8 = self.load_signing_key(alias)?;
        crate::crypto::rsa::sign_pkcs8(&pkcs8, message)
            .map_err(|e| KeystoreError::Failed(e.to_string()))
    }

    fn delete_signing_key(&self, alias: &str) -> Result<(), KeystoreError> {
        if !valid_alias(alias) {
            return Ok(());
        }
        match &self.signing {
            SigningKeys::Dir(dir) => match fs::remove_file(dir.join(format!("{alias}.key"))) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_failure(e)),
                _ => Ok(()),
            },
            SigningKeys::Memory(map) => {
                map.lock()
                    .map_err(|_| KeystoreError::Failed("keystore lock poisoned".into()))?
                    .remove(alias);
                Ok(())
            }
        }
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

    #[cfg(not(feature = "rsa-keygen"))]
    #[test]
    fn without_rsa_keygen_no_signing_key_is_made() {
        /// A keystore that keeps the trait's defaults for signing keys.
        struct WrapOnly;

        impl DeviceKeystore for WrapOnly {
            fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, KeystoreError> {
                Ok(plaintext.to_vec())
            }

            fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes, KeystoreError> {
                Ok(SecretBytes::from_slice(wrapped))
            }
        }

        let dir = tempfile::tempdir().unwrap();
        let path = SoftwareKeystore::path_in(dir.path());
        let keystore =
            SoftwareKeystore::open_or_create(&path, Box::new(DeterministicRandom::new(1))).unwrap();
        let refusal = Err(KeystoreError::Failed(
            "this keystore cannot hold signing keys".into(),
        ));
        assert_eq!(WrapOnly.create_signing_key("vakt-push-test", 3072), refusal);
        assert_eq!(keystore.create_signing_key("vakt-push-test", 3072), refusal);
        assert_eq!(keystore.create_signing_key("vakt-push-test", 2048), refusal);
        assert!(!dir.path().join(SIGNING_KEY_DIR).exists());
        assert_eq!(
            keystore.sign("vakt-push-test", b"x"),
            Err(KeystoreError::Missing)
        );
    }

    #[test]
    fn signing_keys_it_holds_sign_and_are_deleted() {
        use crate::crypto::rsa as crypto;
        use base64::Engine;

        // The captured phone key of the privacyIDEA vectors, stored as a build
        // with `rsa-keygen` stores the keys it makes.
        let vectors: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/privacyidea/push_test_vectors.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let text = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
        let pem = text(&vectors["phone_private_key_pkcs8_pem"]);
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let pkcs8 = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = SoftwareKeystore::path_in(dir.path());
        let keystore =
            SoftwareKeystore::open_or_create(&path, Box::new(DeterministicRandom::new(1))).unwrap();
        let sealed = aead::seal(
            &keystore.key,
            &signing_aad("vakt-push-test"),
            &pkcs8,
            keystore.rng.as_ref(),
        )
        .unwrap();
        keystore
            .store_signing_key("vakt-push-test", sealed)
            .unwrap();

        // Reopened: it signs what the phone signed (PKCS#1 v1.5 is deterministic).
        let again = SoftwareKeystore::open(&path, Box::new(DeterministicRandom::new(2))).unwrap();
        let poll = &vectors["poll_request"];
        let signature = again
            .sign("vakt-push-test", text(&poll["signed_string"]).as_bytes())
            .unwrap();
        assert_eq!(
            crypto::encode_signature(&signature),
            text(&poll["signature_b32"])
        );
        let spki = base64::engine::general_purpose::URL_SAFE
            .decode(text(&vectors["phone_pubkey_sent_b64url_spki"]))
            .unwrap();
        crypto::ServerKey::from_pkcs1_der(&crypto::spki_to_pkcs1(&spki).unwrap())
            .unwrap()
            .verify(
                &text(&poll["signed_string"]),
                &crypto::encode_signature(&signature),
            )
            .unwrap();
        again.delete_signing_key("vakt-push-test").unwrap();
        again.delete_signing_key("vakt-push-test").unwrap();
        assert_eq!(
            again.sign("vakt-push-test", b"x"),
            Err(KeystoreError::Missing)
        );
    }
}
