//! The slash commands the application offers, as the body of Discord's bulk overwrite
//! (`PUT /applications/{application_id}/commands`, or
//! `/applications/{application_id}/guilds/{guild_id}/commands` for one server's
//! commands, which show up at once): `/diagnose [frontend_url] [api_base]` and
//! `/verify-latest [run_url] [diagnose]`. A bulk overwrite replaces the whole set, so
//! registering again is idempotent. The option names here are the ones the endpoint reads
//! back from interactions.

use serde::Serialize;

use super::interaction::Snowflake;

/// `/diagnose`.
pub const DIAGNOSE: &str = "diagnose";
/// `/verify-latest`.
pub const VERIFY_LATEST: &str = "verify-latest";
/// `/diagnose`'s options.
pub const FRONTEND_URL: &str = "frontend_url";
pub const API_BASE: &str = "api_base";
/// `/verify-latest`'s options.
pub const RUN_URL: &str = "run_url";
pub const CHAIN_DIAGNOSE: &str = "diagnose";

/// The longest URL or run reference the Discord client lets a user type.
const URL_MAX_LENGTH: u16 = 512;

/// Command type: a slash command.
const CHAT_INPUT: u8 = 1;
/// Option types.
const STRING: u8 = 3;
const BOOLEAN: u8 = 5;

/// One command of the bulk overwrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandDefinition {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub kind: u8,
    pub description: &'static str,
    pub options: Vec<OptionDefinition>,
}

/// One option of a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionDefinition {
    #[serde(rename = "type")]
    pub kind: u8,
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u16>,
}

fn string_option(name: &'static str, description: &'static str) -> OptionDefinition {
    OptionDefinition {
        kind: STRING,
        name,
        description,
        required: false,
        max_length: Some(URL_MAX_LENGTH),
    }
}

fn boolean_option(name: &'static str, description: &'static str) -> OptionDefinition {
    OptionDefinition {
        kind: BOOLEAN,
        name,
        description,
        required: false,
        max_length: None,
    }
}

/// `/diagnose` and `/verify-latest`, in that order: the body of the bulk overwrite.
pub fn definitions() -> Vec<CommandDefinition> {
    vec![
        CommandDefinition {
            name: DIAGNOSE,
            kind: CHAT_INPUT,
            description: "Diagnose the deployment now and show each check's result",
            options: vec![
                string_option(
                    FRONTEND_URL,
                    "Frontend URL to check instead of the configured one (its host must be allowed)",
                ),
                string_option(
                    API_BASE,
                    "API base URL to check instead of the configured one (its host must be allowed)",
                ),
            ],
        },
        CommandDefinition {
            name: VERIFY_LATEST,
            kind: CHAT_INPUT,
            description: "Show the latest deploy run: status, conclusion, jobs, steps and failures",
            options: vec![
                string_option(
                    RUN_URL,
                    "A deploy run's URL or ID, instead of the latest run",
                ),
                boolean_option(
                    CHAIN_DIAGNOSE,
                    "Then diagnose the deployment and follow it in the same message",
                ),
            ],
        },
    ]
}

/// The path segments of the bulk overwrite, under the API base: the application's global
/// commands, or one server's.
pub fn bulk_overwrite_segments(application_id: Snowflake, guild: Option<Snowflake>) -> Vec<String> {
    let mut segments = vec!["applications".to_string(), application_id.to_string()];
    if let Some(guild) = guild {
        segments.extend(["guilds".to_string(), guild.to_string()]);
    }
    segments.push("commands".to_string());
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_body_is_the_two_commands_with_their_options() {
        let body = serde_json::to_value(definitions()).unwrap();
        assert_eq!(
            body,
            json!([
                {
                    "name": "diagnose",
                    "type": 1,
                    "description": "Diagnose the deployment now and show each check's result",
                    "options": [
                        {"type": 3, "name": "frontend_url", "required": false, "max_length": 512,
                         "description": "Frontend URL to check instead of the configured one (its host must be allowed)"},
                        {"type": 3, "name": "api_base", "required": false, "max_length": 512,
                         "description": "API base URL to check instead of the configured one (its host must be allowed)"}
                    ]
                },
                {
                    "name": "verify-latest",
                    "type": 1,
                    "description": "Show the latest deploy run: status, conclusion, jobs, steps and failures",
                    "options": [
                        {"type": 3, "name": "run_url", "required": false, "max_length": 512,
                         "description": "A deploy run's URL or ID, instead of the latest run"},
                        {"type": 5, "name": "diagnose", "required": false,
                         "description": "Then diagnose the deployment and follow it in the same message"}
                    ]
                }
            ])
        );
    }

    #[test]
    fn names_and_descriptions_follow_discords_rules() {
        let name_ok = |n: &str| {
            (1..=32).contains(&n.len())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        };
        let description_ok = |d: &str| (1..=100).contains(&d.chars().count());
        for c in definitions() {
            assert!(name_ok(c.name), "{}", c.name);
            assert!(description_ok(c.description), "{}", c.description);
            let mut seen = Vec::new();
            for o in &c.options {
                assert!(name_ok(o.name), "{}", o.name);
                assert!(description_ok(o.description), "{}", o.description);
                assert!(!seen.contains(&o.name), "{} twice in {}", o.name, c.name);
                seen.push(o.name);
            }
            // Discord wants required options before optional ones.
            let first_optional = c.options.iter().position(|o| !o.required);
            let last_required = c.options.iter().rposition(|o| o.required);
            if let (Some(opt), Some(req)) = (first_optional, last_required) {
                assert!(
                    req < opt,
                    "{}: a required option after an optional one",
                    c.name
                );
            }
        }
    }

    #[test]
    fn the_path_is_global_or_one_servers() {
        let app = Snowflake::from(775799577604522054);
        assert_eq!(
            bulk_overwrite_segments(app, None).join("/"),
            "applications/775799577604522054/commands"
        );
        assert_eq!(
            bulk_overwrite_segments(app, Some(Snowflake::from(290926798626357999))).join("/"),
            "applications/775799577604522054/guilds/290926798626357999/commands"
        );
    }
}
