//! Rendering: a pure function of [`State`] to a frame.

mod activity;
pub mod confirm;
pub mod create_form;
mod details;
mod help;
pub mod popup;
mod statusbar;
pub mod theme;
mod tree;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use crate::app::State;

/// Rows of the status bar at the bottom.
const STATUS_ROWS: u16 = 1;
const DETAILS_MIN_WIDTH: u16 = 100;
const ACTIVITY_ROWS: u16 = 5;
const ACTIVITY_MIN_HEIGHT: u16 = 18;

pub fn render(frame: &mut Frame, state: &State) {
    let [main, status] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(STATUS_ROWS)]).areas(frame.area());
    // The activity panel takes five rows when the screen can spare them.
    let main = if main.height >= ACTIVITY_MIN_HEIGHT {
        let [top, bottom] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(ACTIVITY_ROWS)]).areas(main);
        activity::render(frame, bottom, state);
        top
    } else {
        main
    };
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
    let activity = if height.saturating_sub(STATUS_ROWS) >= ACTIVITY_MIN_HEIGHT {
        ACTIVITY_ROWS
    } else {
        0
    };
    usize::from(height.saturating_sub(STATUS_ROWS + 2 + activity)).max(1)
}

#[cfg(test)]
mod tests;
