//! Past runs of a diagnosis workflow in the fake GitHub API, for `baseline fetch`: the
//! runs of `diagnose.yml` (newest first), filtered as GitHub filters them (`status`,
//! `branch`, `per_page`), each with its artifacts; an artifact's zip is served directly.

use serde_json::{Value, json};

use super::{Request, deploy::query};

/// The workflow file whose past runs these are.
pub const HISTORY_WORKFLOW: &str = "diagnose.yml";
/// Past runs have IDs in this range; an artifact's ID is its run's plus [`ARTIFACT_OFFSET`].
pub const HISTORY_IDS: std::ops::Range<u64> = 7000..8000;
const ARTIFACT_OFFSET: u64 = 10_000;

/// A past run: its ID, branch, conclusion, and its artifact (name and zip) if any.
#[derive(Debug, Clone)]
pub struct PastRun {
    pub id: u64,
    pub branch: &'static str,
    pub conclusion: &'static str,
    pub artifact: Option<(&'static str, Vec<u8>)>,
}

/// What a request is, when it is one of the past runs'.
pub fn kind_of(method: &str, rest: &str) -> Option<&'static str> {
    if method != "GET" {
        return None;
    }
    if rest == format!("/actions/workflows/{HISTORY_WORKFLOW}/runs") {
        return Some("history_runs");
    }
    if let Some(tail) = rest.strip_prefix("/actions/runs/") {
        let id: u64 = tail.strip_suffix("/artifacts")?.parse().ok()?;
        return HISTORY_IDS.contains(&id).then_some("history_artifacts");
    }
    let id: u64 = rest
        .strip_prefix("/actions/artifacts/")?
        .strip_suffix("/zip")?
        .parse()
        .ok()?;
    HISTORY_IDS
        .contains(&id.checked_sub(ARTIFACT_OFFSET)?)
        .then_some("history_zip")
}

fn run_json(r: &PastRun) -> Value {
    json!({
        "id": r.id,
        "name": "Diagnose",
        "display_title": "Diagnose",
        "event": "schedule",
        "status": "completed",
        "conclusion": r.conclusion,
        "head_branch": r.branch,
        "path": format!(".github/workflows/{HISTORY_WORKFLOW}"),
        "created_at": "2026-11-25T05:00:00Z",
    })
}

/// The answer to a request of `kind`: status and body (a zip's bytes, or JSON).
pub fn answer(kind: &str, req: &Request, runs: &[PastRun]) -> (u16, Vec<u8>) {
    let id_in_path = |after: &str| -> Option<u64> {
        req.path
            .split(after)
            .nth(1)?
            .split('/')
            .next()?
            .parse()
            .ok()
    };
    let json = |status: u16, v: Value| (status, v.to_string().into_bytes());
    match kind {
        "history_runs" => {
            let status = query(req, "status");
            let branch = query(req, "branch");
            let per_page: usize = query(req, "per_page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(30);
            let page: Vec<Value> = runs
                .iter()
                .filter(|r| status.is_none_or(|s| s == r.conclusion))
                .filter(|r| branch.is_none_or(|b| b == r.branch))
                .take(per_page)
                .map(run_json)
                .collect();
            json(
                200,
                json!({"total_count": page.len(), "workflow_runs": page}),
            )
        }
        "history_artifacts" => {
            let run = runs
                .iter()
                .find(|r| Some(r.id) == id_in_path("/actions/runs/"));
            let artifacts: Vec<Value> = run
                .and_then(|r| r.artifact.as_ref().map(|a| (r.id, a)))
                .filter(|(_, (name, _))| query(req, "name").is_none_or(|n| n == *name))
                .map(|(id, (name, zip))| {
                    json!({"id": id + ARTIFACT_OFFSET, "name": name, "size_in_bytes": zip.len(), "expired": false})
                })
                .into_iter()
                .collect();
            json(
                200,
                json!({"total_count": artifacts.len(), "artifacts": artifacts}),
            )
        }
        "history_zip" => {
            let run = id_in_path("/actions/artifacts/").and_then(|a| {
                runs.iter()
                    .find(|r| r.id + ARTIFACT_OFFSET == a)
                    .and_then(|r| r.artifact.as_ref())
            });
            match run {
                Some((_, zip)) => (200, zip.clone()),
                None => json(404, json!({"message": "Not Found"})),
            }
        }
        _ => json(404, json!({"message": "Not Found"})),
    }
}
