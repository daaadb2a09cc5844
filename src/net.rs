//! The HTTP client of the GitHub and Discord clients, built in one place: rustls, a product
//! User-Agent, and no redirects followed, so a redirect to another host never carries a
//! token. Every body they read goes through [`read_capped`]: at most a fixed number of
//! bytes, the rest never downloaded. (The HTTP checks have their own connection stack, to
//! time each phase: `checks::http`; they share the User-Agent and the redirect limit.)

use std::time::Duration;

use anyhow::Context;

/// `remote-hands/<version>`.
pub const USER_AGENT: &str = concat!("remote-hands/", env!("CARGO_PKG_VERSION"));

/// Redirects followed before a check gives up.
pub const MAX_REDIRECTS: usize = 5;

/// The client of `dispatch` and `result`: no redirects followed (the caller follows them
/// by hand, without credentials), no cookies, bounded connect and request times.
pub fn api_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}

/// A body read up to a cap.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Capped {
    pub bytes: Vec<u8>,
    /// More was there than the cap; it was not downloaded.
    pub truncated: bool,
}

/// A body that broke off: the error, and how many bytes had arrived.
#[derive(Debug)]
pub struct BrokenBody {
    pub error: reqwest::Error,
    pub read: usize,
}

/// Reads at most `cap` bytes of `response`'s body; the rest is never downloaded
/// (`truncated` says there was more). The one body reader of the process: the checks,
/// the GitHub client and the Discord client all read through it. The caller bounds the
/// time it may take.
pub async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<Capped, BrokenBody> {
    let mut body = Capped::default();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap.saturating_sub(body.bytes.len());
                if chunk.len() > room {
                    body.bytes.extend_from_slice(&chunk[..room]);
                    body.truncated = true;
                    return Ok(body);
                }
                body.bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => {
                return Err(BrokenBody {
                    error,
                    read: body.bytes.len(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    /// A loopback server that answers one request with `body`.
    fn serve_once(body: &'static [u8]) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = conn.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body);
        });
        format!("http://{addr}/")
    }

    async fn read(body: &'static [u8], cap: usize) -> Capped {
        let url = serve_once(body);
        let mut response = reqwest::get(url).await.unwrap();
        read_capped(&mut response, cap).await.unwrap()
    }

    #[tokio::test]
    async fn a_body_is_read_up_to_the_cap_and_says_when_there_was_more() {
        let whole = read(b"0123456789", 10).await;
        assert_eq!(whole.bytes, b"0123456789");
        assert!(!whole.truncated);
        let cut = read(b"0123456789", 4).await;
        assert_eq!(cut.bytes, b"0123");
        assert!(cut.truncated);
        let nothing = read(b"0123456789", 0).await;
        assert!(nothing.bytes.is_empty() && nothing.truncated);
    }
}
