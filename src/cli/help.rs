//! What `--help` shows after the options: examples of each command, true ones (a test runs
//! every example's arguments through the parser), and the exit codes.

/// An example invocation: what it does, and the command line as a user types it.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub what: &'static str,
    pub line: &'static str,
}

const fn example(what: &'static str, line: &'static str) -> Example {
    Example { what, line }
}

pub const CHECK_EXAMPLES: &[Example] = &[
    example(
        "A site, its bucket and its distribution, with the credentials of the profile dev:",
        "remote-hands check --frontend-url https://www.example.com --bucket www-example-com \
         --distribution-id E2ABCDEF123456 --profile dev",
    ),
    example(
        "Two API endpoints, failing on a warning too:",
        "remote-hands check --api-base https://api.example.com/prod --api-path /health \
         --api-path /v1/status --fail-on warn",
    ),
    example(
        "Only the JSON report, on standard output:",
        "remote-hands check --api-base https://api.example.com/prod --json -",
    ),
    example(
        "Targets from untrusted hands: contact the allowed hosts only:",
        "remote-hands check --frontend-url https://www.example.com --allowed-hosts www.example.com \
         --require-allowed-hosts",
    ),
];

pub const BASELINE_FETCH_EXAMPLES: &[Example] = &[
    example(
        "In GitHub Actions: the last successful run's report of this workflow on this branch:",
        "remote-hands baseline fetch --out baseline.json",
    ),
    example(
        "Elsewhere: the report of the last successful run of diagnose.yml on main:",
        "remote-hands baseline fetch --repo acme/site --workflow diagnose.yml --branch main \
         --out baseline.json",
    ),
];

pub const DISPATCH_EXAMPLES: &[Example] = &[
    example(
        "Run the diagnosis workflow of acme/site, wait, and print its report:",
        "remote-hands dispatch --repo acme/site",
    ),
    example(
        "Through workflow_dispatch on a branch, against another frontend:",
        "remote-hands dispatch --repo acme/site --via workflow --ref staging \
         --frontend-url https://staging.example.com",
    ),
    example(
        "Start it and return at once (prints the correlation ID for `result`):",
        "remote-hands dispatch --repo acme/site --no-wait",
    ),
];

pub const RESULT_EXAMPLES: &[Example] = &[
    example(
        "The report of a run, by its URL:",
        "remote-hands result https://github.com/acme/site/actions/runs/123456789",
    ),
    example(
        "Wait for the run that `dispatch --no-wait` started:",
        "remote-hands result 3f2a6c1e-8d4b-4e5f-9a7b-1c2d3e4f5a6b --repo acme/site --wait",
    ),
    example(
        "A run's report as JSON:",
        "remote-hands result 123456789 --repo acme/site --format json",
    ),
];

pub const COMPLETIONS_EXAMPLES: &[Example] = &[
    example(
        "Bash:",
        "remote-hands completions bash > ~/.local/share/bash-completion/completions/remote-hands",
    ),
    example(
        "Zsh (into a folder of $fpath):",
        "remote-hands completions zsh > ~/.zfunc/_remote-hands",
    ),
    example(
        "Fish:",
        "remote-hands completions fish > ~/.config/fish/completions/remote-hands.fish",
    ),
];

pub const REGISTER_EXAMPLES: &[Example] = &[
    example(
        "Register /diagnose and /verify-latest in one server (they show up at once):",
        "remote-hands discord register --application-id 775799577604522054 \
         --guild 290926798626357999",
    ),
    example(
        "Everywhere the application is installed (DISCORD_APPLICATION_ID set):",
        "remote-hands discord register",
    ),
    example(
        "Show the request and send nothing:",
        "remote-hands discord register --application-id 775799577604522054 --dry-run",
    ),
];

pub const SERVE_EXAMPLES: &[Example] = &[
    example(
        "Serve one Discord server's members, diagnosing acme/site:",
        "remote-hands discord serve --repo acme/site --allowed-guilds 290926798626357999",
    ),
    example(
        "Only two users, three diagnoses each per hour, overrides on example.com only:",
        "remote-hands discord serve --repo acme/site \
         --allowed-users 80351110224678912,80351110224678913 --rate-limit 3/1h \
         --allowed-hosts *.example.com",
    ),
];

pub const POST_EXAMPLES: &[Example] = &[
    example(
        "Post a report to a thread (DISCORD_BOT_TOKEN set), linking the run:",
        "remote-hands discord post --report diagnose-summary.json \
         --thread-id 1300000000000000001 \
         --run-url https://github.com/acme/site/actions/runs/123456789",
    ),
    example(
        "To a channel:",
        "remote-hands discord post --report diagnose-summary.json --channel-id 645027906669510667",
    ),
];

pub const VERIFY_LATEST_EXAMPLES: &[Example] = &[
    example(
        "The latest run of the deploy workflow of acme/site:",
        "remote-hands verify-latest --repo acme/site",
    ),
    example(
        "A given run (its ID, or its URL), then a diagnosis of the deployment:",
        "remote-hands verify-latest 123456789 --repo acme/site --diagnose",
    ),
    example(
        "As JSON, for another deploy workflow:",
        "remote-hands verify-latest --repo acme/site --deploy-workflow deploy.yml --format json",
    ),
];

/// Every command's examples, by command name (a subcommand's after its group's).
pub const EXAMPLES: &[(&str, &[Example])] = &[
    ("check", CHECK_EXAMPLES),
    ("dispatch", DISPATCH_EXAMPLES),
    ("result", RESULT_EXAMPLES),
    ("completions", COMPLETIONS_EXAMPLES),
    ("discord register", REGISTER_EXAMPLES),
    ("discord serve", SERVE_EXAMPLES),
    ("discord post", POST_EXAMPLES),
    ("verify-latest", VERIFY_LATEST_EXAMPLES),
    ("baseline fetch", BASELINE_FETCH_EXAMPLES),
];

pub const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (or warned, or was skipped)
  1  at least one check failed (with --fail-on warn: failed or warned)
  2  usage or configuration error: nothing was checked and no report was written;
     or, after the checks ran, an output (the step summary, $GITHUB_OUTPUT) could not be
     written: the JSON report, written first, is then complete";

pub const DISPATCH_EXIT_CODES: &str = "\
Exit codes:
  0  the diagnosis ran and succeeded (its report and the run's conclusion agree)
  1  the diagnosis ran and failed (the report says why), or the run's conclusion
     contradicts its report (the output says so)
  2  usage, authentication or GitHub API error; a run that is not a diagnosis run (and,
     for result, a report that is not the run's own); a dispatch that may or may not
     have been accepted and whose run did not appear
  3  the run did not complete in time, or ended without a report of its own

The token comes from GITHUB_TOKEN, then GH_TOKEN; it is never printed. repository_dispatch
needs a token with Contents: write (fine-grained) or repo scope; workflow_dispatch needs
Actions: write; reading the result needs Actions: read.";

pub const BASELINE_FETCH_EXIT_CODES: &str = "\
Exit codes:
  0  the report is written
  1  GitHub could not be read (a warning says why); run the check without a baseline
  2  usage or configuration error (a missing token, workflow or repository)
  3  nothing to compare with: no earlier successful run, or it left no report (a notice
     says which)

The token comes from GITHUB_TOKEN, then GH_TOKEN; it is never printed.";

pub const REGISTER_EXIT_CODES: &str = "\
Exit codes:
  0  the commands are registered (or, with --dry-run, the request was printed)
  2  usage or configuration error, or Discord refused the request (a wrong token, an
     unknown application or server) or could not be reached

The bot's token comes from DISCORD_BOT_TOKEN; it is never printed.";

pub const POST_EXIT_CODES: &str = "\
Exit codes:
  0  the report is posted, or neither --thread-id nor --channel-id was given (nothing is
     posted, nothing is needed)
  2  usage or configuration error (an unreadable or invalid report, an ID that is not a
     Discord ID, a run URL that is not http or https), or Discord refused the message (a
     wrong token, a channel the bot cannot see) or could not be reached

The bot's token comes from DISCORD_BOT_TOKEN; it is never printed.";

pub const VERIFY_LATEST_EXIT_CODES: &str = "\
Exit codes:
  0  the deploy run succeeded (with --diagnose: and so did the diagnosis)
  1  the deploy run failed (with --diagnose: or the diagnosis did)
  2  usage, authentication or GitHub API error
  3  the deploy run (or the diagnosis) is still running

The token comes from GITHUB_TOKEN, then GH_TOKEN; it is never printed.";

pub const SERVE_EXIT_CODES: &str = "\
Exit codes:
  0  stopped by SIGTERM or Ctrl-C after finishing the edits in flight
  2  usage or configuration error: nothing listened

The token comes from GITHUB_TOKEN, then GH_TOKEN; it is never printed.";

/// Width of the example lines, continuations included: narrow enough that no terminal
/// wraps them (a wrapped line loses its indentation and its `\`).
const EXAMPLE_WIDTH: usize = 80;

/// `Examples:` and each example, then `trailer` (the exit codes) when there is one.
fn after_help(examples: &[Example], trailer: &str) -> String {
    let mut text = String::from("Examples:\n");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&format!("  {}\n", e.what));
        for line in shell_lines(e.line, "    ", "      ", EXAMPLE_WIDTH) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    if !trailer.is_empty() {
        text.push('\n');
        text.push_str(trailer);
    }
    text
}

pub fn check_after_help() -> String {
    after_help(CHECK_EXAMPLES, EXIT_CODES)
}

pub fn dispatch_after_help() -> String {
    after_help(DISPATCH_EXAMPLES, DISPATCH_EXIT_CODES)
}

pub fn result_after_help() -> String {
    after_help(RESULT_EXAMPLES, DISPATCH_EXIT_CODES)
}

pub fn register_after_help() -> String {
    after_help(REGISTER_EXAMPLES, REGISTER_EXIT_CODES)
}

pub fn serve_after_help() -> String {
    after_help(SERVE_EXAMPLES, SERVE_EXIT_CODES)
}

pub fn post_after_help() -> String {
    after_help(POST_EXAMPLES, POST_EXIT_CODES)
}

pub fn verify_latest_after_help() -> String {
    after_help(VERIFY_LATEST_EXAMPLES, VERIFY_LATEST_EXIT_CODES)
}

pub fn baseline_fetch_after_help() -> String {
    after_help(BASELINE_FETCH_EXAMPLES, BASELINE_FETCH_EXIT_CODES)
}

pub fn completions_after_help() -> String {
    after_help(COMPLETIONS_EXAMPLES, "")
}

/// A command line as shell lines of at most `width` characters where the words allow:
/// each but the last ends with ` \\`, the first starts with `first`, the others with `next`.
/// A flag stays on the line of its value.
fn shell_lines(line: &str, first: &str, next: &str, width: usize) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    for word in line.split_whitespace() {
        match units.last_mut() {
            Some(last) if !word.starts_with("--") && is_flag(last) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => units.push(word.to_string()),
        }
    }
    let mut lines = vec![first.to_string()];
    for unit in units {
        let current = lines.last_mut().expect("one line at least");
        let fresh = current.trim().is_empty();
        // Room for the unit, and for the ` \\` that would follow it.
        if fresh || current.len() + 1 + unit.len() + 2 <= width {
            if !fresh {
                current.push(' ');
            }
            current.push_str(&unit);
        } else {
            current.push_str(" \\");
            lines.push(format!("{next}{unit}"));
        }
    }
    lines
}

/// A lone flag that may take the next word as its value (`--repo`, or `>` and its file).
fn is_flag(unit: &str) -> bool {
    (unit.starts_with("--") || unit == ">") && !unit.contains(' ')
}

/// The arguments of an example as the shell would pass them: its words up to a
/// redirection, the program name first.
pub fn example_args(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .take_while(|w| !w.starts_with('>') && !w.starts_with('|'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_examples_are_cut_into_shell_lines_that_keep_flags_with_their_values() {
        let more: &[(&str, &[Example])] = &[
            ("discord serve", SERVE_EXAMPLES),
            ("verify-latest", VERIFY_LATEST_EXAMPLES),
        ];
        for (_, examples) in EXAMPLES.iter().chain(more) {
            for e in *examples {
                let lines = shell_lines(e.line, "    ", "      ", EXAMPLE_WIDTH);
                for l in &lines {
                    assert!(l.len() <= EXAMPLE_WIDTH, "too wide: {l}");
                }
                let joined = lines.join(" ").replace(" \\ ", " ");
                let words: Vec<&str> = joined.split_whitespace().collect();
                assert_eq!(words, e.line.split_whitespace().collect::<Vec<_>>());
            }
        }
        let lines = shell_lines("prog --aaaa 1 --bbbb 2", "", "  ", 16);
        assert_eq!(lines, ["prog --aaaa 1 \\", "  --bbbb 2"]);
        assert_eq!(
            example_args("remote-hands completions zsh > ~/.zfunc/_remote-hands"),
            ["remote-hands", "completions", "zsh"]
        );
    }

    /// The examples of the commands the binary does not run yet parse as their arguments.
    #[test]
    fn serve_post_and_verify_latest_examples_parse() {
        use clap::{Args, FromArgMatches};

        use crate::cli::discord::{ServeArgs, VerifyLatestArgs};

        let serve = ServeArgs::augment_args(clap::Command::new("serve"));
        for e in SERVE_EXAMPLES {
            let args = example_args(e.line);
            assert_eq!(
                args[..3],
                ["remote-hands", "discord", "serve"],
                "{}",
                e.line
            );
            let m = serve.clone().try_get_matches_from(&args[2..]);
            let m = m.unwrap_or_else(|err| panic!("{}: {err}", e.line));
            ServeArgs::from_arg_matches(&m).unwrap();
        }
        let verify = VerifyLatestArgs::augment_args(clap::Command::new("verify-latest"));
        for e in VERIFY_LATEST_EXAMPLES {
            let args = example_args(e.line);
            assert_eq!(args[..2], ["remote-hands", "verify-latest"], "{}", e.line);
            let m = verify.clone().try_get_matches_from(&args[1..]);
            let m = m.unwrap_or_else(|err| panic!("{}: {err}", e.line));
            VerifyLatestArgs::from_arg_matches(&m).unwrap();
        }
        let post = crate::cli::discord::PostArgs::augment_args(clap::Command::new("post"));
        for e in POST_EXAMPLES {
            let args = example_args(e.line);
            assert_eq!(args[..3], ["remote-hands", "discord", "post"], "{}", e.line);
            let m = post.clone().try_get_matches_from(&args[2..]);
            let m = m.unwrap_or_else(|err| panic!("{}: {err}", e.line));
            crate::cli::discord::PostArgs::from_arg_matches(&m).unwrap();
        }
        assert!(post_after_help().contains("--thread-id"));
        assert!(serve_after_help().contains("--allowed-guilds"));
        assert!(verify_latest_after_help().contains("Exit codes:"));
    }
}
