//! What the platform provides: a clock, the device keystore and (for push
//! tokens) an HTTP transport. Kotlin and Swift implement these traits; Rust
//! defaults exist for tests and desktop use.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use vakt_core::clock::Clock as _;
use vakt_core::secret::SecretBytes;
use vakt_core::vault::KeystoreError;

use crate::convert::time_in_saturating;

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

/// A platform keystore holding non-exportable keys (Android Keystore, iOS
/// Keychain / Secure Enclave): the device key that wraps the vault's slots (it
/// only ever sees already-encrypted slots), the RSA signing keys of push
/// tokens and the P-384 ECDSA keys of privacyIDEA containers (one namespace of
/// aliases). A keystore that cannot hold signing keys throws `Failed` from the
/// signing-key methods; push enrolment then fails with `Keystore`.
#[uniffi::export(with_foreign)]
pub trait DeviceKeystore: Send + Sync {
    /// Encrypts `plaintext` with the device key.
    fn wrap(&self, plaintext: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure>;
    /// Decrypts what [`DeviceKeystore::wrap`] made on this device.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure>;
    /// Creates an RSA key pair of `bits` bits under `alias` (replacing any key
    /// of that alias) whose private key never leaves the keystore, and returns
    /// the public key as DER: `SubjectPublicKeyInfo` (Java's
    /// `PublicKey.getEncoded()`) or PKCS#1 `RSAPublicKey` (iOS
    /// `SecKeyCopyExternalRepresentation`). `alias` is 1–64 of `A-Z a-z 0-9 - _`.
    fn create_signing_key(&self, alias: String, bits: u32) -> Result<Vec<u8>, KeystoreFailure>;
    /// Signs `message` with the key `alias`: RSASSA-PKCS1-v1_5 with SHA-256
    /// (Java `SHA256withRSA`, iOS `rsaSignatureMessagePKCS1v15SHA256`).
    /// `KeyMissing` if there is no such key.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure>;
    /// Deletes the key `alias` (RSA or P-384); succeeds if there is none.
    fn delete_signing_key(&self, alias: String) -> Result<(), KeystoreFailure>;
    /// Creates a P-384 (secp384r1) ECDSA key pair under `alias` (replacing any
    /// key of that alias) whose private key never leaves the keystore, and
    /// returns the public key as DER `SubjectPublicKeyInfo` with the
    /// uncompressed point (Java's `PublicKey.getEncoded()`; on iOS the X9.63
    /// point of `SecKeyCopyExternalRepresentation` after the fixed 23-byte
    /// P-384 SPKI prefix). `alias` is 1–64 of `A-Z a-z 0-9 - _`.
    fn create_ecdsa_key(&self, alias: String) -> Result<Vec<u8>, KeystoreFailure>;
    /// Signs `message` with the P-384 key `alias`: ECDSA over the **SHA-256**
    /// digest of `message` (Java `SHA256withECDSA`, iOS
    /// `ecdsaSignatureMessageX962SHA256`), the signature DER-encoded.
    /// `KeyMissing` if there is no such key.
    fn sign_ecdsa(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeystoreFailure>;
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

    fn create_signing_key(&self, alias: &str, bits: u32) -> Result<Vec<u8>, KeystoreError> {
        self.0
            .create_signing_key(alias.to_owned(), bits)
            .map_err(to_core)
    }

    fn sign(&self, alias: &str, message: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        self.0
            .sign(alias.to_owned(), message.to_vec())
            .map_err(to_core)
    }

    fn delete_signing_key(&self, alias: &str) -> Result<(), KeystoreError> {
        self.0.delete_signing_key(alias.to_owned()).map_err(to_core)
    }

    fn create_ecdsa_key(&self, alias: &str) -> Result<Vec<u8>, KeystoreError> {
        self.0.create_ecdsa_key(alias.to_owned()).map_err(to_core)
    }

    fn sign_ecdsa(&self, alias: &str, message: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        self.0
            .sign_ecdsa(alias.to_owned(), message.to_vec())
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

/// Why the platform's user-authenticated key did not seal or open.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum UserAuthFailure {
    /// The user cancelled the prompt (or it timed out).
    #[error("cancelled")]
    Cancelled,
    /// The system locked biometrics out after too many tries.
    #[error("locked out")]
    LockedOut,
    /// The key is gone or permanently invalidated (Android
    /// `KeyPermanentlyInvalidatedException`, iOS `errSecItemNotFound` after
    /// biometrics changed).
    #[error("key invalidated")]
    KeyInvalidated,
    /// Any other failure.
    #[error("{message}")]
    Failed {
        /// For logs.
        message: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for UserAuthFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        UserAuthFailure::Failed { message: e.reason }
    }
}

/// The platform key behind biometric unlock, usable only after the user
/// proved presence: Android, a Keystore AES key with user authentication
/// required, used through `BiometricPrompt` with a `CryptoObject`; iOS, a
/// Keychain item or Secure Enclave key with `.biometryCurrentSet` (evaluated
/// by `LAContext`). The methods are called off the main thread and may block
/// while the prompt is shown. They see only a random 32-byte secret (never
/// the vault key): the one that opens the vault's biometric slot.
#[uniffi::export(with_foreign)]
pub trait UserAuthKeystore: Send + Sync {
    /// Seals `plain` under the user-authenticated key.
    fn seal(&self, plain: Vec<u8>) -> Result<Vec<u8>, UserAuthFailure>;
    /// Opens what [`UserAuthKeystore::seal`] made, after the user
    /// authenticated. (Not `open`: a Swift keyword that uniffi escapes into
    /// the C header, where it does not compile.)
    fn unseal(&self, sealed: Vec<u8>) -> Result<Vec<u8>, UserAuthFailure>;
}

/// The platform's user-authenticated key seen from the core.
pub(crate) struct ForeignUserAuth(pub Arc<dyn UserAuthKeystore>);

fn user_auth_to_core(e: UserAuthFailure) -> vakt_core::vault::UserAuthError {
    use vakt_core::vault::UserAuthError as E;
    match e {
        UserAuthFailure::Cancelled => E::Cancelled,
        UserAuthFailure::LockedOut => E::LockedOut,
        UserAuthFailure::KeyInvalidated => E::KeyInvalidated,
        UserAuthFailure::Failed { message } => E::Failed(message),
    }
}

impl vakt_core::vault::UserAuthKey for ForeignUserAuth {
    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, vakt_core::vault::UserAuthError> {
        self.0.seal(plain.to_vec()).map_err(user_auth_to_core)
    }

    fn unseal(&self, sealed: &[u8]) -> Result<SecretBytes, vakt_core::vault::UserAuthError> {
        self.0
            .unseal(sealed.to_vec())
            .map(SecretBytes::new)
            .map_err(user_auth_to_core)
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

/// The clock offset in seconds (for `Session.set_clock_offset`) that a
/// server's reply gives: its `Date` header `value` (`Sun, 06 Nov 1994
/// 08:49:37 GMT`) for a request sent at `sent` and answered at `received` by
/// the phone's clock, measured against the middle of the exchange; `None`
/// when `value` is not an HTTP date.
#[uniffi::export]
pub fn clock_offset_from_date(
    value: String,
    sent: SystemTime,
    received: SystemTime,
) -> Option<i64> {
    let server = vakt_core::clock::parse_http_date(&value)?;
    Some(vakt_core::clock::offset_from(
        server,
        time_in_saturating(sent),
        time_in_saturating(received),
    ))
}

/// GET (poll) or POST (enrol, answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum HttpMethod {
    /// Poll for challenges.
    Get,
    /// Enrol, answer.
    Post,
}

/// One request to a push server.
///
/// **`body` may carry the enrolment credential** (a POST at enrolment), and
/// every request carries device signatures: the platform must not log,
/// cache or persist the body or the URL's query.
#[derive(Clone, uniffi::Record)]
pub struct HttpRequest {
    /// GET or POST.
    pub method: HttpMethod,
    /// The full URL, query included.
    pub url: String,
    /// `application/x-www-form-urlencoded` body for POST (send it with that
    /// `Content-Type`); empty for GET.
    pub body: Vec<u8>,
    /// Whether the server's TLS certificate must be verified. It is false only
    /// when the app allowed insecure servers *and* the server asked for it
    /// (`sslverify=0`); a platform transport may still refuse (`Tls`).
    pub verify_tls: bool,
    /// The whole exchange must finish within this time.
    pub timeout: Duration,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpRequest(<redacted>)")
    }
}

/// A server's answer, whatever its status.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The body (JSON from privacyIDEA).
    pub body: Vec<u8>,
}

/// Why a request got no answer. Messages must not contain the URL's query or
/// the body.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TransportFailure {
    /// No answer within the time-out.
    #[error("the server did not answer in time")]
    Timeout,
    /// The server could not be reached (name not found, connection refused, no network).
    #[error("{message}")]
    Unreachable {
        /// For logs.
        message: String,
    },
    /// TLS failed (certificate not trusted, handshake failed, or unverified TLS refused).
    #[error("{message}")]
    Tls {
        /// For logs.
        message: String,
    },
    /// Anything else.
    #[error("{message}")]
    Other {
        /// For logs.
        message: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportFailure::Other { message: e.reason }
    }
}

/// Sends HTTP requests to push servers with the platform's own stack (its
/// trust store, proxy and network policy): `HttpURLConnection`/OkHttp,
/// `URLSession`. Called from a background thread; may block until the answer.
/// Must honour `timeout`, and `verify_tls` (never skip verification when it
/// is true).
#[uniffi::export(with_foreign)]
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the answer, whatever its HTTP status.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure>;
}

/// The platform transport seen from the core.
pub(crate) struct ForeignTransport(pub Arc<dyn HttpTransport>);

impl vakt_core::push::HttpTransport for ForeignTransport {
    fn send(
        &self,
        request: &vakt_core::push::HttpRequest,
    ) -> Result<vakt_core::push::HttpResponse, vakt_core::push::TransportError> {
        use vakt_core::push::{Method, TransportError};
        let foreign = HttpRequest {
            method: match request.method {
                Method::Get => HttpMethod::Get,
                Method::Post => HttpMethod::Post,
            },
            url: request.url.clone(),
            // EXPOSE: the form body goes to the platform transport that sends it.
            body: request.body.expose().to_vec(),
            verify_tls: request.verify_tls,
            timeout: request.timeout,
        };
        let mut sent = self.0.send(foreign);
        match &mut sent {
            Ok(response) => Ok(vakt_core::push::HttpResponse {
                status: response.status,
                body: std::mem::take(&mut response.body),
            }),
            Err(TransportFailure::Timeout) => Err(TransportError::Timeout),
            Err(TransportFailure::Unreachable { message }) => {
                Err(TransportError::Unreachable(std::mem::take(message)))
            }
            Err(TransportFailure::Tls { message }) => {
                Err(TransportError::Tls(std::mem::take(message)))
            }
            Err(TransportFailure::Other { message }) => {
                Err(TransportError::Other(std::mem::take(message)))
            }
        }
    }
}
