//! The audit log, which is also the server's journal: one JSON object a line, appended.
//! Every `/diagnose` decided is written before it is answered (time, requester's ID and
//! name, server, channel, command, options, correlation ID, decision), and every
//! diagnosis started gets one outcome line when it ends. An accepted line also carries
//! the interaction's token, which lets a restarted server go on editing the message for
//! the token's 15 minutes: the file is created readable by its owner only. On start,
//! [`AuditLog::pending`] lists the diagnoses accepted within the token's lifetime whose
//! last outcome is none or [`LEFT`] (the server stopped while they ran). Lines that do not
//! parse are skipped.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::discord::interaction::{InteractionToken, Snowflake};

/// The outcome of a diagnosis the server stopped following when it shut down.
pub const LEFT: &str = "left: still running";
/// The decision of an accepted interaction.
pub const ACCEPTED: &str = "accepted";

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    Interaction(Decided),
    Outcome(Outcome),
}

/// An interaction and what was decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decided {
    /// RFC 3339, UTC.
    pub time: String,
    pub user_id: Snowflake,
    pub user_name: String,
    pub guild_id: Option<Snowflake>,
    pub channel_id: Option<Snowflake>,
    pub command: String,
    pub options: BTreeMap<String, Value>,
    pub correlation_id: Option<Uuid>,
    /// [`ACCEPTED`], or `refused: why`.
    pub decision: String,
    /// Accepted diagnoses: the application and token to edit the message with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// How a diagnosis ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub time: String,
    pub correlation_id: Uuid,
    /// `succeeded`, `failed`, `error: why`, `expired: …`, or [`LEFT`].
    pub outcome: String,
}

/// A diagnosis to resume: accepted within the token's lifetime, not ended.
#[derive(Debug, Clone)]
pub struct Pending {
    pub correlation_id: Uuid,
    pub application_id: Snowflake,
    pub token: InteractionToken,
    pub user_name: String,
    pub accepted_at: SystemTime,
}

/// The log file, appended to one line at a time.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

pub fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

impl AuditLog {
    /// Opens `path` for appending, creating it (owner-only) when missing.
    pub fn open(path: &Path) -> anyhow::Result<AuditLog> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .with_context(|| format!("opening the audit log {}", path.display()))?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Appends one line.
    pub fn append(&self, entry: &Entry) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(entry).context("writing an audit entry")?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)
            .and_then(|()| file.flush())
            .with_context(|| format!("appending to the audit log {}", self.path.display()))
    }

    /// Appends the outcome of diagnosis `cid`.
    pub fn outcome(&self, cid: Uuid, outcome: &str) -> anyhow::Result<()> {
        self.append(&Entry::Outcome(Outcome {
            time: now(),
            correlation_id: cid,
            outcome: outcome.to_string(),
        }))
    }

    /// The diagnoses accepted less than `lifetime` ago that have no outcome but [`LEFT`].
    pub fn pending(&self, lifetime: Duration) -> anyhow::Result<Vec<Pending>> {
        let text = std::fs::read(&self.path)
            .with_context(|| format!("reading the audit log {}", self.path.display()))?;
        Ok(pending_in(
            &String::from_utf8_lossy(&text),
            lifetime,
            SystemTime::now(),
        ))
    }
}

/// [`AuditLog::pending`] of the log `text`, at `now`.
fn pending_in(text: &str, lifetime: Duration, now: SystemTime) -> Vec<Pending> {
    let mut accepted: Vec<Pending> = Vec::new();
    let mut last_outcome: HashMap<Uuid, String> = HashMap::new();
    for line in text.lines() {
        match serde_json::from_str::<Entry>(line) {
            Ok(Entry::Interaction(d)) => accepted.extend(resumable(d, lifetime, now)),
            Ok(Entry::Outcome(o)) => {
                last_outcome.insert(o.correlation_id, o.outcome);
            }
            Err(_) if line.trim().is_empty() => {}
            Err(e) => tracing::warn!("skipping an audit log line that does not parse: {e}"),
        }
    }
    accepted.retain(|p| {
        last_outcome
            .get(&p.correlation_id)
            .is_none_or(|o| o == LEFT)
    });
    accepted
}

/// The diagnosis an accepted line started, while its token lives.
fn resumable(d: Decided, lifetime: Duration, now: SystemTime) -> Option<Pending> {
    if d.decision != ACCEPTED {
        return None;
    }
    let accepted_at = humantime::parse_rfc3339(&d.time).ok()?;
    let age = now.duration_since(accepted_at).unwrap_or(Duration::ZERO);
    if age >= lifetime {
        return None;
    }
    Some(Pending {
        correlation_id: d.correlation_id?,
        application_id: d.application_id?,
        token: InteractionToken::new(d.token.as_deref()?).ok()?,
        user_name: d.user_name,
        accepted_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(time: SystemTime, cid: Uuid, decision: &str) -> Entry {
        Entry::Interaction(Decided {
            time: humantime::format_rfc3339_millis(time).to_string(),
            user_id: Snowflake::from(1),
            user_name: "alice".into(),
            guild_id: Some(Snowflake::from(2)),
            channel_id: None,
            command: "diagnose".into(),
            options: BTreeMap::new(),
            correlation_id: Some(cid),
            decision: decision.into(),
            application_id: Some(Snowflake::from(3)),
            token: Some("tok".into()),
        })
    }

    fn outcome(cid: Uuid, outcome: &str) -> Entry {
        Entry::Outcome(Outcome {
            time: now(),
            correlation_id: cid,
            outcome: outcome.into(),
        })
    }

    #[test]
    fn the_journal_resumes_recent_diagnoses_without_an_end() {
        let now = SystemTime::now();
        let minute = Duration::from_secs(60);
        let [fresh, ended, left, old, refused] = [(); 5].map(|()| Uuid::new_v4());
        let lines = [
            decided(now - minute, fresh, ACCEPTED),
            decided(now - minute, ended, ACCEPTED),
            outcome(ended, "succeeded"),
            decided(now - 2 * minute, left, ACCEPTED),
            outcome(left, LEFT),
            decided(now - 20 * minute, old, ACCEPTED),
            decided(now, refused, "refused: rate limited"),
        ];
        let mut text: String = lines
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect();
        text.push_str("{not json\n\n");
        let pending = pending_in(&text, 15 * minute, now);
        let ids: Vec<Uuid> = pending.iter().map(|p| p.correlation_id).collect();
        assert_eq!(ids, [fresh, left]);
        assert_eq!(pending[0].token.expose(), "tok");
        assert_eq!(pending[0].user_name, "alice");
        // Resumed and then ended: no longer pending.
        text.push_str(&(serde_json::to_string(&outcome(left, "failed")).unwrap() + "\n"));
        assert_eq!(pending_in(&text, 15 * minute, now).len(), 1);
    }

    #[test]
    fn lines_are_appended_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        let cid = Uuid::new_v4();
        log.append(&decided(SystemTime::now(), cid, ACCEPTED))
            .unwrap();
        assert_eq!(log.pending(Duration::from_secs(900)).unwrap().len(), 1);
        log.outcome(cid, "succeeded").unwrap();
        assert!(log.pending(Duration::from_secs(900)).unwrap().is_empty());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["kind"], "interaction");
        assert_eq!(first["user_id"], "1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only its owner reads it");
        }
    }
}
