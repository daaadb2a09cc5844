//! Integration tests of the `remote-hands` binary against real parts: HTTP servers on
//! 127.0.0.1, a real `moto_server`, a stateful fake of the GitHub API, and `act` running
//! the real action and workflows. One test binary; one theme per module, one scenario per
//! test; what several modules use is in `support/`.
//!
//! - `check`: `http_checks` (the HTTP checks), `moto_e2e` (the AWS checks against moto),
//!   `aws_setup` (profiles, regions, unreachable endpoints), `scale` (`--max-in-flight`),
//!   `url_policy` (untrusted targets), `cli` (usage errors, environment variables),
//!   `outputs` (where the report goes), `summary` (the step summary), `actions_runner`
//!   (step outputs, annotations, the log block), `hostile_output` (what a hostile target
//!   can put in front of a reader), `baseline` (`--baseline`: changes since a previous
//!   run; `baseline fetch`).
//! - `dispatch` and `result`: `dispatch::*` against the fake GitHub API, by stage
//!   (start, follow, errors, report, job_log, result) and the API cost targets (cost);
//!   `remote` drives the dispatch library (start, follow, fetch) without the CLI.
//! - Discord: `discord_api` (the REST client against a fake Discord API), `discord_cli`
//!   (`discord register` against it), `discord_serve` (the interactions endpoint
//!   in-process, against the fake Discord and the fake GitHub), `serve_bench` (the
//!   benchmark of `discord serve`, ignored: `bench/run.sh` runs it).
//! - `verify`: the deploy verification library against the fake's deploy workflow, its
//!   three views, and posting to the fake Discord API.
//! - The packaging: `action::*` (act runs; slow), and `docs` (links and examples).

mod support;

mod action;
mod actions_runner;
mod aws_setup;
mod baseline;
mod cli;
mod config_file;
mod conventions;
mod discord_api;
mod discord_cli;
mod discord_post;
mod discord_serve;
mod dispatch;
mod docs;
mod hostile_output;
mod http_checks;
mod moto_e2e;
mod outputs;
mod remote;
mod scale;
mod serve_bench;
mod summary;
mod tls_checks;
mod url_policy;
mod verify;
