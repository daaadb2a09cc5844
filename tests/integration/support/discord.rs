//! A fake of Discord's REST API on 127.0.0.1, as remote-hands meets it: the bulk overwrite
//! of the application's commands (global or one server's) and posting to a channel, both
//! with the bot token, and editing an interaction's original response with the interaction
//! token in the path (the token must be one the test opened, else Discord's 404 "Unknown
//! Webhook"). Faults can be queued per kind of request (429s, errors, an answer that never
//! comes). Every request is recorded: method, path, headers, body.
//!
//! [`assert_bodies_match_discords_schema`] checks every recorded body against Discord's
//! published schema, through `scripts/discord-schema.cjs` and the npm package
//! `discord-api-spec` (zod schemas generated from Discord's OpenAPI description).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

/// The bot token the fake accepts.
pub const BOT_TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake-bot.token-value";
pub const APP_ID: &str = "775799577604522054";
pub const GUILD_ID: &str = "290926798626357999";
pub const CHANNEL_ID: &str = "645027906669510667";
/// The ID of every message the fake creates or edits.
pub const MESSAGE_ID: &str = "1300000000000000001";
/// The path every API URL starts with (as Discord's do).
pub const BASE_PATH: &str = "/api/v10";

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path without [`BASE_PATH`], as sent (percent-encoding kept).
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The status the fake answered (0: it did not answer).
    pub answered: u16,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// An answer the fake gives instead of the request's effect.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Answer nothing; hold the connection until the client gives up.
    pub silent: bool,
}

impl Reply {
    pub fn new(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        Reply {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
            silent: false,
        }
    }

    /// Discord's 429, with `retry_after` in the body (seconds).
    pub fn rate_limited(retry_after: f64) -> Reply {
        let body = json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false});
        Reply::new(
            429,
            &[
                ("content-type", "application/json"),
                ("x-ratelimit-scope", "user"),
            ],
            &body.to_string(),
        )
    }

    /// No answer at all.
    pub fn silent() -> Reply {
        Reply {
            silent: true,
            ..Reply::new(0, &[], "")
        }
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    faults: HashMap<&'static str, VecDeque<Reply>>,
    interactions: HashSet<String>,
}

pub struct FakeDiscord {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl FakeDiscord {
    pub fn start() -> FakeDiscord {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                thread::spawn(move || serve(stream, &state));
            }
        });
        FakeDiscord { port, state }
    }

    /// The API's base URL (`http://127.0.0.1:PORT/api/v10`).
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}{BASE_PATH}", self.port)
    }

    /// Makes `token` a live interaction token: its original response can be edited.
    pub fn open_interaction(&self, token: &str) {
        self.state
            .lock()
            .unwrap()
            .interactions
            .insert(token.to_string());
    }

    /// Queues answers for the next requests of `kind` (see [`kind_of`]).
    pub fn fault(&self, kind: &'static str, replies: Vec<Reply>) {
        self.state
            .lock()
            .unwrap()
            .faults
            .entry(kind)
            .or_default()
            .extend(replies);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

/// What a request is: `register`, `register_guild`, `edit_original`, `create_message`, or
/// `unknown`.
pub fn kind_of(method: &str, path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("PUT", ["applications", _, "commands"]) => "register",
        ("PUT", ["applications", _, "guilds", _, "commands"]) => "register_guild",
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) => "edit_original",
        ("POST", ["channels", _, "messages"]) => "create_message",
        _ => "unknown",
    }
}

/// The schema (an export of `discord-api-spec/zod`) of a request's body, by kind.
pub fn schema_of(kind: &str) -> Option<&'static str> {
    match kind {
        "register" | "register_guild" => Some("ApplicationCommandUpdateRequestSchema[]"),
        "edit_original" => Some("IncomingWebhookUpdateRequestPartialSchema"),
        "create_message" => Some("MessageCreateRequestSchema"),
        _ => None,
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Some(mut req) = read_request(&stream) else {
        return;
    };
    let reply = route(state, &req);
    req.answered = reply.status;
    state.lock().unwrap().requests.push(req);
    let mut stream = stream;
    if reply.silent {
        // Hold the connection until the client hangs up (or a minute passes).
        let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
        let _ = stream.read(&mut [0; 1]);
        return;
    }
    let mut head = format!(
        "HTTP/1.1 {} Fake\r\nConnection: close\r\nContent-Length: {}\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(reply.body.as_bytes());
    let _ = stream.flush();
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => return None,
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
    reader.read_exact(&mut body).ok()?;
    let path = target
        .strip_prefix(BASE_PATH)
        .unwrap_or(&target)
        .to_string();
    Some(Request {
        method,
        path,
        headers,
        body,
        answered: 0,
    })
}

fn json_reply(status: u16, v: Value) -> Reply {
    Reply::new(
        status,
        &[("content-type", "application/json")],
        &v.to_string(),
    )
}

fn route(state: &Mutex<State>, req: &Request) -> Reply {
    let kind = kind_of(&req.method, &req.path);
    let mut s = state.lock().unwrap();
    if let Some(reply) = s.faults.get_mut(kind).and_then(VecDeque::pop_front) {
        return reply;
    }
    let bot = req.header("authorization") == Some(&format!("Bot {BOT_TOKEN}"));
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let unauthorized = || json_reply(401, json!({"message": "401: Unauthorized", "code": 0}));
    match kind {
        "register" | "register_guild" if !bot => unauthorized(),
        "register" | "register_guild" => {
            let Value::Array(commands) = req.json() else {
                return json_reply(400, json!({"message": "Invalid Form Body", "code": 50035}));
            };
            let registered: Vec<Value> = commands
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut c = c.clone();
                    c["id"] = json!(format!("12000000000000000{i:02}"));
                    c["application_id"] = json!(segments[1]);
                    c["version"] = json!("1");
                    c
                })
                .collect();
            json_reply(200, Value::Array(registered))
        }
        "edit_original" if segments[1] != APP_ID || !s.interactions.contains(segments[2]) => {
            json_reply(404, json!({"message": "Unknown Webhook", "code": 10015}))
        }
        "edit_original" => {
            let mut message = req.json();
            message["id"] = json!(MESSAGE_ID);
            json_reply(200, message)
        }
        "create_message" if !bot => unauthorized(),
        "create_message" => {
            let mut message = req.json();
            message["id"] = json!(MESSAGE_ID);
            message["channel_id"] = json!(segments[1]);
            json_reply(200, message)
        }
        _ => json_reply(404, json!({"message": "404: Not Found", "code": 0})),
    }
}

/// Checks each `(schema, body)` with `scripts/discord-schema.cjs`, in one run of node:
/// `Ok` or the schema's complaints, in order. Fails the test when node or the schema
/// package is missing.
pub fn check_against_discords_schema(items: &[(&str, Value)]) -> Vec<Result<(), Vec<String>>> {
    let node = super::require_tool("node");
    let script = super::root().join("scripts/discord-schema.cjs");
    let mut child = Command::new(node)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut input = String::new();
    for (schema, body) in items {
        input.push_str(&json!({"schema": schema, "body": body}).to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("node runs");
    writer.join().unwrap().expect("node reads its input");
    assert!(
        out.status.success(),
        "{} failed ({}): {} (scripts/setup.sh installs discord-api-spec and zod)",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("the checker answers JSON"))
        .collect();
    assert_eq!(answers.len(), items.len(), "one answer per body");
    answers
        .into_iter()
        .map(|a| match a["ok"].as_bool() {
            Some(true) => Ok(()),
            _ => Err(serde_json::from_value(a["errors"].clone()).unwrap()),
        })
        .collect()
}

/// Every request the fake received is one of the calls it knows, and every body
/// validates against Discord's schema for that call.
pub fn assert_bodies_match_discords_schema(fake: &FakeDiscord) {
    let requests = fake.requests();
    assert!(!requests.is_empty(), "no request reached the fake");
    let mut items = Vec::new();
    for req in &requests {
        let kind = kind_of(&req.method, &req.path);
        let schema = schema_of(kind)
            .unwrap_or_else(|| panic!("{} {} is not a call the fake knows", req.method, req.path));
        let body: Value = serde_json::from_slice(&req.body)
            .unwrap_or_else(|e| panic!("{} {}: the body is not JSON: {e}", req.method, req.path));
        items.push((schema, body));
    }
    for ((schema, body), verdict) in items.iter().zip(check_against_discords_schema(&items)) {
        if let Err(errors) = verdict {
            panic!("{body} does not match Discord's {schema}: {errors:?}");
        }
    }
}
