//! The AWS side of a first run on a laptop: a profile named by `--profile` or `AWS_PROFILE`
//! (credentials and region from the shared files), a profile name or region with a typo
//! (one-line configuration errors that say what was meant), endpoints that cannot be
//! reached (told in words), and the report naming where the credentials came from. Against
//! a real `moto_server` and closed or plain-HTTP loopback ports.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::httpd::{Reply, Server};
use crate::support::moto::Moto;
use crate::support::{Run, assert_valid_report, bin, read_json, run};

/// Shared AWS files in a temporary folder.
struct AwsFiles {
    dir: tempfile::TempDir,
}

impl AwsFiles {
    fn new(config: &str, credentials: &str) -> AwsFiles {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(dir.path().join("credentials"), credentials).unwrap();
        AwsFiles { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn credentials(&self) -> PathBuf {
        self.dir.path().join("credentials")
    }

    /// `remote-hands` reading these files.
    fn bin(&self) -> assert_cmd::Command {
        let mut cmd = bin();
        cmd.env("AWS_CONFIG_FILE", self.config())
            .env("AWS_SHARED_CREDENTIALS_FILE", self.credentials());
        cmd
    }
}

/// Profiles `dev` (eu-west-1) and `prod` (us-west-2) with keys, `ci` with keys and no
/// region, and `default` with a region only.
fn laptop_files() -> AwsFiles {
    AwsFiles::new(
        "[default]\nregion = ap-southeast-2\n\n[profile dev]\nregion = eu-west-1\n\n[profile prod]\nregion = us-west-2\n",
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n\n[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = prod-secret\n\n[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = ci-secret\n",
    )
}

/// Runs `cmd` with `check … --json FILE`; the run must finish with a report.
fn check_report(cmd: &mut assert_cmd::Command, dir: &Path, args: &[&str]) -> (Run, Value) {
    let json = dir.join("report.json");
    let r = run(cmd.args(["check", "--json"]).arg(&json).args(args));
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let report = read_json(&json);
    assert_valid_report(&report);
    (r, report)
}

/// Runs `cmd` with `check … --json FILE`: it must be a one-line configuration error (exit
/// 2, nothing written); returns the line.
fn config_error(cmd: &mut assert_cmd::Command, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let r = run(cmd
        .current_dir(dir.path())
        .args(["check", "--json"])
        .arg(&json)
        .args(args));
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {:?}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(!json.exists(), "no report written");
    r.stderr.trim_end().to_string()
}

/// A loopback port that nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// Environment and flags of a run, and the credentials, region and region source it must
/// report.
struct Case {
    envs: &'static [(&'static str, &'static str)],
    flags: &'static [&'static str],
    credentials: &'static str,
    region: &'static str,
    region_source: &'static str,
}

/// Every way a profile is met on a laptop, against one moto: AWS_PROFILE, the flag (which
/// wins over AWS_PROFILE and over keys in the environment), a region named outright, a
/// profile without a region, a credential_process profile.
#[test]
fn a_profile_gives_the_credentials_and_the_region() {
    let moto = Moto::start();
    moto.seed("profile-site", true);
    let files = AwsFiles::new(
        "[default]\nregion = ap-southeast-2\n\n[profile dev]\nregion = eu-west-1\n\n[profile prod]\nregion = us-west-2\n\n[profile tool]\nregion = eu-north-1\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"proc-secret\"}'\n",
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n\n[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = prod-secret\n\n[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = ci-secret\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // As `AWS_PROFILE=dev remote-hands check` runs it.
        Case {
            envs: &[("AWS_PROFILE", "dev")],
            flags: &[],
            credentials: "profile dev",
            region: "eu-west-1",
            region_source: "profile",
        },
        Case {
            envs: &[],
            flags: &["--profile", "dev"],
            credentials: "profile dev",
            region: "eu-west-1",
            region_source: "profile",
        },
        // The flag wins over AWS_PROFILE, for the credentials and the region.
        Case {
            envs: &[("AWS_PROFILE", "dev")],
            flags: &["--profile", "prod"],
            credentials: "profile prod",
            region: "us-west-2",
            region_source: "profile",
        },
        // A region named outright wins over the profile's.
        Case {
            envs: &[("AWS_REGION", "ca-central-1")],
            flags: &["--profile", "dev"],
            credentials: "profile dev",
            region: "ca-central-1",
            region_source: "environment",
        },
        // A profile without a region: us-east-1, not the default profile's region.
        Case {
            envs: &[],
            flags: &["--profile", "ci"],
            credentials: "profile ci",
            region: "us-east-1",
            region_source: "default",
        },
        // The flag wins over keys in the environment, as with the AWS CLI…
        Case {
            envs: &[
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", "env-secret"),
            ],
            flags: &["--profile", "dev"],
            credentials: "profile dev",
            region: "eu-west-1",
            region_source: "profile",
        },
        // …while AWS_PROFILE follows the SDK's order: keys in the environment first. The
        // region still comes from the profile.
        Case {
            envs: &[
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", "env-secret"),
                ("AWS_PROFILE", "dev"),
            ],
            flags: &[],
            credentials: "environment keys",
            region: "eu-west-1",
            region_source: "profile",
        },
        Case {
            envs: &[],
            flags: &["--profile", "tool"],
            credentials: "profile tool (credential_process)",
            region: "eu-north-1",
            region_source: "profile",
        },
    ];
    for Case {
        envs,
        flags,
        credentials,
        region,
        region_source,
    } in cases
    {
        let mut cmd = files.bin();
        cmd.env("AWS_ENDPOINT_URL", &moto.endpoint)
            .envs(envs.iter().copied());
        let mut args = vec!["--bucket", "profile-site"];
        args.extend_from_slice(flags);
        let (r, report) = check_report(&mut cmd, dir.path(), &args);
        let case = format!("{envs:?} {flags:?}");
        let oidc = &report["checks"]["oidc"];
        assert_eq!(oidc["outcome"], "pass", "{case}: {oidc}\n{}", r.stderr);
        assert_eq!(oidc["evidence"]["credentials"], credentials, "{case}");
        assert_eq!(report["target"]["region"], region, "{case}");
        assert_eq!(report["target"]["region_source"], region_source, "{case}");
    }
}

#[test]
fn a_profile_without_credentials_named_by_the_flag_says_so() {
    let files = AwsFiles::new("[profile empty]\nregion = eu-west-1\n", "");
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = files.bin();
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret");
    let (r, report) = check_report(
        &mut cmd,
        dir.path(),
        &["--bucket", "any-site", "--profile", "empty"],
    );
    assert_eq!(r.code, 1);
    let details = report["checks"]["oidc"]["details"].as_str().unwrap();
    assert_eq!(
        details,
        "profile empty (--profile) holds no AWS credentials: give it access keys, an SSO login, a role or a credential_process"
    );
}

#[test]
fn a_profile_that_does_not_exist_is_a_configuration_error_listing_the_profiles() {
    let files = laptop_files();
    let args = ["--bucket", "any-site"];

    let line = config_error(files.bin().env("AWS_PROFILE", "devv"), &args);
    assert!(
        line.starts_with("error: AWS_PROFILE (environment): profile \"devv\" was not found in "),
        "{line}"
    );
    for expected in [
        files.config().display().to_string(),
        files.credentials().display().to_string(),
        "the profiles there are: ci, default, dev, prod".to_string(),
    ] {
        assert!(line.contains(&expected), "{expected} in {line}");
    }
    assert!(!line.contains("set AWS_PROFILE"), "{line}");
}

#[test]
fn a_profile_flag_that_names_no_profile_is_named_as_the_flag() {
    let files = laptop_files();
    let line = config_error(
        &mut files.bin(),
        &["--bucket", "any-site", "--profile", "stagin"],
    );
    assert!(
        line.starts_with("error: --profile: profile \"stagin\" was not found"),
        "{line}"
    );
}

#[test]
fn a_long_list_of_profiles_is_capped() {
    let args = ["--bucket", "any-site"];
    let many: String = (0..30)
        .map(|i| format!("[p{i:02}]\naws_access_key_id = a\naws_secret_access_key = b\n"))
        .collect();
    let crowded = AwsFiles::new("", &many);
    let line = config_error(crowded.bin().env("AWS_PROFILE", "nope"), &args);
    assert!(line.contains("p00, p01"), "{line}");
    assert!(line.contains("p19 (and 10 more)"), "{line}");
    assert!(!line.contains("p20"), "{line}");
}

#[test]
fn a_profile_section_without_the_profile_prefix_in_the_config_file_is_explained() {
    // `[dev]` in the config file is not a profile there.
    let args = ["--bucket", "any-site"];
    let misnamed = AwsFiles::new("[dev]\nregion = eu-west-1\n", "");
    let line = config_error(misnamed.bin().env("AWS_PROFILE", "dev"), &args);
    assert!(line.contains("they define no profile"), "{line}");
    assert!(line.contains("written [profile dev]"), "{line}");
}

#[test]
fn a_profile_named_with_no_shared_files_at_all_says_so() {
    // `bin()` points both files at /nonexistent.
    let line = config_error(bin().env("AWS_PROFILE", "dev"), &["--bucket", "any-site"]);
    assert!(line.contains("AWS_PROFILE (environment)"), "{line}");
    assert!(
        line.contains("there is no shared AWS config or credentials file"),
        "{line}"
    );
    assert!(line.contains("/nonexistent/config"), "{line}");
    assert!(line.contains("/nonexistent/credentials"), "{line}");
}

#[test]
fn without_an_aws_check_the_profile_is_not_looked_for() {
    // Not needed, so not looked for (there are no shared files at all).
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = check_report(
        bin().env("AWS_PROFILE", "dev"),
        dir.path(),
        &["--api-base", &format!("http://127.0.0.1:{}", closed_port())],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_region_flag_of_the_wrong_shape_is_refused_with_what_was_meant() {
    let line = config_error(
        &mut bin(),
        &["--bucket", "any-site", "--region", "us-east1"],
    );
    assert!(
        line.starts_with("error: --region: \"us-east1\" is not an AWS region"),
        "{line}"
    );
    assert!(line.ends_with("did you mean us-east-1?"), "{line}");
}

#[test]
fn an_aws_region_variable_of_the_wrong_shape_is_refused_with_what_was_meant() {
    let args = ["--bucket", "any-site"];
    let line = config_error(bin().env("AWS_REGION", "eu-central2"), &args);
    assert!(
        line.starts_with("error: AWS_REGION (environment): "),
        "{line}"
    );
    assert!(line.contains("did you mean eu-central-2?"), "{line}");
}

#[test]
fn an_aws_default_region_variable_of_the_wrong_shape_is_refused_with_what_was_meant() {
    let args = ["--bucket", "any-site"];
    let line = config_error(bin().env("AWS_DEFAULT_REGION", "US-WEST-2"), &args);
    assert!(
        line.starts_with("error: AWS_DEFAULT_REGION (environment): "),
        "{line}"
    );
    assert!(line.contains("did you mean us-west-2?"), "{line}");
}

#[test]
fn a_profiles_region_is_held_to_the_same_shape() {
    let args = ["--bucket", "any-site"];
    let files = AwsFiles::new(
        "[profile dev]\nregion = ap-southeast4\n",
        "[dev]\naws_access_key_id = a\naws_secret_access_key = b\n",
    );
    let line = config_error(files.bin().env("AWS_PROFILE", "dev"), &args);
    assert!(
        line.starts_with("error: region of profile dev (shared config file): \"ap-southeast4\""),
        "{line}"
    );
    assert!(line.contains("did you mean ap-southeast-4?"), "{line}");
}

/// What the AWS checks say, with the words that must not appear in any of them.
fn aws_details(report: &Value) -> Vec<String> {
    let details: Vec<String> = ["oidc", "s3_read"]
        .iter()
        .map(|id| {
            report["checks"][id]["details"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for d in &details {
        for dump in [
            "DispatchFailure",
            "ConnectorError",
            "dispatch failure",
            "Os {",
            "kind:",
        ] {
            assert!(!d.contains(dump), "a debug dump ({dump}) in {d}");
        }
    }
    details
}

#[test]
fn an_endpoint_that_refuses_the_connection_is_named_in_words() {
    let port = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let endpoint = format!("http://127.0.0.1:{port}");
    let (r, report) = check_report(
        &mut cmd,
        dir.path(),
        &["--bucket", "any-site", "--endpoint-url", &endpoint],
    );
    assert_eq!(r.code, 1);
    let details = aws_details(&report);
    assert_eq!(
        details[0],
        format!("could not reach STS: connection refused by 127.0.0.1:{port}")
    );
    // The S3 check needs the identity check: it is skipped with its words.
    assert_eq!(report["checks"]["s3_read"]["outcome"], "skip");
    assert_eq!(details[1], format!("identity check failed: {}", details[0]));
    assert_eq!(
        report["checks"]["oidc"]["error"]["message"],
        format!("connection refused by 127.0.0.1:{port}")
    );
    // The source of the credentials is known even though STS was never reached.
    assert_eq!(
        report["checks"]["oidc"]["evidence"]["credentials"],
        "environment keys"
    );
}

#[test]
fn an_endpoint_that_does_not_speak_tls_is_a_failed_handshake() {
    // A plain-HTTP server: an https:// endpoint on its port fails the TLS handshake.
    let plain = Server::start(|_| Reply::ok("not TLS"));
    let port = plain.addr.port();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let endpoint = format!("https://127.0.0.1:{port}");
    let (_, report) = check_report(
        &mut cmd,
        dir.path(),
        &["--bucket", "any-site", "--endpoint-url", &endpoint],
    );
    let details = aws_details(&report);
    assert!(
        details[0].starts_with(&format!(
            "could not reach STS: TLS handshake failed with 127.0.0.1:{port} ("
        )),
        "{}",
        details[0]
    );
}

#[test]
fn web_identity_that_cannot_reach_sts_says_which_credentials_and_why() {
    let port = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln").unwrap();
    let mut cmd = bin();
    cmd.env("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/diagnose");
    let endpoint = format!("http://127.0.0.1:{port}");
    let (_, report) = check_report(
        &mut cmd,
        dir.path(),
        &["--bucket", "any-site", "--endpoint-url", &endpoint],
    );
    let details = aws_details(&report);
    assert_eq!(
        details[0],
        format!(
            "AWS credentials from web identity (OIDC) could not be loaded: could not reach STS: connection refused by 127.0.0.1:{port}"
        )
    );
}
