//! The default [`HttpTransport`]: ureq (blocking) over rustls with the Mozilla
//! root certificates, for the CLI and tests. Phone apps pass their own
//! transport (OkHttp, URLSession) so that the platform's trust store, proxy and
//! network policy apply.

use std::io::ErrorKind;

use super::transport::{
    FORM_CONTENT_TYPE, HttpRequest, HttpResponse, HttpTransport, Method, TransportError,
};

/// Largest answer accepted from a push server.
const MAX_BODY: u64 = 1 << 20;

/// ureq with rustls; one agent per request (the TLS choice is per request).
#[derive(Clone, Copy, Debug, Default)]
pub struct UreqTransport;

impl UreqTransport {
    /// The default transport.
    pub fn new() -> Self {
        Self
    }
}

fn map_error(e: ureq::Error) -> TransportError {
    match e {
        ureq::Error::Timeout(_) => TransportError::Timeout,
        ureq::Error::HostNotFound => TransportError::Unreachable("host not found".into()),
        ureq::Error::ConnectionFailed => TransportError::Unreachable("connection failed".into()),
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => {
                TransportError::Unreachable("connection refused".into())
            }
            ErrorKind::TimedOut => TransportError::Timeout,
            kind => TransportError::Other(kind.to_string()),
        },
        ureq::Error::Tls(reason) => TransportError::Tls(reason.into()),
        ureq::Error::Rustls(reason) => TransportError::Tls(reason.to_string()),
        ureq::Error::BodyExceedsLimit(_) => TransportError::Other("answer too large".into()),
        other => TransportError::Other(other.to_string()),
    }
}

impl HttpTransport for UreqTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(!request.verify_tls)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(request.timeout))
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .into();
        let response = match request.method {
            Method::Get => agent.get(&request.url).call(),
            Method::Post => agent
                .post(&request.url)
                .header("Content-Type", FORM_CONTENT_TYPE)
                // EXPOSE: the form body goes to the server it is meant for.
                .send(request.body.expose()),
        };
        let mut response = response.map_err(map_error)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(map_error)?;
        Ok(HttpResponse { status, body })
    }
}
