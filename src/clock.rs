//! Waiting, with one knob: `REMOTE_HANDS_TIME_SCALE` multiplies every wait of the
//! dispatch client (poll intervals, backoffs, rate-limit waits, timeouts), so tests and
//! benchmarks can replay minutes of waiting in milliseconds. Messages keep real values.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    scale: f64,
}

impl Clock {
    pub fn new(scale: f64) -> Clock {
        Clock { scale }
    }

    /// `d` as it will actually pass.
    pub fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.scale)
    }

    pub async fn sleep(&self, d: Duration) {
        tokio::time::sleep(self.scaled(d)).await;
    }

    /// The instant `d` (unscaled) from now.
    pub fn deadline(&self, d: Duration) -> Instant {
        Instant::now() + self.scaled(d)
    }

    /// Unscaled time since `start`.
    pub fn since(&self, start: Instant) -> Duration {
        start.elapsed().div_f64(self.scale)
    }
}
