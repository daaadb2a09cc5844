//! How each outcome and each conclusion looks, in one table every renderer reads: the
//! icon of the markdown summary, the marker of the Discord message, the label and the
//! terminal style of the text view, and the color of the Discord embed; and how something
//! not finished yet looks.

use anstyle::{AnsiColor, Color, Style};

use crate::model::{Conclusion, Outcome};

/// How one outcome is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeLook {
    /// In the markdown summary: ✅ ⚠️ ❌ ⏭️.
    pub icon: &'static str,
    /// In the Discord message: colored dots, which stand out in a channel.
    pub dot: &'static str,
    /// In the text view (a failure shouts).
    pub label: &'static str,
    /// In the text view, on a terminal.
    pub style: Style,
}

/// How one conclusion is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConclusionLook {
    /// In the markdown summary and the Discord headline.
    pub icon: &'static str,
    /// In the text view, on a terminal.
    pub style: Style,
    /// The Discord embed's side bar (RGB).
    pub embed_color: u32,
}

const fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(Color::Ansi(color)))
}

const PASS: OutcomeLook = OutcomeLook {
    icon: "✅",
    dot: "🟢",
    label: "pass",
    style: fg(AnsiColor::Green),
};
const WARN: OutcomeLook = OutcomeLook {
    icon: "⚠️",
    dot: "⚠️",
    label: "warn",
    style: fg(AnsiColor::Yellow),
};
const FAIL: OutcomeLook = OutcomeLook {
    icon: "❌",
    dot: "🔴",
    label: "FAIL",
    style: fg(AnsiColor::Red).bold(),
};
const SKIP: OutcomeLook = OutcomeLook {
    icon: "⏭️",
    dot: "⏭️",
    label: "skip",
    style: Style::new().dimmed(),
};

const SUCCESS: ConclusionLook = ConclusionLook {
    icon: "✅",
    style: fg(AnsiColor::Green).bold(),
    embed_color: 0x2e_a0_43,
};
const FAILURE: ConclusionLook = ConclusionLook {
    icon: "❌",
    style: fg(AnsiColor::Red).bold(),
    embed_color: 0xcf_22_2e,
};

/// Something not finished yet (a run, a job, a step queued or in progress).
pub const RUNNING: OutcomeLook = OutcomeLook {
    icon: "🔄",
    dot: "🔵",
    label: "running",
    style: fg(AnsiColor::Blue),
};

/// A run not finished yet, as a verdict.
pub const UNFINISHED: ConclusionLook = ConclusionLook {
    icon: "🔄",
    style: fg(AnsiColor::Yellow).bold(),
    embed_color: 0xbf_87_00,
};

/// How `outcome` looks.
pub fn outcome(outcome: Outcome) -> &'static OutcomeLook {
    match outcome {
        Outcome::Pass => &PASS,
        Outcome::Warn => &WARN,
        Outcome::Fail => &FAIL,
        Outcome::Skip => &SKIP,
    }
}

/// How `conclusion` looks.
pub fn conclusion(conclusion: Conclusion) -> &'static ConclusionLook {
    match conclusion {
        Conclusion::Success => &SUCCESS,
        Conclusion::Failure => &FAILURE,
    }
}

/// `text` in `style` when `color`, else as it is.
pub fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_styles_are_the_usual_escape_sequences() {
        let shown = |o| {
            let look = outcome(o);
            paint(look.label, look.style, true)
        };
        assert_eq!(shown(Outcome::Pass), "\x1b[32mpass\x1b[0m");
        assert_eq!(shown(Outcome::Warn), "\x1b[33mwarn\x1b[0m");
        assert_eq!(shown(Outcome::Fail), "\x1b[1m\x1b[31mFAIL\x1b[0m");
        assert_eq!(shown(Outcome::Skip), "\x1b[2mskip\x1b[0m");
        let verdict = |c| paint("x", conclusion(c).style, true);
        assert_eq!(verdict(Conclusion::Success), "\x1b[1m\x1b[32mx\x1b[0m");
        assert_eq!(verdict(Conclusion::Failure), "\x1b[1m\x1b[31mx\x1b[0m");
        assert_eq!(paint("FAIL", outcome(Outcome::Fail).style, false), "FAIL");
    }
}
