//! The core's fake privacyIDEA container server (`container::test_server`,
//! which verifies every signature from the server's side and encrypts its
//! answers as privacyIDEA does) as an object the Kotlin and Swift suites
//! register, synchronise and unregister against.

use std::sync::Arc;

use vakt_core::container::test_server::{FakeContainerServer, Fault};
use vakt_core::push::transport as core;
use vakt_core::push::transport::HttpTransport as _;
use vakt_core::secret::SecretBytes;

use crate::VaktError;
use crate::platform::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportFailure};

/// A fake container server: one smartphone container, TOTP/HOTP tokens.
#[derive(uniffi::Object)]
pub struct FakeContainer(FakeContainerServer);

#[uniffi::export]
impl FakeContainer {
    /// An empty container at `http://127.0.0.1:41021`, serial `SMPH000051AC`.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self(FakeContainerServer::new()))
    }

    /// A new registration (or rollover) code's text; `prompt` makes it ask a
    /// passphrase, whose right answer is `blue`.
    pub fn registration_uri(&self, prompt: Option<String>) -> String {
        self.0.registration_uri(prompt.as_deref())
    }

    /// Adds a token (`totp` or `hotp`) to the container, or gives it a new secret.
    pub fn add_token(&self, serial: String, token_type: String) {
        self.0.add_token(&serial, &token_type);
    }

    /// Takes a token out of the container.
    pub fn remove_token(&self, serial: String) {
        self.0.remove_token(&serial);
    }

    /// A rollover's token side: every token gets a new secret.
    pub fn regenerate_all(&self) {
        self.0.regenerate_all();
    }

    /// A token's current secret (base32), if the container holds it.
    pub fn secret_of(&self, serial: String) -> Option<String> {
        self.0.secret_of(&serial)
    }

    /// Forbids (or allows) deleting tokens and unregistering on the phone
    /// from the next answer on.
    pub fn set_policies(&self, disable_token_deletion: bool, disable_unregister: bool) {
        let flag = |on: bool| if on { "1" } else { "0" };
        self.0.set_policies(serde_json::json!({
            "container_client_rollover": "1",
            "disable_client_token_deletion": flag(disable_token_deletion),
            "disable_client_container_unregister": flag(disable_unregister),
        }));
    }

    /// What happens to the next synchronize answer: `none`, `flip` (forged),
    /// `replay`, `other_container`, `unreachable` (every request, until
    /// changed). `InvalidInput` for another name.
    pub fn set_fault(&self, fault: String) -> Result<(), VaktError> {
        let fault = Fault::from_name(&fault).ok_or_else(|| VaktError::InvalidInput {
            message: format!("no fault named {fault}"),
        })?;
        self.0.set_fault(fault);
        Ok(())
    }

    /// Whether a phone is registered.
    pub fn is_registered(&self) -> bool {
        self.0.is_registered()
    }

    /// This server as the transport the library calls.
    pub fn transport(self: Arc<Self>) -> Arc<dyn HttpTransport> {
        self
    }
}

impl HttpTransport for FakeContainer {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let request = core::HttpRequest {
            method: match request.method {
                HttpMethod::Get => core::Method::Get,
                HttpMethod::Post => core::Method::Post,
            },
            url: request.url,
            body: SecretBytes::new(request.body),
            verify_tls: request.verify_tls,
            timeout: request.timeout,
        };
        match self.0.send(&request) {
            Ok(r) => Ok(HttpResponse {
                status: r.status,
                body: r.body,
            }),
            Err(e) => Err(TransportFailure::Unreachable {
                message: e.to_string(),
            }),
        }
    }
}
