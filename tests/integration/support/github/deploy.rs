//! The deploy workflow's side of the fake GitHub API: the runs of `client-deploy.yml`
//! (newest first, `per_page` honoured), each readable by its ID, with its jobs and their
//! steps, as GitHub shows them. A test sets the runs once the fake listens (their pages
//! are on its address); [`run`], [`job`] and [`step`] build them in GitHub's shape.

use serde_json::{Value, json};

use super::{OWNER, REPO, Request};

/// The deploy workflow's file and path.
pub const DEPLOY_WORKFLOW: &str = "client-deploy.yml";
pub const DEPLOY_PATH: &str = ".github/workflows/client-deploy.yml";
/// Deploy runs have IDs in this range (the diagnosis run's is outside it).
pub const DEPLOY_IDS: std::ops::Range<u64> = 5000..6000;
/// The commit every deploy run is of.
pub const HEAD_SHA: &str = "abc1234def5678900112233445566778899aabbc";

/// A deploy run and its jobs.
#[derive(Debug, Clone)]
pub struct DeployRun {
    pub run: Value,
    pub jobs: Vec<Value>,
}

/// A run of the deploy workflow as GitHub shows it; `web` is the fake's address
/// (`127.0.0.1:PORT`), where its pages are.
pub fn run(web: &str, id: u64, status: &str, conclusion: Option<&str>) -> Value {
    json!({
        "id": id,
        "name": "Client deploy",
        "display_title": "Fix the login page",
        "run_number": 12,
        "run_attempt": 1,
        "event": "push",
        "status": status,
        "conclusion": conclusion,
        "path": DEPLOY_PATH,
        "head_branch": "main",
        "head_sha": HEAD_SHA,
        "head_commit": {
            "id": HEAD_SHA,
            "message": "Fix the login page\n\nThe button pointed at the old API.",
            "author": {"name": "alice"},
        },
        "html_url": format!("http://{web}/{OWNER}/{REPO}/actions/runs/{id}"),
        "created_at": "2026-11-25T05:00:00Z",
        "run_started_at": "2026-11-25T05:00:00Z",
        "updated_at": "2026-11-25T05:02:05Z",
    })
}

/// A job (`completed_at` absent while it runs).
pub fn job(
    id: u64,
    name: &str,
    status: &str,
    conclusion: Option<&str>,
    started_at: &str,
    completed_at: Option<&str>,
    steps: Vec<Value>,
) -> Value {
    json!({
        "id": id,
        "name": name,
        "status": status,
        "conclusion": conclusion,
        "started_at": started_at,
        "completed_at": completed_at,
        "steps": steps,
    })
}

/// A step.
pub fn step(
    number: u32,
    name: &str,
    status: &str,
    conclusion: Option<&str>,
    started_at: Option<&str>,
    completed_at: Option<&str>,
) -> Value {
    json!({
        "name": name,
        "number": number,
        "status": status,
        "conclusion": conclusion,
        "started_at": started_at,
        "completed_at": completed_at,
    })
}

/// What a request is, when it is one of the deploy workflow's.
pub fn kind_of(method: &str, rest: &str) -> Option<&'static str> {
    if method != "GET" {
        return None;
    }
    if rest == format!("/actions/workflows/{DEPLOY_WORKFLOW}/runs") {
        return Some("deploy_runs");
    }
    let tail = rest.strip_prefix("/actions/runs/")?;
    let (id, jobs) = match tail.split_once('/') {
        Some((id, "jobs")) => (id, true),
        Some(_) => return None,
        None => (tail, false),
    };
    let id: u64 = id.parse().ok()?;
    match (DEPLOY_IDS.contains(&id), jobs) {
        (true, false) => Some("deploy_run"),
        (true, true) => Some("deploy_jobs"),
        (false, _) => None,
    }
}

/// The answer to a deploy request of `kind`: the status and the body.
pub fn answer(kind: &str, req: &Request, runs: &[DeployRun]) -> (u16, Value) {
    let id = || -> Option<u64> {
        let tail = req.path.split("/actions/runs/").nth(1)?;
        tail.split('/').next()?.parse().ok()
    };
    let find = || {
        runs.iter()
            .find(|r| r.run["id"].as_u64().is_some_and(|n| Some(n) == id()))
    };
    let not_found = (404, json!({"message": "Not Found"}));
    match kind {
        "deploy_runs" => {
            let per_page: usize = query(req, "per_page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(30);
            let page: Vec<Value> = runs.iter().take(per_page).map(|r| r.run.clone()).collect();
            (
                200,
                json!({"total_count": runs.len(), "workflow_runs": page}),
            )
        }
        "deploy_run" => find().map_or(not_found.clone(), |r| (200, r.run.clone())),
        "deploy_jobs" => find().map_or(not_found, |r| {
            (
                200,
                json!({"total_count": r.jobs.len(), "jobs": r.jobs.clone()}),
            )
        }),
        _ => (404, json!({"message": "Not Found"})),
    }
}

/// The value of `key` in the request's query.
pub fn query<'a>(req: &'a Request, key: &str) -> Option<&'a str> {
    req.query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}
