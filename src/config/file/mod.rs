//! The configuration file, `remote-hands.toml`: environments (their targets, AWS access and
//! expectations) and custom checks. [`FileSettings::load`] finds it (`--config`, else
//! `REMOTE_HANDS_CONFIG`, else `./remote-hands.toml` when present), reads it (capped),
//! parses it with serde (`model.rs`: unknown keys and wrong types refused), validates it
//! (`env.rs`, `checks.rs`) and picks the environment (`--env`, else `REMOTE_HANDS_ENV`, else
//! `default_env`). Every error names `file:line:column` (`position.rs`). The file only fills
//! what neither a flag nor its variable gave ([`FileSettings::fill`]); the custom checks are
//! made ready once the run's values are known (`resolve.rs`).

mod checks;
mod env;
mod http_keys;
mod model;
mod needs;
mod position;
mod resolve;

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;

use self::checks::Pending;
use self::env::EnvValues;
use self::model::FileModel;
use self::position::Source;
use super::{ConfigError, Given};
use crate::cli::CheckArgs;
use crate::cli::inputs::{Input, check};
use crate::report::Labels;

pub use self::resolve::{CustomCheck, CustomKind, RunValues};

/// The file used when neither `--config` nor `REMOTE_HANDS_CONFIG` names one.
pub const DEFAULT_FILE: &str = "remote-hands.toml";
/// Largest configuration file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What the file says for this run: the selected environment's values and the custom checks.
#[derive(Debug, Clone)]
pub struct FileSettings {
    /// The file as messages and labels name it.
    pub name: String,
    /// The environment selected, when the file has environments.
    pub env: Option<String>,
    /// Top-level `max_in_flight` (1..=1000): most checks running at once.
    pub max_in_flight: Option<u32>,
    /// Top-level `tls_warn_days` (0..=365): a certificate expiring sooner warns.
    pub tls_warn_days: Option<u32>,
    values: EnvValues,
    checks: Vec<Pending>,
    /// The inputs the file filled, by id.
    filled: Vec<&'static str>,
}

impl FileSettings {
    /// Finds, reads and validates the configuration file; None when there is none.
    pub(in crate::config) fn load(
        args: &CheckArgs,
        given: Given,
    ) -> Result<Option<FileSettings>, ConfigError> {
        let path = match non_empty_path(&args.config) {
            Some(p) => Some(p),
            None if Path::new(DEFAULT_FILE).is_file() => Some(PathBuf::from(DEFAULT_FILE)),
            None => None,
        };
        let Some(path) = path else {
            if let Some(env) = args.env.as_deref().filter(|e| !e.trim().is_empty()) {
                return Err(ConfigError::new(
                    given.name(check::ENV),
                    format!(
                        "environment {:?} needs a configuration file, and there is none: give {} (or {}), or put {DEFAULT_FILE} in the current folder",
                        crate::text::cap(env, 64),
                        check::CONFIG.flag_name(),
                        check::CONFIG.env.unwrap_or_default()
                    ),
                ));
            }
            return Ok(None);
        };
        let text =
            read_capped(&path).map_err(|e| ConfigError::new(given.name(check::CONFIG), e))?;
        let name = path.display().to_string();
        let src = Source {
            name: &name,
            text: &text,
        };
        let model: FileModel = toml::from_str(&text).map_err(|e| src.parse_error(&e))?;
        let selected = select_env(&src, &model, args, given)?;
        let mut values = EnvValues::default();
        for (env_name, env) in &model.env {
            let v = env::validate(&src, env.get_ref())?;
            if selected.as_deref() == Some(env_name.as_str()) {
                values = v;
            }
        }
        let checks = checks::validate(&src, &model)?;
        let bounded =
            |v: &Option<toml::Spanned<i64>>, range: std::ops::RangeInclusive<i64>, what: &str| {
                v.as_ref()
                    .map(|n| match u32::try_from(*n.get_ref()) {
                        Ok(x) if range.contains(n.get_ref()) => Ok(x),
                        _ => Err(src.error(
                            &n.span(),
                            format!(
                                "{}: expected {what} from {} to {}",
                                n.get_ref(),
                                range.start(),
                                range.end()
                            ),
                        )),
                    })
                    .transpose()
            };
        Ok(Some(FileSettings {
            max_in_flight: bounded(&model.max_in_flight, 1..=1000, "a number of checks at once")?,
            tls_warn_days: bounded(&model.tls_warn_days, 0..=365, "a number of days")?,
            name,
            env: selected,
            values,
            checks,
            filled: Vec::new(),
        }))
    }

    /// `args` with every input that neither its flag nor its variable gave taken from the
    /// file (a clap default counts as not given).
    pub(in crate::config) fn fill(&mut self, args: &CheckArgs, given: Given) -> CheckArgs {
        let mut out = args.clone();
        let v = &self.values;
        let unset = |input: Input| {
            matches!(
                given.0.value_source(input.id),
                None | Some(ValueSource::DefaultValue)
            )
        };
        let mut filled = Vec::new();
        let mut take = |input: Input, slot: &mut Option<String>, value: &Option<String>| {
            if unset(input) && value.is_some() {
                *slot = value.clone();
                filled.push(input.id);
            }
        };
        take(check::API_BASE, &mut out.api_base, &v.api_base);
        take(check::FRONTEND_URL, &mut out.frontend_url, &v.frontend_url);
        take(check::BUCKET, &mut out.bucket, &v.bucket);
        take(
            check::DISTRIBUTION_ID,
            &mut out.distribution_id,
            &v.distribution_id,
        );
        take(check::REGION, &mut out.region, &v.region);
        take(check::PROFILE, &mut out.profile, &v.aws_profile);
        take(check::ENDPOINT_URL, &mut out.endpoint_url, &v.endpoint_url);
        take(
            check::EXPECT_ACCOUNT,
            &mut out.expect_account,
            &v.expect_account,
        );
        take(check::EXPECT_ARN, &mut out.expect_arn, &v.expect_arn);
        take(
            check::ALLOWED_HOSTS,
            &mut out.allowed_hosts,
            &v.allowed_hosts,
        );
        let mut one = |input: Input, slot: &mut String, value: &Option<String>| {
            if let Some(value) = value.as_ref().filter(|_| unset(input)) {
                *slot = value.clone();
                filled.push(input.id);
            }
        };
        one(check::INDEX_KEY, &mut out.index_key, &v.index_key);
        one(check::TIMEOUT, &mut out.timeout, &v.timeout);
        one(check::SLOW_MS, &mut out.slow_ms, &v.slow_ms);
        if let Some(n) = self.max_in_flight.filter(|_| unset(check::MAX_IN_FLIGHT)) {
            out.max_in_flight = n.to_string();
            filled.push(check::MAX_IN_FLIGHT.id);
        }
        if let Some(n) = self.tls_warn_days.filter(|_| unset(check::TLS_WARN_DAYS)) {
            out.tls_warn_days = n.to_string();
            filled.push(check::TLS_WARN_DAYS.id);
        }
        if unset(check::API_PATHS) && !v.api_paths.is_empty() {
            out.api_paths = v.api_paths.clone();
            filled.push(check::API_PATHS.id);
        }
        self.filled = filled;
        out
    }

    /// True when the file gave `input`'s value.
    pub fn filled(&self, input: Input) -> bool {
        self.filled.contains(&input.id)
    }

    /// What the reports call a value the file gave: `remote-hands.toml [env.dev] bucket`.
    pub fn label(&self, key: &str) -> String {
        match &self.env {
            Some(env) => format!("{} [env.{env}] {key}", self.name),
            None => format!("{} {key}", self.name),
        }
    }

    /// `labels` with the targets the file gave named after it.
    pub fn relabel(&self, mut labels: Labels) -> Labels {
        let slots = [
            (check::API_BASE, &mut labels.api_base, "api_base"),
            (check::BUCKET, &mut labels.bucket, "bucket"),
            (
                check::DISTRIBUTION_ID,
                &mut labels.distribution_id,
                "distribution_id",
            ),
            (
                check::FRONTEND_URL,
                &mut labels.frontend_url,
                "frontend_url",
            ),
        ];
        for (input, slot, key) in slots {
            if self.filled(input) {
                *slot = self.label(key);
            }
        }
        labels
    }

    /// The custom checks of the selected environment, ready to run.
    pub fn custom_checks(&self, run: &RunValues) -> Result<Vec<CustomCheck>, ConfigError> {
        resolve::resolve(&self.checks, run)
    }
}

fn non_empty_path(p: &Option<PathBuf>) -> Option<PathBuf> {
    p.as_ref().filter(|p| !p.as_os_str().is_empty()).cloned()
}

/// The file's text: at most [`MAX_FILE_BYTES`], UTF-8.
fn read_capped(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read {shown}: {e}; expected a TOML configuration file"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{shown} is larger than {MAX_FILE_BYTES} bytes; expected a configuration file"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{shown} is not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The environment of this run: `--env` (or `REMOTE_HANDS_ENV`), else `default_env`, else
/// the only one; None when the file has no environment.
fn select_env(
    src: &Source,
    file: &FileModel,
    args: &CheckArgs,
    given: Given,
) -> Result<Option<String>, ConfigError> {
    let known = checks::known_envs(file);
    if let Some(d) = &file.default_env
        && !file.env.contains_key(d.get_ref())
    {
        return Err(src.error(
            &d.span(),
            format!(
                "default_env names unknown environment {:?}; expected one of: {known}",
                crate::text::cap(d.get_ref(), 64)
            ),
        ));
    }
    if let Some(env) = args.env.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        if !file.env.contains_key(env) {
            return Err(ConfigError::new(
                given.name(check::ENV),
                format!(
                    "unknown environment {:?} in {}; expected one of: {known}",
                    crate::text::cap(env, 64),
                    src.name
                ),
            ));
        }
        return Ok(Some(env.to_string()));
    }
    if let Some(d) = &file.default_env {
        return Ok(Some(d.get_ref().clone()));
    }
    match file.env.len() {
        0 => Ok(None),
        1 => Ok(file.env.keys().next().cloned()),
        _ => Err(ConfigError::new(
            given.name(check::ENV),
            format!(
                "{} has several environments ({known}) and no default_env: choose one with {} (or {})",
                src.name,
                check::ENV.flag_name(),
                check::ENV.env.unwrap_or_default()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use crate::cli::{Cli, Command};
    use crate::config::{CheckConfig, ConfigError, CustomKind, Vars};
    use crate::model::{CheckId, RegionSource};

    /// `check --config FILE --json - ARGS` with `toml` as the file, blind to the process
    /// environment; errors with the file's path shown as `remote-hands.toml`.
    fn run(toml: &str, args: &[&str], vars: &[(&str, &str)]) -> Result<CheckConfig, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("remote-hands.toml");
        std::fs::write(&path, toml).unwrap();
        let path = path.to_str().unwrap().to_string();
        let mut argv = vec!["remote-hands", "check", "--config", &path, "--json", "-"];
        argv.extend(args);
        let cli = Cli::command().mut_subcommands(|sub| sub.mut_args(|arg| arg.env(None)));
        let matches = cli.try_get_matches_from(argv).expect("the arguments parse");
        let Command::Check(a) = Cli::from_arg_matches(&matches).unwrap().command else {
            unreachable!()
        };
        let sub = matches.subcommand().unwrap().1;
        let vars = Vars::from_iter(vars.iter().copied());
        CheckConfig::from_args(&a, sub, &vars)
            .map_err(|e: ConfigError| e.to_string().replace(&path, "remote-hands.toml"))
    }

    fn error(toml: &str) -> String {
        run(toml, &[], &[]).unwrap_err()
    }

    const DEV: &str = "[env.dev]\napi_base = \"https://api.dev.example.com\"\n";

    #[test]
    fn the_example_loads_in_every_environment() {
        let example = include_str!("../../../examples/remote-hands.toml");
        let vars = [("LOGIN_TOKEN", "t0ken-value")];
        for env in ["dev", "staging", "prod"] {
            let c = run(example, &["--env", env], &vars).unwrap_or_else(|e| panic!("{env}: {e}"));
            assert_eq!(c.environment.as_deref(), Some(env));
            assert!(c.bucket.as_deref().unwrap().starts_with(env), "{env}");
            let ids: Vec<String> = c.custom_checks.iter().map(|c| c.id.to_string()).collect();
            let expected: &[&str] = match env {
                "dev" => &["login_page", "app_bundle"],
                "staging" => &["login_page", "status_json", "app_bundle"],
                _ => &["login_page", "status_json", "app_bundle", "site_aliases"],
            };
            assert_eq!(ids, expected, "{env}");
            let file = c.file.as_ref().unwrap();
            assert_eq!(
                (file.max_in_flight, file.tls_warn_days),
                (Some(8), Some(21))
            );
            let label = format!("/remote-hands.toml [env.{env}] bucket");
            assert!(c.labels.bucket.ends_with(&label), "{}", c.labels.bucket);
        }
        let dev = run(example, &[], &vars).unwrap();
        assert_eq!(dev.environment.as_deref(), Some("dev"), "default_env");
        assert_eq!(dev.slow.as_millis(), 3000);
        assert_eq!(dev.region, Some(("us-east-1".into(), RegionSource::File)));
        assert_eq!(dev.profile.as_ref().unwrap().name, "dev");
        let CustomKind::Http(login) = &dev.custom_checks[0].kind else {
            panic!("an HTTP check")
        };
        assert_eq!(login.url.as_str(), "https://api.dev.example.com/login");
        assert_eq!(login.expect.status, [200, 302]);
        assert_eq!(login.expect.warn_after.as_millis(), 500);
        assert!(login.headers[0].1.is_sensitive());
        assert_eq!(dev.custom_checks[0].needs, [CheckId::api("/health")]);
        let prod = run(example, &["--env", "prod"], &vars).unwrap();
        assert_eq!(prod.timeout.as_secs(), 15);
        assert_eq!(prod.expect_account.as_deref(), Some("111122223333"));
        assert!(!prod.url_policy.allowed_hosts.is_empty());
        let CustomKind::CloudfrontAliases(aliases) = &prod.custom_checks[3].kind else {
            panic!("an aliases check")
        };
        assert_eq!(aliases, &["www.example.com", "example.com"]);
    }

    #[test]
    fn max_in_flight_comes_from_the_file_unless_the_flag_gives_it() {
        let toml = format!("max_in_flight = 7\n{DEV}");
        assert_eq!(run(&toml, &[], &[]).unwrap().max_in_flight, 7);
        let c = run(&toml, &["--max-in-flight", "3"], &[]).unwrap();
        assert_eq!(c.max_in_flight, 3);
        assert_eq!(run(DEV, &[], &[]).unwrap().max_in_flight, 32);
    }

    #[test]
    fn tls_warn_days_comes_from_the_file_unless_the_flag_gives_it() {
        let toml = format!("tls_warn_days = 30\n{DEV}");
        assert_eq!(run(&toml, &[], &[]).unwrap().tls_warn_days, 30);
        let c = run(&toml, &["--tls-warn-days", "3"], &[]).unwrap();
        assert_eq!(c.tls_warn_days, 3);
        assert_eq!(run(DEV, &[], &[]).unwrap().tls_warn_days, 14);
    }

    #[test]
    fn flags_beat_the_file_and_clap_defaults_do_not() {
        let toml =
            format!("{DEV}bucket = \"file-bucket\"\nindex_key = \"app.html\"\ntimeout = 7\n");
        let c = run(&toml, &["--bucket", "flag-bucket", "--timeout", "3"], &[]).unwrap();
        assert_eq!(c.bucket.as_deref(), Some("flag-bucket"));
        assert_eq!(c.labels.bucket, "--bucket");
        assert_eq!(c.timeout.as_secs(), 3);
        assert_eq!(
            c.index_key, "app.html",
            "the clap default does not count as given"
        );
        assert!(
            c.labels
                .api_base
                .ends_with("/remote-hands.toml [env.dev] api_base")
        );
        let c = run(&toml, &["--environment", "blue"], &[]).unwrap();
        assert_eq!(c.environment.as_deref(), Some("blue"));
        assert_eq!(c.timeout.as_secs(), 7);
    }

    #[test]
    fn the_file_beats_the_fallback_variables() {
        let toml = format!("{DEV}region = \"eu-west-3\"\n");
        let vars = [
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("VITE_API_BASE", "http://127.0.0.1:1"),
        ];
        let c = run(&toml, &[], &vars).unwrap();
        assert_eq!(c.region, Some(("eu-west-3".into(), RegionSource::File)));
        assert_eq!(c.api_base.unwrap().as_str(), "https://api.dev.example.com/");
    }

    #[test]
    fn syntax_type_and_key_errors_name_line_column_and_what_was_expected() {
        let cases: &[(&str, &str)] = &[
            (
                "[[check]]\nid = \"login_page\"\nurl = \"/login\"\nmethd = \"GET\"\n",
                "remote-hands.toml:4:1: unknown key `methd` in [[check]] \"login_page\", expected one of: id, kind, envs, needs, url, method, headers, expect_status, body_contains, json, warn_ms, key, content_type, cache_control, aliases",
            ),
            (
                "[env.dev]\nbuckett = \"x\"\n",
                "remote-hands.toml:2:1: unknown key `buckett` in [env.dev], expected one of: api_base, api_paths, frontend_url, bucket, index_key, distribution_id, region, aws_profile, endpoint_url, expect_account, expect_arn, allowed_hosts, timeout, slow_ms",
            ),
            (
                "[[check]]\nid = \"a\"\nurl = \"/\"\nexpect_status = \"200\"\n",
                "remote-hands.toml:4:17: wrong type: string \"200\" in [[check]] \"a\", expected a sequence",
            ),
            (
                "[[check]]\nid = \"a\"\nkind = \"ftp\"\n",
                "remote-hands.toml:3:8: unknown variant `ftp` in [[check]] \"a\", expected one of: http, s3_object, cloudfront_aliases",
            ),
            (
                "a = [\n",
                "remote-hands.toml:1:6: unclosed array in the top level, expected `]`",
            ),
            (
                "timeout = 5\n",
                "remote-hands.toml:1:1: unknown key `timeout` in the top level, expected one of: default_env, max_in_flight, tls_warn_days, env, check",
            ),
        ];
        for (toml, expected) in cases {
            let e = error(toml);
            assert!(
                e.starts_with(expected),
                "{toml}\n got: {e}\nwant: {expected}"
            );
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn semantic_errors_name_line_column_and_what_was_expected() {
        let http = |rest: &str| format!("{DEV}[[check]]\nid = \"a\"\nurl = \"/x\"\n{rest}");
        let cases: Vec<(String, &str)> = vec![
            (
                format!(
                    "{DEV}[[check]]\nid = \"a\"\nurl = \"/\"\n[[check]]\nid = \"a\"\nurl = \"/\"\n"
                ),
                "remote-hands.toml:7:6: duplicate check id \"a\" (first at line 4); expected each id once",
            ),
            (
                format!("{DEV}[[check]]\nid = \"Login\"\nurl = \"/\"\n"),
                "remote-hands.toml:4:6: \"Login\" is not a check id; expected a lower-case letter",
            ),
            (
                format!("{DEV}[[check]]\nid = \"oidc\"\nurl = \"/\"\n"),
                "remote-hands.toml:4:6: \"oidc\" is a built-in check",
            ),
            (
                format!("{DEV}[[check]]\nid = \"api_health\"\nurl = \"/\"\n"),
                "remote-hands.toml:4:6: \"api_health\" starts with api_, which names the API checks (--api-path)",
            ),
            (
                http("envs = [\"dev\", \"qa\"]\n"),
                "remote-hands.toml:6:16: unknown environment \"qa\"; expected one of: dev",
            ),
            (
                http("needs = [\"nope\"]\n"),
                "remote-hands.toml:6:10: unknown check \"nope\" in needs; expected one of: oidc, s3_read, cloudfront, frontend, a",
            ),
            (
                http("needs = [\"api_nope\"]\n"),
                "remote-hands.toml:6:10: needs \"api_nope\", which is not a check of this run in environment dev; expected one of: oidc, s3_read, cloudfront, frontend, api_health, api_hello, a",
            ),
            (
                format!(
                    "{DEV}[[check]]\nid = \"a\"\nurl = \"/\"\nneeds = [\"b\"]\n[[check]]\nid = \"b\"\nurl = \"/\"\nneeds = [\"a\"]\n"
                ),
                "remote-hands.toml:10:10: needs cycle: a → b → a; expected checks that do not need each other in a loop",
            ),
            (
                http("expect_status = [200, 700]\n"),
                "remote-hands.toml:6:23: 700 is not an HTTP status code; expected 100 to 599",
            ),
            (
                http("json = { \"status\" = 1 }\n"),
                "remote-hands.toml:6:21: \"status\" is not a JSON pointer: it must start with /",
            ),
            (
                http("json = { \"/a~2\" = 1 }\n"),
                "remote-hands.toml:6:19: \"/a~2\" is not a JSON pointer: ~ must be followed by 0 or 1",
            ),
            (
                http("headers = { Authorization = \"Bearer abc\" }\n"),
                "remote-hands.toml:6:29: header Authorization: a value written in the file; header values are secrets",
            ),
            (
                http("headers = { \"X Y\" = { env = \"T\" } }\n"),
                "remote-hands.toml:6:21: \"X Y\" is not a header name",
            ),
            (
                http("method = \"get\"\n"),
                "remote-hands.toml:6:10: \"get\" is not an HTTP method",
            ),
            (
                http("key = \"a.js\"\n"),
                "remote-hands.toml:6:7: key `key` does not belong to a check of kind = \"http\"",
            ),
            (
                http("warn_ms = 0\n"),
                "remote-hands.toml:6:11: 0 ms: expected a whole number of milliseconds from 1 to 3600000",
            ),
            (
                format!("{DEV}[[check]]\nid = \"o\"\nkind = \"s3_object\"\n"),
                "remote-hands.toml:4:6: check \"o\" of kind = \"s3_object\" has no `key`",
            ),
            (
                format!(
                    "{DEV}[[check]]\nid = \"c\"\nkind = \"cloudfront_aliases\"\naliases = []\n"
                ),
                "remote-hands.toml:6:11: an empty list; expected at least one host name",
            ),
            (
                "[env.dev]\n[[check]]\nid = \"a\"\nurl = \"/x\"\n".to_string(),
                "remote-hands.toml:4:7: \"/x\" is a path under api_base, but [env.dev] has no api_base",
            ),
            (
                "[env.dev]\nbucket = \"Bad_Bucket\"\n".to_string(),
                "remote-hands.toml:2:10: \"Bad_Bucket\" is not a valid S3 bucket name",
            ),
            (
                "[env.dev]\nregion = \"US_EAST\"\n".to_string(),
                "remote-hands.toml:2:10: \"US_EAST\"",
            ),
            (
                "[env.dev]\ntimeout = 0\n".to_string(),
                "remote-hands.toml:2:11: 0 seconds: must be more than 0",
            ),
            (
                format!("max_in_flight = 0\n{DEV}"),
                "remote-hands.toml:1:17: 0: expected a number of checks at once from 1 to 1000",
            ),
            (
                format!("tls_warn_days = 400\n{DEV}"),
                "remote-hands.toml:1:17: 400: expected a number of days from 0 to 365",
            ),
            (
                format!("default_env = \"qa\"\n{DEV}"),
                "remote-hands.toml:1:15: default_env names unknown environment \"qa\"; expected one of: dev",
            ),
            (
                format!("{DEV}[env.prod]\n"),
                "--env: remote-hands.toml has several environments (dev, prod) and no default_env",
            ),
        ];
        for (toml, expected) in &cases {
            let e = error(toml);
            assert!(
                e.starts_with(expected),
                "{toml}\n got: {e}\nwant: {expected}"
            );
        }
    }

    #[test]
    fn the_environment_must_be_one_of_the_file() {
        let e = run(DEV, &["--env", "qa"], &[]).unwrap_err();
        assert_eq!(
            e,
            "--env: unknown environment \"qa\" in remote-hands.toml; expected one of: dev"
        );
    }

    #[test]
    fn a_header_variable_must_be_set_and_its_value_is_never_shown() {
        let toml = format!(
            "{DEV}[[check]]\nid = \"a\"\nurl = \"/\"\nheaders = {{ Authorization = {{ env = \"TOK\" }} }}\n"
        );
        let e = run(&toml, &[], &[]).unwrap_err();
        assert_eq!(
            e,
            "remote-hands.toml:6:29: check \"a\": header authorization takes its value from $TOK, which is not set; expected the variable set (its value is never shown)"
        );
        let e = run(&toml, &[], &[("TOK", "sec\nret-value")]).unwrap_err();
        assert!(e.contains("$TOK does not hold a valid header value"), "{e}");
        assert!(!e.contains("ret-value"), "{e}");
        let c = run(&toml, &[], &[("TOK", "Bearer s3cret-token")]).unwrap();
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "Debug shows no secret"
        );
    }

    #[test]
    fn no_file_with_env_and_a_missing_file_are_errors() {
        let cli = Cli::command().mut_subcommands(|sub| sub.mut_args(|arg| arg.env(None)));
        let argv = ["remote-hands", "check", "--env", "dev", "--bucket", "abc"];
        let matches = cli.try_get_matches_from(argv).unwrap();
        let Command::Check(a) = Cli::from_arg_matches(&matches).unwrap().command else {
            unreachable!()
        };
        let e = CheckConfig::from_args(&a, matches.subcommand().unwrap().1, &Vars::default());
        assert_eq!(
            e.unwrap_err().to_string(),
            "--env: environment \"dev\" needs a configuration file, and there is none: give --config (or REMOTE_HANDS_CONFIG), or put remote-hands.toml in the current folder"
        );
        let cli = Cli::command().mut_subcommands(|sub| sub.mut_args(|arg| arg.env(None)));
        let argv = ["remote-hands", "check", "--config", "/nonexistent/rh.toml"];
        let matches = cli.try_get_matches_from(argv).unwrap();
        let Command::Check(a) = Cli::from_arg_matches(&matches).unwrap().command else {
            unreachable!()
        };
        let e = CheckConfig::from_args(&a, matches.subcommand().unwrap().1, &Vars::default());
        assert!(
            e.unwrap_err()
                .to_string()
                .starts_with("--config: cannot read /nonexistent/rh.toml: "),
        );
    }

    #[test]
    fn a_file_larger_than_the_cap_is_refused() {
        let big = format!("# {}\n", "x".repeat(super::MAX_FILE_BYTES as usize));
        assert!(
            error(&big).ends_with("bytes; expected a configuration file"),
            "{}",
            error(&big)
        );
    }
}
