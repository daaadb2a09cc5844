//! Every input's names, written once: the id clap knows it by, its long flag and the
//! environment variable clap reads it from. The `#[arg]` attributes of [`super`] take their
//! names from here, and so do `config`'s error messages and the report's labels, so a
//! flag or a variable cannot be renamed in one place and not in the other. Variables that
//! `config` reads itself (fallbacks, switches, the runner's files) are here too.

/// One input of the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The id of the argument in clap's matches.
    pub id: &'static str,
    /// The long flag, without `--`.
    pub long: &'static str,
    /// The environment variable clap reads when the flag is absent.
    pub env: Option<&'static str>,
}

impl Input {
    const fn flag(id: &'static str, long: &'static str) -> Input {
        Input {
            id,
            long,
            env: None,
        }
    }

    const fn or_env(self, var: &'static str) -> Input {
        Input {
            env: Some(var),
            ..self
        }
    }

    /// `--long`, as messages name the flag.
    pub fn flag_name(&self) -> String {
        format!("--{}", self.long)
    }
}

/// The inputs of `check`.
pub mod check {
    use super::Input;

    pub const API_BASE: Input = Input::flag("api_base", "api-base").or_env("API_BASE");
    /// Read when neither `--api-base` nor `API_BASE` is given (the name a Vite app uses).
    pub const VITE_API_BASE: &str = "VITE_API_BASE";
    pub const API_PATHS: Input = Input::flag("api_paths", "api-path").or_env("API_PATHS");
    pub const FRONTEND_URL: Input =
        Input::flag("frontend_url", "frontend-url").or_env("FRONTEND_BASE_URL");
    pub const BUCKET: Input = Input::flag("bucket", "bucket").or_env("S3_BUCKET");
    pub const INDEX_KEY: Input = Input::flag("index_key", "index-key").or_env("S3_INDEX_KEY");
    pub const DISTRIBUTION_ID: Input =
        Input::flag("distribution_id", "distribution-id").or_env("CLOUDFRONT_DISTRIBUTION_ID");
    pub const REGION: Input = Input::flag("region", "region").or_env("AWS_REGION");
    /// Read when neither `--region` nor `AWS_REGION` is given.
    pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
    pub const PROFILE: Input = Input::flag("profile", "profile").or_env("AWS_PROFILE");
    pub const ENDPOINT_URL: Input =
        Input::flag("endpoint_url", "endpoint-url").or_env("AWS_ENDPOINT_URL");
    pub const EXPECT_ACCOUNT: Input =
        Input::flag("expect_account", "expect-account").or_env("EXPECT_AWS_ACCOUNT");
    pub const EXPECT_ARN: Input = Input::flag("expect_arn", "expect-arn").or_env("EXPECT_AWS_ARN");
    pub const CORRELATION_ID: Input =
        Input::flag("correlation_id", "correlation-id").or_env("CORRELATION_ID");
    pub const REQUESTER: Input = Input::flag("requester", "requester").or_env("REQUESTER");
    /// Where the requester comes from when none is given, the first set one winning.
    pub const REQUESTER_DEFAULTS: [&str; 3] = ["GITHUB_ACTOR", "USER", "USERNAME"];
    pub const ENVIRONMENT: Input =
        Input::flag("environment", "environment").or_env("DIAGNOSE_ENVIRONMENT");
    pub const ALLOWED_HOSTS: Input =
        Input::flag("allowed_hosts", "allowed-hosts").or_env("REMOTE_HANDS_ALLOWED_HOSTS");
    pub const ALLOW_PRIVATE_ADDRESSES: Input =
        Input::flag("allow_private_addresses", "allow-private-addresses");
    /// The switch variable of `--allow-private-addresses` (true, false, 1, 0, yes, no).
    pub const ALLOW_PRIVATE_ADDRESSES_VAR: &str = "REMOTE_HANDS_ALLOW_PRIVATE_ADDRESSES";
    pub const REQUIRE_ALLOWED_HOSTS: Input =
        Input::flag("require_allowed_hosts", "require-allowed-hosts");
    /// The switch variable of `--require-allowed-hosts`.
    pub const REQUIRE_ALLOWED_HOSTS_VAR: &str = "REMOTE_HANDS_REQUIRE_ALLOWED_HOSTS";
    pub const SUMMARY: Input = Input::flag("summary", "summary").or_env("GITHUB_STEP_SUMMARY");
    pub const JSON: Input = Input::flag("json", "json");
    pub const TIMEOUT: Input = Input::flag("timeout", "timeout");
    pub const SLOW_MS: Input = Input::flag("slow_ms", "slow-ms");
    pub const MAX_IN_FLIGHT: Input =
        Input::flag("max_in_flight", "max-in-flight").or_env("REMOTE_HANDS_MAX_IN_FLIGHT");
    pub const TLS_WARN_DAYS: Input =
        Input::flag("tls_warn_days", "tls-warn-days").or_env("REMOTE_HANDS_TLS_WARN_DAYS");
    pub const CA_CERT: Input = Input::flag("ca_cert", "ca-cert").or_env("REMOTE_HANDS_CA_CERT");
    pub const FAIL_ON: Input = Input::flag("fail_on", "fail-on");
    pub const FORMAT: Input = Input::flag("format", "format");
    pub const BASELINE: Input = Input::flag("baseline", "baseline").or_env("REMOTE_HANDS_BASELINE");
    pub const REGRESSION_PCT: Input =
        Input::flag("regression_pct", "regression-pct").or_env("REMOTE_HANDS_REGRESSION_PCT");
    pub const REGRESSION_MS: Input =
        Input::flag("regression_ms", "regression-ms").or_env("REMOTE_HANDS_REGRESSION_MS");
    /// The configuration file (else `./remote-hands.toml` when present).
    pub const CONFIG: Input = Input::flag("config", "config").or_env("REMOTE_HANDS_CONFIG");
    /// The environment of the configuration file to check.
    pub const ENV: Input = Input::flag("env", "env").or_env("REMOTE_HANDS_ENV");
    /// Set by the GitHub Actions runner: the run writes annotations and step outputs.
    pub const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
    /// The runner's step-outputs file.
    pub const GITHUB_OUTPUT: &str = "GITHUB_OUTPUT";
    /// The event that started the workflow (`repository_dispatch`, `workflow_dispatch`…).
    pub const GITHUB_EVENT_NAME: &str = "GITHUB_EVENT_NAME";
}

/// The inputs `dispatch` and `result` share.
pub mod github {
    use super::Input;

    pub const REPO: Input = Input::flag("repo", "repo").or_env("GITHUB_REPOSITORY");
    pub const API_URL: Input = Input::flag("api_url", "api-url").or_env("GITHUB_API_URL");
    pub const WORKFLOW: Input = Input::flag("workflow", "workflow");
    pub const ARTIFACT_NAME: Input = Input::flag("artifact_name", "artifact-name");
    pub const FORMAT: Input = Input::flag("format", "format");
    pub const DISCORD_WEBHOOK: Input =
        Input::flag("discord_webhook", "discord-webhook").or_env("DISCORD_WEBHOOK_URL");
    /// The token, first choice.
    pub const GITHUB_TOKEN: &str = "GITHUB_TOKEN";
    /// The token, second choice (the GitHub CLI's name).
    pub const GH_TOKEN: &str = "GH_TOKEN";
    /// Multiplies every wait (tests and benchmarks).
    pub const TIME_SCALE: &str = "REMOTE_HANDS_TIME_SCALE";
}

/// The inputs of `baseline fetch` (beside `github::REPO`, `API_URL`, `WORKFLOW` and
/// `ARTIFACT_NAME`).
pub mod baseline {
    use super::Input;

    pub const OUT: Input = Input::flag("out", "out");
    pub const BRANCH: Input = Input::flag("branch", "branch");
    /// The runner's workflow reference (`OWNER/REPO/.github/workflows/FILE@REF`): the
    /// workflow when `--workflow` is not given.
    pub const GITHUB_WORKFLOW_REF: &str = "GITHUB_WORKFLOW_REF";
    /// The branch when `--branch` is not given: the pull request's head branch, else the
    /// branch or tag that started the run.
    pub const BRANCH_DEFAULTS: [&str; 2] = ["GITHUB_HEAD_REF", "GITHUB_REF_NAME"];
    /// The run asking, never its own baseline.
    pub const GITHUB_RUN_ID: &str = "GITHUB_RUN_ID";
}

/// The inputs of `dispatch`.
pub mod dispatch {
    use super::Input;

    pub const VIA: Input = Input::flag("via", "via");
    pub const GIT_REF: Input = Input::flag("git_ref", "ref");
    pub const CORRELATION_ID: Input = Input::flag("correlation_id", "correlation-id");
    pub const REQUESTER: Input = Input::flag("requester", "requester");
    /// Where the requester comes from when none is given, the first set one winning.
    pub const REQUESTER_DEFAULTS: [&str; 2] = ["USER", "USERNAME"];
    pub const CHANNEL_ID: Input = Input::flag("channel_id", "channel-id");
    pub const THREAD_ID: Input = Input::flag("thread_id", "thread-id");
    pub const FRONTEND_URL: Input = Input::flag("frontend_url", "frontend-url");
    pub const API_BASE: Input = Input::flag("api_base", "api-base");
    pub const NO_WAIT: Input = Input::flag("no_wait", "no-wait");
    pub const TIMEOUT: Input = Input::flag("timeout", "timeout");
    pub const QUEUE_TIMEOUT: Input = Input::flag("queue_timeout", "queue-timeout");
    pub const CANCEL_ON_TIMEOUT: Input = Input::flag("cancel_on_timeout", "cancel-on-timeout");
}

/// The inputs of `result`.
pub mod result {
    use super::Input;

    /// The positional argument: its id, and the name help and messages give it.
    pub const RUN: &str = "run";
    pub const RUN_VALUE_NAME: &str = "RUN_ID|RUN_URL|CORRELATION_ID";
    pub const WAIT: Input = Input::flag("wait", "wait");
    pub const TIMEOUT: Input = Input::flag("timeout", "timeout");
}

/// The inputs of the Discord commands (`discord register`, `discord serve`).
pub mod discord {
    use super::Input;

    /// The bot's token, read from the environment only (never a flag: it is a secret).
    pub const BOT_TOKEN: &str = "DISCORD_BOT_TOKEN";
    pub const APPLICATION_ID: Input =
        Input::flag("application_id", "application-id").or_env("DISCORD_APPLICATION_ID");
    pub const API_URL: Input =
        Input::flag("discord_api_url", "discord-api-url").or_env("DISCORD_API_URL");
    pub const GUILD: Input = Input::flag("guild", "guild");
    pub const DRY_RUN: Input = Input::flag("dry_run", "dry-run");
    pub const LISTEN: Input = Input::flag("listen", "listen").or_env("DISCORD_LISTEN");
    pub const PUBLIC_KEY: Input =
        Input::flag("public_key", "public-key").or_env("DISCORD_PUBLIC_KEY");
    pub const ALLOWED_GUILDS: Input =
        Input::flag("allowed_guilds", "allowed-guilds").or_env("DISCORD_ALLOWED_GUILDS");
    pub const ALLOWED_CHANNELS: Input =
        Input::flag("allowed_channels", "allowed-channels").or_env("DISCORD_ALLOWED_CHANNELS");
    pub const ALLOWED_ROLES: Input =
        Input::flag("allowed_roles", "allowed-roles").or_env("DISCORD_ALLOWED_ROLES");
    pub const ALLOWED_USERS: Input =
        Input::flag("allowed_users", "allowed-users").or_env("DISCORD_ALLOWED_USERS");
    pub const ALLOW_EVERYONE: Input = Input::flag("allow_everyone", "allow-everyone");
    /// The switch variable of `--allow-everyone` (true, false, 1, 0, yes, no).
    pub const ALLOW_EVERYONE_VAR: &str = "DISCORD_ALLOW_EVERYONE";
    pub const RATE_LIMIT: Input =
        Input::flag("rate_limit", "rate-limit").or_env("DISCORD_RATE_LIMIT");
    pub const MAX_RUNNING: Input =
        Input::flag("max_running", "max-running").or_env("DISCORD_MAX_RUNNING");
    pub const ALLOWED_HOSTS: Input =
        Input::flag("allowed_hosts", "allowed-hosts").or_env("DIAGNOSE_ALLOWED_HOSTS");
    pub const AUDIT_LOG: Input = Input::flag("audit_log", "audit-log").or_env("DISCORD_AUDIT_LOG");
    pub const REPORT: Input = Input::flag("report", "report");
    pub const CHANNEL_ID: Input = Input::flag("channel_id", "channel-id");
    pub const THREAD_ID: Input = Input::flag("thread_id", "thread-id");
    pub const RUN_URL: Input = Input::flag("run_url", "run-url");
}

/// The inputs of `verify-latest` (and of `discord serve`'s `/verify-latest`).
pub mod verify {
    use super::Input;

    /// The positional argument: its id, and the name help and messages give it.
    pub const RUN: &str = "run";
    pub const RUN_VALUE_NAME: &str = "RUN_ID|RUN_URL";
    pub const DEPLOY_WORKFLOW: Input =
        Input::flag("deploy_workflow", "deploy-workflow").or_env("DEPLOY_WORKFLOW");
    pub const DIAGNOSE: Input = Input::flag("diagnose", "diagnose");
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    /// Each command's inputs, as the table gives them.
    fn table() -> Vec<(&'static str, Vec<Input>)> {
        let github = [
            github::REPO,
            github::API_URL,
            github::WORKFLOW,
            github::ARTIFACT_NAME,
            github::FORMAT,
            github::DISCORD_WEBHOOK,
        ];
        let mut dispatch_inputs = vec![
            dispatch::VIA,
            dispatch::GIT_REF,
            dispatch::CORRELATION_ID,
            dispatch::REQUESTER,
            dispatch::CHANNEL_ID,
            dispatch::THREAD_ID,
            dispatch::FRONTEND_URL,
            dispatch::API_BASE,
            dispatch::NO_WAIT,
            dispatch::TIMEOUT,
            dispatch::QUEUE_TIMEOUT,
            dispatch::CANCEL_ON_TIMEOUT,
        ];
        dispatch_inputs.extend(github);
        let mut result_inputs = vec![result::WAIT, result::TIMEOUT];
        result_inputs.extend(github);
        let check_inputs = vec![
            check::API_BASE,
            check::API_PATHS,
            check::FRONTEND_URL,
            check::BUCKET,
            check::INDEX_KEY,
            check::DISTRIBUTION_ID,
            check::REGION,
            check::PROFILE,
            check::ENDPOINT_URL,
            check::EXPECT_ACCOUNT,
            check::EXPECT_ARN,
            check::CORRELATION_ID,
            check::REQUESTER,
            check::ENVIRONMENT,
            check::ALLOWED_HOSTS,
            check::ALLOW_PRIVATE_ADDRESSES,
            check::REQUIRE_ALLOWED_HOSTS,
            check::SUMMARY,
            check::JSON,
            check::TIMEOUT,
            check::SLOW_MS,
            check::MAX_IN_FLIGHT,
            check::TLS_WARN_DAYS,
            check::CA_CERT,
            check::FAIL_ON,
            check::FORMAT,
            check::BASELINE,
            check::REGRESSION_PCT,
            check::REGRESSION_MS,
            check::CONFIG,
            check::ENV,
        ];
        vec![
            ("check", check_inputs),
            ("dispatch", dispatch_inputs),
            ("result", result_inputs),
        ]
    }

    #[test]
    fn every_input_is_the_argument_clap_parses_and_every_argument_is_in_the_table() {
        let cli = Cli::command();
        for (command, inputs) in table() {
            let sub = cli.find_subcommand(command).unwrap();
            for input in &inputs {
                let arg = sub
                    .get_arguments()
                    .find(|a| a.get_id() == input.id)
                    .unwrap_or_else(|| panic!("{command}: no argument {}", input.id));
                assert_eq!(arg.get_long(), Some(input.long), "{command} {}", input.id);
                assert_eq!(
                    arg.get_env().and_then(|v| v.to_str()),
                    input.env,
                    "{command} {}",
                    input.id
                );
            }
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                let known = inputs.iter().any(|i| i.id == id)
                    || ["verbose", "help", "version", result::RUN].contains(&id);
                assert!(known, "{command}: --{id} is not in the table");
            }
        }
        let run = cli.find_subcommand("result").unwrap().get_arguments();
        let run = run
            .filter(|a| a.get_id() == result::RUN)
            .collect::<Vec<_>>();
        assert_eq!(
            run[0].get_value_names().unwrap()[0].as_str(),
            result::RUN_VALUE_NAME
        );
    }

    #[test]
    fn every_variable_is_named_in_the_help_of_its_command() {
        let mut cli = Cli::command();
        let help = |cli: &mut clap::Command, command: &str| {
            cli.find_subcommand_mut(command)
                .unwrap()
                .render_long_help()
                .to_string()
        };
        let check_help = help(&mut cli, "check");
        let dispatch_help = help(&mut cli, "dispatch");
        let mut named = vec![
            (&check_help, check::VITE_API_BASE),
            (&check_help, check::AWS_DEFAULT_REGION),
            (&check_help, check::ALLOW_PRIVATE_ADDRESSES_VAR),
            (&check_help, check::REQUIRE_ALLOWED_HOSTS_VAR),
            (&check_help, check::GITHUB_OUTPUT),
            (&dispatch_help, github::GITHUB_TOKEN),
            (&dispatch_help, github::GH_TOKEN),
        ];
        for (command, inputs) in table() {
            let text = if command == "check" {
                &check_help
            } else {
                &dispatch_help
            };
            named.extend(inputs.iter().filter_map(|i| i.env).map(|var| (text, var)));
        }
        for (text, var) in named {
            assert!(text.contains(var), "the help does not name {var}");
        }
    }

    #[test]
    fn the_baseline_fetch_inputs_are_the_arguments_clap_parses() {
        use clap::Args;

        let inputs = [
            baseline::OUT,
            baseline::BRANCH,
            github::REPO,
            github::API_URL,
            github::WORKFLOW,
            github::ARTIFACT_NAME,
        ];
        let mut sub = crate::cli::BaselineFetchArgs::augment_args(clap::Command::new("fetch"));
        for input in &inputs {
            let arg = sub.get_arguments().find(|a| a.get_id() == input.id);
            let arg = arg.unwrap_or_else(|| panic!("no argument {}", input.id));
            assert_eq!(arg.get_long(), Some(input.long), "{}", input.id);
            assert_eq!(
                arg.get_env().and_then(|v| v.to_str()),
                input.env,
                "{}",
                input.id
            );
        }
        for arg in sub.get_arguments() {
            let id = arg.get_id().as_str();
            assert!(
                inputs.iter().any(|i| i.id == id),
                "--{id} is not in the table"
            );
        }
        let help = sub.render_long_help().to_string();
        for var in [baseline::GITHUB_WORKFLOW_REF]
            .into_iter()
            .chain(baseline::BRANCH_DEFAULTS)
            .chain(inputs.iter().filter_map(|i| i.env))
        {
            assert!(help.contains(var), "the help does not name {var}");
        }
    }

    /// The Discord commands' inputs, as the table gives them, against the arguments of
    /// `discord register`, and of `discord serve` and `verify-latest` as clap would build them.
    #[test]
    fn the_discord_commands_inputs_are_the_arguments_clap_parses() {
        use clap::Args;

        use crate::cli::{ServeArgs, VerifyLatestArgs};

        let github_inputs = [
            github::REPO,
            github::API_URL,
            github::WORKFLOW,
            github::ARTIFACT_NAME,
            github::FORMAT,
            github::DISCORD_WEBHOOK,
        ];
        let run = [dispatch::VIA, dispatch::TIMEOUT, dispatch::QUEUE_TIMEOUT];
        let app = [discord::APPLICATION_ID, discord::API_URL];
        let register = [&app[..], &[discord::GUILD, discord::DRY_RUN]].concat();
        let serve = [
            discord::LISTEN,
            discord::PUBLIC_KEY,
            discord::ALLOWED_GUILDS,
            discord::ALLOWED_CHANNELS,
            discord::ALLOWED_ROLES,
            discord::ALLOWED_USERS,
            discord::ALLOW_EVERYONE,
            discord::RATE_LIMIT,
            discord::MAX_RUNNING,
            discord::ALLOWED_HOSTS,
            discord::AUDIT_LOG,
            verify::DEPLOY_WORKFLOW,
        ];
        let serve = [&serve[..], &app, &run, &github_inputs[..4]].concat();
        let verify_inputs = [
            &[verify::DEPLOY_WORKFLOW, verify::DIAGNOSE][..],
            &run,
            &github_inputs,
        ];
        let verify_inputs = verify_inputs.concat();
        let mut cli = Cli::command();
        let group = cli.find_subcommand_mut("discord").unwrap();
        let commands = [
            (
                "register",
                group.find_subcommand_mut("register").unwrap().clone(),
                register,
            ),
            (
                "serve",
                ServeArgs::augment_args(clap::Command::new("serve")),
                serve,
            ),
            (
                "verify-latest",
                VerifyLatestArgs::augment_args(clap::Command::new("verify-latest")),
                verify_inputs,
            ),
        ];
        for (command, mut sub, inputs) in commands {
            for input in &inputs {
                let arg = sub.get_arguments().find(|a| a.get_id() == input.id);
                let arg = arg.unwrap_or_else(|| panic!("{command}: no argument {}", input.id));
                assert_eq!(arg.get_long(), Some(input.long), "{command} {}", input.id);
                let env = arg.get_env().and_then(|v| v.to_str());
                assert_eq!(env, input.env, "{command} {}", input.id);
            }
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                let known = inputs.iter().any(|i| i.id == id)
                    || ["verbose", "help", "version", verify::RUN].contains(&id);
                assert!(known, "{command}: --{id} is not in the table");
            }
            let help = sub.render_long_help().to_string();
            for var in inputs.iter().filter_map(|i| i.env) {
                assert!(
                    help.contains(var),
                    "{command}: the help does not name {var}"
                );
            }
            let extra: &[&str] = match command {
                "register" => &[discord::BOT_TOKEN],
                "serve" => &[discord::ALLOW_EVERYONE_VAR],
                _ => &[],
            };
            for var in extra {
                let text = format!(
                    "{help}{}",
                    sub.get_after_help()
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                );
                assert!(
                    text.contains(var),
                    "{command}: the help does not name {var}"
                );
            }
        }
    }
}
