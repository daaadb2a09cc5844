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
use url::Url;

use crate::text::{cap, one_line};

/// Interaction types (Discord's numbering).
const PING: u64 = 1;
const APPLICATION_COMMAND: u64 = 2;
/// Option types (Discord's numbering).
const STRING: u64 = 3;
const INTEGER: u64 = 4;
const BOOLEAN: u64 = 5;
const NUMBER: u64 = 10;
/// Discord's limits on a message.
pub const CONTENT_LIMIT: usize = 2000;
const LABEL_LIMIT: usize = 80;
const URL_LIMIT: usize = 512;
const BUTTONS_PER_ROW: usize = 5;
const ROWS: usize = 5;
/// Message flag: only the requester sees the message.
pub const EPHEMERAL: u64 = 1 << 6;
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

/// `{"parse": []}`: no mention in the message pings anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
struct AllowedMentions {
    parse: [&'static str; 0],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ActionRow {
    #[serde(rename = "type")]
    kind: u8,
    components: Vec<LinkButton>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct LinkButton {
    #[serde(rename = "type")]
    kind: u8,
    style: u8,
    label: String,
    url: String,
}

/// A message as the endpoint writes it: the text (at most 2,000 characters), embeds,
/// link buttons, flags. Serialised whole, so an edit replaces every part of the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    content: String,
    embeds: Vec<Value>,
    components: Vec<ActionRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<u64>,
    allowed_mentions: AllowedMentions,
}

impl Message {
    /// A message with this text, cut to Discord's 2,000 characters.
    pub fn text(content: &str) -> Message {
        Message {
            content: cap(content, CONTENT_LIMIT),
            embeds: Vec::new(),
            components: Vec::new(),
            flags: None,
            allowed_mentions: AllowedMentions::default(),
        }
    }

    /// Seen only by the person who used the command.
    pub fn ephemeral(mut self) -> Message {
        self.flags = Some(self.flags.unwrap_or(0) | EPHEMERAL);
        self
    }

    /// With these embeds (as the report renderer writes them).
    pub fn with_embeds(mut self, embeds: Vec<Value>) -> Message {
        self.embeds = embeds;
        self
    }

    /// With a link button to `url` (label cut to 80 characters). Buttons only link to
    /// http(s) URLs of at most 512 characters, five to a row, five rows: a link that does
    /// not fit is left out (the text should carry it too).
    pub fn with_link(mut self, label: &str, url: &Url) -> Message {
        let fits = matches!(url.scheme(), "http" | "https") && url.as_str().len() <= URL_LIMIT;
        let buttons: usize = self.components.iter().map(|r| r.components.len()).sum();
        if !fits || buttons >= ROWS * BUTTONS_PER_ROW {
            return self;
        }
        if buttons.is_multiple_of(BUTTONS_PER_ROW) {
            self.components.push(ActionRow {
                kind: 1,
                components: Vec::new(),
            });
        }
        if let Some(row) = self.components.last_mut() {
            row.components.push(LinkButton {
                kind: 2,
                style: 5,
                label: cap(&one_line(label), LABEL_LIMIT),
                url: url.to_string(),
            });
        }
        self
    }

    pub fn content(&self) -> &str {
        &self.content
    }

    pub fn is_ephemeral(&self) -> bool {
        self.flags.is_some_and(|f| f & EPHEMERAL != 0)
    }
}

/// The answer to an interaction, sent as the HTTP response to Discord's request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<ResponseData>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum ResponseData {
    Message(Message),
    Flags { flags: u64 },
}

impl Response {
    /// `{"type":1}`: the answer to a PING.
    pub fn pong() -> Response {
        Response {
            kind: 1,
            data: None,
        }
    }

    /// Type 4: the message, now.
    pub fn message(message: Message) -> Response {
        Response {
            kind: 4,
            data: Some(ResponseData::Message(message)),
        }
    }

    /// Type 5: "thinking…"; the message comes later, by editing the original response.
    pub fn deferred() -> Response {
        Response {
            kind: 5,
            data: None,
        }
    }

    /// Type 5, the message to come seen only by the requester.
    pub fn deferred_ephemeral() -> Response {
        Response {
            kind: 5,
            data: Some(ResponseData::Flags { flags: EPHEMERAL }),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a response always serialises")
    }
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

    #[test]
    fn responses_serialise_as_discord_expects() {
        assert_eq!(Response::pong().to_json(), r#"{"type":1}"#);
        assert_eq!(Response::deferred().to_json(), r#"{"type":5}"#);
        assert_eq!(
            serde_json::to_value(Response::deferred_ephemeral()).unwrap(),
            json!({"type": 5, "data": {"flags": 64}})
        );
        let run = Url::parse("https://github.com/acme/site/actions/runs/4242").unwrap();
        let message = Message::text("🟢 all checks passed @everyone")
            .with_embeds(vec![json!({"title": "Diagnosis"})])
            .with_link("Run 4242", &run);
        assert_eq!(
            serde_json::to_value(Response::message(message.clone())).unwrap(),
            json!({
                "type": 4,
                "data": {
                    "content": "🟢 all checks passed @everyone",
                    "embeds": [{"title": "Diagnosis"}],
                    "components": [{"type": 1, "components": [
                        {"type": 2, "style": 5, "label": "Run 4242", "url": "https://github.com/acme/site/actions/runs/4242"}
                    ]}],
                    "allowed_mentions": {"parse": []}
                }
            })
        );
        let refusal = Message::text("not allowed here").ephemeral();
        assert!(refusal.is_ephemeral() && !message.is_ephemeral());
        assert_eq!(
            serde_json::to_value(Response::message(refusal)).unwrap(),
            json!({"type": 4, "data": {
                "content": "not allowed here", "embeds": [], "components": [],
                "flags": 64, "allowed_mentions": {"parse": []}
            }})
        );
    }

    #[test]
    fn messages_stay_within_discords_limits() {
        let m = Message::text(&"x".repeat(5000));
        assert_eq!(m.content().chars().count(), CONTENT_LIMIT);
        let url = Url::parse("https://github.com/acme/site/actions/runs/1").unwrap();
        let mut m = Message::text("links");
        for _ in 0..30 {
            m = m.with_link(&"L".repeat(200), &url);
        }
        let v = serde_json::to_value(&m).unwrap();
        let rows = v["components"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        for row in rows {
            let buttons = row["components"].as_array().unwrap();
            assert_eq!(buttons.len(), 5);
            assert_eq!(buttons[0]["label"].as_str().unwrap().chars().count(), 80);
        }
        let long = Url::parse(&format!("https://example.com/{}", "a".repeat(600))).unwrap();
        let odd = Url::parse("javascript:alert(1)").unwrap();
        let m = Message::text("t")
            .with_link("a", &long)
            .with_link("b", &odd);
        assert_eq!(serde_json::to_value(&m).unwrap()["components"], json!([]));
    }
}
