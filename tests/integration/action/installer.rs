//! The action's installer (`scripts/action/install.sh`) against a loopback "release"
//! server: the release binary downloaded and verified against its SHA-256 (for a release,
//! the major-version tag, a pre-release, the local action with a version), a tampered one
//! refused, a build asked for when no release fits, a given binary taken and bad inputs
//! refused.

use std::path::Path;
use std::process::Command;

use crate::support::httpd::{Reply, Server};
use crate::support::root;

struct Install {
    code: i32,
    outputs: String,
    stdout: String,
    /// Holds what was installed.
    _temp: tempfile::TempDir,
}

fn install(env: &[(&str, String)]) -> Install {
    let temp = tempfile::tempdir().unwrap();
    let outputs = temp.path().join("github_output");
    std::fs::write(&outputs, "").unwrap();
    let out = Command::new("bash")
        .arg(root().join("scripts/action/install.sh"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", temp.path())
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    Install {
        code: out.status.code().unwrap(),
        outputs: std::fs::read_to_string(&outputs).unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        _temp: temp,
    }
}

/// A release server on loopback holding `remote-hands-v9.9.9-x86_64-unknown-linux-gnu.tar.gz`
/// (served through a redirect, as GitHub does) and a SHA-256 file saying `sha`.
fn release_server(tarball: Vec<u8>, sha: Option<String>) -> Server {
    release_server_for("v9.9.9", tarball, sha)
}

/// The same, for the release `tag` (`v9`: the moving major-version release).
fn release_server_for(tag: &str, tarball: Vec<u8>, sha: Option<String>) -> Server {
    let name = format!("remote-hands-{tag}-x86_64-unknown-linux-gnu.tar.gz");
    let asset = format!("/acme/remote-hands/releases/download/{tag}/{name}");
    Server::start(move |path| {
        if path == asset {
            Reply::Answer(
                302,
                vec![("location".into(), "/objects/blob".into())],
                vec![],
            )
        } else if path == "/objects/blob" {
            Reply::Answer(200, vec![], tarball.clone())
        } else if let (Some(sha), true) = (&sha, path == format!("{asset}.sha256")) {
            Reply::ok(&format!("{sha}  {name}\n"))
        } else {
            Reply::status(404, "Not Found")
        }
    })
}

/// A tarball holding an executable `remote-hands` that prints a version.
fn tarball(dir: &Path) -> (Vec<u8>, String) {
    let exe = dir.join("remote-hands");
    std::fs::write(&exe, "#!/bin/sh\necho 'remote-hands 9.9.9'\n").unwrap();
    let status = Command::new("chmod").arg("+x").arg(&exe).status().unwrap();
    assert!(status.success());
    let tar = dir.join("r.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&tar)
        .arg("-C")
        .arg(dir)
        .arg("remote-hands")
        .status()
        .unwrap();
    assert!(status.success());
    let sha = Command::new("sha256sum").arg(&tar).output().unwrap();
    let sha = String::from_utf8(sha.stdout).unwrap()[..64].to_string();
    (std::fs::read(&tar).unwrap(), sha)
}

fn release_env(server: &Server) -> Vec<(&'static str, String)> {
    vec![
        (
            "GITHUB_SERVER_URL",
            server.url("").trim_end_matches('/').to_string(),
        ),
        ("ACTION_REPOSITORY", "acme/remote-hands".into()),
        ("ACTION_REF", "v9.9.9".into()),
    ]
}

/// A tarball as [`tarball`] makes it, and its SHA-256.
fn release_tarball() -> (Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    tarball(dir.path())
}

/// [`release_env`] for the action used at `tag`.
fn release_env_at(server: &Server, tag: &str) -> Vec<(&'static str, String)> {
    let mut env = release_env(server);
    env.retain(|(k, _)| *k != "ACTION_REF");
    env.push(("ACTION_REF", tag.to_string()));
    env
}

// ---- a release binary --------------------------------------------------------------------

#[test]
fn the_installer_verifies_the_release_binary_against_its_sha256() {
    let (tar, sha) = release_tarball();
    let server = release_server(tar, Some(sha.clone()));
    let r = install(&release_env(&server));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let path = r
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("path="))
        .unwrap_or_else(|| panic!("no path output: {}", r.outputs));
    let version = Command::new(path).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        "remote-hands 9.9.9\n"
    );
    assert!(r.stdout.contains(&sha), "{}", r.stdout);
}

#[test]
fn the_local_action_with_a_version_installs_this_repositorys_release() {
    // The action used locally (`uses: ./`) with a version.
    let (tar, sha) = release_tarball();
    let server = release_server(tar, Some(sha));
    let r = install(&[
        (
            "GITHUB_SERVER_URL",
            server.url("").trim_end_matches('/').to_string(),
        ),
        ("GITHUB_REPOSITORY", "acme/remote-hands".into()),
        ("INPUT_VERSION", "v9.9.9".into()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("path="), "{}", r.outputs);
}

#[test]
fn the_action_at_its_major_version_tag_installs_that_releases_binary_verified() {
    // The action used at `@v9`.
    let (tar, sha) = release_tarball();
    let major = release_server_for("v9", tar, Some(sha));
    let r = install(&release_env_at(&major, "v9"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("path="), "{}", r.outputs);
    assert!(
        r.stdout
            .contains("remote-hands-v9-x86_64-unknown-linux-gnu.tar.gz"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_action_at_a_pre_release_tag_installs_that_releases_binary() {
    // release.yml builds those too, and the installer takes that release's binary instead
    // of building from source.
    let (tar, sha) = release_tarball();
    let pre = release_server_for("v9.9.9-rc.1", tar, Some(sha));
    let r = install(&release_env_at(&pre, "v9.9.9-rc.1"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("path="), "{}", r.outputs);
    assert!(
        r.stdout
            .contains("remote-hands-v9.9.9-rc.1-x86_64-unknown-linux-gnu.tar.gz"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_tampered_binary_is_refused_and_nothing_is_handed_to_the_next_step() {
    let (tar, _) = release_tarball();
    let bad = release_server(tar, Some("0".repeat(64)));
    let r = install(&release_env(&bad));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("does not match its published SHA-256"),
        "{}",
        r.stdout
    );
    assert!(!r.outputs.contains("path="), "{}", r.outputs);
}

// ---- no fitting release: a build --------------------------------------------------------

#[test]
fn without_an_asset_for_this_platform_the_installer_asks_for_a_build() {
    let server = release_server(Vec::new(), None);
    let r = install(&release_env(&server));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.outputs.contains("build=true"), "{}", r.outputs);
    assert!(r.outputs.contains("lock-hash="), "{}", r.outputs);
    assert!(r.stdout.contains("::warning"), "{}", r.stdout);
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
}

#[test]
fn used_from_a_branch_the_installer_tries_no_download() {
    let server = release_server(Vec::new(), None);
    let r = install(&release_env_at(&server, "main"));
    assert_eq!(r.code, 0);
    assert!(r.outputs.contains("build=true"), "{}", r.outputs);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn on_a_platform_without_release_binaries_the_installer_asks_for_a_build() {
    let server = release_server(Vec::new(), None);
    let mut env = release_env(&server);
    env.push(("RUNNER_OS", "Windows".into()));
    let r = install(&env);
    assert!(r.outputs.contains("build=true"), "{}", r.outputs);
}

// ---- the binary input -------------------------------------------------------------------

#[test]
fn the_installer_takes_a_given_binary() {
    let binary = env!("CARGO_BIN_EXE_remote-hands");
    let r = install(&[("INPUT_BINARY", binary.into())]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.outputs.contains(&format!("path={binary}")),
        "{}",
        r.outputs
    );
}

#[test]
fn a_given_binary_that_is_not_an_executable_file_is_refused() {
    let r = install(&[("INPUT_BINARY", "/nonexistent/remote-hands".into())]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("input binary: '/nonexistent/remote-hands' is not an executable file")
    );
}

#[test]
fn a_version_that_is_not_a_release_tag_is_refused() {
    let r = install(&[("INPUT_VERSION", "latest; rm -rf /".into())]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("is not a release tag"), "{}", r.stdout);
}
