//! Rendering: a pure function of [`State`] to a frame.

mod help;
mod sites;
mod statusbar;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use crate::app::State;

/// Rows of the status bar at the bottom.
const STATUS_ROWS: u16 = 1;

pub fn render(frame: &mut Frame, state: &State) {
    let [main, status] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(STATUS_ROWS)]).areas(frame.area());
    sites::render(frame, main, state);
    statusbar::render(frame, status, state);
    if state.show_help {
        help::render(frame, frame.area(), state);
    }
}

/// Table rows visible for a terminal `height` rows tall: less the status bar, the block
/// borders and the header.
pub fn table_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(STATUS_ROWS + 3)).max(1)
}

#[cfg(test)]
mod tests;
