//! Waiting, with one knob: `REMOTE_HANDS_TIME_SCALE` multiplies every wait of the
//! dispatch client (poll intervals, backoffs, rate-limit waits, timeouts), so tests and
//! benchmarks can replay minutes of waiting in milliseconds. Messages keep real values.
//! Every conversion saturates: no duration, however absurd, can make the arithmetic panic.

use std::time::{Duration, Instant};

/// The smallest time scale accepted (1000× faster than real time).
pub const MIN_SCALE: f64 = 0.001;
/// The largest time scale accepted (real time).
pub const MAX_SCALE: f64 = 1.0;

/// How far ahead an instant can be pushed when asked for more: about thirty years, far
/// beyond any deadline, and within what every platform's clock represents.
const FAR_AHEAD: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    scale: f64,
}

impl Clock {
    /// `scale` is clamped to [`MIN_SCALE`, `MAX_SCALE`]; the configuration refuses
    /// values outside it before a clock is made.
    pub fn new(scale: f64) -> Clock {
        let scale = if scale.is_finite() {
            scale.clamp(MIN_SCALE, MAX_SCALE)
        } else {
            MAX_SCALE
        };
        Clock { scale }
    }

    /// `d` as it will actually pass (saturating at [`Duration::MAX`]).
    pub fn scaled(&self, d: Duration) -> Duration {
        Duration::try_from_secs_f64(d.as_secs_f64() * self.scale).unwrap_or(Duration::MAX)
    }

    pub async fn sleep(&self, d: Duration) {
        tokio::time::sleep(self.scaled(d).min(FAR_AHEAD)).await;
    }

    /// The instant `d` (unscaled) from now.
    pub fn deadline(&self, d: Duration) -> Instant {
        later(Instant::now(), self.scaled(d))
    }

    /// Unscaled time since `start`.
    pub fn since(&self, start: Instant) -> Duration {
        self.unscaled(start.elapsed())
    }

    /// The unscaled length of `d` as it actually passes (the inverse of [`Clock::scaled`]).
    pub fn unscaled(&self, d: Duration) -> Duration {
        Duration::try_from_secs_f64(d.as_secs_f64() / self.scale).unwrap_or(Duration::MAX)
    }
}

/// `at + d`, or the furthest instant representable when that overflows.
pub fn later(at: Instant, d: Duration) -> Instant {
    at.checked_add(d)
        .or_else(|| at.checked_add(FAR_AHEAD))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_durations_saturate_instead_of_panicking() {
        let real = Clock::new(1.0);
        assert_eq!(real.scaled(Duration::MAX), Duration::MAX);
        assert_eq!(
            real.scaled(Duration::from_secs(u64::MAX)),
            Duration::MAX,
            "u64::MAX seconds rounds up past Duration::MAX as a float"
        );
        let now = Instant::now();
        assert!(real.deadline(Duration::MAX) > now + Duration::from_secs(3600 * 24 * 365));
        assert!(later(now, Duration::MAX) >= now);
    }

    #[test]
    fn the_scale_multiplies_and_is_kept_in_range() {
        let fast = Clock::new(MIN_SCALE);
        assert_eq!(
            fast.scaled(Duration::from_secs(60)),
            Duration::from_millis(60)
        );
        // Out-of-range scales never reach a clock unclamped.
        assert_eq!(
            Clock::new(0.0).scaled(Duration::from_secs(1)),
            Duration::from_millis(1)
        );
        assert_eq!(
            Clock::new(f64::NAN).scaled(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        assert_eq!(
            Clock::new(5.0).scaled(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        assert_eq!(
            fast.unscaled(Duration::from_millis(60)),
            Duration::from_secs(60)
        );
        let start = Instant::now() - Duration::from_millis(10);
        assert!(fast.since(start) >= Duration::from_secs(10));
    }
}
