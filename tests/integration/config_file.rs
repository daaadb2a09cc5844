//! The configuration file through the binary: environments filling what no flag or
//! variable gave (and losing to them), custom checks of each kind against a loopback HTTP
//! server and a real moto, their results in `checks.<id>`, secret header values in no
//! output, and errors that name the file's line and column.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::support::moto::Moto;
use crate::support::{Run, assert_valid_report, bin, read_json, root, run};

/// A loopback server that echoes the request's Authorization header into its answer (the
/// body and the `Server` header) and records each path with that header.
struct Echo {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl Echo {
    fn start() -> Echo {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    let _ = reader.read_line(&mut line);
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let mut auth = String::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                        if let Some(v) = h.strip_prefix("authorization: ") {
                            auth = v.trim().to_string();
                        }
                    }
                    log.lock().unwrap().push((path.clone(), auth.clone()));
                    let (code, body) = match path.as_str() {
                        "/broken" => (500, format!("broken for {auth}")),
                        "/slow" => {
                            thread::sleep(Duration::from_millis(60));
                            (200, "ok".to_string())
                        }
                        _ => (200, format!(r#"{{"status": "healthy", "auth": "{auth}"}}"#)),
                    };
                    let head = format!(
                        "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nServer: echo {auth}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let mut stream = stream;
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(body.as_bytes());
                });
            }
        });
        Echo { addr, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = self
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|(p, _)| p.clone())
            .collect();
        p.sort();
        p
    }
}

/// Runs `check` in `dir` (where the configuration may be) with `envs`; the run must write
/// a report that matches the schema. Returns the run, the report and the summary.
fn check_in(dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> (Run, Value, String) {
    let json = dir.join("report.json");
    let summary = dir.join("summary.md");
    let r = run(bin()
        .current_dir(dir)
        .envs(envs.iter().copied())
        .args(["check", "--json"])
        .arg(&json)
        .arg("--summary")
        .arg(&summary)
        .args(args));
    assert!(
        r.code == 0 || r.code == 1,
        "exit {}: {}{}",
        r.code,
        r.stdout,
        r.stderr
    );
    let report = read_json(&json);
    assert_valid_report(&report);
    (r, report, std::fs::read_to_string(&summary).unwrap())
}

const SECRET: &str = "s3cr3t-t0ken-9f8e7d";

#[test]
fn custom_http_checks_pass_warn_and_fail_and_header_values_appear_in_no_output() {
    let s = Echo::start();
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        r#"
[env.dev]
api_base = "{base}"
api_paths = ["/health"]

[[check]]
id = "status_json"
url = "/status"
headers = {{ Authorization = {{ env = "LOGIN_TOKEN" }} }}
json = {{ "/status" = "healthy" }}
body_contains = "healthy"
needs = ["api_health"]

[[check]]
id = "broken"
url = "/broken"
headers = {{ Authorization = {{ env = "LOGIN_TOKEN" }} }}
expect_status = [200, 302]

[[check]]
id = "wrong_json"
url = "{abs}"
json = {{ "/status" = "down" }}

[[check]]
id = "slow_page"
url = "/slow"
warn_ms = 10
"#,
        base = s.url(""),
        abs = s.url("/abs"),
    );
    std::fs::write(dir.path().join("remote-hands.toml"), toml).unwrap();
    let envs = [
        ("LOGIN_TOKEN", &*format!("Bearer {SECRET}")),
        ("RUST_LOG", "trace"),
    ];
    let (r, report, md) = check_in(dir.path(), &envs, &["--allow-private-addresses"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(report["environment"], "dev");
    let checks = &report["checks"];
    assert_eq!(checks["api_health"]["outcome"], "pass");
    assert_eq!(
        checks["status_json"]["outcome"], "pass",
        "{}",
        checks["status_json"]
    );
    assert_eq!(checks["broken"]["outcome"], "fail");
    assert_eq!(checks["broken"]["status"], 500);
    assert!(
        checks["broken"]["details"]
            .as_str()
            .unwrap()
            .contains("200 or 302"),
        "{}",
        checks["broken"]
    );
    assert_eq!(checks["wrong_json"]["outcome"], "fail");
    assert!(
        checks["wrong_json"]["details"]
            .as_str()
            .unwrap()
            .contains("\"/status\"")
    );
    assert_eq!(
        checks["slow_page"]["outcome"], "warn",
        "{}",
        checks["slow_page"]
    );
    assert_eq!(
        s.paths(),
        ["/abs", "/broken", "/health", "/slow", "/status"]
    );
    // The server got the secret, and echoed it; no output carries it.
    let sent = s
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, a)| a.contains(SECRET))
        .count();
    assert_eq!(sent, 2, "the header went out with both checks that name it");
    let json = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    for (name, text) in [
        ("stdout", &r.stdout),
        ("stderr", &r.stderr),
        ("JSON", &json),
        ("summary", &md),
    ] {
        assert!(!text.contains(SECRET), "{name} shows the secret:\n{text}");
        assert!(!text.contains("s3cr3t"), "{name} shows part of the secret");
    }
    assert!(md.contains("status_json"), "{md}");
}

/// Variables, arguments, and the path the run must request.
type Case<'a> = (&'a [(&'a str, &'a str)], Vec<&'a str>, &'a str);

#[test]
fn flags_beat_variables_which_beat_the_file() {
    let s = Echo::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("site.toml");
    let toml = format!(
        "default_env = \"a\"\n[env.a]\nfrontend_url = \"{}\"\n[env.b]\nfrontend_url = \"{}\"\n",
        s.url("/file-a"),
        s.url("/file-b")
    );
    std::fs::write(&cfg, toml).unwrap();
    let cfg = cfg.to_str().unwrap();
    let (var, flag) = (s.url("/var"), s.url("/flag"));
    let policy = "--allow-private-addresses";
    let cases: [Case; 6] = [
        (&[("REMOTE_HANDS_CONFIG", cfg)], vec![], "/file-a"),
        (
            &[("REMOTE_HANDS_CONFIG", cfg), ("REMOTE_HANDS_ENV", "b")],
            vec![],
            "/file-b",
        ),
        (
            &[("REMOTE_HANDS_CONFIG", cfg), ("REMOTE_HANDS_ENV", "b")],
            vec!["--env", "a"],
            "/file-a",
        ),
        (
            &[("FRONTEND_BASE_URL", &var)],
            vec!["--config", cfg],
            "/var",
        ),
        (&[], vec!["--config", cfg, "--frontend-url", &flag], "/flag"),
        (
            &[("FRONTEND_BASE_URL", &var)],
            vec!["--config", cfg, "--frontend-url", &flag],
            "/flag",
        ),
    ];
    for (i, (envs, args, expected)) in cases.iter().enumerate() {
        let before = s.paths().len();
        let mut args = args.clone();
        args.push(policy);
        let (r, report, md) = check_in(dir.path(), envs, &args);
        assert_eq!(r.code, 0, "case {i}: {}", r.stdout);
        let paths = s.seen.lock().unwrap()[before..]
            .iter()
            .map(|(p, _)| p.clone())
            .collect::<Vec<_>>();
        assert_eq!(paths, [*expected], "case {i}");
        if expected.starts_with("/file") {
            let env = &expected[6..];
            assert_eq!(report["environment"], env, "case {i}");
            assert!(
                md.contains(&format!("site.toml [env.{env}] frontend_url")),
                "case {i}: {md}"
            );
        }
    }
}

#[test]
fn a_configuration_error_is_one_line_at_its_position_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("remote-hands.toml"),
        "[env.dev]\napi_base = \"http://127.0.0.1:9\"\n\n[[check]]\nid = \"login_page\"\nurl = \"/login\"\nmethd = \"GET\"\n",
    )
    .unwrap();
    let r = run(bin()
        .current_dir(dir.path())
        .args(["check", "--json", "out.json"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("remote-hands.toml:7:1: unknown key `methd` in [[check]] \"login_page\", expected one of: id, kind, envs, needs, url, method,"),
        "{}",
        r.stderr
    );
    assert!(
        !dir.path().join("out.json").exists(),
        "no report on bad input"
    );
    let r = run(bin().args(["check", "--env", "dev", "--bucket", "abc"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--env: environment \"dev\" needs a configuration file"),
        "{}",
        r.stderr
    );
    let r = run(bin()
        .env("REMOTE_HANDS_ENV", "qa")
        .args(["check", "--config"])
        .arg(root().join("examples/remote-hands.toml")));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("REMOTE_HANDS_ENV (environment): unknown environment \"qa\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("expected one of: dev, prod, staging"),
        "{}",
        r.stderr
    );
}

#[test]
fn s3_object_and_cloudfront_aliases_checks_against_moto() {
    let moto = Moto::start();
    let distribution = moto.seed_with_aliases("custom-site", true, &["www.example.com"]);
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        r#"
[env.local]
bucket = "custom-site"
distribution_id = "{distribution}"

[[check]]
id = "app_bundle"
kind = "s3_object"
key = "assets/app.js"
content_type = "application/javascript"
cache_control = "public,max-age=31536000, immutable"

[[check]]
id = "wrong_headers"
kind = "s3_object"
key = "assets/app.js"
content_type = "text/css"

[[check]]
id = "missing_key"
kind = "s3_object"
key = "assets/gone.js"

[[check]]
id = "aliases_ok"
kind = "cloudfront_aliases"
aliases = ["WWW.example.com"]

[[check]]
id = "aliases_missing"
kind = "cloudfront_aliases"
aliases = ["www.example.com", "shop.example.com"]
"#
    );
    std::fs::write(dir.path().join("remote-hands.toml"), toml).unwrap();
    let envs: Vec<(&str, String)> = moto.env().into_iter().collect();
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (r, report, _) = check_in(dir.path(), &envs, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let checks = &report["checks"];
    let outcome = |id: &str| checks[id]["outcome"].as_str().unwrap().to_string();
    assert_eq!(outcome("app_bundle"), "pass", "{}", checks["app_bundle"]);
    assert_eq!(
        checks["app_bundle"]["evidence"]["index"]["key"],
        "assets/app.js"
    );
    assert_eq!(outcome("wrong_headers"), "fail");
    assert!(
        checks["wrong_headers"]["details"]
            .as_str()
            .unwrap()
            .contains("Content-Type is \"application/javascript\", expected \"text/css\""),
        "{}",
        checks["wrong_headers"]
    );
    assert_eq!(outcome("missing_key"), "fail");
    assert_eq!(outcome("aliases_ok"), "pass", "{}", checks["aliases_ok"]);
    assert_eq!(outcome("aliases_missing"), "fail");
    assert_eq!(
        checks["aliases_missing"]["details"],
        format!(
            "distribution {distribution} does not serve shop.example.com (it serves www.example.com)"
        )
    );
    assert_eq!(outcome("s3_read"), "pass");
}

#[test]
fn the_example_file_runs_and_its_custom_urls_obey_the_url_policy() {
    // An allowlist on the command line (it beats the file's) that names none of the
    // example's hosts: nothing outside loopback is contacted, and every HTTP check, built
    // in or custom, is refused by the URL policy.
    let dir = tempfile::tempdir().unwrap();
    let aws_config = dir.path().join("config");
    let keys = "aws_access_key_id = testing\naws_secret_access_key = testing\n";
    std::fs::write(&aws_config, format!("[profile staging]\n{keys}")).unwrap();
    let r = run(bin()
        .env("LOGIN_TOKEN", "x-token-value")
        .env("AWS_CONFIG_FILE", &aws_config)
        .args([
            "check",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--timeout",
            "3",
            "--env",
            "staging",
            "--format",
            "json",
            "--allowed-hosts",
            "127.0.0.1:9",
        ])
        .arg("--config")
        .arg(root().join("examples/remote-hands.toml")));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_valid_report(&report);
    assert_eq!(report["environment"], "staging");
    for id in ["api_health", "status_json", "api_v1_status", "frontend"] {
        let details = report["checks"][id]["details"].as_str().unwrap();
        assert!(
            details.starts_with("refused by the URL policy"),
            "{id}: {details}"
        );
    }
    // login_page needs api_health, which failed: it is skipped with its words.
    let login = &report["checks"]["login_page"];
    assert_eq!(login["outcome"], "skip");
    let details = login["details"].as_str().unwrap();
    assert!(
        details.starts_with("api_health check failed: refused by the URL policy"),
        "{details}"
    );
    assert!(report["checks"]["app_bundle"].is_object());
    assert!(report["checks"]["site_aliases"].is_null(), "prod only");
}

#[test]
fn aws_custom_checks_without_their_resource_are_skipped_saying_why() {
    let s = Echo::start();
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[env.dev]\napi_base = \"{}\"\napi_paths = [\"/health\"]\n\n[[check]]\nid = \"bundle\"\nkind = \"s3_object\"\nkey = \"app.js\"\n\n[[check]]\nid = \"names\"\nkind = \"cloudfront_aliases\"\naliases = [\"www.example.com\"]\n",
        s.url("")
    );
    std::fs::write(dir.path().join("remote-hands.toml"), toml).unwrap();
    let (r, report, _) = check_in(dir.path(), &[], &["--allow-private-addresses"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let checks = &report["checks"];
    assert_eq!(checks["bundle"]["outcome"], "skip");
    assert!(
        checks["bundle"]["details"]
            .as_str()
            .unwrap()
            .starts_with("no bucket configured")
    );
    assert_eq!(checks["names"]["outcome"], "skip");
    assert!(
        checks["names"]["details"]
            .as_str()
            .unwrap()
            .starts_with("no distribution configured")
    );
}
