//! A stateful fake of the GitHub REST API on 127.0.0.1, as `remote-hands dispatch` meets
//! it: the dispatch creates a run that shows up in the run list after a few polls, goes
//! queued → in_progress → completed over further polls, and leaves an artifact (a zip)
//! and a job log. Downloads answer 302 to a second listener that refuses any request
//! carrying `Authorization`. ETags make unchanged polls 304. Faults (rate limits,
//! permission errors, 5xx…) can be queued per kind of request, either instead of the
//! request's effect or after it (a dispatch accepted, then answered 502); an answer can
//! trickle its body a byte at a time. Every request is recorded. The deploy workflow's
//! runs, jobs and steps are in `deploy`.

pub mod deploy;
pub mod history;
mod wire;

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub use wire::{Canned, Request, hang_up, trickled};
use wire::{NO_LENGTH, listen};

/// What the artifact is.
#[derive(Debug, Clone)]
pub enum ArtifactKind {
    /// A zip with these bytes.
    Zip(Vec<u8>),
    /// Listed as expired.
    Expired,
    /// Listed with this size, larger than the client accepts.
    Oversized(u64),
    /// Listed as small, served as these bytes without a Content-Length: only the
    /// client's cap while streaming can stop it.
    LyingSize(Vec<u8>),
    /// No artifact at all.
    Missing,
}

/// How workflow_dispatch answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DispatchDetails {
    /// 200 with the run's id and URLs (current github.com).
    Returned,
    /// 204 (the run must be searched for).
    NoContent,
    /// 422 naming return_run_details (older GitHub Enterprise Server).
    Unknown,
    /// 400 with a message that does not name it (other older versions).
    UnknownGeneric,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    /// Run-list polls that do not show the run yet.
    pub appear_after: u32,
    /// Polls of the run that see it queued, then in progress.
    pub queued_polls: u32,
    pub in_progress_polls: u32,
    pub conclusion: &'static str,
    pub artifact: ArtifactKind,
    /// The job log (the runner's output); None: no job log.
    pub log: Option<String>,
    pub details: DispatchDetails,
    /// Overrides the correlation ID in the run title (a different run).
    pub title_id: Option<String>,
    /// Overrides the whole run title.
    pub title: Option<String>,
    /// Overrides the run's workflow path (another workflow's run).
    pub run_path: Option<String>,
    /// Overrides the run's event (e.g. `pull_request`).
    pub run_event: Option<String>,
    /// Drive the run by wall time since the dispatch instead of by polls (benchmarks).
    pub timeline: Option<Timeline>,
}

/// Real times after the dispatch at which the run appears, starts and completes.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    pub appear: Duration,
    pub start: Duration,
    pub complete: Duration,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            appear_after: 2,
            queued_polls: 2,
            in_progress_polls: 3,
            conclusion: "success",
            artifact: ArtifactKind::Missing,
            log: None,
            details: DispatchDetails::Returned,
            title_id: None,
            title: None,
            run_path: None,
            run_event: None,
            timeline: None,
        }
    }
}

pub const OWNER: &str = "acme";
pub const REPO: &str = "site";
pub const RUN_ID: u64 = 4242;
const ARTIFACT_ID: u64 = 777;
const JOB_ID: u64 = 991;
/// A job before the diagnosis (the request gate) whose log cannot be downloaded.
const GATE_JOB_ID: u64 = 990;
/// A repository that was renamed to acme/site: GitHub redirects its API paths there.
pub const OLD_REPO: &str = "old-site";
/// A repository whose API paths redirect to another host.
pub const ELSEWHERE_REPO: &str = "elsewhere";
/// A repository whose API paths redirect to the web UI on the same host.
pub const WEB_REPO: &str = "to-the-web";
/// Where GitHub Enterprise Server serves the API.
pub const GHES_PREFIX: &str = "/api/v3";
pub const TOKEN: &str = "ghp_test_token_never_printed_123";
/// The run's workflow path, as GitHub shows it.
pub const WORKFLOW_PATH: &str = ".github/workflows/diagnose-dispatch.yml";

#[derive(Default)]
struct State {
    scenario: Option<Scenario>,
    dispatched: Option<(String, String)>,
    /// The event of the dispatch: repository_dispatch or workflow_dispatch.
    dispatched_event: &'static str,
    dispatched_at: Option<Instant>,
    list_polls: u32,
    run_polls: u32,
    cancelled: bool,
    faults: HashMap<&'static str, VecDeque<Canned>>,
    /// Answers given after the request took effect.
    after_effect: HashMap<&'static str, VecDeque<Canned>>,
    /// The deploy workflow's runs, newest first.
    deploy: Vec<deploy::DeployRun>,
    /// Past runs of the diagnosis workflow `history::HISTORY_WORKFLOW`, newest first.
    history: Vec<history::PastRun>,
}

pub struct FakeGithub {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    requests: Arc<Mutex<Vec<Request>>>,
    blob_requests: Arc<Mutex<Vec<Request>>>,
}

impl FakeGithub {
    pub fn start(scenario: Scenario) -> FakeGithub {
        let state = Arc::new(Mutex::new(State {
            scenario: Some(scenario),
            ..State::default()
        }));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let blob_requests = Arc::new(Mutex::new(Vec::new()));

        let blob = TcpListener::bind("127.0.0.1:0").unwrap();
        let blob_addr = blob.local_addr().unwrap();
        let api = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = api.local_addr().unwrap();

        {
            let (state, seen) = (state.clone(), blob_requests.clone());
            listen(blob, move |req| {
                let reply = blob_route(&state, &req);
                (reply, seen.clone())
            });
        }
        {
            let (state, seen) = (state.clone(), requests.clone());
            listen(api, move |req| {
                let reply = api_route(&state, &req, blob_addr);
                (reply, seen.clone())
            });
        }
        FakeGithub {
            addr,
            state,
            requests,
            blob_requests,
        }
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The next requests of `kind` get these answers instead.
    pub fn fault(&self, kind: &'static str, replies: Vec<Canned>) {
        self.state
            .lock()
            .unwrap()
            .faults
            .entry(kind)
            .or_default()
            .extend(replies);
    }

    /// The next requests of `kind` take effect (a dispatch starts the run), and then get
    /// these answers instead of the usual one.
    pub fn fault_after_effect(&self, kind: &'static str, replies: Vec<Canned>) {
        self.state
            .lock()
            .unwrap()
            .after_effect
            .entry(kind)
            .or_default()
            .extend(replies);
    }

    /// Changes the scenario and counts the run's polls from zero again (a run held in
    /// the queue released, given an artifact carrying the ID it was dispatched with).
    pub fn restart_run(&self, change: impl FnOnce(&mut Scenario)) {
        let mut s = self.state.lock().unwrap();
        s.run_polls = 0;
        if let Some(sc) = s.scenario.as_mut() {
            change(sc);
        }
    }

    /// The correlation ID the dispatch carried, once dispatched.
    pub fn dispatched_correlation_id(&self) -> Option<String> {
        let s = self.state.lock().unwrap();
        s.dispatched.as_ref().map(|(cid, _)| cid.clone())
    }

    /// How many requests of `kind` were received so far.
    pub fn count(&self, kind: &str) -> usize {
        self.requests_of(kind).len()
    }

    /// The requests of `kind` received so far, in order.
    pub fn requests_of(&self, kind: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| {
                let path = r.path.strip_prefix(GHES_PREFIX).unwrap_or(&r.path);
                kind_of(&r.method, path) == kind
            })
            .collect()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn blob_requests(&self) -> Vec<Request> {
        self.blob_requests.lock().unwrap().clone()
    }

    /// When the run completes (timeline scenarios, once dispatched).
    pub fn completes_at(&self) -> Option<Instant> {
        let s = self.state.lock().unwrap();
        Some(s.dispatched_at? + s.scenario.as_ref()?.timeline?.complete)
    }

    /// The deploy workflow's runs from now on, newest first.
    pub fn set_deploy_runs(&self, runs: Vec<deploy::DeployRun>) {
        self.state.lock().unwrap().deploy = runs;
    }

    /// The past runs of `history::HISTORY_WORKFLOW` from now on, newest first.
    pub fn set_history(&self, runs: Vec<history::PastRun>) {
        self.state.lock().unwrap().history = runs;
    }

    /// Where the fake's web pages are, as run pages name it (`127.0.0.1:PORT`).
    pub fn web(&self) -> String {
        self.addr.to_string()
    }

    pub fn cancelled(&self) -> bool {
        self.state.lock().unwrap().cancelled
    }

    /// Requests that count against the primary rate limit (all but 304s).
    pub fn counted(&self) -> usize {
        self.requests().iter().filter(|r| r.answered != 304).count()
    }
}

fn json_reply(status: u16, v: Value, etag: Option<String>) -> Canned {
    let mut headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("x-ratelimit-limit".to_string(), "5000".to_string()),
        ("x-ratelimit-remaining".to_string(), "4990".to_string()),
        ("x-ratelimit-reset".to_string(), "4102444800".to_string()),
    ];
    if let Some(e) = etag {
        headers.push(("etag".to_string(), e));
    }
    Canned {
        status,
        headers,
        body: v.to_string().into_bytes(),
    }
}

fn not_found() -> Canned {
    json_reply(404, json!({"message": "Not Found"}), None)
}

/// The run as the API shows it now.
fn run_json(s: &State, status: &str, api: SocketAddr) -> Value {
    let sc = s.scenario.as_ref().unwrap();
    let (cid, requester) = s.dispatched.clone().unwrap_or_default();
    let title_id = sc.title_id.clone().unwrap_or(cid);
    let event = sc
        .run_event
        .clone()
        .unwrap_or_else(|| s.dispatched_event.to_string());
    json!({
        "id": RUN_ID,
        "name": "Diagnose on Demand",
        "display_title": sc.title.clone().unwrap_or_else(|| format!("Diagnose on Demand — {title_id} by {requester}")),
        "status": status,
        "conclusion": if status == "completed" { json!(sc.conclusion) } else { Value::Null },
        "event": event,
        "path": sc.run_path.clone().unwrap_or_else(|| WORKFLOW_PATH.to_string()),
        "html_url": format!("http://{api}/{OWNER}/{REPO}/actions/runs/{RUN_ID}"),
        "created_at": "2026-11-25T05:00:00Z",
        "updated_at": "2026-11-25T05:01:00Z",
        "run_attempt": 1
    })
}

fn run_status(s: &State) -> &'static str {
    let sc = s.scenario.as_ref().unwrap();
    if let (Some(t), Some(at)) = (sc.timeline, s.dispatched_at) {
        let elapsed = at.elapsed();
        return if elapsed < t.start {
            "queued"
        } else if elapsed < t.complete {
            "in_progress"
        } else {
            "completed"
        };
    }
    if s.run_polls <= sc.queued_polls {
        "queued"
    } else if s.run_polls <= sc.queued_polls + sc.in_progress_polls {
        "in_progress"
    } else {
        "completed"
    }
}

fn kind_of(method: &str, path: &str) -> &'static str {
    let base = format!("/repos/{OWNER}/{REPO}");
    let Some(rest) = path.strip_prefix(&base) else {
        return "other";
    };
    if let Some(kind) = deploy::kind_of(method, rest).or_else(|| history::kind_of(method, rest)) {
        return kind;
    }
    match (method, rest) {
        ("GET", "") => "repo",
        ("POST", "/dispatches") => "dispatch",
        ("POST", r) if r.starts_with("/actions/workflows/") && r.ends_with("/dispatches") => {
            "workflow_dispatch"
        }
        ("GET", r) if r.starts_with("/actions/workflows/") && r.ends_with("/runs") => "runs_list",
        ("GET", r) if r == format!("/actions/runs/{RUN_ID}") => "run",
        ("POST", r) if r == format!("/actions/runs/{RUN_ID}/cancel") => "cancel",
        ("GET", r) if r == format!("/actions/runs/{RUN_ID}/artifacts") => "artifacts",
        ("GET", r) if r == format!("/actions/artifacts/{ARTIFACT_ID}/zip") => "artifact_zip",
        ("GET", r) if r == format!("/actions/runs/{RUN_ID}/jobs") => "jobs",
        ("GET", r) if r == format!("/actions/jobs/{JOB_ID}/logs") => "job_logs",
        ("GET", r) if r == format!("/actions/jobs/{GATE_JOB_ID}/logs") => "gate_job_logs",
        _ => "other",
    }
}

fn api_route(state: &Mutex<State>, req: &Request, blob: SocketAddr) -> Canned {
    let reply = route(state, req, blob);
    let path = req.path.strip_prefix(GHES_PREFIX).unwrap_or(&req.path);
    let kind = kind_of(&req.method, path);
    let mut s = state.lock().unwrap();
    match s.after_effect.get_mut(kind).and_then(VecDeque::pop_front) {
        Some(instead) => instead,
        None => reply,
    }
}

fn route(state: &Mutex<State>, req: &Request, blob: SocketAddr) -> Canned {
    // GitHub Enterprise Server serves the API under /api/v3; so does the fake.
    let stripped;
    let (prefix, req) = match req.path.strip_prefix(GHES_PREFIX) {
        Some(rest) => {
            stripped = Request {
                path: rest.to_string(),
                ..req.clone()
            };
            (GHES_PREFIX, &stripped)
        }
        None => ("", req),
    };
    let mut s = state.lock().unwrap();
    if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return json_reply(401, json!({"message": "Bad credentials"}), None);
    }
    // Renamed repository: 301 for reads, 307 for writes, as GitHub does.
    for (from, to) in [
        (OLD_REPO, format!("{prefix}/repos/{OWNER}/{REPO}")),
        (
            ELSEWHERE_REPO,
            format!("http://{blob}/repos/{OWNER}/{REPO}"),
        ),
        // Same host, outside the API (the web UI's login page).
        (WEB_REPO, "/login?return_to=".to_string()),
    ] {
        if let Some(rest) = req.path.strip_prefix(&format!("/repos/{OWNER}/{from}")) {
            let query = if req.query.is_empty() {
                String::new()
            } else {
                format!("?{}", req.query)
            };
            let status = if req.method == "GET" { 301 } else { 307 };
            return Canned::new(
                status,
                &[("location", &format!("{to}{rest}{query}"))],
                r#"{"message":"Moved Permanently"}"#,
            );
        }
    }
    let kind = kind_of(&req.method, &req.path);
    if let Some(fault) = s.faults.get_mut(kind).and_then(VecDeque::pop_front) {
        return fault;
    }
    let inm = req.header("if-none-match").map(str::to_string);
    let conditional = |status: u16, v: Value, etag: String| -> Canned {
        if inm.as_deref() == Some(etag.as_str()) {
            let mut c = json_reply(304, json!({}), Some(etag));
            c.body.clear();
            c
        } else {
            json_reply(status, v, Some(etag))
        }
    };
    if kind.starts_with("history_") {
        let (status, body) = history::answer(kind, req, &s.history);
        let mut reply = json_reply(status, Value::Null, None);
        reply.body = body;
        return reply;
    }
    if kind.starts_with("deploy_") {
        let (status, body) = deploy::answer(kind, req, &s.deploy);
        return json_reply(status, body, None);
    }
    let sc = s.scenario.clone().unwrap();
    match kind {
        "repo" => json_reply(
            200,
            json!({"default_branch": "main", "full_name": format!("{OWNER}/{REPO}")}),
            None,
        ),
        "dispatch" => {
            let v = req.json();
            if v["event_type"] != "diagnose.request" {
                return json_reply(422, json!({"message": "Invalid request"}), None);
            }
            let p = &v["client_payload"];
            s.dispatched = Some((
                p["correlation_id"].as_str().unwrap_or("").to_string(),
                p["requester"].as_str().unwrap_or("").to_string(),
            ));
            s.dispatched_event = "repository_dispatch";
            s.dispatched_at = Some(Instant::now());
            Canned::new(204, &[("date", &httpdate_now())], "")
        }
        "workflow_dispatch" => {
            let v = req.json();
            if sc.details == DispatchDetails::Unknown && v.get("return_run_details").is_some() {
                return json_reply(
                    422,
                    json!({"message": "Invalid request.\n\n\"return_run_details\" is not a permitted key."}),
                    None,
                );
            }
            if sc.details == DispatchDetails::UnknownGeneric
                && v.get("return_run_details").is_some()
            {
                return json_reply(400, json!({"message": "Problems parsing JSON"}), None);
            }
            let i = &v["inputs"];
            s.dispatched = Some((
                i["correlation_id"].as_str().unwrap_or("").to_string(),
                i["requester"].as_str().unwrap_or("").to_string(),
            ));
            s.dispatched_event = "workflow_dispatch";
            s.dispatched_at = Some(Instant::now());
            if sc.details == DispatchDetails::Returned && v["return_run_details"] == true {
                // The run exists from now on.
                s.list_polls = sc.appear_after;
                json_reply(
                    200,
                    json!({
                        "workflow_run_id": RUN_ID,
                        "run_url": format!("http://{}/repos/{OWNER}/{REPO}/actions/runs/{RUN_ID}", req.header("host").unwrap_or("")),
                        "html_url": format!("http://{}/{OWNER}/{REPO}/actions/runs/{RUN_ID}", req.header("host").unwrap_or("")),
                    }),
                    None,
                )
            } else {
                Canned::new(204, &[("date", &httpdate_now())], "")
            }
        }
        "runs_list" => {
            if s.dispatched.is_none() {
                return conditional(
                    200,
                    json!({"total_count": 0, "workflow_runs": []}),
                    "\"empty\"".into(),
                );
            }
            s.list_polls += 1;
            let visible = match (sc.timeline, s.dispatched_at) {
                (Some(t), Some(at)) => at.elapsed() >= t.appear,
                _ => s.list_polls > sc.appear_after,
            };
            let host = req.header("host").unwrap_or("").to_string();
            let api: SocketAddr = host.parse().unwrap_or(blob);
            let mut runs = vec![
                // Decoys: another request, and an ID that merely starts like ours.
                json!({"id": 1, "display_title": "Diagnose on Demand — 11111111-2222-4333-8444-555555555555 by bob", "status": "completed", "conclusion": "success"}),
            ];
            if let Some((cid, _)) = &s.dispatched {
                runs.push(json!({"id": 2, "display_title": format!("Diagnose on Demand — {cid}0 by eve"), "status": "completed", "conclusion": "failure"}));
            }
            if visible {
                let status = run_status(&s);
                runs.insert(0, run_json(&s, status, api));
            }
            let etag = format!("\"list-{visible}\"");
            conditional(
                200,
                json!({"total_count": runs.len(), "workflow_runs": runs}),
                etag,
            )
        }
        "run" => {
            s.run_polls += 1;
            let status = if s.cancelled {
                "completed"
            } else {
                run_status(&s)
            };
            let host = req.header("host").unwrap_or("").to_string();
            let api: SocketAddr = host.parse().unwrap_or(blob);
            let v = run_json(&s, status, api);
            conditional(200, v, format!("\"run-{status}\""))
        }
        "cancel" => {
            s.cancelled = true;
            json_reply(202, json!({}), None)
        }
        "artifacts" => {
            let artifacts = match &sc.artifact {
                ArtifactKind::Missing => vec![],
                ArtifactKind::Zip(z) => vec![
                    json!({"id": ARTIFACT_ID, "name": "diagnose-summary", "size_in_bytes": z.len(), "expired": false}),
                ],
                ArtifactKind::Expired => vec![
                    json!({"id": ARTIFACT_ID, "name": "diagnose-summary", "size_in_bytes": 900, "expired": true}),
                ],
                ArtifactKind::Oversized(n) => vec![
                    json!({"id": ARTIFACT_ID, "name": "diagnose-summary", "size_in_bytes": n, "expired": false}),
                ],
                ArtifactKind::LyingSize(_) => vec![
                    json!({"id": ARTIFACT_ID, "name": "diagnose-summary", "size_in_bytes": 1000, "expired": false}),
                ],
            };
            json_reply(
                200,
                json!({"total_count": artifacts.len(), "artifacts": artifacts}),
                None,
            )
        }
        "artifact_zip" => match &sc.artifact {
            ArtifactKind::Expired => {
                json_reply(410, json!({"message": "Artifact has expired"}), None)
            }
            _ => Canned::new(
                302,
                &[("location", &format!("http://{blob}/blob/artifact?sig=abc"))],
                "",
            ),
        },
        "jobs" => json_reply(
            200,
            json!({"total_count": 2, "jobs": [
                {"id": GATE_JOB_ID, "name": "gate"},
                {"id": JOB_ID, "name": "diagnose"},
            ]}),
            None,
        ),
        "gate_job_logs" => json_reply(410, json!({"message": "Gone"}), None),
        "job_logs" => Canned::new(
            302,
            &[("location", &format!("http://{blob}/blob/log?sig=def"))],
            "",
        ),
        _ => not_found(),
    }
}

fn blob_route(state: &Mutex<State>, req: &Request) -> Canned {
    if req.header("authorization").is_some() {
        return Canned::new(400, &[], "Authorization is not accepted here");
    }
    let mut s = state.lock().unwrap();
    let kind = match req.path.as_str() {
        "/blob/artifact" => "blob_artifact",
        "/blob/log" => "blob_log",
        _ => "blob_other",
    };
    if let Some(fault) = s.faults.get_mut(kind).and_then(VecDeque::pop_front) {
        return fault;
    }
    let sc = s.scenario.as_ref().unwrap();
    match req.path.as_str() {
        "/blob/artifact" => match &sc.artifact {
            ArtifactKind::Zip(z) => Canned {
                status: 200,
                headers: vec![("content-type".into(), "application/zip".into())],
                body: z.clone(),
            },
            ArtifactKind::LyingSize(z) => Canned {
                status: 200,
                headers: vec![
                    ("content-type".into(), "application/zip".into()),
                    (NO_LENGTH.into(), String::new()),
                ],
                body: z.clone(),
            },
            _ => Canned::new(404, &[], "no blob"),
        },
        "/blob/log" => match &sc.log {
            Some(log) => Canned::new(200, &[("content-type", "text/plain")], log),
            None => Canned::new(404, &[], "no log"),
        },
        _ => Canned::new(404, &[], "no blob"),
    }
}

fn httpdate_now() -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now())
}

/// A zip holding `members`.
pub fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(body).unwrap();
        }
        w.finish().unwrap();
    }
    out.into_inner()
}

/// GitHub's log format: a timestamp before each line.
pub fn as_job_log(output: &str) -> String {
    output
        .lines()
        .map(|l| format!("2026-11-25T05:00:01.1234567Z {l}\n"))
        .collect()
}
