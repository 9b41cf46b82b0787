//! Doors for the Kotlin and Swift test suites, compiled only with the
//! `test-support` feature — which the shipped phone library (`release-small`,
//! built by Gradle and `build-xcframework.sh`) does not enable, and whose
//! absence `scripts/test.d/45-library-size.sh` checks in the built library:
//! a file-based software keystore, cheap key derivation, and the fake
//! privacyIDEA server both suites run push against ([`FakePrivacyIdea`]).

use std::sync::Arc;

mod fake_container;
mod fake_privacyidea;
pub use fake_privacyidea::{FakeChallenge, FakePrivacyIdea, FakeRequest};
use std::sync::atomic::{AtomicBool, Ordering};

use vakt_core::rng::SystemRandom;
use vakt_core::vault::SoftwareKeystore;

use crate::VaktError;
use vakt_core::vault::KeystoreError;

use crate::platform::{DeviceKeystore, KeystoreFailure};

static FAST_KDF: AtomicBool = AtomicBool::new(false);

/// From now on, in this process, vaults made or re-keyed use a trivial
/// key-derivation cost (**tests only**: a PIN then protects almost nothing).
#[uniffi::export]
pub fn test_support_use_fast_kdf() {
    FAST_KDF.store(true, Ordering::SeqCst);
}

/// Whether [`test_support_use_fast_kdf`] was called.
pub(crate) fn fast_kdf() -> bool {
    FAST_KDF.load(Ordering::SeqCst)
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

    fn create_signing_key(&self, alias: String, bits: u32) -> Result<Vec<u8>, KeystoreFailure> {
        vakt_core::vault::DeviceKeystore::create_signing_key(&self.0, &alias, bits)
            .map_err(from_core)
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure> {
        vakt_core::vault::DeviceKeystore::sign(&self.0, &alias, &message).map_err(from_core)
    }

    fn delete_signing_key(&self, alias: String) -> Result<(), KeystoreFailure> {
        vakt_core::vault::DeviceKeystore::delete_signing_key(&self.0, &alias).map_err(from_core)
    }

    fn create_ecdsa_key(&self, alias: String) -> Result<Vec<u8>, KeystoreFailure> {
        vakt_core::vault::DeviceKeystore::create_ecdsa_key(&self.0, &alias).map_err(from_core)
    }

    fn sign_ecdsa(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure> {
        vakt_core::vault::DeviceKeystore::sign_ecdsa(&self.0, &alias, &message).map_err(from_core)
    }
}

/// A file-based software keystore (the key file is created if missing) — for
/// tests and desktops; phones use their platform keystore. In this library it
/// wraps and unwraps but cannot hold push signing keys: `create_signing_key`
/// fails (`KeystoreFailure::Failed`, so enrolment fails with `Keystore`),
/// because RSA key generation is left out of the phone library (vakt-core's
/// feature `rsa-keygen`). Push tokens need the platform keystore (Android
/// Keystore, iOS Keychain) or an app keystore that makes RSA keys. It does
/// make and use P-384 container keys (the test doors build vakt-core with
/// `p384-keys`), so the suites can test containers against it.
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

fn from_core(e: KeystoreError) -> KeystoreFailure {
    match e {
        KeystoreError::Missing => KeystoreFailure::KeyMissing,
        KeystoreError::Rejected => KeystoreFailure::Rejected,
        KeystoreError::Failed(message) => KeystoreFailure::Failed { message },
    }
}

/// Has the core make a P-384 container key under `alias` in `keystore` (a
/// Kotlin or Swift implementation, called through the foreign trait as the
/// container protocol will call it), sign `message` with it and check both as
/// the server would: the public key must be a P-384 `SubjectPublicKeyInfo`
/// and the signature ECDSA over SHA-256 that verifies. Returns the public key
/// as the PEM finalize sends. **Tests only.**
#[uniffi::export]
pub fn test_support_check_container_key(
    keystore: Arc<dyn DeviceKeystore>,
    alias: String,
    message: Vec<u8>,
) -> Result<String, VaktError> {
    use vakt_core::crypto::ecdsa;
    use vakt_core::vault::DeviceKeystore as _;

    let failed = |message: String| VaktError::Keystore { message };
    let keystore = crate::platform::ForeignKeystore(keystore);
    let spki = keystore
        .create_ecdsa_key(&alias)
        .map_err(|e| failed(e.to_string()))?;
    let signature = keystore
        .sign_ecdsa(&alias, &message)
        .map_err(|e| failed(e.to_string()))?;
    ecdsa::verify_p384_sha256(&spki, &message, &signature)
        .map_err(|e| failed(format!("container key check: {e}")))?;
    Ok(ecdsa::spki_der_to_pem(&spki))
}

/// What the organisation's support desk reads from an escrow record, for the
/// platform suites (**tests only**; the app never opens records): the
/// unblock code and its generation.
#[derive(uniffi::Record)]
pub struct TestSupportEscrowOpened {
    /// The unblock code in the record (an object that prints nothing).
    pub unblock_code: std::sync::Arc<crate::unblock_code::NewUnblockCode>,
    /// Its generation.
    pub generation: u32,
    /// The vault id (hex).
    pub vault_id: String,
}

/// Opens an escrow record with an organisation key file's text (what `vakt
/// escrow keygen` writes) — **tests only**.
#[uniffi::export]
pub fn test_support_open_escrow_record(
    record: Vec<u8>,
    org_key_file: String,
) -> Result<TestSupportEscrowOpened, crate::VaktError> {
    let identity = vakt_core::escrow::OrgIdentity::parse(&org_key_file)?;
    let payload = vakt_core::escrow::open(&record, &identity)?;
    let code = vakt_core::vault::UnblockCode::parse(payload.unblock_code.expose())?;
    Ok(TestSupportEscrowOpened {
        unblock_code: crate::unblock_code::NewUnblockCode::new(code),
        generation: payload.generation,
        vault_id: payload.vault_id_hex(),
    })
}
