//! The messages the server writes: the start message (correlation ID, requester,
//! "triggering…"), the [`Stage`] a diagnosis is at as it moves (run found, queued,
//! running, each with the run as a link button), the result (the Discord renderer's
//! per-check lines and embed, with the run link as a button), a failure, the last word
//! before the interaction's token expires, and the ephemeral refusals. Every message
//! opens with the same header, since an edit replaces the whole message; text from
//! outside is escaped for Discord's markdown.

use url::Url;
use uuid::Uuid;

use crate::discord::interaction::Message;
use crate::remote::{Event, Found};
use crate::report::Renderer;
use crate::report::discord::{Discord, escape};
use crate::text::cap;

/// The run, once known: its ID and its page on this GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: u64,
    pub url: Option<String>,
}

/// Where a diagnosis is, as the message shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Triggering,
    /// Following again after a restart: looking for the run.
    Resuming,
    Found(Run),
    Queued(Run),
    Running(Run),
}

impl Stage {
    /// The stage after `event`, `None` when the event does not move it.
    pub fn after(&self, event: &Event) -> Option<Stage> {
        let url = self.run().and_then(|r| r.url.clone());
        let run = |id: u64| Run {
            id,
            url: url.clone(),
        };
        let next = match event {
            Event::RunFound { id, url } => Stage::Found(Run {
                id: *id,
                url: url.clone(),
            }),
            Event::Queued { run: id, .. } => Stage::Queued(run(*id)),
            Event::InProgress { run: id, .. } | Event::Completed { run: id, .. } => {
                Stage::Running(run(*id))
            }
            _ => return None,
        };
        (next != *self).then_some(next)
    }

    pub fn run(&self) -> Option<&Run> {
        match self {
            Stage::Triggering | Stage::Resuming => None,
            Stage::Found(r) | Stage::Queued(r) | Stage::Running(r) => Some(r),
        }
    }

    fn line(&self) -> String {
        match self {
            Stage::Triggering => "⏳ triggering…".into(),
            Stage::Resuming => "⏳ following again after a restart: looking for the run…".into(),
            Stage::Found(r) => format!("🔎 run {} found{}", r.id, link(r)),
            Stage::Queued(r) => format!("⏳ run {} queued{}", r.id, link(r)),
            Stage::Running(r) => format!("🔄 run {} running{}", r.id, link(r)),
        }
    }
}

fn link(run: &Run) -> String {
    run.url
        .as_deref()
        .map(|u| format!(" · <{u}>"))
        .unwrap_or_default()
}

/// Who asked and which diagnosis: the first line of every message.
#[derive(Debug, Clone)]
pub struct Header {
    pub correlation_id: Uuid,
    pub requester: String,
}

impl Header {
    fn text(&self) -> String {
        format!(
            "**Diagnose on Demand** · correlation ID `{}` · requested by {}",
            self.correlation_id,
            cap(&escape(&self.requester), 200)
        )
    }

    /// The message at `stage`.
    pub fn at(&self, stage: &Stage) -> Message {
        with_run(
            Message::text(&format!("{}\n{}", self.text(), stage.line())),
            stage.run(),
        )
    }

    /// The report, as the Discord renderer writes it, with the run as a button.
    pub fn result(&self, found: &Found, run: Option<&Run>) -> Message {
        let renderer = Discord {
            run_url: run.and_then(|r| r.url.clone()),
            notes: found.warnings(),
        };
        let payload: serde_json::Value =
            serde_json::from_str(&renderer.render(&found.report)).unwrap_or_default();
        let content = payload["content"].as_str().unwrap_or_default();
        let embeds = payload["embeds"].as_array().cloned().unwrap_or_default();
        with_run(Message::text(content).with_embeds(embeds), run)
    }

    /// The diagnosis could not be completed.
    pub fn failed(&self, why: &str, stage: &Stage) -> Message {
        let text = format!(
            "{}\n🔴 the diagnosis could not be completed: {}",
            self.text(),
            cap(&escape(why), 1200)
        );
        with_run(Message::text(&text), stage.run())
    }

    /// The last edit the token allows: where the result will be.
    pub fn expiring(&self, stage: &Stage) -> Message {
        let place = match stage.run() {
            Some(r @ Run { url: Some(_), .. }) => format!("on run {}'s page{}", r.id, link(r)),
            Some(r) => format!("on run {} of the diagnosis workflow", r.id),
            None => "on the diagnosis workflow's run with this correlation ID".into(),
        };
        let text = format!(
            "{}\n⌛ still not finished, and Discord allows no more updates to this message: \
             the result will be {place}",
            self.text()
        );
        with_run(Message::text(&text), stage.run())
    }
}

fn with_run(message: Message, run: Option<&Run>) -> Message {
    match run.and_then(|r| Some((r.id, Url::parse(r.url.as_deref()?).ok()?))) {
        Some((id, url)) => message.with_link(&format!("Run {id}"), &url),
        None => message,
    }
}

/// An ephemeral refusal: why, and that nothing was started.
pub fn refusal(why: &str) -> Message {
    Message::text(&format!("🚫 {}; nothing was started.", cap(why, 1500))).ephemeral()
}

/// An ephemeral note (a command this server does not answer yet, a server fault).
pub fn note(text: &str) -> Message {
    Message::text(text).ephemeral()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::types::RunStatus;

    #[test]
    fn a_stage_moves_once_per_state_and_keeps_the_runs_link() {
        let url = Some("https://github.com/acme/site/actions/runs/7".to_string());
        let found = Stage::Triggering
            .after(&Event::RunFound {
                id: 7,
                url: url.clone(),
            })
            .unwrap();
        let queued = Event::Queued {
            run: 7,
            status: RunStatus::Queued,
        };
        let queued_stage = found.after(&queued).unwrap();
        assert_eq!(queued_stage, Stage::Queued(Run { id: 7, url }));
        // The same state polled again does not move it; other events neither.
        assert_eq!(queued_stage.after(&queued), None);
        assert_eq!(queued_stage.after(&Event::Note("x".into())), None);
        let header = Header {
            correlation_id: Uuid::nil(),
            requester: "@everyone *bob*".into(),
        };
        let m = serde_json::to_value(header.at(&queued_stage)).unwrap();
        let content = m["content"].as_str().unwrap();
        assert!(content.contains("run 7 queued"), "{content}");
        assert!(!content.contains("@everyone") && content.contains("\\*bob\\*"));
        assert_eq!(m["components"][0]["components"][0]["label"], "Run 7");
        let last = header.expiring(&queued_stage);
        assert!(
            last.content()
                .contains("the result will be on run 7's page")
        );
        assert!(
            header
                .expiring(&Stage::Triggering)
                .content()
                .contains("workflow's run")
        );
        assert!(refusal("no").is_ephemeral());
    }
}
