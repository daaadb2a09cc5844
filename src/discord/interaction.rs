//! The part of Discord's interactions the endpoint reads, and the answers it writes. An
//! incoming body (already verified, see [`super::verify`]) becomes an [`Interaction`]: a
//! PING, an application command ([`Command`]: its name and typed options, where it was
//! used, who used it, the member's roles, the token to edit the answer with), or another
//! kind the endpoint does not handle. Every Discord ID is a [`Snowflake`], which accepts
//! only a decimal string of a `u64`. The requester comes only from `member.user` (in a
//! server) or `user` (in a DM), never from anything the user typed. Answers are
//! [`Response`]s carrying a [`Message`] whose `allowed_mentions` is always empty, so
//! nothing the endpoint writes can ping anyone.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::text::{cap, one_line};

mod response;
pub use response::{CONTENT_LIMIT, EPHEMERAL, Message, Response};

/// Interaction types (Discord's numbering).
const PING: u64 = 1;
const APPLICATION_COMMAND: u64 = 2;
/// Option types (Discord's numbering).
const STRING: u64 = 3;
const INTEGER: u64 = 4;
const BOOLEAN: u64 = 5;
const NUMBER: u64 = 10;
/// The longest interaction token accepted.
const TOKEN_LIMIT: usize = 1024;

/// A Discord ID: the decimal string of a `u64`, at most 20 digits, no sign, no spaces, no
/// leading zeros (so that one ID has one spelling).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Snowflake(u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a Discord ID (a decimal number of up to 20 digits)")]
pub struct SnowflakeError;

impl Snowflake {
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for Snowflake {
    fn from(n: u64) -> Snowflake {
        Snowflake(n)
    }
}

impl FromStr for Snowflake {
    type Err = SnowflakeError;

    fn from_str(s: &str) -> Result<Snowflake, SnowflakeError> {
        let digits = s.as_bytes();
        let canonical = digits.first().is_some_and(|d| *d != b'0') || s == "0";
        if !canonical || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(SnowflakeError);
        }
        s.parse().map(Snowflake).map_err(|_| SnowflakeError)
    }
}

impl fmt::Display for Snowflake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Snowflake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Snowflake({})", self.0)
    }
}

impl Serialize for Snowflake {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Snowflake {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Snowflake, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The token that lets the application answer one interaction for 15 minutes. It goes
/// into URL paths, so only the characters Discord's tokens are made of are accepted, and
/// `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct InteractionToken(String);

impl InteractionToken {
    pub fn new(token: &str) -> Result<InteractionToken, InteractionError> {
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=');
        if token.is_empty() || token.len() > TOKEN_LIMIT || !token.chars().all(allowed) {
            return Err(InteractionError::BadToken);
        }
        Ok(InteractionToken(token.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for InteractionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InteractionToken(***)")
    }
}

/// Why a body is not an interaction the endpoint can read. Messages quote no value from
/// the body but option names (capped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InteractionError {
    #[error("the interaction is not what Discord sends: {0}")]
    Malformed(String),
    #[error("the interaction has no {0}")]
    Missing(&'static str),
    #[error("the interaction names no user (neither member.user nor user)")]
    NoRequester,
    #[error("the interaction token is not one Discord issues")]
    BadToken,
    #[error("option {0:?} is given more than once")]
    DuplicateOption(String),
    #[error("option {name:?} should be {expected}")]
    OptionType {
        name: String,
        expected: &'static str,
    },
}

/// A Discord user, as the interaction names them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct User {
    pub id: Snowflake,
    pub username: String,
    #[serde(default)]
    pub global_name: Option<String>,
}

/// An option's value, by its type.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    String(String),
    Integer(i64),
    Boolean(bool),
    Number(f64),
    /// A type the commands here do not use (users, channels, subcommands…).
    Other {
        kind: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommandOption {
    pub name: String,
    pub value: OptionValue,
}

/// An application command someone used.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The interaction's ID.
    pub id: Snowflake,
    pub application_id: Snowflake,
    pub token: InteractionToken,
    /// The command's name (`diagnose`, `verify-latest`).
    pub name: String,
    pub options: Vec<CommandOption>,
    /// Absent in a DM.
    pub guild_id: Option<Snowflake>,
    pub channel_id: Option<Snowflake>,
    /// Who used it: `member.user` in a server, `user` in a DM.
    pub requester: User,
    /// The member's roles (empty in a DM).
    pub roles: Vec<Snowflake>,
}

impl Command {
    fn option(&self, name: &str) -> Option<&OptionValue> {
        self.options
            .iter()
            .find(|o| o.name == name)
            .map(|o| &o.value)
    }

    /// The string option `name`, `None` when not given.
    pub fn string(&self, name: &str) -> Result<Option<&str>, InteractionError> {
        match self.option(name) {
            None => Ok(None),
            Some(OptionValue::String(s)) => Ok(Some(s)),
            Some(_) => Err(option_type(name, "a string")),
        }
    }

    /// The boolean option `name`, `None` when not given.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, InteractionError> {
        match self.option(name) {
            None => Ok(None),
            Some(OptionValue::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(option_type(name, "true or false")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Interaction {
    /// Discord checking that the endpoint answers.
    Ping {
        id: Snowflake,
        application_id: Snowflake,
    },
    Command(Command),
    /// Another type (components, autocomplete, modals): not handled here.
    Other {
        kind: u64,
    },
}

#[derive(Deserialize)]
struct RawInteraction {
    #[serde(rename = "type")]
    kind: u64,
    id: Snowflake,
    application_id: Snowflake,
    token: Option<String>,
    data: Option<Value>,
    guild_id: Option<Snowflake>,
    channel_id: Option<Snowflake>,
    member: Option<RawMember>,
    user: Option<User>,
}

#[derive(Deserialize)]
struct RawMember {
    user: Option<User>,
    #[serde(default)]
    roles: Vec<Snowflake>,
}

#[derive(Deserialize)]
struct RawData {
    name: String,
    #[serde(default)]
    options: Vec<RawOption>,
}

#[derive(Deserialize)]
struct RawOption {
    name: String,
    #[serde(rename = "type")]
    kind: u64,
    value: Option<Value>,
}

impl Interaction {
    /// Reads a verified request body.
    pub fn parse(body: &[u8]) -> Result<Interaction, InteractionError> {
        let raw: RawInteraction = serde_json::from_slice(body).map_err(malformed)?;
        match raw.kind {
            PING => Ok(Interaction::Ping {
                id: raw.id,
                application_id: raw.application_id,
            }),
            APPLICATION_COMMAND => command(raw).map(Interaction::Command),
            kind => Ok(Interaction::Other { kind }),
        }
    }
}

fn command(raw: RawInteraction) -> Result<Command, InteractionError> {
    let token = InteractionToken::new(&raw.token.ok_or(InteractionError::Missing("token"))?)?;
    let data = raw.data.ok_or(InteractionError::Missing("data"))?;
    let data: RawData = serde_json::from_value(data).map_err(malformed)?;
    let (member_user, roles) = match raw.member {
        Some(m) => (m.user, m.roles),
        None => (None, Vec::new()),
    };
    let requester = member_user
        .or(raw.user)
        .ok_or(InteractionError::NoRequester)?;
    let mut options: Vec<CommandOption> = Vec::with_capacity(data.options.len());
    for o in data.options {
        if options.iter().any(|seen| seen.name == o.name) {
            return Err(InteractionError::DuplicateOption(shown(&o.name)));
        }
        let value = option_value(&o)?;
        options.push(CommandOption {
            name: o.name,
            value,
        });
    }
    Ok(Command {
        id: raw.id,
        application_id: raw.application_id,
        token,
        name: data.name,
        options,
        guild_id: raw.guild_id,
        channel_id: raw.channel_id,
        requester,
        roles,
    })
}

fn option_value(o: &RawOption) -> Result<OptionValue, InteractionError> {
    let value = o.value.as_ref();
    let typed = match o.kind {
        STRING => value
            .and_then(Value::as_str)
            .map(|s| OptionValue::String(s.to_string())),
        INTEGER => value.and_then(Value::as_i64).map(OptionValue::Integer),
        BOOLEAN => value.and_then(Value::as_bool).map(OptionValue::Boolean),
        NUMBER => value.and_then(Value::as_f64).map(OptionValue::Number),
        kind => Some(OptionValue::Other { kind }),
    };
    typed.ok_or_else(|| {
        let expected = match o.kind {
            STRING => "a string",
            INTEGER => "an integer",
            BOOLEAN => "true or false",
            _ => "a number",
        };
        option_type(&o.name, expected)
    })
}

fn option_type(name: &str, expected: &'static str) -> InteractionError {
    InteractionError::OptionType {
        name: shown(name),
        expected,
    }
}

/// A name from the body as an error may quote it.
fn shown(name: &str) -> String {
    cap(&one_line(name), 40)
}

fn malformed(e: serde_json::Error) -> InteractionError {
    InteractionError::Malformed(cap(&one_line(&e.to_string()), 200))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `/diagnose` used in a server, shaped as Discord's documentation shows a slash
    /// command interaction (member with user and roles, data with typed options).
    fn guild_command() -> Value {
        json!({
            "type": 2,
            "token": "aW50ZXJhY3Rpb246MTI4MDAwMDAwMDAwMDAwMDAwMDpTZWNyZXRUb2tlbg",
            "member": {
                "user": {
                    "id": "53908232506183680",
                    "username": "mason",
                    "global_name": "Mason",
                    "avatar": "a_d5efa99b3eeaa7dd43acca82f5692432",
                    "discriminator": "0",
                    "public_flags": 131141
                },
                "roles": ["539082325061836999", "539082325061837000"],
                "premium_since": null,
                "permissions": "2147483647",
                "pending": false,
                "nick": null,
                "mute": false,
                "joined_at": "2017-03-13T19:19:14.040000+00:00",
                "deaf": false
            },
            "id": "786008729715212338",
            "application_id": "775799577604522054",
            "guild_id": "290926798626357999",
            "app_permissions": "442368",
            "guild_locale": "en-US",
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": "290926798626357999"},
            "context": 0,
            "attachment_size_limit": 10485760,
            "version": 1,
            "data": {
                "options": [
                    {"type": 3, "name": "frontend_url", "value": "https://app.example.com/"},
                    {"type": 5, "name": "diagnose", "value": true}
                ],
                "type": 1,
                "name": "diagnose",
                "id": "771825006014889984"
            },
            "channel": {"id": "645027906669510667", "type": 0, "name": "ops"},
            "channel_id": "645027906669510667"
        })
    }

    fn parse(v: &Value) -> Result<Interaction, InteractionError> {
        Interaction::parse(v.to_string().as_bytes())
    }

    fn parse_command(v: &Value) -> Command {
        match parse(v).unwrap() {
            Interaction::Command(c) => c,
            other => panic!("not a command: {other:?}"),
        }
    }

    #[test]
    fn a_slash_command_in_a_server_is_read_with_its_member() {
        let c = parse_command(&guild_command());
        assert_eq!(c.id, Snowflake(786008729715212338));
        assert_eq!(c.application_id, Snowflake(775799577604522054));
        assert_eq!(c.name, "diagnose");
        assert_eq!(c.guild_id, Some(Snowflake(290926798626357999)));
        assert_eq!(c.channel_id, Some(Snowflake(645027906669510667)));
        assert_eq!(
            c.requester,
            User {
                id: Snowflake(53908232506183680),
                username: "mason".into(),
                global_name: Some("Mason".into()),
            }
        );
        assert_eq!(
            c.roles,
            [Snowflake(539082325061836999), Snowflake(539082325061837000)]
        );
        assert_eq!(
            c.token.expose(),
            "aW50ZXJhY3Rpb246MTI4MDAwMDAwMDAwMDAwMDAwMDpTZWNyZXRUb2tlbg"
        );
        assert_eq!(
            c.string("frontend_url"),
            Ok(Some("https://app.example.com/"))
        );
        assert_eq!(c.string("api_base"), Ok(None));
        assert_eq!(c.boolean("diagnose"), Ok(Some(true)));
        assert_eq!(
            c.boolean("frontend_url"),
            Err(InteractionError::OptionType {
                name: "frontend_url".into(),
                expected: "true or false"
            })
        );
        assert_eq!(
            c.string("diagnose").unwrap_err().to_string(),
            "option \"diagnose\" should be a string"
        );
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("SecretToken") && !debug.contains("aW50ZXJh"),
            "{debug}"
        );
        assert!(debug.contains("InteractionToken(***)"), "{debug}");
    }

    #[test]
    fn in_a_dm_the_requester_is_the_user_and_there_are_no_roles() {
        let mut v = guild_command();
        let user = v["member"]["user"].take();
        v.as_object_mut().unwrap().remove("member");
        v.as_object_mut().unwrap().remove("guild_id");
        v["user"] = user;
        v["user"]["global_name"] = Value::Null;
        v["context"] = json!(1);
        v["data"]["options"] = json!([]);
        let c = parse_command(&v);
        assert_eq!(c.requester.id, Snowflake(53908232506183680));
        assert_eq!(c.requester.global_name, None);
        assert_eq!(c.guild_id, None);
        assert!(c.roles.is_empty());
        assert!(c.options.is_empty());
        // No options at all is the same as an empty list.
        v["data"].as_object_mut().unwrap().remove("options");
        assert!(parse_command(&v).options.is_empty());
    }

    #[test]
    fn the_requester_never_comes_from_anywhere_else() {
        let mut v = guild_command();
        v.as_object_mut().unwrap().remove("member");
        // A user named in an option, or in resolved data, is not the requester.
        v["data"]["options"] = json!([{"type": 6, "name": "user", "value": "80351110224678912"}]);
        v["data"]["resolved"] = json!({"users": {"80351110224678912": {"id": "80351110224678912", "username": "nelly"}}});
        assert_eq!(parse(&v), Err(InteractionError::NoRequester));
        // A member without a user is no requester either.
        v["member"] = json!({"roles": ["1"]});
        assert_eq!(parse(&v), Err(InteractionError::NoRequester));
        // member.user wins over user when both are present.
        let mut both = guild_command();
        both["user"] = json!({"id": "1", "username": "someone-else"});
        assert_eq!(
            parse_command(&both).requester.id,
            Snowflake(53908232506183680)
        );
    }

    #[test]
    fn a_ping_and_other_types_are_told_apart() {
        let ping = json!({
            "application_id": "775799577604522054",
            "id": "786008729715212338",
            "token": "aW50ZXJhY3Rpb246cGluZw",
            "type": 1,
            "user": {"id": "53908232506183680", "username": "mason"},
            "version": 1
        });
        assert_eq!(
            parse(&ping),
            Ok(Interaction::Ping {
                id: Snowflake(786008729715212338),
                application_id: Snowflake(775799577604522054)
            })
        );
        let mut button = guild_command();
        button["type"] = json!(3);
        button["data"] = json!({"custom_id": "again", "component_type": 2});
        assert_eq!(parse(&button), Ok(Interaction::Other { kind: 3 }));
    }

    #[test]
    fn malformed_interactions_are_errors_not_panics() {
        let cases: Vec<(Value, &str)> = vec![
            (json!({"type": 2}), "not what Discord sends"),
            (json!([]), "not what Discord sends"),
            (
                json!({"type": "2", "id": "1", "application_id": "2"}),
                "not what Discord sends",
            ),
            (
                json!({"type": -1, "id": "1", "application_id": "2"}),
                "not what Discord sends",
            ),
            (
                json!({"type": 2, "id": 1, "application_id": "2"}),
                "not what Discord sends",
            ),
            (
                json!({"type": 2, "id": "1", "application_id": "2"}),
                "has no token",
            ),
            (
                json!({"type": 2, "id": "1", "application_id": "2", "token": "t"}),
                "has no data",
            ),
            (
                json!({"type": 2, "id": "1", "application_id": "2", "token": "t", "data": {"name": 3}}),
                "not what Discord sends",
            ),
        ];
        for (v, want) in cases {
            let got = parse(&v).unwrap_err().to_string();
            assert!(got.contains(want), "{v}: {got}");
        }
        for body in [&b""[..], b"{", b"\xff\xfe", b"null", &[b'['; 10_000]] {
            assert!(Interaction::parse(body).is_err());
        }
        let mut v = guild_command();
        v["member"]["roles"] = json!(["not-a-role"]);
        assert!(matches!(parse(&v), Err(InteractionError::Malformed(_))));
    }

    #[test]
    fn options_must_have_the_value_their_type_says() {
        let with = |options: Value| {
            let mut v = guild_command();
            v["data"]["options"] = options;
            parse(&v)
        };
        for (options, expected) in [
            (
                json!([{"type": 3, "name": "frontend_url", "value": 5}]),
                "a string",
            ),
            (json!([{"type": 3, "name": "frontend_url"}]), "a string"),
            (
                json!([{"type": 5, "name": "diagnose", "value": "true"}]),
                "true or false",
            ),
            (
                json!([{"type": 4, "name": "n", "value": 1.5}]),
                "an integer",
            ),
            (json!([{"type": 10, "name": "x", "value": "1"}]), "a number"),
        ] {
            let err = with(options.clone()).unwrap_err();
            assert!(
                matches!(&err, InteractionError::OptionType { expected: e, .. } if *e == expected),
                "{options}: {err}"
            );
        }
        let twice = json!([
            {"type": 3, "name": "frontend_url", "value": "https://a.example/"},
            {"type": 3, "name": "frontend_url", "value": "https://b.example/"}
        ]);
        assert_eq!(
            with(twice),
            Err(InteractionError::DuplicateOption("frontend_url".into()))
        );
        let Ok(Interaction::Command(c)) = with(json!([
            {"type": 4, "name": "n", "value": -3},
            {"type": 10, "name": "x", "value": 2.5},
            {"type": 1, "name": "sub", "options": []}
        ])) else {
            panic!("options of other types are read")
        };
        assert_eq!(c.options[0].value, OptionValue::Integer(-3));
        assert_eq!(c.options[1].value, OptionValue::Number(2.5));
        assert_eq!(c.options[2].value, OptionValue::Other { kind: 1 });
        // A long, multi-line option name is quoted capped, on one line.
        let long = "a\n".repeat(100);
        let err = with(json!([{"type": 3, "name": long, "value": 1}])).unwrap_err();
        assert!(
            !err.to_string().contains('\n') && err.to_string().len() < 100,
            "{err}"
        );
    }

    #[test]
    fn snowflakes_are_decimal_u64_strings_only() {
        for ok in ["0", "1", "53908232506183680", "18446744073709551615"] {
            let s: Snowflake = ok.parse().unwrap();
            assert_eq!(s.to_string(), ok);
            assert_eq!(serde_json::to_value(s).unwrap(), json!(ok));
            assert_eq!(serde_json::from_value::<Snowflake>(json!(ok)).unwrap(), s);
        }
        for bad in [
            "",
            " 1",
            "1 ",
            "+1",
            "-1",
            "01",
            "1.0",
            "1e3",
            "0x10",
            "１２",
            "18446744073709551616",
            "123456789012345678901",
        ] {
            assert_eq!(bad.parse::<Snowflake>(), Err(SnowflakeError), "{bad:?}");
            assert!(
                serde_json::from_value::<Snowflake>(json!(bad)).is_err(),
                "{bad:?}"
            );
        }
        // Numbers are not accepted where Discord sends strings.
        assert!(serde_json::from_value::<Snowflake>(json!(53908232506183680u64)).is_err());
        assert_eq!(format!("{:?}", Snowflake(7)), "Snowflake(7)");
    }

    #[test]
    fn tokens_that_could_not_be_discords_are_refused() {
        for ok in ["aW50ZXJhY3Rpb24", "a-b_c+d/e=", &"x".repeat(1024)] {
            assert!(InteractionToken::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "..",
            "a b",
            "a?b",
            "a#b",
            "a%2F",
            "a\nb",
            "é",
            &"x".repeat(1025),
        ] {
            assert_eq!(
                InteractionToken::new(bad),
                Err(InteractionError::BadToken),
                "{bad:?}"
            );
        }
        let mut v = guild_command();
        v["token"] = json!("../../channels/1/messages");
        assert_eq!(parse(&v), Err(InteractionError::BadToken));
    }
}
