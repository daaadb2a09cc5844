//! A [`Verification`] as a Discord message, built as the report's message is: a content
//! block (the verdict, the commit and age, the failed steps, one line per job, the run
//! link) and one embed (the failed steps, the commit, one field per job with its steps),
//! within Discord's limits (2,000 characters of content; embed title 256, description
//! 4,096, 25 fields, field names 256 and values 1,024, 6,000 in all), text from GitHub
//! escaped for Discord's markdown, mentions defused, and a link button to the run.

use serde_json::{Value, json};
use url::Url;

use super::{look, numbered, rfc3339, verdict_look, word};
use crate::discord::interaction::{CONTENT_LIMIT, Message};
use crate::report::discord::{code, escape, lines_within};
use crate::text::cap_escaped;
use crate::verify::time::human;
use crate::verify::{FailedStep, JobView, Verdict, Verification};

const TITLE_LIMIT: usize = 256;
/// The failed steps, leaving room for the jobs.
const DESCRIPTION_LIMIT: usize = 1200;
const FIELD_NAME_LIMIT: usize = 256;
/// Discord allows 1,024 per field value; steps stay below it, with room for the note of
/// how many more there are.
const STEPS_LIMIT: usize = 900;
/// Discord's 6,000 characters per embed, less a margin.
const EMBED_BUDGET: usize = 5800;
/// Discord's 25 fields per embed, one kept for the note of the jobs left out.
const MAX_FIELDS: usize = 24;

/// The message: content, embed, a link button to the run (when its page is known), and
/// `allowed_mentions` empty.
pub fn discord(v: &Verification) -> Message {
    let message = Message::text(&content(v)).with_embeds(vec![embed(v)]);
    match v.run.link.as_deref().and_then(|l| Url::parse(l).ok()) {
        Some(url) => message.with_link("Open the run", &url),
        None => message,
    }
}

/// The message as Discord receives it: pretty JSON and a newline.
pub fn discord_payload(v: &Verification) -> String {
    let mut out = serde_json::to_string_pretty(&discord(v)).expect("a message serialises");
    out.push('\n');
    out
}

/// `❌ **Deploy failed** (cancelled)`: the verdict, with GitHub's word when it says more.
fn verdict_line(v: &Verification) -> String {
    let verdict = v.verdict();
    let said = word(v.run.status, v.run.conclusion);
    let more = match (verdict, said) {
        (Verdict::Succeeded, "success") | (Verdict::Failed, "failure") => String::new(),
        (_, said) => format!(" ({said})"),
    };
    format!(
        "{} **Deploy {}**{more}",
        verdict_look(verdict).icon,
        verdict.as_str()
    )
}

/// The content block: the verdict and run, the commit and times, the failed steps and
/// the jobs as far as they fit, the link; within [`CONTENT_LIMIT`].
fn content(v: &Verification) -> String {
    let headline = format!(
        "{} · `{}` run {}\n{}\n",
        verdict_line(v),
        code(&v.workflow),
        v.run.id,
        about(v)
    );
    let footer = v
        .run
        .link
        .as_ref()
        .map(|l| format!("<{l}>"))
        .unwrap_or_default();
    let budget = CONTENT_LIMIT
        .saturating_sub(headline.chars().count())
        .saturating_sub(footer.chars().count())
        .saturating_sub(40);
    let failed = lines_within(&failed_lines(&v.failed_steps), budget / 2);
    let budget = budget.saturating_sub(failed.chars().count());
    let jobs: Vec<String> = v.jobs.iter().map(job_line).collect();
    let jobs = lines_within(&jobs, budget);
    cap_escaped(&format!("{headline}{failed}{jobs}{footer}"), CONTENT_LIMIT)
        .trim_end()
        .to_string()
}

/// The commit, when the run started and how long it took.
fn about(v: &Verification) -> String {
    let run = &v.run;
    let mut parts = Vec::new();
    if let Some(c) = &run.commit {
        let message = cap_escaped(&escape(&c.message), 150);
        parts.push(
            format!("commit `{}` {message}", c.sha)
                .trim_end()
                .to_string(),
        );
    }
    if let Some(b) = &run.branch {
        parts.push(format!("branch {}", cap_escaped(&escape(b), 150)));
    }
    if let Some(age) = run.age {
        parts.push(format!("started {} ago", human(age)));
    }
    if let Some(d) = run.duration {
        parts.push(format!("took {}", human(d)));
    }
    parts.join(" · ")
}

/// `🔴 **deploy** › 4. Upload (failure)` for each failed step.
fn failed_lines(failed: &[FailedStep]) -> Vec<String> {
    failed
        .iter()
        .map(|f| {
            let step = match &f.step {
                Some(s) => format!(" › {}", escape(&numbered(f.number, s))),
                None => String::new(),
            };
            format!(
                "{} **{}**{step} ({})",
                crate::report::style::outcome(crate::model::Outcome::Fail).dot,
                escape(&f.job),
                f.conclusion
            )
        })
        .collect()
}

/// `🟢 build · success · 1 min 2 s`.
fn job_line(job: &JobView) -> String {
    let took = job
        .duration
        .map(|d| format!(" · {}", human(d)))
        .unwrap_or_default();
    format!(
        "{} {} · {}{took}",
        look(job.status, job.conclusion).dot,
        escape(&job.name),
        word(job.status, job.conclusion)
    )
}

/// The embed: the failed steps (or that every job succeeded, or how many are done), the
/// commit and times, one field per job with its steps, as many as fit.
fn embed(v: &Verification) -> Value {
    let run = &v.run;
    let title = format!(
        "Deploy {} — {} run {}",
        v.verdict().as_str(),
        v.workflow,
        run.id
    );
    let mut embed = json!({
        "title": cap_escaped(&title, TITLE_LIMIT),
        "description": cap_escaped(&description(v), DESCRIPTION_LIMIT),
        "color": verdict_look(v.verdict()).embed_color,
    });
    let mut fields = Vec::new();
    if let Some(c) = &run.commit {
        let value = format!("`{}` {}", c.sha, cap_escaped(&escape(&c.message), 150));
        fields.push(field("Commit", value.trim_end(), false));
    }
    if let Some(age) = run.age {
        fields.push(field("Started", &format!("{} ago", human(age)), true));
    }
    if let Some(d) = run.duration {
        fields.push(field("Duration", &human(d), true));
    }
    let mut used = chars(&embed["title"]) + chars(&embed["description"]) + fields_chars(&fields);
    let mut shown = 0;
    for job in &v.jobs {
        let f = job_field(job);
        let size = fields_chars(std::slice::from_ref(&f));
        if fields.len() >= MAX_FIELDS || used + size > EMBED_BUDGET {
            break;
        }
        used += size;
        fields.push(f);
        shown += 1;
    }
    let left_out = (v.jobs.len() - shown) as u64 + v.jobs_not_shown;
    if left_out > 0 {
        fields.push(field(
            "More jobs",
            &format!("{left_out} more in the run"),
            false,
        ));
    }
    embed["fields"] = Value::Array(fields);
    if let Some(link) = &run.link {
        embed["url"] = json!(link);
    }
    if let Some(at) = run.started_at {
        embed["timestamp"] = json!(rfc3339(at));
    }
    embed
}

fn description(v: &Verification) -> String {
    if !v.failed_steps.is_empty() {
        let lines = lines_within(&failed_lines(&v.failed_steps), DESCRIPTION_LIMIT - 100);
        return lines.trim_end().to_string();
    }
    match v.verdict() {
        Verdict::Succeeded => "Every job succeeded.".to_string(),
        Verdict::Failed => format!("The run ended: {}.", word(v.run.status, v.run.conclusion)),
        Verdict::Running => {
            let done = v
                .jobs
                .iter()
                .filter(|j| super::finished(j.status, j.conclusion))
                .count();
            format!(
                "Still {}: {done} of {} jobs done.",
                v.run.status,
                v.jobs.len()
            )
        }
    }
}

/// A job as a field: its look, name, word and duration; its steps as the value.
fn job_field(job: &JobView) -> Value {
    let lines: Vec<String> = job
        .steps
        .iter()
        .map(|s| {
            let took = s
                .duration
                .map(|d| format!(" · {}", human(d)))
                .unwrap_or_default();
            let name = escape(&numbered(s.number, &s.name));
            format!("{} {name}{took}", look(s.status, s.conclusion).dot)
        })
        .collect();
    let steps = lines_within(&lines, STEPS_LIMIT);
    let steps = match steps.trim_end() {
        "" => "No steps.".to_string(),
        s => s.to_string(),
    };
    let name = job_line(job);
    json!({"name": cap_escaped(&name, FIELD_NAME_LIMIT), "value": steps, "inline": false})
}

fn field(name: &str, value: &str, inline: bool) -> Value {
    json!({"name": name, "value": value, "inline": inline})
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn fields_chars(fields: &[Value]) -> usize {
    fields
        .iter()
        .map(|f| chars(&f["name"]) + chars(&f["value"]))
        .sum()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::github::types::{RunConclusion, RunStatus};
    use crate::verify::StepView;
    use crate::verify::render::tests::failed;

    fn payload(v: &Verification) -> Value {
        serde_json::from_str(&discord_payload(v)).unwrap()
    }

    #[test]
    fn a_failed_deploy_says_where_it_failed() {
        let p = payload(&failed());
        let content = p["content"].as_str().unwrap();
        assert_eq!(
            content,
            "❌ **Deploy failed** · `client-deploy.yml` run 5001\n\
             commit `abc1234` Fix the login page · branch main · started 2 h 3 min ago · took 2 min 5 s\n\
             🔴 **deploy** › 4. Upload to S3 (failure)\n\
             🟢 build · success · 1 min 2 s\n\
             🔴 deploy · failure · 40 s\n\
             <https://github.com/acme/site/actions/runs/5001>"
        );
        let embed = &p["embeds"][0];
        assert_eq!(embed["title"], "Deploy failed — client-deploy.yml run 5001");
        assert_eq!(
            embed["url"],
            "https://github.com/acme/site/actions/runs/5001"
        );
        assert_eq!(embed["color"], 0xcf_22_2e);
        assert_eq!(embed["timestamp"], "2026-11-25T05:00:00Z");
        assert_eq!(
            embed["description"],
            "🔴 **deploy** › 4. Upload to S3 (failure)"
        );
        let names: Vec<&str> = embed["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Commit",
                "Started",
                "Duration",
                "🟢 build · success · 1 min 2 s",
                "🔴 deploy · failure · 40 s"
            ]
        );
        assert_eq!(
            embed["fields"][4]["value"],
            "🔴 4. Upload to S3 · 38 s\n⏭️ 5. Invalidate · 0 s"
        );
        assert_eq!(p["allowed_mentions"], json!({"parse": []}));
        let button = &p["components"][0]["components"][0];
        assert_eq!(
            button["url"],
            "https://github.com/acme/site/actions/runs/5001"
        );
        assert_eq!(button["style"], 5);
    }

    #[test]
    fn a_succeeded_or_running_deploy_says_so() {
        let mut v = failed();
        v.run.conclusion = Some(RunConclusion::Success);
        v.failed_steps.clear();
        let p = payload(&v);
        assert!(
            p["content"]
                .as_str()
                .unwrap()
                .starts_with("✅ **Deploy succeeded** · ")
        );
        assert_eq!(p["embeds"][0]["description"], "Every job succeeded.");
        v.run.conclusion = Some(RunConclusion::Cancelled);
        let p = payload(&v);
        assert!(
            p["content"]
                .as_str()
                .unwrap()
                .starts_with("❌ **Deploy failed** (cancelled) · ")
        );
        assert_eq!(p["embeds"][0]["description"], "The run ended: cancelled.");
        v.run.status = RunStatus::Waiting;
        v.run.conclusion = None;
        v.run.link = None;
        let p = payload(&v);
        let content = p["content"].as_str().unwrap();
        assert!(
            content.starts_with("🔄 **Deploy running** (waiting) · "),
            "{content}"
        );
        assert!(!content.contains('<'), "{content}");
        assert_eq!(
            p["embeds"][0]["description"],
            "Still waiting: 2 of 2 jobs done."
        );
        assert_eq!(p["embeds"][0]["color"], 0xbf_87_00);
        assert_eq!(p["components"], json!([]));
    }

    /// Characters that count against Discord's 6,000 per embed.
    fn embed_chars(embed: &Value) -> usize {
        chars(&embed["title"])
            + chars(&embed["description"])
            + fields_chars(embed["fields"].as_array().unwrap())
    }

    #[test]
    fn a_huge_hostile_run_stays_within_discords_limits_and_pings_nobody() {
        let mut v = failed();
        let hostile = format!(
            "@everyone <@123> **x** `y` [z](https://evil) {}",
            "n".repeat(200)
        );
        v.run.title = hostile.clone();
        v.run.commit.as_mut().unwrap().message = hostile.clone();
        v.run.branch = Some(hostile.clone());
        let job = v.jobs[1].clone();
        v.jobs = (0..80)
            .map(|i| {
                let mut j = job.clone();
                j.name = format!("{i} {hostile}");
                j.steps = (0..200)
                    .map(|n| StepView {
                        number: Some(n),
                        name: hostile.clone(),
                        duration: Some(Duration::from_secs(n.into())),
                        ..j.steps[0].clone()
                    })
                    .collect();
                j
            })
            .collect();
        v.failed_steps = (0..300).map(|_| v.failed_steps[0].clone()).collect();
        v.failed_steps[0].job = hostile.clone();
        v.jobs_not_shown = 20;
        let p = payload(&v);
        let content = p["content"].as_str().unwrap();
        assert!(content.chars().count() <= CONTENT_LIMIT);
        assert!(
            content.ends_with("<https://github.com/acme/site/actions/runs/5001>"),
            "{content}"
        );
        let embed = &p["embeds"][0];
        assert!(embed_chars(embed) <= 6000, "{}", embed_chars(embed));
        assert!(chars(&embed["title"]) <= TITLE_LIMIT);
        assert!(chars(&embed["description"]) <= 4096);
        let fields = embed["fields"].as_array().unwrap();
        assert!(fields.len() <= 25, "{}", fields.len());
        for f in fields {
            assert!((1..=256).contains(&chars(&f["name"])), "{f}");
            assert!((1..=1024).contains(&chars(&f["value"])), "{f}");
        }
        let last = fields.last().unwrap();
        assert_eq!(last["name"], "More jobs");
        let shown_jobs = fields.len() - 4;
        assert_eq!(
            last["value"],
            format!("{} more in the run", 100 - shown_jobs)
        );
        let all = p.to_string();
        for raw in ["@everyone", "<@123>", "**x**", "[z](https"] {
            assert!(!all.contains(raw), "{raw} in {all}");
        }
        assert_eq!(p["allowed_mentions"], json!({"parse": []}));
    }
}
