//! What a push operation needs from outside — the HTTP transport, the address
//! rules and the time — and the one place requests go out.

use crate::secret::SecretBytes;

use super::error::PushError;
use super::transport::{
    ConnectionPolicy, Endpoint, HttpRequest, HttpResponse, HttpTransport, Method,
};

/// What a push operation needs from outside: the network and the time.
#[derive(Clone, Copy)]
pub struct PushContext<'a> {
    /// The HTTP transport.
    pub transport: &'a dyn HttpTransport,
    /// Address rules and time-out.
    pub policy: ConnectionPolicy,
    /// Now (Unix seconds, from the injected clock).
    pub now: u64,
}

impl std::fmt::Debug for PushContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushContext")
            .field("policy", &self.policy)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl PushContext<'_> {
    /// Sends one request through the transport, with the policy's time-out.
    pub(super) fn send(
        &self,
        method: Method,
        url: String,
        verify_tls: bool,
        body: SecretBytes,
    ) -> Result<HttpResponse, PushError> {
        let request = HttpRequest {
            method,
            url,
            body,
            verify_tls,
            timeout: self.policy.timeout,
        };
        Ok(self.transport.send(&request)?)
    }

    /// POSTs `body` (a form) to `endpoint` (enrolment, answers, registration
    /// updates).
    pub(super) fn post(
        &self,
        endpoint: &Endpoint,
        body: SecretBytes,
    ) -> Result<HttpResponse, PushError> {
        self.send(
            Method::Post,
            endpoint.url.to_string(),
            endpoint.verify_tls,
            body,
        )
    }
}
