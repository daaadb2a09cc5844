//! A real HTTP/1.1 server on 127.0.0.1, one thread per connection, answering each path
//! as the test says: a status and body, a long body, a slow answer, or no answer at all.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the server answers one request.
#[derive(Clone)]
pub enum Reply {
    /// Status, extra headers, body.
    Answer(u16, Vec<(String, String)>, Vec<u8>),
    /// Read the request, then never answer (until the server is dropped).
    Hang,
    /// Wait, then answer.
    After(Duration, Box<Reply>),
}

impl Reply {
    pub fn ok(body: &str) -> Reply {
        Reply::Answer(200, vec![], body.as_bytes().to_vec())
    }

    pub fn status(code: u16, body: &str) -> Reply {
        Reply::Answer(code, vec![], body.as_bytes().to_vec())
    }
}

pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    // Dropping the sender releases the hanging connections.
    _release: Sender<()>,
}

impl Server {
    pub fn start(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (release, released) = mpsc::channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let route = Arc::new(route);
        let seen = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (route, seen, released) = (route.clone(), seen.clone(), released.clone());
                thread::spawn(move || serve(stream, &*route, &seen, &released));
            }
        });
        Server {
            addr,
            requests,
            _release: release,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(
    stream: TcpStream,
    route: &(dyn Fn(&str) -> Reply + Send + Sync),
    seen: &Mutex<Vec<String>>,
    released: &Mutex<Receiver<()>>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    seen.lock().unwrap().push(path.clone());
    answer(stream, route(&path), released);
}

fn answer(mut stream: TcpStream, reply: Reply, released: &Mutex<Receiver<()>>) {
    match reply {
        Reply::Hang => {
            // Blocks until the server is dropped (the sender goes away).
            let _ = released.lock().unwrap().recv();
        }
        Reply::After(delay, reply) => {
            thread::sleep(delay);
            answer(stream, *reply, released);
        }
        Reply::Answer(code, headers, body) => {
            let mut head = format!(
                "HTTP/1.1 {code} Status\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            // The client may stop reading early (body caps): a failed write is expected.
            for chunk in body.chunks(64 * 1024) {
                if stream.write_all(chunk).is_err() {
                    return;
                }
            }
            let _ = stream.flush();
        }
    }
}
