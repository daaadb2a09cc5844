//! A small client of Discord's REST API, for the three calls remote-hands makes:
//! registering the slash commands (bulk overwrite, with the bot token), editing an
//! interaction's original response (the interaction token is the credential, in the
//! path; no `Authorization`), and posting a message to a channel (bot token). Every
//! request carries the `User-Agent` Discord requires (`DiscordBot (URL, version)`), and
//! is logged at debug level with its method, redacted URL, status and duration. A 429 is
//! waited out once (`retry_after` from the body, else `Retry-After`) when the wait ends
//! within the call's deadline. No token ever shows in an error, a log line or `Debug`:
//! the interaction token's path segment is shown as `***`, and any message quoting
//! either token has it replaced.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::commands::{CommandDefinition, bulk_overwrite_segments};
use super::interaction::{InteractionToken, Message, Snowflake};
use crate::text::{REDACTED, cap, error_chain, one_line, redact_url};

mod error;
pub use error::ApiError;

/// Discord's API, version 10.
pub const DEFAULT_API_URL: &str = "https://discord.com/api/v10";
/// What Discord asks bots to send: `DiscordBot ($url, $versionNumber)`.
pub const USER_AGENT: &str = concat!(
    "DiscordBot (https://github.com/remote-hands/remote-hands, ",
    env!("CARGO_PKG_VERSION"),
    ")"
);
/// How long one call may take, a rate-limit wait included, unless set otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);
/// The largest answer read.
const MAX_ANSWER: usize = 1024 * 1024;
/// The wait after a 429 that says nothing about how long to wait.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The longest error message quoted from Discord.
const MESSAGE_LIMIT: usize = 200;

/// The bot's token (`DISCORD_BOT_TOKEN`), and the `Authorization` header made of it
/// (marked sensitive). `Debug` never shows either.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken {
    token: String,
    header: HeaderValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "DISCORD_BOT_TOKEN must be the bot's token alone: visible characters, no spaces, \
     no \"Bot \" in front, at most 512 characters"
)]
pub struct BotTokenError;

impl BotToken {
    /// The token, surrounding whitespace ignored.
    pub fn new(token: &str) -> Result<BotToken, BotTokenError> {
        let token = token.trim();
        let visible = token.bytes().all(|b| b.is_ascii_graphic());
        if token.is_empty() || token.len() > 512 || !visible {
            return Err(BotTokenError);
        }
        let mut header =
            HeaderValue::from_str(&format!("Bot {token}")).map_err(|_| BotTokenError)?;
        header.set_sensitive(true);
        Ok(BotToken {
            token: token.to_string(),
            header,
        })
    }
}

impl std::fmt::Debug for BotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BotToken(***)")
    }
}

/// A command as Discord registered it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegisteredCommand {
    pub id: Snowflake,
    pub name: String,
}

#[derive(Deserialize)]
struct Created {
    id: Snowflake,
}

/// One path segment: shown as it is, or as `***` (an interaction token).
enum Segment<'a> {
    Plain(String),
    Secret(&'a str),
}

fn plain(segments: &[&str]) -> Vec<Segment<'static>> {
    segments
        .iter()
        .map(|s| Segment::Plain(s.to_string()))
        .collect()
}

/// One call: what it is called in errors, its method and path. A call with a token in
/// its path (an interaction's webhook) is authenticated by it; every other call sends the
/// bot token.
struct Call<'a> {
    what: &'static str,
    method: Method,
    segments: Vec<Segment<'a>>,
}

impl Call<'_> {
    fn needs_bot(&self) -> bool {
        !self
            .segments
            .iter()
            .any(|s| matches!(s, Segment::Secret(_)))
    }
}

struct Answer {
    status: StatusCode,
    retry_after_header: Option<String>,
    body: Vec<u8>,
}

#[derive(Debug)]
pub struct DiscordApi {
    http: reqwest::Client,
    base: Url,
    bot: Option<BotToken>,
    deadline: Duration,
}

impl DiscordApi {
    /// A client of the API at `base` (`DISCORD_API_URL`, e.g. [`DEFAULT_API_URL`]); `bot`
    /// is needed to register commands and post to channels, not to edit an interaction's
    /// response. It follows no redirects, so no token is ever sent elsewhere.
    pub fn new(base: Url, bot: Option<BotToken>) -> anyhow::Result<DiscordApi> {
        if !matches!(base.scheme(), "http" | "https")
            || base.cannot_be_a_base()
            || base.host().is_none()
        {
            bail!("DISCORD_API_URL must be an http or https URL such as {DEFAULT_API_URL}");
        }
        let secret_parts = !base.username().is_empty() || base.password().is_some();
        if secret_parts || base.query().is_some() || base.fragment().is_some() {
            bail!("DISCORD_API_URL must not have a user, a password, a query or a fragment");
        }
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .build()
            .context("building the Discord HTTP client")?;
        Ok(DiscordApi {
            http,
            base,
            bot,
            deadline: DEFAULT_DEADLINE,
        })
    }

    /// How long one call may take in all (a rate-limit wait included).
    pub fn with_deadline(mut self, deadline: Duration) -> DiscordApi {
        self.deadline = deadline;
        self
    }

    /// Replaces the application's commands (globally, or in `guild` only) with `commands`.
    pub async fn register_commands(
        &self,
        application_id: Snowflake,
        guild: Option<Snowflake>,
        commands: &[CommandDefinition],
    ) -> Result<Vec<RegisteredCommand>, ApiError> {
        let what = "registering the commands";
        let segments = bulk_overwrite_segments(application_id, guild);
        let segments = segments.into_iter().map(Segment::Plain).collect();
        let call = Call {
            what,
            method: Method::PUT,
            segments,
        };
        let answer = self.send(call, &body_of(commands)).await?;
        parse(what, &answer)
    }

    /// Replaces the interaction's original response with `message`
    /// (`PATCH /webhooks/{application_id}/{token}/messages/@original`).
    pub async fn edit_original(
        &self,
        application_id: Snowflake,
        token: &InteractionToken,
        message: &Message,
    ) -> Result<(), ApiError> {
        let what = "editing the interaction's message";
        let mut segments = plain(&["webhooks", &application_id.to_string()]);
        segments.push(Segment::Secret(token.expose()));
        segments.extend(plain(&["messages", "@original"]));
        let call = Call {
            what,
            method: Method::PATCH,
            segments,
        };
        self.send(call, &body_of(message)).await.map(drop)
    }

    /// Posts `message` to the channel or thread `channel_id`; answers the new message's ID.
    pub async fn create_message(
        &self,
        channel_id: Snowflake,
        message: &Message,
    ) -> Result<Snowflake, ApiError> {
        let what = "posting the message to the channel";
        let segments = plain(&["channels", &channel_id.to_string(), "messages"]);
        let call = Call {
            what,
            method: Method::POST,
            segments,
        };
        let answer = self.send(call, &body_of(message)).await?;
        parse::<Created>(what, &answer).map(|c| c.id)
    }

    /// The URL of a call, and the same URL as logs and errors may show it.
    fn url(&self, segments: &[Segment<'_>]) -> (Url, String) {
        let mut url = self.base.clone();
        let mut shown = self.base.clone();
        if let (Ok(mut real), Ok(mut redacted)) =
            (url.path_segments_mut(), shown.path_segments_mut())
        {
            real.pop_if_empty();
            redacted.pop_if_empty();
            for segment in segments {
                match segment {
                    Segment::Plain(s) => {
                        real.push(s);
                        redacted.push(s);
                    }
                    Segment::Secret(s) => {
                        real.push(s);
                        redacted.push(REDACTED);
                    }
                }
            }
        }
        (url, redact_url(&shown))
    }

    /// Sends a call, waiting out one 429 when the wait ends before the deadline.
    async fn send(&self, call: Call<'_>, body: &[u8]) -> Result<Answer, ApiError> {
        let began = Instant::now();
        // A deadline past what an instant can hold is a year away: no call lasts that long.
        let far = || began + Duration::from_secs(365 * 24 * 3600);
        let deadline = began.checked_add(self.deadline).unwrap_or_else(far);
        let (url, shown) = self.url(&call.segments);
        let mut retried = false;
        loop {
            let answer = self
                .attempt(&call, &url, &shown, body, began, deadline)
                .await?;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(&answer);
                let past_deadline = Instant::now()
                    .checked_add(wait)
                    .is_none_or(|t| t > deadline);
                if retried || past_deadline {
                    return Err(ApiError::RateLimited {
                        what: call.what,
                        retry_after: wait,
                    });
                }
                retried = true;
                tokio::time::sleep(wait).await;
                continue;
            }
            if !answer.status.is_success() {
                return Err(self.status_error(&call, &answer));
            }
            return Ok(answer);
        }
    }

    /// One request and its answer, read whole within the deadline.
    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &Url,
        shown: &str,
        body: &[u8],
        began: Instant,
        deadline: Instant,
    ) -> Result<Answer, ApiError> {
        let mut req = self
            .http
            .request(call.method.clone(), url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        if call.needs_bot() {
            let bot = self.bot.as_ref();
            let bot = bot.ok_or(ApiError::NoBotToken { what: call.what })?;
            req = req.header(header::AUTHORIZATION, bot.header.clone());
        }
        let sent = Instant::now();
        let result = tokio::time::timeout_at(deadline.into(), exchange(req)).await;
        let ms = sent.elapsed().as_millis();
        let method = call.method.as_str();
        match result {
            Ok(Ok(answer)) => {
                let status = answer.status.as_u16();
                tracing::debug!(method, url = shown, status, ms, "discord request");
                Ok(answer)
            }
            Ok(Err(e)) => {
                let message = self.scrub(&error_chain(&e.without_url()), call);
                tracing::debug!(method, url = shown, error = %message, ms, "discord request failed");
                Err(ApiError::Transport {
                    what: call.what,
                    message,
                })
            }
            Err(_) => {
                tracing::debug!(method, url = shown, ms, "discord request timed out");
                Err(ApiError::Timeout {
                    what: call.what,
                    waited: began.elapsed(),
                })
            }
        }
    }

    fn status_error(&self, call: &Call<'_>, answer: &Answer) -> ApiError {
        #[derive(Deserialize)]
        struct ErrorBody {
            code: Option<u64>,
            message: Option<String>,
        }
        let parsed: Option<ErrorBody> = serde_json::from_slice(&answer.body).ok();
        let code = parsed.as_ref().and_then(|p| p.code);
        let text = match parsed.and_then(|p| p.message) {
            Some(m) => m,
            None => String::from_utf8_lossy(&answer.body).into_owned(),
        };
        let text = cap(&one_line(text.trim()), MESSAGE_LIMIT);
        let message = if text.is_empty() {
            let reason = answer.status.canonical_reason();
            reason.unwrap_or("no message").to_string()
        } else {
            self.scrub(&text, call)
        };
        ApiError::Status {
            what: call.what,
            status: answer.status.as_u16(),
            code,
            message,
        }
    }

    /// `message` with every token this call knows replaced by `***`.
    fn scrub(&self, message: &str, call: &Call<'_>) -> String {
        let mut out = message.to_string();
        let secrets = call.segments.iter().filter_map(|s| match s {
            Segment::Secret(s) => Some(*s),
            Segment::Plain(_) => None,
        });
        for secret in secrets.chain(self.bot.as_ref().map(|b| b.token.as_str())) {
            out = out.replace(secret, REDACTED);
        }
        out
    }
}

fn body_of<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("commands and messages always serialise")
}

fn parse<T: DeserializeOwned>(what: &'static str, answer: &Answer) -> Result<T, ApiError> {
    serde_json::from_slice(&answer.body).map_err(|e| ApiError::Invalid {
        what,
        message: cap(&one_line(&e.to_string()), MESSAGE_LIMIT),
    })
}

/// Sends the request and reads at most [`MAX_ANSWER`] bytes of the answer.
async fn exchange(req: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let mut response = req.send().await?;
    let status = response.status();
    let retry_after_header = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = crate::net::read_capped(&mut response, MAX_ANSWER)
        .await
        .map_err(|broken| broken.error)?;
    Ok(Answer {
        status,
        retry_after_header,
        body: body.bytes,
    })
}

/// How long a 429 asks to wait: the body's `retry_after` (seconds, fractional), else the
/// `Retry-After` header (seconds), else a second. Values that are not a finite,
/// non-negative number of seconds are ignored; one too large for a `Duration` is the
/// largest.
fn retry_after(answer: &Answer) -> Duration {
    #[derive(Deserialize)]
    struct Limited {
        retry_after: Option<f64>,
    }
    let seconds = |s: f64| {
        (s.is_finite() && s >= 0.0).then(|| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX))
    };
    let from_body = serde_json::from_slice::<Limited>(&answer.body)
        .ok()
        .and_then(|l| l.retry_after)
        .and_then(seconds);
    let from_header = || {
        answer
            .retry_after_header
            .as_deref()
            .and_then(|h| h.trim().parse::<f64>().ok())
            .and_then(seconds)
    };
    from_body
        .or_else(from_header)
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(base: &str) -> DiscordApi {
        let bot = BotToken::new("MTA.bot-secret.xyz").unwrap();
        DiscordApi::new(Url::parse(base).unwrap(), Some(bot)).unwrap()
    }

    fn answer(status: u16, retry_header: Option<&str>, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after_header: retry_header.map(str::to_string),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_user_agent_is_the_one_discord_asks_for() {
        let rest = USER_AGENT.strip_prefix("DiscordBot (").unwrap();
        let (url, version) = rest.strip_suffix(')').unwrap().split_once(", ").unwrap();
        assert!(Url::parse(url).is_ok(), "{url}");
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn bot_tokens_are_checked_and_never_shown() {
        let t = BotToken::new("  MTA.bot-secret.xyz\n").unwrap();
        assert_eq!(t.token, "MTA.bot-secret.xyz");
        assert!(t.header.is_sensitive());
        assert_eq!(format!("{t:?}"), "BotToken(***)");
        for bad in ["", "  ", "Bot MTA.x", "a\u{7f}b", "tök", &"x".repeat(513)] {
            assert_eq!(BotToken::new(bad), Err(BotTokenError), "{bad:?}");
        }
        assert!(BotTokenError.to_string().starts_with("DISCORD_BOT_TOKEN "));
        let debug = format!("{:?}", api("https://discord.com/api/v10"));
        assert!(!debug.contains("bot-secret"), "{debug}");
        assert!(debug.contains("BotToken(***)"), "{debug}");
    }

    #[test]
    fn the_base_url_must_be_http() {
        for bad in [
            "ftp://discord.com/api",
            "mailto:a@b.c",
            "https://h/api?x=1",
            "https://h/api#f",
            "https://user:pass@h/api",
        ] {
            let err = DiscordApi::new(Url::parse(bad).unwrap(), None).unwrap_err();
            assert!(
                err.to_string().starts_with("DISCORD_API_URL "),
                "{bad}: {err}"
            );
        }
        assert!(DiscordApi::new(Url::parse("http://127.0.0.1:9/").unwrap(), None).is_ok());
    }

    #[test]
    fn urls_are_joined_under_the_base_and_the_token_is_redacted() {
        let token = InteractionToken::new("aW50/ZXJ+hY3Rpb24=").unwrap();
        let segments = [
            Segment::Plain("webhooks".into()),
            Segment::Plain("1".into()),
            Segment::Secret(token.expose()),
            Segment::Plain("messages".into()),
            Segment::Plain("@original".into()),
        ];
        for base in [
            "https://discord.com/api/v10",
            "https://discord.com/api/v10/",
        ] {
            let (url, shown) = api(base).url(&segments);
            assert_eq!(
                url.as_str(),
                "https://discord.com/api/v10/webhooks/1/aW50%2FZXJ+hY3Rpb24=/messages/@original"
            );
            assert_eq!(
                shown,
                "https://discord.com/api/v10/webhooks/1/***/messages/@original"
            );
        }
    }

    #[test]
    fn error_messages_never_carry_a_token() {
        let client = api("https://discord.com/api/v10");
        let segments = vec![Segment::Secret("interaction-secret")];
        let what = "editing the interaction's message";
        let call = Call {
            what,
            method: Method::PATCH,
            segments,
        };
        assert!(!call.needs_bot());
        let body = r#"{"code": 50027, "message": "Invalid Webhook Token interaction-secret / MTA.bot-secret.xyz\nmore"}"#;
        let err = client.status_error(&call, &answer(401, None, body));
        let text = err.to_string();
        assert_eq!(
            text,
            "editing the interaction's message: Discord answered 401 (code 50027): \
             Invalid Webhook Token *** / *** more"
        );
        assert!(!format!("{err:?}").contains("secret"));
        assert_eq!(err.status(), Some(401));
        // Not JSON: the text, capped; nothing: the reason.
        let err = client.status_error(&call, &answer(502, None, &"x".repeat(5000)));
        assert!(err.to_string().len() < 300, "{err}");
        let err = client.status_error(&call, &answer(404, None, ""));
        assert!(
            err.to_string().ends_with("Discord answered 404: Not Found"),
            "{err}"
        );
    }

    #[test]
    fn retry_after_comes_from_the_body_then_the_header() {
        let wait = |header, body| retry_after(&answer(429, header, body));
        let body =
            r#"{"message": "You are being rate limited.", "retry_after": 0.25, "global": false}"#;
        assert_eq!(wait(Some("1"), body), Duration::from_millis(250));
        assert_eq!(wait(Some("3"), "{}"), Duration::from_secs(3));
        assert_eq!(wait(Some(" 1.5 "), "not json"), Duration::from_millis(1500));
        assert_eq!(wait(None, "{}"), DEFAULT_RETRY_AFTER);
        assert_eq!(
            wait(Some("-1"), r#"{"retry_after": -2}"#),
            DEFAULT_RETRY_AFTER
        );
        assert_eq!(
            wait(Some("NaN"), r#"{"retry_after": "soon"}"#),
            DEFAULT_RETRY_AFTER
        );
        assert_eq!(wait(None, r#"{"retry_after": 1e300}"#), Duration::MAX);
    }
}
