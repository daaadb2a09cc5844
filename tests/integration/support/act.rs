//! Running GitHub Actions workflows for real with `act` (on the host, no Docker), for the
//! tests of the composite action and the dispatch workflow: one act run at a time, the
//! pinned actions that cannot be downloaded here replaced by stand-ins, act's JSON log
//! read back; and the loopback site they diagnose.

use std::sync::Mutex;

use serde_json::Value;

use super::httpd::{Reply, Server};

/// act keeps per-workflow state under ~/.cache/act; one run at a time.
pub static ACT: Mutex<()> = Mutex::new(());

/// The pinned actions the action and the workflows use.
pub const UPLOAD_ARTIFACT: &str =
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02";
pub const CACHE: &str = "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684";

/// The correlation ID of every diagnosis run under act.
pub const CORRELATION: &str = "5f0c6c1e-8a47-4d4b-b5a8-2f7e9a1c3d42";

/// An action that prints STAND-IN RAN and fails: what act gets for actions it would
/// have to download.
pub fn stand_in() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // The action at the repository's root and at the sub-paths used (`actions/cache/restore`,
    // `actions/cache/save`).
    for sub in ["", "restore", "save"] {
        let at = dir.path().join(sub);
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(
            at.join("action.yml"),
            "name: stand-in\ndescription: must never run\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo 'STAND-IN RAN'; exit 1\n",
        )
        .unwrap();
    }
    dir
}

/// Parses act's `--json` log.
pub fn json_log(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

pub fn messages(log: &[Value]) -> String {
    log.iter()
        .filter_map(|l| l["msg"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A healthy deployment's API and frontend.
pub fn site() -> Server {
    Server::start(|path| match path {
        "/health" => Reply::ok(r#"{"status": "healthy"}"#),
        "/hello" => Reply::ok(r#"{"message": "hello"}"#),
        _ => Reply::Answer(
            200,
            vec![("x-cache".into(), "Hit from cloudfront".into())],
            b"<!doctype html>".to_vec(),
        ),
    })
}
