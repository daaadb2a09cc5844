//! The answers the endpoint writes: a [`Response`] to Discord's request (PONG, a message
//! now, or "thinking…" with the message to come by an edit), and the [`Message`] it
//! carries or an edit replaces: text within Discord's 2,000 characters, embeds, link
//! buttons, flags, and `allowed_mentions` always empty, so nothing the endpoint writes can
//! ping anyone.

use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::text::{cap, one_line};

/// Discord's limits on a message.
pub const CONTENT_LIMIT: usize = 2000;
const LABEL_LIMIT: usize = 80;
const URL_LIMIT: usize = 512;
const BUTTONS_PER_ROW: usize = 5;
const ROWS: usize = 5;
/// Message flag: only the requester sees the message.
pub const EPHEMERAL: u64 = 1 << 6;

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

    /// The same message with `content` (cut as [`Message::text`] cuts it).
    pub fn with_content(mut self, content: &str) -> Message {
        self.content = cap(content, CONTENT_LIMIT);
        self
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
