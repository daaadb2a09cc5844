//! Progress on standard error while the client waits: on a terminal, one spinner line
//! rewritten in place with the run's state and the time waited; otherwise one plain line
//! per change of state (logs and chat bots read those).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub struct Progress {
    tty: bool,
    start: Instant,
    state: Mutex<(String, usize)>,
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            start: Instant::now(),
            state: Mutex::new((String::new(), 0)),
        }
    }

    /// The current state; printed when it changed (plain) or always (spinner).
    pub fn state(&self, message: &str) {
        let mut state = self.state.lock().unwrap();
        let changed = state.0 != message;
        if changed {
            state.0 = message.to_string();
        }
        let mut err = std::io::stderr().lock();
        if self.tty {
            state.1 = (state.1 + 1) % FRAMES.len();
            let _ = write!(
                err,
                "\r\x1b[2K{} {message} ({} s)",
                FRAMES[state.1],
                self.start.elapsed().as_secs()
            );
            let _ = err.flush();
        } else if changed {
            let _ = writeln!(err, "remote-hands: {message}");
        }
    }

    /// A one-off note (a wait, a fallback), on its own line.
    pub fn note(&self, message: &str) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "remote-hands: {message}");
    }

    /// Clears the spinner line before the result is printed.
    pub fn finish(&self) {
        if self.tty {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
