//! The device-bound key: a keystore the platform provides (Android Keystore,
//! iOS Keychain / Secure Enclave) that wraps and unwraps small blobs with a key
//! that never leaves it. The core ships [`SoftwareKeystore`], a file-based
//! implementation for the CLI and tests.
//!
//! Signing keys: RSA keys for push tokens ([`DeviceKeystore::create_signing_key`],
//! [`DeviceKeystore::sign`]) and P-384 ECDSA keys for privacyIDEA containers
//! ([`DeviceKeystore::create_ecdsa_key`], [`DeviceKeystore::sign_ecdsa`]) share
//! one namespace of aliases and one [`DeviceKeystore::delete_signing_key`].

use std::fs;
use std::path::{Path, PathBuf};

use crate::crypto::aead;
use crate::crypto::ecdsa::{SigningKeyKind, pkcs8_key_kind};
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
/// the vault's slots, RSA signing keys (push tokens) and P-384 ECDSA signing
/// keys (privacyIDEA containers).
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

    /// Creates a P-384 (secp384r1) ECDSA key pair under `alias` (replacing any
    /// key of that alias, of either kind) whose private key never leaves the
    /// keystore; returns the public key as DER `SubjectPublicKeyInfo`
    /// (uncompressed point; see [`crate::crypto::ecdsa::check_p384_spki`]).
    /// Keystores without signing keys keep this default, which refuses.
    fn create_ecdsa_key(&self, alias: &str) -> Result<Vec<u8>, KeystoreError> {
        let _ = alias;
        Err(no_signing_keys())
    }

    /// Signs `message` with the P-384 key `alias`: ECDSA over the SHA-256
    /// digest of `message` (not SHA-384), the signature DER-encoded.
    /// [`KeystoreError::Missing`] if there is no such key.
    fn sign_ecdsa(&self, alias: &str, message: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        let _ = (alias, message);
        Err(no_signing_keys())
    }

    /// Deletes the key `alias` (RSA or P-384); succeeds if there is none.
    fn delete_signing_key(&self, alias: &str) -> Result<(), KeystoreError> {
        let _ = alias;
        Err(no_signing_keys())
    }
}

fn no_signing_keys() -> KeystoreError {
    KeystoreError::Failed("this keystore cannot hold signing keys".into())
}

fn wrong_kind(wanted: &str) -> KeystoreError {
    KeystoreError::Failed(format!("the key of this alias is not {wanted} key"))
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
/// holds still sign and can be deleted. Container (P-384) keys need the feature
/// `p384-keys` both to be made and to sign: without it (the phone library)
/// `create_ecdsa_key` refuses and `sign_ecdsa` refuses too, even for a key it
/// holds ([`KeystoreError::Failed`]; [`KeystoreError::Missing`] still when
/// there is no key); such keys can still be deleted.
///
/// Each signing key is a PKCS#8 DER document sealed with the device key (AAD
/// naming its alias), one file `<alias>.key` in the `push-keys` folder. The
/// document's algorithm identifier says which kind it is (`rsaEncryption`, or
/// `id-ecPublicKey` on `secp384r1`), so the RSA keys stored before P-384 keys
/// existed are read as they are; each signing call refuses a key of the other
/// kind.
pub struct SoftwareKeystore {
    key: Key256,
    rng: Box<dyn RandomSource>,
    signing: SigningKeys,
}

#[cfg(all(test, feature = "p384-keys"))]
impl SoftwareKeystore {
    /// How many signing keys it holds (tests check nothing is left behind).
    pub(crate) fn signing_key_count(&self) -> usize {
        match &self.signing {
            SigningKeys::Memory(keys) => keys.lock().map(|k| k.len()).unwrap_or(0),
            SigningKeys::Dir(dir) => fs::read_dir(dir).map(|d| d.count()).unwrap_or(0),
        }
    }
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
    #[cfg(any(test, feature = "rsa-keygen", feature = "p384-keys"))]
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

    /// The key `alias` if it is of `kind` (its PKCS#8 algorithm); a key of
    /// the other kind is refused ([`KeystoreError::Failed`]), and a document
    /// that is neither is [`KeystoreError::Rejected`].
    fn load_signing_key_of(
        &self,
        alias: &str,
        kind: SigningKeyKind,
    ) -> Result<SecretBytes, KeystoreError> {
        let pkcs8 = self.load_signing_key(alias)?;
        match pkcs8_key_kind(pkcs8.expose()) {
            Some(found) if found == kind => Ok(pkcs8),
            Some(_) => Err(wrong_kind(match kind {
                SigningKeyKind::Rsa => "an RSA",
                SigningKeyKind::EcP384 => "a P-384",
            })),
            None => Err(KeystoreError::Rejected),
        }
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
        let pkcs8 = self.load_signing_key_of(alias, SigningKeyKind::Rsa)?;
        crate::crypto::rsa::sign_pkcs8(&pkcs8, message)
            .map_err(|e| KeystoreError::Failed(e.to_string()))
    }

    /// Generates the key with the `p384` crate from this keystore's random
    /// source and keeps the PKCS#8 document sealed with the device key, as
    /// the RSA keys are (feature `p384-keys`, on by default).
    #[cfg(feature = "p384-keys")]
    fn create_ecdsa_key(&self, alias: &str) -> Result<Vec<u8>, KeystoreError> {
        if !valid_alias(alias) {
            return Err(KeystoreError::Failed("invalid key alias".into()));
        }
        let (pkcs8, spki) = crate::crypto::ecdsa::generate_p384(self.rng.as_ref())
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

    /// Built without the feature `p384-keys` (the phone library), this
    /// keystore cannot make P-384 keys: it refuses as a keystore without
    /// signing keys does. The platform keystore makes container keys there.
    #[cfg(not(feature = "p384-keys"))]
    fn create_ecdsa_key(&self, alias: &str) -> Result<Vec<u8>, KeystoreError> {
        let _ = alias;
        Err(no_signing_keys())
    }

    /// With the feature `p384-keys`: ECDSA-SHA256 with the `p384` crate
    /// (RFC 6979 nonces). Without it, [`KeystoreError::Missing`] if there is
    /// no key, else [`KeystoreError::Failed`]: this build cannot sign with one.
    fn sign_ecdsa(&self, alias: &str, message: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        if !valid_alias(alias) {
            return Err(KeystoreError::Missing);
        }
        let pkcs8 = self.load_signing_key_of(alias, SigningKeyKind::EcP384)?;
        #[cfg(feature = "p384-keys")]
        {
            crate::crypto::ecdsa::sign_p384_pkcs8(&pkcs8, message)
                .map_err(|e| KeystoreError::Failed(e.to_string()))
        }
        #[cfg(not(feature = "p384-keys"))]
        {
            let _ = (pkcs8, message);
            Err(KeystoreError::Failed(
                "this build cannot sign with P-384 keys".into(),
            ))
        }
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

    /// A keystore on disk with `pkcs8` stored under `alias` as the software
    /// keystore stores the keys it makes.
    fn holding(pkcs8: &[u8], alias: &str) -> (tempfile::TempDir, SoftwareKeystore) {
        let dir = tempfile::tempdir().unwrap();
        let path = SoftwareKeystore::path_in(dir.path());
        let keystore =
            SoftwareKeystore::open_or_create(&path, Box::new(DeterministicRandom::new(1))).unwrap();
        let sealed = aead::seal(
            &keystore.key,
            &signing_aad(alias),
            pkcs8,
            keystore.rng.as_ref(),
        )
        .unwrap();
        keystore.store_signing_key(alias, sealed).unwrap();
        (dir, keystore)
    }

    fn json(path: &str) -> serde_json::Value {
        serde_json::from_str(
            &fs::read_to_string(format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR")))
                .unwrap(),
        )
        .unwrap()
    }

    fn pem_body(pem: &str) -> Vec<u8> {
        use base64::Engine;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    fn verify_p384(spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
        use p384::ecdsa::signature::hazmat::PrehashVerifier;
        use p384::pkcs8::DecodePublicKey;
        let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, message);
        p384::ecdsa::Signature::from_der(signature)
            .is_ok_and(|s| key.verify_prehash(digest.as_ref(), &s).is_ok())
    }

    #[test]
    fn the_recorded_container_key_signs_what_the_server_accepts() {
        let vectors = json("privacyidea/containers/vectors.json");
        let registration = &vectors["registration"];
        let pkcs8 = pem_body(
            registration["client_private_key_pkcs8_pem"]
                .as_str()
                .unwrap(),
        );
        let spki = pem_body(registration["client_public_key_pem"].as_str().unwrap());
        let message = registration["signed_message"].as_str().unwrap().as_bytes();
        // The scheme: the signature the real server accepted verifies so.
        let accepted = {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE
                .decode(registration["signature"].as_str().unwrap())
                .unwrap()
        };
        assert!(verify_p384(&spki, message, &accepted));
        let (dir, keystore) = holding(&pkcs8, "vakt-container-test");
        let again = SoftwareKeystore::open(
            &SoftwareKeystore::path_in(dir.path()),
            Box::new(DeterministicRandom::new(2)),
        )
        .unwrap();
        for keystore in [&keystore, &again] {
            #[cfg(feature = "p384-keys")]
            {
                let signature = keystore.sign_ecdsa("vakt-container-test", message).unwrap();
                assert!(verify_p384(&spki, message, &signature));
            }
            #[cfg(not(feature = "p384-keys"))]
            {
                assert_eq!(
                    keystore.sign_ecdsa("vakt-container-test", message),
                    Err(KeystoreError::Failed(
                        "this build cannot sign with P-384 keys".into()
                    ))
                );
            }
            // Not an RSA key: the push signature refuses it.
            assert_eq!(
                keystore.sign("vakt-container-test", message),
                Err(KeystoreError::Failed(
                    "the key of this alias is not an RSA key".into()
                ))
            );
        }
        again.delete_signing_key("vakt-container-test").unwrap();
        assert_eq!(
            keystore.sign_ecdsa("vakt-container-test", message),
            Err(KeystoreError::Missing)
        );
        assert_eq!(
            keystore.sign_ecdsa("../escape", message),
            Err(KeystoreError::Missing)
        );
    }

    #[test]
    fn stored_push_keys_still_sign_and_are_no_container_keys() {
        // The push key a schema-3 vault saved before container keys existed.
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/vaults/v3");
        let dir = tempfile::tempdir().unwrap();
        fs::copy(src.join(DEVICE_KEY_FILE), dir.path().join(DEVICE_KEY_FILE)).unwrap();
        let keys = dir.path().join(SIGNING_KEY_DIR);
        fs::create_dir_all(&keys).unwrap();
        let alias = "vakt-push-70922134558c72d7d25baa1c";
        let file = format!("{alias}.key");
        fs::copy(src.join(SIGNING_KEY_DIR).join(&file), keys.join(&file)).unwrap();
        let keystore = SoftwareKeystore::open(
            &SoftwareKeystore::path_in(dir.path()),
            Box::new(DeterministicRandom::new(2)),
        )
        .unwrap();
        assert!(!keystore.sign(alias, b"x").unwrap().is_empty());
        // With or without the feature `p384-keys`: the kind is checked first.
        assert_eq!(
            keystore.sign_ecdsa(alias, b"x"),
            Err(KeystoreError::Failed(
                "the key of this alias is not a P-384 key".into()
            ))
        );
    }

    #[cfg(feature = "p384-keys")]
    #[test]
    fn container_keys_are_made_sign_are_replaced_and_deleted() {
        use crate::crypto::ecdsa::{P384_SPKI_PREFIX, check_p384_spki};

        let dir = tempfile::tempdir().unwrap();
        let path = SoftwareKeystore::path_in(dir.path());
        let keystore =
            SoftwareKeystore::open_or_create(&path, Box::new(DeterministicRandom::new(1))).unwrap();
        let spki = keystore.create_ecdsa_key("vakt-container-1").unwrap();
        check_p384_spki(&spki).unwrap();
        assert_eq!(spki.len(), 120);
        assert_eq!(spki[..P384_SPKI_PREFIX.len()], P384_SPKI_PREFIX);
        assert!(
            dir.path()
                .join(SIGNING_KEY_DIR)
                .join("vakt-container-1.key")
                .exists()
        );
        let signature = keystore
            .sign_ecdsa("vakt-container-1", b"nonce|time|serial|scope")
            .unwrap();
        assert!(verify_p384(&spki, b"nonce|time|serial|scope", &signature));
        assert!(!verify_p384(&spki, b"nonce|time|serial|scope!", &signature));

        // Reopened from its files, it still signs with the same key.
        let again = SoftwareKeystore::open(&path, Box::new(DeterministicRandom::new(2))).unwrap();
        let signature = again.sign_ecdsa("vakt-container-1", b"m").unwrap();
        assert!(verify_p384(&spki, b"m", &signature));

        // Creating again replaces the key; an RSA key of the alias too.
        let replaced = again.create_ecdsa_key("vakt-container-1").unwrap();
        assert_ne!(replaced, spki);
        let signature = keystore.sign_ecdsa("vakt-container-1", b"m").unwrap();
        assert!(verify_p384(&replaced, b"m", &signature));
        assert!(!verify_p384(&spki, b"m", &signature));
        #[cfg(feature = "rsa-keygen")]
        {
            keystore
                .create_signing_key("vakt-container-1", 2048)
                .unwrap();
            assert!(keystore.sign_ecdsa("vakt-container-1", b"m").is_err());
            let spki = keystore.create_ecdsa_key("vakt-container-1").unwrap();
            let signature = keystore.sign_ecdsa("vakt-container-1", b"m").unwrap();
            assert!(verify_p384(&spki, b"m", &signature));
        }

        assert_eq!(
            keystore.create_ecdsa_key("bad/alias"),
            Err(KeystoreError::Failed("invalid key alias".into()))
        );
        keystore.delete_signing_key("vakt-container-1").unwrap();
        keystore.delete_signing_key("vakt-container-1").unwrap();
        assert_eq!(
            again.sign_ecdsa("vakt-container-1", b"m"),
            Err(KeystoreError::Missing)
        );

        // In memory too.
        let memory =
            SoftwareKeystore::from_key(Key256::new([4; 32]), Box::new(DeterministicRandom::new(4)));
        let spki = memory.create_ecdsa_key("k").unwrap();
        let signature = memory.sign_ecdsa("k", b"m").unwrap();
        assert!(verify_p384(&spki, b"m", &signature));
    }

    #[cfg(not(feature = "p384-keys"))]
    #[test]
    fn without_p384_keys_no_container_key_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = SoftwareKeystore::path_in(dir.path());
        let keystore =
            SoftwareKeystore::open_or_create(&path, Box::new(DeterministicRandom::new(1))).unwrap();
        assert_eq!(
            keystore.create_ecdsa_key("vakt-container-1"),
            Err(KeystoreError::Failed(
                "this keystore cannot hold signing keys".into()
            ))
        );
        assert!(!dir.path().join(SIGNING_KEY_DIR).exists());
        assert_eq!(
            keystore.sign_ecdsa("vakt-container-1", b"x"),
            Err(KeystoreError::Missing)
        );
    }

    #[test]
    fn keystores_without_signing_keys_refuse_container_keys() {
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

        let refusal = Err(KeystoreError::Failed(
            "this keystore cannot hold signing keys".into(),
        ));
        assert_eq!(WrapOnly.create_ecdsa_key("k"), refusal);
        assert_eq!(WrapOnly.sign_ecdsa("k", b"m"), refusal);
    }
}
