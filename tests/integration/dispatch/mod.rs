//! `remote-hands dispatch` and `result` against a stateful fake of the GitHub REST API on
//! 127.0.0.1 (`support/github.rs`), with a real report: each simulated run carries what
//! `remote-hands check` wrote against a loopback target (its JSON as the artifact, its
//! output as the job log). The helpers they share are in `support/dispatch.rs`.

mod cost;
mod errors;
mod follow;
mod job_log;
mod report;
mod result;
mod start;
