//! The runner: every planned check as its own task, at most `max_in_flight` of them
//! running at once, each waiting for the checks it needs before it takes a slot.
//!
//! **Gating.** A check that needs another one waits for that one's result without holding a
//! slot. When a need failed, the check is not run: it is `skip` with "<need> check failed:
//! <the need's details, capped>" ("identity check failed: …" for `oidc`), so one broken
//! root gives one failure and not a copy of it in every check behind it. When a need was
//! itself skipped by gating, the skip cascades with the same words: a chain of skips names
//! the first failure. A need that is skipped because it is *not configured* does not block:
//! the user did not ask for it, so it says nothing against its dependents, and running them
//! gives the reader facts where a skip would hide them. A need that is not a check of the
//! run, or a cycle of needs, blocks like a failed need, with its own message: the runner
//! never waits on something that cannot finish.
//!
//! **Deadlines.** A check's deadline counts from when it starts running (its needs settled,
//! a slot taken), not while it queues: the deadline is how long a target may take to answer.
//! The run's deadline counts from the start and bounds everything, queued checks included;
//! whatever has not finished by then fails, saying whether it ever started. A timeout, an
//! error or a panic becomes a `fail` result: a check never aborts the run.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
// Tokio's clock: the same as the system's, and paused in tests.
use tokio::time::Instant;

use super::{Check, CheckFuture};
use crate::model::{CheckId, CheckResult, Outcome};
use crate::text::cap;

/// One check of the plan: what it does, and the checks whose results it needs first.
#[derive(Debug, Clone)]
pub struct Planned {
    pub id: CheckId,
    pub check: Check,
    pub needs: Vec<CheckId>,
}

/// A check ready to run.
pub struct Task {
    pub id: CheckId,
    pub needs: Vec<CheckId>,
    pub future: CheckFuture,
}

impl Task {
    /// A task with no needs.
    pub fn new(id: CheckId, future: CheckFuture) -> Task {
        Task {
            id,
            needs: Vec::new(),
            future,
        }
    }
}

/// The limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Each check's own deadline, from when it starts running.
    pub check_deadline: Duration,
    /// The whole run's deadline, from the start.
    pub run_deadline: Duration,
    /// How many checks run at once (at least 1).
    pub max_in_flight: usize,
}

/// Extra time a check's own deadline gets over the checks' inner timeouts, so that their
/// more precise messages win the race.
const GRACE: Duration = Duration::from_millis(250);

/// When a check that never started started.
const NOT_STARTED: u64 = u64::MAX;

/// Longest part of a need's details quoted in a gated check's message, in characters.
const NEED_DETAILS: usize = 500;

/// What a settled check means for the checks that need it.
#[derive(Debug, Clone)]
enum Settled {
    /// Its dependents may run.
    Clear,
    /// Its dependents are skipped, with this message.
    Blocks(String),
}

/// What the tasks of one run share.
struct Shared {
    start: Instant,
    slots: Semaphore,
    settled: HashMap<CheckId, watch::Receiver<Option<Settled>>>,
    limits: Limits,
}

/// Runs every task, each once its needs have settled, at most `limits.max_in_flight` at
/// once. Every id in `tasks` is in the result, each with `start_ms` (when it started, or
/// was skipped, after the run started) and `ms` (how long it ran).
pub async fn run_all(tasks: Vec<Task>, limits: Limits) -> BTreeMap<CheckId, CheckResult> {
    let start = Instant::now();
    let run_end = start + limits.run_deadline;
    let blocked = blocked_by_plan(&tasks);
    let mut senders = HashMap::new();
    let mut settled = HashMap::new();
    for task in &tasks {
        if !settled.contains_key(&task.id) {
            let (tx, rx) = watch::channel(None);
            senders.insert(task.id.clone(), tx);
            settled.insert(task.id.clone(), rx);
        }
    }
    let shared = Arc::new(Shared {
        start,
        slots: Semaphore::new(limits.max_in_flight.max(1)),
        settled,
        limits,
    });
    let handles: Vec<_> = tasks
        .into_iter()
        .map(|task| {
            let started = Arc::new(AtomicU64::new(NOT_STARTED));
            let sender = senders.remove(&task.id);
            let blocked = blocked.get(&task.id).cloned();
            let (shared, flag) = (shared.clone(), started.clone());
            let id = task.id.clone();
            let handle = tokio::spawn(async move {
                let id = task.id.clone();
                let (result, gated) = match blocked {
                    Some(why) => (gated(&shared, why), true),
                    None => run_one(task, &shared, &flag).await,
                };
                if let Some(tx) = sender {
                    let _ = tx.send(Some(settled_as(&id, &result, gated)));
                }
                result
            });
            (id, handle, started)
        })
        .collect();
    let mut results = BTreeMap::new();
    for (id, mut handle, started) in handles {
        let result = match tokio::time::timeout_at(run_end, &mut handle).await {
            Ok(Ok(result)) => result,
            Ok(Err(join_error)) => ended(start, internal_error(join_error)),
            Err(_) => {
                handle.abort();
                too_late(start, &limits, started.load(Ordering::SeqCst))
            }
        };
        results.entry(id).or_insert(result);
    }
    results
}

/// One task: its needs awaited, then a slot taken, then the check run under its deadline.
/// The flag `gated` of the answer is true when a need kept the check from running.
async fn run_one(task: Task, shared: &Shared, started: &AtomicU64) -> (CheckResult, bool) {
    for need in &task.needs {
        if let Some(why) = wait_for(need, shared).await {
            return (gated(shared, why), true);
        }
    }
    let _slot = match shared.slots.try_acquire() {
        Ok(slot) => Some(slot),
        Err(_) => {
            let max_in_flight = shared.limits.max_in_flight;
            tracing::debug!(check = %task.id, max_in_flight, "waiting for a free slot");
            // Never closed, so acquiring only waits for a free slot.
            shared.slots.acquire().await.ok()
        }
    };
    let begun = Instant::now();
    started.store(millis(begun - shared.start), Ordering::SeqCst);
    let deadline = shared.limits.check_deadline;
    let mut result = match tokio::time::timeout(deadline + GRACE, task.future).await {
        Ok(r) => r,
        Err(_) => CheckResult::fail(format!(
            "no result within the check deadline of {} s",
            deadline.as_secs_f64()
        )),
    };
    result.start_ms = Some(millis(begun - shared.start));
    result.ms = millis(begun.elapsed());
    (result, false)
}

/// Waits for `need` to settle: `None` when it lets its dependents run, else why not.
async fn wait_for(need: &CheckId, shared: &Shared) -> Option<String> {
    let Some(rx) = shared.settled.get(need) else {
        return Some(format!("needs `{need}`, which is not a check of this run"));
    };
    let mut rx = rx.clone();
    match rx.wait_for(Option::is_some).await {
        Ok(settled) => match settled.as_ref() {
            Some(Settled::Blocks(why)) => Some(why.clone()),
            _ => None,
        },
        // Its task ended without a result (it panicked): a failure.
        Err(_) => Some(format!(
            "{} check failed: internal error: it ended without a result",
            need_name(need)
        )),
    }
}

/// The result of a check a need kept from running.
fn gated(shared: &Shared, why: String) -> CheckResult {
    let mut result = CheckResult::skip(why);
    result.start_ms = Some(millis(shared.start.elapsed()));
    result
}

/// What `result` of check `id` means for its dependents: a failure blocks them, with the
/// need named; a gated skip blocks them with the same words; anything else lets them run.
fn settled_as(id: &CheckId, result: &CheckResult, gated: bool) -> Settled {
    if gated {
        Settled::Blocks(result.details.clone())
    } else if result.outcome == Outcome::Fail {
        Settled::Blocks(format!(
            "{} check failed: {}",
            need_name(id),
            cap(&result.details, NEED_DETAILS)
        ))
    } else {
        Settled::Clear
    }
}

/// How a gated check's message names its need ("identity" for `oidc`).
fn need_name(id: &CheckId) -> String {
    match id {
        CheckId::Oidc => "identity".into(),
        other => other.key().to_string(),
    }
}

/// The checks the plan itself keeps from running: those on a cycle of needs, with the
/// cycle in words. (An unknown need is found when the check waits for it.)
fn blocked_by_plan(tasks: &[Task]) -> HashMap<CheckId, String> {
    let needs: HashMap<&CheckId, &[CheckId]> =
        tasks.iter().map(|t| (&t.id, t.needs.as_slice())).collect();
    let mut blocked = HashMap::new();
    for task in tasks {
        if let Some(path) = cycle_through(&task.id, &needs) {
            let path: Vec<&str> = path.iter().map(|id| id.key()).collect();
            blocked.insert(
                task.id.clone(),
                format!("its needs form a cycle ({}); not run", path.join(" → ")),
            );
        }
    }
    blocked
}

/// A shortest path of needs from `start` back to itself, `start` at both ends.
fn cycle_through(start: &CheckId, needs: &HashMap<&CheckId, &[CheckId]>) -> Option<Vec<CheckId>> {
    let mut parent: HashMap<&CheckId, &CheckId> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for next in needs.get(at).copied().unwrap_or_default() {
            if next == start {
                let mut path = vec![start.clone(), at.clone()];
                let mut cur = at;
                while cur != start {
                    cur = parent[cur];
                    path.push(cur.clone());
                }
                path.reverse();
                return Some(path);
            }
            if next != start && !parent.contains_key(next) {
                parent.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}

/// `result` with the time from the run's start as its duration (it has no start of its own).
fn ended(start: Instant, mut result: CheckResult) -> CheckResult {
    result.ms = millis(start.elapsed());
    result
}

/// A task that ended without a result: it panicked or was cancelled.
fn internal_error(join_error: tokio::task::JoinError) -> CheckResult {
    let why = if join_error.is_panic() {
        let payload = join_error.into_panic();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("internal error: the check panicked: {msg}")
    } else {
        "internal error: the check was cancelled".to_string()
    };
    CheckResult::fail(why)
}

/// A check the run deadline stopped: when it `started` (ms after the run's `start`), or
/// [`NOT_STARTED`].
fn too_late(start: Instant, limits: &Limits, started: u64) -> CheckResult {
    let deadline = limits.run_deadline.as_secs_f64();
    if started != NOT_STARTED {
        let mut result = CheckResult::fail(format!(
            "did not finish within the run deadline of {deadline} s"
        ));
        result.start_ms = Some(started);
        result.ms = millis(start.elapsed()).saturating_sub(started);
        return result;
    }
    ended(
        start,
        CheckResult::fail(format!(
            "did not start within the run deadline of {deadline} s (waiting for the checks it \
             needs or for one of the {} slots of --max-in-flight)",
            limits.max_in_flight
        )),
    )
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn limits(check_s: u64, run_s: u64) -> Limits {
        Limits {
            check_deadline: Duration::from_secs(check_s),
            run_deadline: Duration::from_secs(run_s),
            max_in_flight: 32,
        }
    }

    fn task(id: CheckId, needs: &[CheckId], result: CheckResult) -> Task {
        Task {
            id,
            needs: needs.to_vec(),
            future: Box::pin(async move { result }),
        }
    }

    #[tokio::test]
    async fn a_panicking_check_becomes_a_failure_and_the_rest_still_report() {
        let tasks = vec![
            Task::new(CheckId::api("/health"), Box::pin(async { panic!("boom") })),
            task(CheckId::api("/hello"), &[], CheckResult::pass("fine")),
        ];
        let results = run_all(tasks, limits(5, 6)).await;
        let health = &results[&CheckId::api("/health")];
        assert_eq!(health.outcome, Outcome::Fail);
        assert!(!health.ok);
        assert!(
            health.details.contains("panicked: boom"),
            "{}",
            health.details
        );
        assert_eq!(results[&CheckId::api("/hello")].outcome, Outcome::Pass);
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_that_never_finishes_fails_at_its_deadline() {
        let tasks = vec![
            Task::new(CheckId::Frontend, Box::pin(std::future::pending())),
            task(CheckId::api("/hello"), &[], CheckResult::pass("fine")),
        ];
        let results = run_all(tasks, limits(2, 3)).await;
        let frontend = &results[&CheckId::Frontend];
        assert_eq!(frontend.outcome, Outcome::Fail);
        assert!(
            frontend.details.contains("check deadline of 2 s"),
            "{}",
            frontend.details
        );
        assert_eq!(results[&CheckId::api("/hello")].outcome, Outcome::Pass);
    }

    #[tokio::test(start_paused = true)]
    async fn the_run_deadline_bounds_everything() {
        let tasks = vec![Task::new(CheckId::Oidc, Box::pin(std::future::pending()))];
        // A check deadline longer than the run's: the run's wins.
        let results = run_all(tasks, limits(60, 1)).await;
        let oidc = &results[&CheckId::Oidc];
        assert!(oidc.details.contains("run deadline"), "{}", oidc.details);
        // It ran from the start to the deadline, and its bar says so.
        assert_eq!((oidc.start_ms, oidc.ms), (Some(0), 1000));
    }

    #[tokio::test]
    async fn when_the_identity_check_fails_the_aws_checks_behind_it_skip_with_its_details() {
        let tasks = vec![
            task(
                CheckId::Oidc,
                &[],
                CheckResult::fail("the security token included in the request is invalid"),
            ),
            task(CheckId::S3Read, &[CheckId::Oidc], CheckResult::fail("same")),
            task(
                CheckId::Cloudfront,
                &[CheckId::Oidc],
                CheckResult::fail("same"),
            ),
            task(CheckId::Frontend, &[], CheckResult::pass("fine")),
        ];
        let results = run_all(tasks, limits(5, 6)).await;
        assert_eq!(results[&CheckId::Oidc].outcome, Outcome::Fail);
        for id in [CheckId::S3Read, CheckId::Cloudfront] {
            let r = &results[&id];
            assert_eq!(r.outcome, Outcome::Skip, "{id}");
            assert!(r.ok, "{id}");
            assert_eq!(
                r.details,
                "identity check failed: the security token included in the request is invalid"
            );
        }
        assert_eq!(results[&CheckId::Frontend].outcome, Outcome::Pass);
    }

    #[tokio::test]
    async fn a_passing_warning_or_unconfigured_need_lets_its_dependents_run() {
        for need in [
            CheckResult::pass("ok"),
            CheckResult::warn("slow"),
            CheckResult::skip("no bucket configured"),
        ] {
            let tasks = vec![
                task(CheckId::Oidc, &[], need.clone()),
                task(CheckId::S3Read, &[CheckId::Oidc], CheckResult::pass("read")),
            ];
            let results = run_all(tasks, limits(5, 6)).await;
            assert_eq!(results[&CheckId::S3Read].details, "read", "{need:?}");
        }
    }

    #[tokio::test]
    async fn gating_cascades_with_the_first_failure_named_and_long_details_capped() {
        let long = "x".repeat(5000);
        let other = CheckId::Other("custom".into());
        // Given in an order where the dependents come first.
        let tasks = vec![
            task(other.clone(), &[CheckId::S3Read], CheckResult::pass("ran")),
            task(CheckId::S3Read, &[CheckId::Oidc], CheckResult::pass("ran")),
            task(CheckId::Oidc, &[], CheckResult::fail(long)),
        ];
        let results = run_all(tasks, limits(5, 6)).await;
        let s3 = &results[&CheckId::S3Read];
        assert_eq!(s3.outcome, Outcome::Skip);
        assert!(s3.details.starts_with("identity check failed: xxx"));
        assert!(s3.details.chars().count() < 550, "{}", s3.details);
        assert_eq!(results[&other].outcome, Outcome::Skip);
        assert_eq!(results[&other].details, s3.details);
        // A failed need other than oidc is named by its key.
        let tasks = vec![
            task(CheckId::Frontend, &[], CheckResult::fail("HTTP 503")),
            task(
                other.clone(),
                &[CheckId::Frontend],
                CheckResult::pass("ran"),
            ),
        ];
        let results = run_all(tasks, limits(5, 6)).await;
        assert_eq!(results[&other].details, "frontend check failed: HTTP 503");
    }

    #[tokio::test(start_paused = true)]
    async fn a_cycle_or_an_unknown_need_is_a_failed_need_and_nothing_waits_forever() {
        let (a, b, c) = (
            CheckId::Other("a".into()),
            CheckId::Other("b".into()),
            CheckId::Other("c".into()),
        );
        let tasks = vec![
            task(
                a.clone(),
                std::slice::from_ref(&b),
                CheckResult::pass("ran"),
            ),
            task(
                b.clone(),
                std::slice::from_ref(&a),
                CheckResult::pass("ran"),
            ),
            task(
                c.clone(),
                std::slice::from_ref(&a),
                CheckResult::pass("ran"),
            ),
            task(
                CheckId::Frontend,
                &[CheckId::api("/gone")],
                CheckResult::pass("ran"),
            ),
            task(CheckId::Oidc, &[CheckId::Oidc], CheckResult::pass("ran")),
        ];
        let results = run_all(tasks, limits(60, 120)).await;
        assert_eq!(
            results[&a].details,
            "its needs form a cycle (a → b → a); not run"
        );
        assert_eq!(
            results[&b].details,
            "its needs form a cycle (b → a → b); not run"
        );
        assert_eq!(results[&c].details, results[&a].details);
        assert_eq!(
            results[&CheckId::Frontend].details,
            "needs `api_gone`, which is not a check of this run"
        );
        assert_eq!(
            results[&CheckId::Oidc].details,
            "its needs form a cycle (oidc → oidc); not run"
        );
        assert!(results.values().all(|r| r.outcome == Outcome::Skip));
        // Settled at once: the run deadline was never reached.
        assert!(results.values().all(|r| r.start_ms == Some(0)));
    }

    /// A check that counts how many run at once while it waits for `gate`.
    fn counted(
        id: usize,
        running: &Arc<AtomicUsize>,
        peak: &Arc<AtomicUsize>,
        gate: &Arc<Semaphore>,
    ) -> Task {
        let (running, peak, gate) = (running.clone(), peak.clone(), gate.clone());
        Task::new(
            CheckId::api(&format!("/p{id}")),
            Box::pin(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Each check holds its slot until the gate lets it through.
                gate.acquire().await.unwrap().forget();
                running.fetch_sub(1, Ordering::SeqCst);
                CheckResult::pass("ok")
            }),
        )
    }

    #[tokio::test]
    async fn at_most_max_in_flight_checks_run_at_once_and_all_of_them_run() {
        for (max, expected_peak) in [(1, 1), (3, 3), (100, 10)] {
            let (running, peak) = (Arc::default(), Arc::default());
            let gate = Arc::new(Semaphore::new(0));
            let tasks = (0..10)
                .map(|i| counted(i, &running, &peak, &gate))
                .collect();
            let limits = Limits {
                max_in_flight: max,
                ..limits(5, 6)
            };
            let run = tokio::spawn(run_all(tasks, limits));
            // Let the checks through one by one, each once the expected number is running.
            for _ in 0..10 {
                while running.load(Ordering::SeqCst) == 0
                    || (peak.load(Ordering::SeqCst) < expected_peak)
                {
                    tokio::task::yield_now().await;
                }
                gate.add_permits(1);
            }
            let results = run.await.unwrap();
            assert_eq!(peak.load(Ordering::SeqCst), expected_peak, "max {max}");
            assert_eq!(results.len(), 10);
            assert!(results.values().all(|r| r.outcome == Outcome::Pass));
            assert!(results.values().all(|r| r.start_ms.is_some()));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_check_gets_its_whole_deadline_once_it_starts_and_says_when_it_never_did() {
        let slow = |id: &str, secs: u64| {
            Task::new(
                CheckId::api(id),
                Box::pin(async move {
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    CheckResult::pass("ok")
                }),
            )
        };
        let limits = Limits {
            max_in_flight: 1,
            ..limits(10, 30)
        };
        // Each takes 8 s of its 10-s deadline; one at a time, the second starts at 8 s.
        let results = run_all(vec![slow("/a", 8), slow("/b", 8)], limits).await;
        let b = &results[&CheckId::api("/b")];
        assert_eq!(b.outcome, Outcome::Pass, "{}", b.details);
        assert_eq!((b.start_ms, b.ms), (Some(8000), 8000));
        // The run deadline stops the queue: the third never starts.
        let limits = Limits {
            run_deadline: Duration::from_secs(15),
            ..limits
        };
        let tasks = vec![slow("/a", 8), slow("/b", 8), slow("/c", 8)];
        let results = run_all(tasks, limits).await;
        let c = &results[&CheckId::api("/c")];
        assert_eq!(c.outcome, Outcome::Fail);
        assert!(
            c.details
                .starts_with("did not start within the run deadline of 15 s"),
            "{}",
            c.details
        );
    }
}
