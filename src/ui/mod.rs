//! Rendering: a pure function of [`State`] to a frame.

mod details;
mod help;
mod statusbar;
pub mod theme;
mod tree;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use crate::app::State;

/// Rows of the status bar at the bottom.
const STATUS_ROWS: u16 = 1;
const DETAILS_MIN_WIDTH: u16 = 100;

pub fn render(frame: &mut Frame, state: &State) {
    let [main, status] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(STATUS_ROWS)]).areas(frame.area());
    // Below 100 columns the details fold away: the tree is what a bastion user needs.
    if main.width >= DETAILS_MIN_WIDTH {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(main);
        tree::render(frame, left, state);
        details::render(frame, right, state);
    } else {
        tree::render(frame, main, state);
    }
    statusbar::render(frame, status, state);
    if state.show_help {
        help::render(frame, frame.area(), state);
    }
}

/// Tree rows visible for a terminal `height` rows tall: less the status bar and the
/// block borders.
pub fn table_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(STATUS_ROWS + 2)).max(1)
}

#[cfg(test)]
mod tests;
