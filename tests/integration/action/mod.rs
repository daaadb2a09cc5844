//! The GitHub Actions packaging, for real: the composite action and the dispatch workflow
//! run by `act` (on the host, no Docker) against moto_server and loopback targets
//! (`support/act.rs`); the installer's download and SHA-256 verification against a
//! loopback "release" server; the linters and the release workflow's tags. The act tests
//! are slow: `cargo test --test integration action::` runs them all.

mod composite;
mod installer;
mod release;
mod workflows;
