//! Diagnostic logging on standard error, through `tracing`. Off unless asked for: `-v`
//! shows this program's debug events (each HTTP and GitHub request, the checks planned),
//! `-vv` adds the AWS SDK's; `RUST_LOG`, when set, decides instead
//! (`RUST_LOG=remote_hands=trace,aws_smithy_runtime=debug`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{ConfigError, Vars};

/// The variable that, when set, replaces what `-v` chooses.
pub const RUST_LOG: &str = "RUST_LOG";

/// The crates of the AWS SDK, as `tracing` targets begin.
const AWS_SDK: [&str; 6] = [
    "aws_config",
    "aws_credential_types",
    "aws_runtime",
    "aws_sdk",
    "aws_smithy",
    "aws_types",
];

/// The filter directives for `-v` counted `verbose` times and `RUST_LOG`'s value; None
/// when nothing is to be logged.
pub fn directives(verbose: u8, rust_log: Option<&str>) -> Option<String> {
    if let Some(value) = rust_log.filter(|v| !v.trim().is_empty()) {
        return Some(value.to_string());
    }
    let this = env!("CARGO_CRATE_NAME");
    match verbose {
        0 => None,
        1 => Some(format!("{this}=debug")),
        _ => {
            let aws = AWS_SDK.map(|target| format!("{target}=debug")).join(",");
            Some(format!("{this}=debug,{aws}"))
        }
    }
}

/// Installs the subscriber that `-v`/`RUST_LOG` ask for (none when nothing is to be
/// logged). A `RUST_LOG` that is not a filter is a usage error.
pub fn init(verbose: u8, vars: &Vars) -> Result<(), ConfigError> {
    let rust_log = vars.get(RUST_LOG);
    let Some(directives) = directives(verbose, rust_log) else {
        return Ok(());
    };
    let filter = EnvFilter::builder().parse(&directives).map_err(|e| {
        ConfigError::new(
            format!("{RUST_LOG} (environment)"),
            format!("not a log filter ({e}); expected directives like remote_hands=debug or info"),
        )
    })?;
    let ansi = std::io::stderr().is_terminal() && vars.get("NO_COLOR").is_none_or(str::is_empty);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_chooses_whose_events_are_shown_and_rust_log_wins() {
        assert_eq!(directives(0, None), None);
        assert_eq!(directives(1, None).as_deref(), Some("remote_hands=debug"));
        let vv = directives(2, None).unwrap();
        assert!(vv.starts_with("remote_hands=debug,"), "{vv}");
        for target in ["aws_config", "aws_sdk", "aws_smithy"] {
            assert!(vv.contains(&format!("{target}=debug")), "{vv}");
        }
        assert_eq!(directives(3, None), directives(2, None));
        assert_eq!(directives(0, Some("trace")).as_deref(), Some("trace"));
        assert_eq!(directives(2, Some("warn")).as_deref(), Some("warn"));
        assert_eq!(directives(1, Some(" ")), directives(1, None));
        for d in [directives(1, None), directives(2, None)] {
            EnvFilter::builder()
                .parse(d.unwrap())
                .expect("valid directives");
        }
    }
}
