//! How push messages travel: a [`HttpTransport`] the platform implements with
//! its own HTTP stack (a Rust default, `push::http::UreqTransport` behind the
//! `http` feature, serves the CLI and tests), and the rules for which server addresses are acceptable.
//!
//! # Address rules
//! - `https://` is required, except for loopback addresses (`127.0.0.0/8`,
//!   `::1`, `localhost`), which may use `http://` (tests, a server on the same
//!   machine).
//! - `http://` to any other host, and not verifying a server's TLS certificate
//!   (`sslverify=0` in an enrolment code or a challenge), are allowed only when
//!   the app explicitly allows insecure servers ([`ConnectionPolicy::allow_insecure`]);
//!   otherwise `sslverify=0` is ignored and the certificate is verified.

use std::time::Duration;

use url::{Host, Url};

use crate::secret::SecretBytes;

/// GET or POST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Poll for challenges.
    Get,
    /// Enrol, answer.
    Post,
}

/// One request. The body may hold a credential (the enrolment credential), so
/// it is a secret type and `Debug` shows only the method and host.
pub struct HttpRequest {
    /// GET or POST.
    pub method: Method,
    /// The full URL, query included.
    pub url: String,
    /// `application/x-www-form-urlencoded` body for POST; empty for GET.
    pub body: SecretBytes,
    /// Whether the server's TLS certificate must be verified (always true
    /// unless the app allowed insecure servers and the server asked for it).
    pub verify_tls: bool,
    /// The whole exchange must finish within this time.
    pub timeout: Duration,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        write!(f, "HttpRequest({:?} {host})", self.method)
    }
}

/// The form content type of POST bodies.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// A server's answer (any status; the caller interprets it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The body (JSON from privacyIDEA).
    pub body: Vec<u8>,
}

/// Why a request got no answer. Messages never contain the URL's query or the
/// body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer within the time-out.
    #[error("the server did not answer in time")]
    Timeout,
    /// The server could not be reached (name not found, connection refused,
    /// no network).
    #[error("the server could not be reached: {0}")]
    Unreachable(String),
    /// TLS failed (certificate not trusted, handshake failed).
    #[error("secure connection failed: {0}")]
    Tls(String),
    /// Anything else.
    #[error("the request failed: {0}")]
    Other(String),
}

/// Sends HTTP requests. Implemented by the platform (Kotlin, Swift) or by the
/// Rust default. Must honour `verify_tls` and `timeout`, and must **never
/// follow a redirect**: the address rules were checked on the request's URL
/// only, so a 3xx is returned as the response (which the protocol refuses).
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the answer, whatever its status.
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// What the app allows when talking to push servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionPolicy {
    /// Allow `http://` to non-loopback hosts and honour `sslverify=0`.
    pub allow_insecure: bool,
    /// Time-out per request.
    pub timeout: Duration,
}

impl Default for ConnectionPolicy {
    fn default() -> Self {
        Self {
            allow_insecure: false,
            timeout: Duration::from_secs(20),
        }
    }
}

/// Why a server address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not an absolute http(s) URL.
    #[error("the server address is not a valid http(s) URL")]
    Invalid,
    /// Plain `http://` to a host that is not this machine.
    #[error(
        "the server address uses plain http to another machine; only https is allowed (or allow insecure servers)"
    )]
    Insecure,
}

/// An address that passed the rules, with the TLS decision made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL.
    pub url: Url,
    /// Whether to verify the certificate (meaningless for http).
    pub verify_tls: bool,
}

/// Whether `host` is this machine by address (names other than `localhost`
/// are not trusted to resolve to it).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Applies the address rules to `url`; `server_sslverify` is what the server
/// asked for (`sslverify`).
pub fn endpoint(
    url: &str,
    server_sslverify: bool,
    policy: &ConnectionPolicy,
) -> Result<Endpoint, AddressError> {
    let parsed = Url::parse(url).map_err(|_| AddressError::Invalid)?;
    if parsed.host().is_none() || parsed.cannot_be_a_base() {
        return Err(AddressError::Invalid);
    }
    match parsed.scheme() {
        "https" => Ok(Endpoint {
            url: parsed,
            verify_tls: server_sslverify || !policy.allow_insecure,
        }),
        "http" if is_loopback(&parsed) || policy.allow_insecure => Ok(Endpoint {
            url: parsed,
            verify_tls: true,
        }),
        "http" => Err(AddressError::Insecure),
        _ => Err(AddressError::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_rules() {
        let strict = ConnectionPolicy::default();
        let lax = ConnectionPolicy {
            allow_insecure: true,
            ..strict
        };
        let ok = |url: &str, sslverify: bool, p: &ConnectionPolicy| {
            endpoint(url, sslverify, p).map(|e| e.verify_tls)
        };
        assert_eq!(ok("https://pi.example/ttype/push", true, &strict), Ok(true));
        // sslverify=0 is ignored unless insecure servers are allowed.
        assert_eq!(
            ok("https://pi.example/ttype/push", false, &strict),
            Ok(true)
        );
        assert_eq!(ok("https://pi.example/ttype/push", false, &lax), Ok(false));
        for loopback in [
            "http://127.0.0.1:5000/ttype/push",
            "http://127.9.9.9/x",
            "http://[::1]:80/x",
            "http://LOCALHOST/x",
        ] {
            assert!(ok(loopback, true, &strict).is_ok(), "{loopback}");
        }
        for remote in [
            "http://pi.example/ttype/push",
            "http://10.0.0.1/x",
            "http://127.0.0.1.example/x",
            "http://localhost.example/x",
        ] {
            assert_eq!(
                ok(remote, true, &strict),
                Err(AddressError::Insecure),
                "{remote}"
            );
            assert!(ok(remote, true, &lax).is_ok(), "{remote}");
        }
        for bad in [
            "ftp://pi.example/x",
            "pi.example/x",
            "https://",
            "mailto:a@b",
        ] {
            assert_eq!(ok(bad, true, &lax), Err(AddressError::Invalid), "{bad}");
        }
    }

    #[test]
    fn debug_shows_no_body_or_query() {
        let request = HttpRequest {
            method: Method::Post,
            url: "https://pi.example/ttype/push?serial=PIPU1&signature=SIG".into(),
            body: SecretBytes::from_slice(b"enrollment_credential=c0ffee"),
            verify_tls: true,
            timeout: Duration::from_secs(1),
        };
        let shown = format!("{request:?}");
        assert_eq!(shown, "HttpRequest(Post pi.example)");
    }
}
