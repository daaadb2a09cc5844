//! The URL policy of `check`'s HTTP checks, from `--allowed-hosts`,
//! `--allow-private-addresses` and `--require-allowed-hosts` (and their variables).

use super::validate::env_switch;
use super::{ConfigError, Given, Vars, named};
use crate::cli::CheckArgs;
use crate::cli::inputs::{Input, check};
use crate::policy::{HostPattern, UrlPolicy};
use crate::text::{cap, one_line};

/// The URL policy. An allowlist that was given is active: one that names no host is an
/// error, not "no policy". An environment variable set to the empty string counts as unset
/// (as in the Actions toolkit); `--allowed-hosts ''` on the command line is an error.
pub(super) fn url_policy(
    args: &CheckArgs,
    given: Given,
    vars: &Vars,
) -> Result<UrlPolicy, ConfigError> {
    let allowed_hosts = allowed_hosts(check::ALLOWED_HOSTS, args.allowed_hosts.as_deref(), given)?;
    let required =
        args.require_allowed_hosts || env_switch(vars, check::REQUIRE_ALLOWED_HOSTS_VAR)?;
    if required && allowed_hosts.is_empty() {
        let require_input = if args.require_allowed_hosts {
            check::REQUIRE_ALLOWED_HOSTS.flag_name()
        } else {
            super::env_name(check::REQUIRE_ALLOWED_HOSTS_VAR)
        };
        let hosts = check::ALLOWED_HOSTS;
        return Err(ConfigError::new(
            require_input,
            format!(
                "the targets came from untrusted hands, so the HTTP checks need an allowlist: \
                 give {} (or {}) naming at least one host",
                hosts.flag_name(),
                hosts.env.unwrap_or_default()
            ),
        ));
    }
    Ok(UrlPolicy {
        allowed_hosts,
        allow_private: args.allow_private_addresses
            || env_switch(vars, check::ALLOW_PRIVATE_ADDRESSES_VAR)?,
    })
}

/// An allowlist of hosts (`--allowed-hosts` of `check` or of `discord serve`): none, or at
/// least one host.
pub(super) fn allowed_hosts(
    input: Input,
    value: Option<&str>,
    given: Given,
) -> Result<Vec<HostPattern>, ConfigError> {
    let from_env = given.by_env(input);
    let hosts_input = named(input, from_env);
    match value {
        None => Ok(Vec::new()),
        Some("") if from_env => Ok(Vec::new()),
        Some(list) => {
            let hosts =
                UrlPolicy::parse_hosts(list).map_err(|e| ConfigError::new(&hosts_input, e))?;
            if hosts.is_empty() {
                return Err(ConfigError::new(
                    hosts_input,
                    format!(
                        "{:?} names no host; expected host names, IP addresses or '*.domain' \
                         patterns (each with an optional ':port'), separated by commas or spaces",
                        cap(&one_line(list), 64)
                    ),
                ));
            }
            Ok(hosts)
        }
    }
}
