//! What the user can ask for, whatever key they press for it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    Help,
    Close,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Toggle,
    Filter,
    Refresh,
}

impl Action {
    /// Shown in the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show or hide this help",
            Action::Close => "close the popup, clear the filter",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::Toggle => "expand or collapse",
            Action::Filter => "filter by name, IP, domain or state (esc clears)",
            Action::Refresh => "reload now",
        }
    }
}
