//! The command line's commands that drive the library: each turns its validated
//! configuration into calls, shows the library's events as progress on standard error,
//! prints the outcome in the chosen format and says which exit code it is.

pub mod dispatch;
pub mod progress;
pub mod result;
