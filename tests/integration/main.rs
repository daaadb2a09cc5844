//! Integration tests of the `remote-hands` binary against real parts: HTTP servers on
//! 127.0.0.1 and a real `moto_server`. One test binary, modules by theme.

mod support;

mod action;
mod aws_setup;
mod cli;
mod conventions;
mod dispatch;
mod dispatch_cost;
mod docs;
mod github;
mod hostile_output;
mod http_checks;
mod moto_e2e;
mod summary;
mod url_policy;
