//! Progress on standard error while the client waits, shown from the remote diagnosis's
//! [`Event`]s: on a terminal, one spinner line rewritten in place with the run's state and
//! the time waited; otherwise one plain line per change of state (logs and chat bots read
//! those); everything else on a line of its own. Every message passes through [`clean`]
//! here, whatever it carries from outside (zip member names, GitHub's error texts, job
//! names): one line, no control or escape sequences, bounded length.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::remote::{Event, Observer};

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Longest progress message, in characters.
pub const MAX_MESSAGE: usize = 1000;

/// `message` as it may reach a terminal: one line, control characters neutralised, at
/// most [`MAX_MESSAGE`] characters.
pub fn clean(message: &str) -> String {
    crate::text::cap(&crate::text::one_line(message), MAX_MESSAGE)
}

pub struct Progress {
    tty: bool,
    start: Instant,
    state: Mutex<(String, usize)>,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            start: Instant::now(),
            state: Mutex::new((String::new(), 0)),
        }
    }

    /// An observer that shows each event: the states of runs and searches in place,
    /// the rest as notes. Without `completed`, a run's completion is not shown (the
    /// report that follows says it).
    pub fn observer(self: &Arc<Self>, completed: bool) -> Observer {
        let progress = self.clone();
        Arc::new(move |event| progress.show(event, completed))
    }

    fn show(&self, event: &Event, completed: bool) {
        match event {
            Event::Completed { .. } if !completed => {}
            // Only a link that is this GitHub's is worth a line.
            Event::RunFound { url: None, .. } => {}
            e if e.is_state() => self.state(&e.to_string()),
            e => self.note(&e.to_string()),
        }
    }

    /// The current state; printed when it changed (plain) or always (spinner).
    pub fn state(&self, message: &str) {
        let message = clean(message);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let changed = state.0 != message;
        if changed {
            state.0 = message.clone();
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
        let message = clean(message);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_bounded_line_without_escapes() {
        let shown = clean("zip holds \u{1b}]0;owned\u{7}\u{1b}[2J and\nmore\r");
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.starts_with("zip holds "), "{shown:?}");
        let long = clean(&"x".repeat(10 * MAX_MESSAGE));
        assert_eq!(long.chars().count(), MAX_MESSAGE);
        assert_eq!(clean("run 1 queued"), "run 1 queued");
    }
}
