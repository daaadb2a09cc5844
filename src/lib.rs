//! remote-hands: tells a team, in seconds, whether a deployment on AWS (S3 + CloudFront
//! static site, an HTTP API) is healthy.
//!
//! `check` runs the diagnosis ([`run`]): [`config`] validates the inputs, [`checks`] runs
//! the checks concurrently into the [`model`], and [`report`] renders it as JSON, a
//! markdown step summary or a terminal table; [`actions`] speaks to the GitHub Actions
//! runner. `dispatch` and `result` ([`commands`]) start the diagnosis workflow remotely
//! and read its report back through the [`remote`] diagnosis library, which speaks to
//! GitHub through the REST client in [`github`].

pub mod actions;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod discord;
pub mod github;
pub mod http;
pub mod model;
pub mod policy;
pub mod remote;
pub mod report;
pub mod run;
pub mod text;
