//! Posting a report where it was asked for, so that it reaches chat even when no server
//! follows the run: the seed of a diagnosis names a channel and maybe a thread
//! (`channel_id`, `thread_id`, both Discord IDs, empty when absent); the message goes to
//! the thread when there is one (a thread is a channel to Discord), else to the channel,
//! with the bot's token (`POST /channels/{id}/messages`). The message is the report's
//! Discord rendering ([`report_message`]), or any rendered payload ([`message_of_payload`]).

use serde_json::Value;
use url::Url;

use super::api::{ApiError, DiscordApi};
use super::interaction::{Message, Snowflake};
use crate::model::Report;
use crate::report::{Discord, Renderer};
use crate::text::{cap, one_line};

/// The channel or thread a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destination {
    /// The channel's or the thread's ID.
    pub channel: Snowflake,
    /// Whether it is a thread.
    pub thread: bool,
}

/// A seed value that is not a Discord ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: {value:?} is not a Discord ID (a decimal number of up to 20 digits)")]
pub struct SeedError {
    /// `channel_id` or `thread_id`.
    pub input: &'static str,
    /// The value, one line, cut short.
    pub value: String,
}

/// Where the seed's `channel_id` and `thread_id` ask for the report: the thread when it
/// is set, else the channel, else nowhere (`None`). Empty values are absent; a value that
/// is set must be a Discord ID, even when the other one decides.
pub fn destination(
    channel_id: Option<&str>,
    thread_id: Option<&str>,
) -> Result<Option<Destination>, SeedError> {
    let channel = snowflake("channel_id", channel_id)?;
    let thread = snowflake("thread_id", thread_id)?;
    Ok(match (thread, channel) {
        (Some(id), _) => Some(Destination {
            channel: id,
            thread: true,
        }),
        (None, Some(id)) => Some(Destination {
            channel: id,
            thread: false,
        }),
        (None, None) => None,
    })
}

fn snowflake(input: &'static str, value: Option<&str>) -> Result<Option<Snowflake>, SeedError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| SeedError {
            input,
            value: cap(&one_line(v), 40),
        }),
    }
}

/// Posts `message` to `to`; answers the new message's ID.
pub async fn post(
    api: &DiscordApi,
    to: Destination,
    message: &Message,
) -> Result<Snowflake, ApiError> {
    api.create_message(to.channel, message).await
}

/// The report as the Discord renderer writes it, as a message to post, with a link
/// button to the run when its page is known.
pub fn report_message(report: &Report, run_url: Option<&str>) -> Message {
    let renderer = Discord {
        run_url: run_url.map(str::to_string),
        notes: Vec::new(),
    };
    let message = message_of_payload(&renderer.render(report))
        .expect("the report renderer writes a message payload");
    match run_url.and_then(|u| Url::parse(u).ok()) {
        Some(url) => message.with_link("Open the run", &url),
        None => message,
    }
}

/// A rendered payload (`content`, `embeds`) as a message: mentions stay defused whatever
/// the payload says, and the content is cut to Discord's limit.
pub fn message_of_payload(payload: &str) -> anyhow::Result<Message> {
    let v: Value = serde_json::from_str(payload)
        .map_err(|e| anyhow::anyhow!("the message payload is not JSON: {e}"))?;
    let content = v.get("content").and_then(Value::as_str).unwrap_or_default();
    let embeds = match v.get("embeds") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(embeds)) if embeds.iter().all(Value::is_object) => embeds.clone(),
        Some(_) => anyhow::bail!("the message payload's embeds are not a list of objects"),
    };
    if content.is_empty() && embeds.is_empty() {
        anyhow::bail!("the message payload has neither content nor embeds");
    }
    Ok(Message::text(content).with_embeds(embeds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_wins_and_empty_values_are_absent() {
        let to = |c, t| destination(c, t).unwrap();
        let id = |n: u64| Snowflake::from(n);
        assert_eq!(to(None, None), None);
        assert_eq!(to(Some(""), Some("  ")), None);
        assert_eq!(
            to(Some("645027906669510667"), None),
            Some(Destination {
                channel: id(645027906669510667),
                thread: false
            })
        );
        assert_eq!(
            to(Some("645027906669510667"), Some(" 1300000000000000001 ")),
            Some(Destination {
                channel: id(1300000000000000001),
                thread: true
            })
        );
        assert_eq!(
            to(None, Some("1300000000000000001")).map(|d| d.thread),
            Some(true)
        );
    }

    #[test]
    fn seed_ids_that_are_not_discord_ids_are_refused_by_name() {
        for (channel, thread, input) in [
            (Some("general"), None, "channel_id"),
            (Some("-1"), None, "channel_id"),
            (Some("0645027906669510667"), None, "channel_id"),
            (Some("123456789012345678901"), None, "channel_id"),
            (Some("1"), Some("1e9"), "thread_id"),
            (Some("<#1>"), Some("2"), "channel_id"),
            (None, Some("1/../../webhooks"), "thread_id"),
        ] {
            let e = destination(channel, thread).unwrap_err();
            assert_eq!(e.input, input, "{channel:?} {thread:?}");
            assert!(e.to_string().starts_with(&format!("{input}: ")), "{e}");
        }
        let e = destination(Some(&format!("x\n{}", "9".repeat(100))), None).unwrap_err();
        assert!(
            !e.value.contains('\n') && e.value.chars().count() <= 40,
            "{e}"
        );
    }

    #[test]
    fn a_payload_becomes_a_message_with_mentions_defused() {
        let m = message_of_payload(
            r#"{"content": "hi @everyone", "embeds": [{"title": "t"}], "allowed_mentions": {"parse": ["everyone"]}}"#,
        )
        .unwrap();
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["content"], "hi @everyone");
        assert_eq!(v["embeds"][0]["title"], "t");
        assert_eq!(v["allowed_mentions"], serde_json::json!({"parse": []}));
        let long = serde_json::json!({"content": "x".repeat(5000)}).to_string();
        assert_eq!(
            message_of_payload(&long).unwrap().content().chars().count(),
            2000
        );
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"content": ""}"#,
            r#"{"content": "x", "embeds": [1]}"#,
        ] {
            assert!(message_of_payload(bad).is_err(), "{bad}");
        }
    }
}
