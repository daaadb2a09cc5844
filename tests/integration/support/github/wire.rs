//! The fake GitHub's wire: a bare HTTP/1.1 server on 127.0.0.1 (one thread per
//! connection, `Connection: close`) that records each request and answers what its
//! handler returns, with a few tricks asked for by headers that are never sent: no answer
//! at all, no Content-Length, or a body trickled a byte at a time.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The status the fake answered.
    pub answered: u16,
    /// When the fake had read it, before answering.
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Canned {
    pub fn new(status: u16, headers: &[(&str, &str)], body: &str) -> Canned {
        Canned {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }
}

/// A header (not sent) that makes `serve` send the body a byte at a time, this many
/// milliseconds apart, until the client hangs up (at most a minute).
const TRICKLE: &str = "x-fake-trickle-ms";

type Handler = dyn Fn(Request) -> (Canned, Arc<Mutex<Vec<Request>>>) + Send + Sync;

pub(super) fn listen(
    listener: TcpListener,
    handler: impl Fn(Request) -> (Canned, Arc<Mutex<Vec<Request>>>) + Send + Sync + 'static,
) {
    let handler: Arc<Handler> = Arc::new(handler);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handler = handler.clone();
            thread::spawn(move || serve(stream, &*handler));
        }
    });
}

fn serve(stream: TcpStream, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => return,
            Ok(_) if h == "\r\n" => break,
            Ok(_) => {
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut req = Request {
        method,
        path,
        query,
        headers,
        body,
        answered: 0,
        at: Instant::now(),
    };
    let (reply, seen) = handler(req.clone());
    req.answered = reply.status;
    seen.lock().unwrap().push(req);
    let mut stream = stream;
    if reply.headers.iter().any(|(k, _)| k == HANG_UP) {
        // The request was read; the connection is closed without an answer.
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    // A body ended by closing the connection, without Content-Length.
    let close_delimited = reply.headers.iter().any(|(k, _)| k == NO_LENGTH);
    let trickle = reply
        .headers
        .iter()
        .find(|(k, _)| k == TRICKLE)
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let mut head = format!("HTTP/1.1 {} Fake\r\nConnection: close\r\n", reply.status);
    if !close_delimited {
        head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    for (k, v) in reply
        .headers
        .iter()
        .filter(|(k, _)| k != NO_LENGTH && k != TRICKLE)
    {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    match trickle {
        // A byte at a time until the client hangs up, for at most a minute.
        Some(ms) => {
            let until = Instant::now() + Duration::from_secs(60);
            for byte in &reply.body {
                if Instant::now() > until
                    || stream.write_all(&[*byte]).is_err()
                    || stream.flush().is_err()
                {
                    return;
                }
                thread::sleep(Duration::from_millis(ms));
            }
        }
        None => {
            let _ = stream.write_all(&reply.body);
        }
    }
    let _ = stream.flush();
}

/// A header (not sent) that makes `serve` close the connection without answering.
const HANG_UP: &str = "x-fake-hang-up";

/// No answer at all: the connection is closed once the request was read.
pub fn hang_up() -> Canned {
    Canned::new(0, &[(HANG_UP, "")], "")
}

/// `reply`, its body sent a byte every `ms` milliseconds.
pub fn trickled(mut reply: Canned, ms: u64) -> Canned {
    reply.headers.push((TRICKLE.to_string(), ms.to_string()));
    reply
}

/// A header (not sent) that makes `serve` leave out Content-Length.
pub(super) const NO_LENGTH: &str = "x-fake-no-content-length";
