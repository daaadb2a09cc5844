//! Waits that grow, with jitter: the one schedule behind the client's retries (1 s, 2 s,
//! 4 s… each ±20 %) and the poll loops of `remote` (a short first wait growing by half
//! each poll up to a bound, each 75–100 % of it, so a poll never waits longer than the
//! bound). [`Backoff::pause_before`] fits a wait into what is left before a deadline.

use std::time::{Duration, Instant};

use crate::clock::Clock;

/// Longest wait between retries of a failed request.
const RETRY_MAX: Duration = Duration::from_secs(32);

#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    next: Duration,
    factor: f64,
    max: Duration,
    /// Each wait is the current step times a factor drawn from this range.
    spread: (f64, f64),
}

impl Backoff {
    /// The retries of a failed request: 1 s, 2 s, 4 s… up to 32 s, each ±20 %.
    pub fn retries() -> Backoff {
        Backoff::new(Duration::from_secs(1), 2.0, RETRY_MAX, (0.8, 1.2))
    }

    /// Polls: `first`, growing by half each poll up to `max`, each 75–100 % of the step.
    pub fn polls(first: Duration, max: Duration) -> Backoff {
        Backoff::new(first, 1.5, max, (0.75, 1.0))
    }

    fn new(first: Duration, factor: f64, max: Duration, spread: (f64, f64)) -> Backoff {
        Backoff {
            first,
            next: first,
            factor,
            max,
            spread,
        }
    }

    /// The next wait, jittered; the step after it grows.
    pub fn next_wait(&mut self) -> Duration {
        let (low, high) = self.spread;
        let wait = self.next.mul_f64(low + (high - low) * fastrand::f64());
        self.next = self.next.mul_f64(self.factor).min(self.max);
        wait
    }

    /// Back to the first step (something changed: look again soon).
    pub fn reset(&mut self) {
        self.next = self.first;
    }

    /// The wait before the next poll: the next step, or what is left before `deadline`
    /// when that is shorter — the last poll happens at the deadline, so a budget is
    /// honoured as stated. None when the deadline has passed.
    pub fn pause_before(&mut self, clock: Clock, deadline: Instant) -> Option<Duration> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        Some(self.next_wait().min(clock.unscaled(left)))
    }
}

/// `7 s`, `0.8 s`.
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 || d >= Duration::from_secs(10) {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_a_second_within_a_fifth() {
        let mut b = Backoff::retries();
        for step in [1, 2, 4, 8, 16, 32, 32] {
            let wait = b.next_wait().as_secs_f64();
            let step = step as f64;
            assert!(
                (0.8 * step..=1.2 * step).contains(&wait),
                "{wait} for {step}"
            );
        }
        b.reset();
        assert!(b.next_wait() <= Duration::from_millis(1200));
    }

    #[test]
    fn polls_grow_by_half_and_never_pass_the_bound() {
        let mut b = Backoff::polls(Duration::from_secs(1), Duration::from_secs(2));
        for step in [1.0, 1.5, 2.0, 2.0] {
            let wait = b.next_wait().as_secs_f64();
            assert!((0.75 * step..=step).contains(&wait), "{wait} for {step}");
        }
    }

    #[test]
    fn the_last_poll_comes_at_the_deadline_not_before() {
        let clock = Clock::new(1.0);
        let interval = Duration::from_secs(2);
        let polls = || Backoff::polls(interval, interval);
        // Plenty of time: the interval, less at most a quarter of jitter.
        let far = Instant::now() + Duration::from_secs(60);
        let pause = polls().pause_before(clock, far).unwrap();
        assert!(
            pause <= interval && pause >= interval.mul_f64(0.75),
            "{pause:?}"
        );
        // Less time left than the interval: wait only that long, then poll once more.
        let near = Instant::now() + Duration::from_millis(300);
        let pause = polls().pause_before(clock, near).unwrap();
        assert!(pause <= Duration::from_millis(300), "{pause:?}");
        assert!(pause > Duration::from_millis(200), "{pause:?}");
        // The deadline has passed: no more polls.
        assert_eq!(polls().pause_before(clock, Instant::now()), None);
        // Scaled clocks wait scaled time: 0.3 s left at scale 0.001 is 300 s of theirs.
        let pause = polls().pause_before(Clock::new(0.001), near).unwrap();
        assert!(pause <= interval, "{pause:?}");
    }

    #[test]
    fn waits_read_naturally() {
        assert_eq!(seconds(Duration::from_secs(60)), "60 s");
        assert_eq!(seconds(Duration::from_millis(800)), "0.8 s");
    }
}
