//! Following a run until it completes, within a [`Budget`]: polled with conditional
//! requests (an unchanged run is a free 304) at growing intervals, back to the shortest
//! after each change; a queued run must start by the queue deadline, any run complete by
//! the deadline, and the last poll comes at the deadline itself. A run given up on is
//! cancelled when asked.

use std::time::{Duration, Instant};

use super::{Cancel, Event, GaveUp, POLL_MAX, POLL_MIN, Remote, RemoteError, TimedOut};
use crate::clock::Clock;
use crate::github::GithubError;
use crate::github::backoff::Backoff;
use crate::github::types::{RunStatus, WorkflowRun};

/// How long a diagnosis may take, measured from when it began.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// When it began: "after N s" counts from here.
    pub started: Instant,
    /// Everything ends by then.
    pub deadline: Instant,
    /// A run must have started (left the queue) by then; never after `deadline`.
    pub queue_deadline: Instant,
    /// The queue's share, as it is named in messages.
    pub queue_timeout: Duration,
}

impl Budget {
    /// `timeout` in all, of which a run may spend `queue_timeout` queued (pass `timeout`
    /// for no separate limit), on `clock`, from now.
    pub fn new(clock: Clock, timeout: Duration, queue_timeout: Duration) -> Budget {
        let started = Instant::now();
        let deadline = clock.deadline(timeout);
        Budget {
            started,
            deadline,
            queue_deadline: clock.deadline(queue_timeout).min(deadline),
            queue_timeout,
        }
    }
}

/// How following a run ended.
#[derive(Debug)]
pub enum FollowEnd {
    Completed(WorkflowRun),
    TimedOut(TimedOut),
}

impl Remote {
    /// Follows `run` until it completes or `budget` runs out (then cancels it when
    /// `cancel_on_timeout`). Each read of the run is told as its state's event.
    pub async fn follow(
        &self,
        mut run: WorkflowRun,
        budget: &Budget,
        cancel_on_timeout: bool,
    ) -> Result<FollowEnd, RemoteError> {
        let clock = self.clock();
        let mut polls = Backoff::polls(POLL_MIN, POLL_MAX);
        let mut last = None;
        loop {
            let state = run.state();
            if last != Some(state) {
                polls.reset();
                last = Some(state);
            }
            self.emit(Event::of_run(&run));
            if run.is_completed() {
                return Ok(FollowEnd::Completed(run));
            }
            let queued = state.is_queued();
            let now = Instant::now();
            // Queued, the next poll comes no later than the queue deadline.
            let limit = if queued {
                budget.queue_deadline
            } else {
                budget.deadline
            };
            let Some(pause) = polls.pause_before(clock, limit) else {
                let why = if queued
                    && now >= budget.queue_deadline
                    && budget.queue_deadline < budget.deadline
                {
                    GaveUp::Queue(budget.queue_timeout)
                } else {
                    GaveUp::Deadline
                };
                return Ok(self
                    .give_up(&run, state, why, budget, cancel_on_timeout)
                    .await);
            };
            clock.sleep(pause).await;
            run = match self.gh.get_run(run.id, budget.deadline).await {
                Ok(r) => r,
                // The deadline passed during the poll itself: the same timeout.
                Err(GithubError::Deadline { .. }) => {
                    let why = GaveUp::Deadline;
                    return Ok(self
                        .give_up(&run, state, why, budget, cancel_on_timeout)
                        .await);
                }
                // The rate limit would hold the next poll past the deadline.
                Err(e @ GithubError::RateLimited(_)) => {
                    let why = GaveUp::RateLimited(e);
                    return Ok(self
                        .give_up(&run, state, why, budget, cancel_on_timeout)
                        .await);
                }
                Err(e) => return Err(e.into()),
            };
        }
    }

    /// Gives up on `run`; cancels it when asked.
    async fn give_up(
        &self,
        run: &WorkflowRun,
        state: RunStatus,
        why: GaveUp,
        budget: &Budget,
        cancel: bool,
    ) -> FollowEnd {
        let after = self.clock().since(budget.started);
        let cancel = if !cancel {
            Cancel::NotAsked
        } else {
            match self.cancel(run.id).await {
                Ok(()) => Cancel::Cancelled,
                Err(e) => Cancel::Failed(e),
            }
        };
        FollowEnd::TimedOut(TimedOut {
            run: run.id,
            state,
            after,
            why,
            cancel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_deadline_is_never_after_the_deadline() {
        let clock = Clock::new(1.0);
        let b = Budget::new(clock, Duration::from_secs(60), Duration::from_secs(600));
        assert_eq!(b.queue_deadline, b.deadline);
        let b = Budget::new(clock, Duration::from_secs(600), Duration::from_secs(60));
        assert!(b.queue_deadline < b.deadline);
        assert!(b.started <= Instant::now());
        // The same time for both: no separate queue limit.
        let b = Budget::new(clock, Duration::from_secs(60), Duration::from_secs(60));
        assert_eq!(b.queue_deadline, b.deadline);
    }
}
