//! remote-hands: tells a team, in seconds, whether a deployment on AWS (S3 + CloudFront
//! static site, an HTTP API) is healthy.
//!
//! [`cli`] is the command line, [`commands`] each command's orchestration, [`logging`] the
//! `-v` diagnostics. `check` runs the diagnosis ([`diagnose`]): [`config`] validates the
//! inputs, [`checks`] runs the checks concurrently into the [`model`], and [`report`]
//! renders it as JSON, a markdown step summary or a terminal table; [`actions`] speaks to
//! the GitHub Actions runner. `dispatch` and `result` start the diagnosis workflow
//! remotely and read its report back through the [`remote`] diagnosis library, which
//! speaks to GitHub through the REST client in [`github`]. [`discord`] holds the parts of
//! the Discord companion. [`verify`] reads the newest run of the deploy workflow, with its
//! jobs and steps, and says whether the deploy worked. The process's HTTP clients are
//! built in [`net`].

pub mod actions;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod diagnose;
pub mod discord;
pub mod github;
pub mod logging;
pub mod model;
pub mod net;
pub mod policy;
pub mod remote;
pub mod report;
pub mod text;
pub mod verify;
