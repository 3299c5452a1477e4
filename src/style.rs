//! Colours for the console: `--color auto` (the default) colours a terminal and leaves piped
//! output plain, and `NO_COLOR` (any non-empty value, as no-color.org asks) or `TERM=dumb` turn
//! colours off; `--color always|never` decide outright.

use std::io::IsTerminal;
use std::sync::OnceLock;

use crate::cli::ColorChoice;

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Records the command line's `--color`, once, before anything prints.
pub(crate) fn init(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

/// Whether to colour a stream that is (or is not) a terminal.
pub(crate) fn enabled(is_terminal: bool) -> bool {
    match CHOICE.get().copied().unwrap_or(ColorChoice::Auto) {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && allowed(|name| std::env::var(name).ok()),
    }
}

use anstyle::{AnsiColor, Style};

/// What a piece of console text means; each meaning has one look.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tone {
    /// A step's heading.
    Heading,
    /// Something went well: a command succeeded, a check held.
    Good,
    /// Something failed.
    Bad,
    /// Worth a look: warnings, pauses, skipped steps.
    Warn,
    /// Secondary detail: streamed output marks, journal paths.
    Dim,
}

impl Tone {
    fn style(self) -> Style {
        match self {
            Tone::Heading => Style::new().bold(),
            Tone::Good => AnsiColor::Green.on_default(),
            Tone::Bad => AnsiColor::Red.on_default().bold(),
            Tone::Warn => AnsiColor::Yellow.on_default(),
            Tone::Dim => Style::new().dimmed(),
        }
    }
}

/// Paints text when colours are on, and leaves it alone otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paint {
    enabled: bool,
}

impl Paint {
    /// Paint for stdout, as `--color` and the environment decide.
    pub(crate) fn stdout() -> Paint {
        Paint {
            enabled: enabled(std::io::stdout().is_terminal()),
        }
    }

    pub(crate) fn paint(self, tone: Tone, text: &str) -> String {
        if self.enabled {
            let style = tone.style();
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// Whether the environment lets us colour: `NO_COLOR` unset or empty, and `TERM` not `dumb`.
fn allowed(var: impl Fn(&str) -> Option<String>) -> bool {
    let no_color = var("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = var("TERM").as_deref() == Some("dumb");
    !no_color && !dumb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn no_color_and_dumb_terminals_turn_colours_off() {
        assert!(allowed(env(&[])));
        assert!(allowed(env(&[("NO_COLOR", "")])));
        assert!(!allowed(env(&[("NO_COLOR", "1")])));
        assert!(!allowed(env(&[("TERM", "dumb")])));
        assert!(allowed(env(&[("TERM", "xterm-256color")])));
    }

    #[test]
    fn painting_is_plain_when_off_and_wraps_when_on() {
        assert_eq!(
            Paint { enabled: false }.paint(Tone::Bad, "FAILED"),
            "FAILED"
        );
        let on = Paint { enabled: true }.paint(Tone::Bad, "FAILED");
        assert!(on.starts_with("\u{1b}[") && on.contains("FAILED") && on.ends_with("\u{1b}[0m"));
    }
}
