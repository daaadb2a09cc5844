//! Driving `remote-hands dispatch` and `result` against the fake GitHub API
//! ([`super::github`]): a real report to carry (what `check` wrote against a loopback
//! target, as the artifact and as the job log), the client with time scaled down, and the
//! checks every conversation with GitHub must pass (headers, no token leaked or sent to the
//! download host, every request one that GitHub's published REST description documents).

use std::sync::OnceLock;

use serde_json::Value;

use super::github::{ArtifactKind, FakeGithub, RUN_ID, Scenario, TOKEN, as_job_log, zip_of};
use super::httpd::{Reply, Server};
use super::{Run, bin, root, run};

/// The correlation ID of every simulated dispatch and of the report its run carries.
pub const CID: &str = "8d7e2c4a-3b1f-4e5d-9a6c-0f1e2d3c4b5a";

/// What `check` left in a simulated run.
pub struct CheckOutput {
    pub json: String,
    pub stdout: String,
    /// stderr + stdout as a job log, with the report between the markers.
    pub log: String,
}

/// Runs `check` (as inside GitHub Actions) against a loopback API that is healthy or not.
pub fn check_in_run(healthy: bool) -> CheckOutput {
    let s = Server::start(move |path| match (path, healthy) {
        ("/health", false) => Reply::status(503, "down"),
        _ => Reply::ok("ok"),
    });
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("diagnose-summary.json");
    let r = run(bin()
        .env("GITHUB_ACTIONS", "true")
        .args(["check", "--api-base", &s.url(""), "--requester", "alice"])
        .args(["--correlation-id", CID, "--json"])
        .arg(&json));
    assert_eq!(r.code, if healthy { 0 } else { 1 }, "{}", r.stderr);
    CheckOutput {
        json: std::fs::read_to_string(&json).unwrap(),
        log: as_job_log(&format!("{}{}", r.stderr, r.stdout)),
        stdout: r.stdout,
    }
}

/// A healthy diagnosis, run once for all the tests.
pub fn healthy_run() -> &'static CheckOutput {
    static ONCE: OnceLock<CheckOutput> = OnceLock::new();
    ONCE.get_or_init(|| check_in_run(true))
}

/// A run that leaves `out`'s report as its artifact and `out`'s output as its job log.
pub fn scenario_with_artifact(out: &CheckOutput) -> Scenario {
    Scenario {
        artifact: ArtifactKind::Zip(zip_of(&[("diagnose-summary.json", out.json.as_bytes())])),
        log: Some(out.log.clone()),
        ..Scenario::default()
    }
}

/// `remote-hands dispatch` (or `result`) against the fake, time scaled down 100× (minutes
/// of waiting in seconds, with room to spare on a loaded machine).
pub fn client(gh: &FakeGithub, args: &[&str]) -> Run {
    client_of(gh, "acme/site", args)
}

/// [`client`] for the repository `repo`.
pub fn client_of(gh: &FakeGithub, repo: &str, args: &[&str]) -> Run {
    client_at(&gh.api_url(), repo, args)
}

/// [`client`] with the API at `api_url`.
pub fn client_at(api_url: &str, repo: &str, args: &[&str]) -> Run {
    run(bin()
        .env("GITHUB_TOKEN", TOKEN)
        .env("REMOTE_HANDS_TIME_SCALE", "0.01")
        .args(args)
        .args(["--repo", repo, "--api-url", api_url]))
}

/// `remote-hands dispatch` of [`CID`] by alice, with `extra` arguments.
pub fn dispatch(gh: &FakeGithub, extra: &[&str]) -> Run {
    let mut args = vec!["dispatch", "--correlation-id", CID, "--requester", "alice"];
    args.extend_from_slice(extra);
    client(gh, &args)
}

/// The run's page, as the API names it (on the fake's own host).
pub fn run_url(gh: &FakeGithub) -> String {
    format!("http://{}/acme/site/actions/runs/{RUN_ID}", gh.addr)
}

/// An `x-ratelimit-reset` value `secs` seconds from now.
pub fn reset_in(secs: u64) -> String {
    (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + secs)
        .to_string()
}

/// Exit 2, one line on stderr containing `expect`, nothing on stdout.
pub fn assert_refused(r: &Run, expect: &str) {
    assert_eq!(r.code, 2, "{expect}: {}\n{}", r.stderr, r.stdout);
    assert!(r.stdout.is_empty(), "{expect}: printed {}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(r.stderr.contains(expect), "{expect}: {}", r.stderr);
}

/// Things every conversation with the fake must respect.
pub fn assert_well_behaved(gh: &FakeGithub, r: &Run) {
    for req in gh.requests() {
        assert!(
            req.header("user-agent")
                .is_some_and(|ua| ua.starts_with("remote-hands/")),
            "{req:?}"
        );
        assert_eq!(
            req.header("x-github-api-version"),
            Some("2022-11-28"),
            "{req:?}"
        );
    }
    for req in gh.blob_requests() {
        assert!(
            req.header("authorization").is_none(),
            "the token went to the download host"
        );
        assert_ne!(req.answered, 400);
    }
    assert!(
        !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
        "the token was printed"
    );
    assert_requests_match_githubs_description(gh);
}

/// GitHub's published REST description (`@octokit/openapi`).
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = root().join("node_modules/@octokit/openapi/generated/api.github.com.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (scripts/setup.sh installs @octokit/openapi)",
                path.display()
            )
        });
        serde_json::from_str(&text).unwrap()
    })
}

/// Every request the client sent is an operation GitHub documents, and every body it sent
/// validates against that operation's request schema.
pub fn assert_requests_match_githubs_description(gh: &FakeGithub) {
    let doc = openapi();
    let paths = doc["paths"].as_object().unwrap();
    for req in gh.requests() {
        let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let op = paths.iter().find_map(|(template, item)| {
            let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            let matches = t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(a, b)| (a.starts_with('{') && a.ends_with('}')) || a == b);
            matches
                .then(|| item.get(req.method.to_ascii_lowercase()))
                .flatten()
        });
        let op = op.unwrap_or_else(|| {
            panic!(
                "{} {} is not in GitHub's REST description",
                req.method, req.path
            )
        });
        if req.body.is_empty() {
            continue;
        }
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{} {} sends a body GitHub does not take",
            req.method,
            req.path
        );
        let body: Value = serde_json::from_slice(&req.body).expect("bodies are JSON");
        let validator = jsonschema::validator_for(schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{} {}: {body} violates GitHub's schema: {errors:?}",
            req.method,
            req.path
        );
    }
}
