//! The colours the console draws with, by the base colour each call asks for, and the
//! user's theme file that may change them.
//!
//! The built-in palette is readable on dark, light and Solarized terminals: text is drawn
//! only in the six accent colours (red, green, yellow, blue, magenta, cyan), which every
//! common scheme keeps apart from its background, or in the terminal's own foreground.
//! "Dim" text is the foreground with the DIM attribute, never ANSI colour 8 ("bright
//! black"), which Solarized maps to its dark background, nor colour 7, which light
//! schemes draw nearly white.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// One entry: a colour, or the foreground dimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    Color(Color),
    /// The terminal's foreground (`Color::Reset`).
    Default,
    /// The foreground with the DIM attribute.
    Dim,
}

impl Ink {
    pub fn style(self) -> Style {
        match self {
            Ink::Color(c) => Style::new().fg(c),
            Ink::Default => Style::new(),
            Ink::Dim => Style::new().add_modifier(Modifier::DIM),
        }
    }
}

/// What each base colour the drawing code names is drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub red: Ink,
    pub green: Ink,
    pub yellow: Ink,
    pub blue: Ink,
    pub magenta: Ink,
    pub cyan: Ink,
    /// Secondary text (times, hints, greyed rows): asked for as dark grey.
    pub dim: Ink,
    /// Quiet text (info lines): asked for as grey.
    pub quiet: Ink,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            red: Ink::Color(Color::Red),
            green: Ink::Color(Color::Green),
            yellow: Ink::Color(Color::Yellow),
            blue: Ink::Color(Color::Blue),
            magenta: Ink::Color(Color::Magenta),
            cyan: Ink::Color(Color::Cyan),
            dim: Ink::Dim,
            quiet: Ink::Default,
        }
    }
}

impl Palette {
    /// The ink for the base colour `asked`; colours outside the palette are drawn as
    /// asked.
    pub fn ink(&self, asked: Color) -> Ink {
        match asked {
            Color::Red => self.red,
            Color::Green => self.green,
            Color::Yellow => self.yellow,
            Color::Blue => self.blue,
            Color::Magenta => self.magenta,
            Color::Cyan => self.cyan,
            Color::DarkGray => self.dim,
            Color::Gray => self.quiet,
            Color::Reset => Ink::Default,
            other => Ink::Color(other),
        }
    }

    /// The palette with the entries of a theme file (TOML, `name = "colour"`), where a
    /// colour is a name (`red`, `lightblue`, `darkgray`...), an index `0`-`255`, `#rrggbb`,
    /// `default` (the terminal's foreground) or `dim`. Unknown names and colours are errors
    /// naming the key, so a typo is never silently ignored.
    pub fn with_file(mut self, text: &str) -> Result<Palette, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("not TOML: {}", e.message()))?;
        for (key, value) in &table {
            let Some(raw) = value.as_str() else {
                return Err(format!("{key}: expected a colour in quotes"));
            };
            let ink = parse_ink(raw).ok_or_else(|| {
                format!(
                    "{key} = {raw:?}: not a colour (a name such as red or lightblue, 0-255, #rrggbb, default or dim)"
                )
            })?;
            let slot = match key.as_str() {
                "red" => &mut self.red,
                "green" => &mut self.green,
                "yellow" => &mut self.yellow,
                "blue" => &mut self.blue,
                "magenta" => &mut self.magenta,
                "cyan" => &mut self.cyan,
                "dim" => &mut self.dim,
                "quiet" => &mut self.quiet,
                other => {
                    return Err(format!(
                        "unknown key {other:?} (known: red, green, yellow, blue, magenta, cyan, dim, quiet)"
                    ));
                }
            };
            *slot = ink;
        }
        Ok(self)
    }

    /// The built-in palette changed by the theme file at `path`; the error names the file.
    pub fn from_file(path: &Path) -> Result<Palette, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("theme {}: {e}", path.display()))?;
        Palette::default()
            .with_file(&text)
            .map_err(|e| format!("theme {}: {e}", path.display()))
    }
}

fn parse_ink(raw: &str) -> Option<Ink> {
    let raw = raw.trim();
    match raw.to_ascii_lowercase().as_str() {
        "dim" => Some(Ink::Dim),
        "default" | "reset" => Some(Ink::Default),
        _ => Color::from_str(raw).ok().map(Ink::Color),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_palette_draws_no_text_in_grey_or_black() {
        let p = Palette::default();
        for asked in [
            Color::Red,
            Color::Green,
            Color::Yellow,
            Color::Blue,
            Color::Magenta,
            Color::Cyan,
            Color::DarkGray,
            Color::Gray,
        ] {
            let ink = p.ink(asked);
            assert!(
                !matches!(
                    ink,
                    Ink::Color(Color::DarkGray | Color::Gray | Color::Black | Color::White)
                ),
                "{asked:?} is drawn as {ink:?}"
            );
        }
        assert_eq!(
            p.ink(Color::DarkGray).style(),
            Style::new().add_modifier(Modifier::DIM)
        );
    }

    #[test]
    fn a_theme_file_changes_what_it_names_and_refuses_typos() {
        let p = Palette::default()
            .with_file("red = \"#dc322f\"\ndim = \"darkgray\"\ncyan = \"6\"\nquiet = \"dim\"\n")
            .expect("theme");
        assert_eq!(p.red, Ink::Color(Color::Rgb(0xdc, 0x32, 0x2f)));
        assert_eq!(p.dim, Ink::Color(Color::DarkGray));
        assert_eq!(p.cyan, Ink::Color(Color::Indexed(6)));
        assert_eq!(p.quiet, Ink::Dim);
        assert_eq!(
            p.green,
            Palette::default().green,
            "what it does not name stays"
        );
        let err = Palette::default()
            .with_file("rde = \"red\"")
            .expect_err("typo");
        assert!(err.contains("unknown key \"rde\""), "{err}");
        let err = Palette::default()
            .with_file("red = \"reddish\"")
            .expect_err("colour");
        assert!(err.contains("red = \"reddish\": not a colour"), "{err}");
        let err = Palette::default()
            .with_file("red = 3")
            .expect_err("not a string");
        assert!(err.contains("red: expected a colour"), "{err}");
        assert!(Palette::default().with_file("red = ").is_err());
    }
}
