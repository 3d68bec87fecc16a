//! How things are drawn: colour or not (`NO_COLOR`), Unicode or ASCII glyphs (`--ascii`,
//! or a terminal whose locale is not UTF-8). Every state also has a word, so the screen
//! reads in monochrome.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::app::rows::Health;

mod palette;

pub use palette::{Ink, Palette};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
    /// What each base colour is drawn as (built-in, or the user's theme file).
    pub palette: Palette,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            color: true,
            ascii: false,
            palette: Palette::default(),
        }
    }
}

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    /// `NO_COLOR` (any non-empty value, per no-color.org) turns colour off; `ascii` or a
    /// locale that is not UTF-8 turns Unicode glyphs off.
    pub fn from_env(ascii_flag: bool, var: impl Fn(&str) -> Option<String>) -> Theme {
        Theme {
            color: var("NO_COLOR").is_none_or(|v| v.is_empty()),
            ascii: ascii_flag || !crate::fleet::text::locale_is_utf8(&var),
            palette: Palette::default(),
        }
    }

    /// Text in base colour `color`, as the palette draws it (nothing under `NO_COLOR`).
    pub fn fg(&self, color: Color) -> Style {
        if self.color {
            self.palette.ink(color).style()
        } else {
            Style::new()
        }
    }

    /// A background in base colour `color` with readable text on it (black on an accent:
    /// every common scheme keeps those apart); nothing under `NO_COLOR`.
    pub fn badge(&self, color: Color) -> Style {
        match (self.color, self.palette.ink(color)) {
            (true, Ink::Color(c)) => Style::new().fg(Color::Black).bg(c),
            (true, _) => Style::new().add_modifier(Modifier::REVERSED),
            (false, _) => Style::new(),
        }
    }

    pub fn health(&self, h: Health) -> (&'static str, Style) {
        let (unicode, ascii, color) = match h {
            Health::Good => ("●", "*", Color::Green),
            Health::Warn => ("◐", "~", Color::Yellow),
            Health::Bad => ("✖", "x", Color::Red),
            // Crashes are red and bold, each with its own glyph: apart from a plain stop
            // (x), and from each other (up yet failing its healthcheck is not an exit).
            Health::Crashed => return (if self.ascii { "X" } else { "✘" }, self.crash()),
            Health::Unhealthy => return (if self.ascii { "!" } else { "▲" }, self.crash()),
            // Exit 0: a finished job, dimmed.
            Health::Done => ("◦", ".", Color::DarkGray),
            Health::Unknown => ("?", "?", Color::DarkGray),
            Health::Stale => ("◔", "-", Color::Cyan),
            Health::Greyed => ("○", "o", Color::DarkGray),
        };
        (if self.ascii { ascii } else { unicode }, self.fg(color))
    }

    fn crash(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Fold marker of an expandable row: open, closed.
    pub fn fold(&self) -> (&'static str, &'static str) {
        if self.ascii {
            ("v ", "> ")
        } else {
            ("▾ ", "▸ ")
        }
    }

    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }

    pub fn separator(&self) -> &'static str {
        if self.ascii { "|" } else { "│" }
    }

    pub fn ellipsis(&self) -> &'static str {
        if self.ascii { "..." } else { "…" }
    }

    pub fn cursor(&self) -> &'static str {
        if self.ascii { "_" } else { "▏" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_locale_decide() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let t = Theme::from_env(false, env(&[("LANG", "en_US.UTF-8")]));
        assert_eq!(t, Theme::default());
        let t = Theme::from_env(false, env(&[("LANG", "en_US.UTF-8"), ("NO_COLOR", "1")]));
        assert!(!t.color);
        let t = Theme::from_env(false, env(&[("LANG", "en_US.UTF-8"), ("NO_COLOR", "")]));
        assert!(t.color, "an empty NO_COLOR does not count");
        assert!(Theme::from_env(false, env(&[("LANG", "C")])).ascii);
        assert!(Theme::from_env(true, env(&[("LANG", "en_US.UTF-8")])).ascii);
        assert_eq!(
            Theme::from_env(false, env(&[])).fg(Color::Red),
            Style::new().fg(Color::Red)
        );
        let mono = Theme {
            color: false,
            ascii: true,
            ..Theme::default()
        };
        assert_eq!(mono.health(Health::Bad), ("x", Style::new()));
        let bold = Style::new().add_modifier(Modifier::BOLD);
        assert_eq!(mono.health(Health::Unhealthy), ("!", bold));
        assert_eq!(mono.health(Health::Crashed), ("X", bold));
    }

    #[test]
    fn crashes_and_unhealthy_have_their_own_glyphs() {
        use Health::*;
        for ascii in [false, true] {
            let theme = Theme {
                color: true,
                ascii,
                ..Theme::default()
            };
            let (glyph, style) = theme.health(Unhealthy);
            for other in [Good, Warn, Bad, Unknown, Done] {
                let (g, st) = theme.health(other);
                assert_ne!(glyph, g, "{other:?}");
                assert_ne!(style, st, "{other:?}");
            }
            let (crash, crash_style) = theme.health(Crashed);
            for other in [Good, Warn, Bad, Unhealthy, Unknown, Done, Stale, Greyed] {
                assert_ne!(crash, theme.health(other).0, "{other:?}");
            }
            assert_eq!(crash_style.fg, Some(Color::Red), "a crash is red");
        }
    }
}
