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

    /// The time a server's reply gives in its `Date` header (a `HEAD`
    /// request to `url`: TLS verified unless `verify_tls` is false, no
    /// redirects followed): what `vakt time sync` corrects the clock by.
    /// `None` when the reply has no readable `Date`.
    pub fn server_date(
        &self,
        url: &str,
        verify_tls: bool,
        timeout: std::time::Duration,
    ) -> Result<Option<u64>, TransportError> {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(!verify_tls)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .tls_config(tls)
            .build()
            .into();
        let response = agent.head(url).call().map_err(map_error)?;
        Ok(response
            .headers()
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(crate::clock::parse_http_date))
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
            // The address rules (https, loopback) were checked on this URL
            // only: a redirect would take the request and its signed answer
            // elsewhere. A 3xx comes back as the answer (and is refused).
            .max_redirects(0)
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::Duration;

    use super::*;
    use crate::secret::SecretBytes;

    /// A one-request HTTP server on loopback that answers with `reply`; the
    /// number of connections it saw is returned by the join handle.
    fn serve(reply: String) -> (u16, std::thread::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let handle = std::thread::spawn(move || {
            let mut seen = 0;
            let start = std::time::Instant::now();
            while start.elapsed() < Duration::from_millis(1500) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        seen += 1;
                        stream.set_nonblocking(false).unwrap();
                        let mut buf = [0u8; 4096];
                        let _ = stream.read(&mut buf);
                        let _ = stream.write_all(reply.as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            seen
        });
        (port, handle)
    }

    #[test]
    fn redirects_are_never_followed() {
        let (target, target_seen) = serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".into());
        let (first, _) = serve(format!(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{target}/ttype/push\r\nContent-Length: 0\r\n\r\n"
        ));
        for method in [Method::Get, Method::Post] {
            let response = UreqTransport::new()
                .send(&HttpRequest {
                    method,
                    url: format!("http://127.0.0.1:{first}/ttype/push"),
                    body: SecretBytes::new(b"nonce=x".to_vec()),
                    verify_tls: true,
                    timeout: Duration::from_secs(5),
                })
                .unwrap();
            assert_eq!(response.status, 302, "{method:?}");
        }
        assert_eq!(target_seen.join().unwrap(), 0, "the redirect was followed");
    }
}
