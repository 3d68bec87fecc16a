//! Rendering: a pure function of [`State`] to a frame. The layout helpers here are also
//! what `update` asks for page sizes and mouse clicks, so both agree on where things are.

mod activity;
pub mod confirm;
pub mod create_form;
mod details;
mod events;
mod findings;
mod help;
mod inspect;
mod logs;
mod palette;
pub mod popup;
mod stats;
mod statusbar;
pub mod theme;
mod tree;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};

use crate::app::{State, View};

/// Rows of the status bar at the bottom.
const STATUS_ROWS: u16 = 1;
const DETAILS_MIN_WIDTH: u16 = 100;
const ACTIVITY_ROWS: u16 = 5;
const ACTIVITY_MIN_HEIGHT: u16 = 18;

/// Where the fleet screen's parts go on a terminal of `area`.
struct TreeLayout {
    tree: Rect,
    details: Option<Rect>,
    activity: Option<Rect>,
}

fn split_status(area: Rect) -> (Rect, Rect) {
    let [main, status] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(STATUS_ROWS)]).areas(area);
    (main, status)
}

fn tree_layout(main: Rect) -> TreeLayout {
    // The activity panel takes five rows when the screen can spare them.
    let (main, activity) = if main.height >= ACTIVITY_MIN_HEIGHT {
        let [top, bottom] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(ACTIVITY_ROWS)]).areas(main);
        (top, Some(bottom))
    } else {
        (main, None)
    };
    // Below 100 columns the details fold away: the tree is what a bastion user needs.
    if main.width >= DETAILS_MIN_WIDTH {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(main);
        TreeLayout {
            tree: left,
            details: Some(right),
            activity,
        }
    } else {
        TreeLayout {
            tree: main,
            details: None,
            activity,
        }
    }
}

pub fn render(frame: &mut Frame, state: &State) {
    let (main, status) = split_status(frame.area());
    match &state.view {
        View::Tree => {
            let layout = tree_layout(main);
            if let Some(area) = layout.activity {
                activity::render(frame, area, state);
            }
            tree::render(frame, layout.tree, state);
            if let Some(area) = layout.details {
                details::render(frame, area, state);
            }
        }
        View::Logs(view) => logs::render(frame, main, view, &state.theme),
        View::Stats(view) => stats::render(frame, main, view, &state.theme),
        View::Findings(view) => {
            findings::render(frame, main, view, state.last_check.as_ref(), &state.theme)
        }
        View::Inspect(view) => inspect::render(frame, main, view, &state.theme),
        View::Events(view) => events::render(frame, main, view, &state.theme),
    }
    statusbar::render(frame, status, state);
    if let Some(p) = &state.palette {
        palette::render(frame, main, p, &state.theme);
    }
    match &state.modal {
        Some(crate::app::Modal::Create(form)) => {
            create_form::render(frame, main, form, &state.theme)
        }
        Some(crate::app::Modal::Confirm(view)) => {
            confirm::render(frame, main, view, state.read_only, &state.theme)
        }
        None => {}
    }
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

/// Log lines visible for a terminal `height` rows tall: less the status bar, the
/// borders and the view's own status line.
/// Findings visible for a terminal `height` rows tall: less the status bar, the borders
/// and the summary line.
pub fn findings_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(STATUS_ROWS + 3)).max(1)
}

pub fn logs_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(STATUS_ROWS + 3)).max(1)
}

/// Whether the details pane is on screen at this width.
pub fn details_shown(width: u16) -> bool {
    width >= DETAILS_MIN_WIDTH
}

/// Lines the details pane has for the selection (before wrapping).
pub fn details_line_count(state: &State) -> usize {
    details::lines(state).len()
}

/// What a mouse click at a screen cell lands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    TreeRow(usize),
    Details,
    Nothing,
}

pub fn hit(state: &State, column: u16, row: u16) -> Hit {
    let (width, height) = state.screen;
    let (main, _) = split_status(Rect::new(0, 0, width, height));
    let layout = tree_layout(main);
    let at = Position::new(column, row);
    if layout.details.is_some_and(|d| d.contains(at)) {
        return Hit::Details;
    }
    let t = layout.tree;
    // Inside the borders only.
    if !t.contains(at) || row == t.y || row + 1 >= t.bottom() || column == t.x {
        return Hit::Nothing;
    }
    let visible = usize::from(t.height.saturating_sub(2)).max(1);
    let index = tree::offset(state, visible) + usize::from(row - t.y - 1);
    if index < state.rows.len() {
        Hit::TreeRow(index)
    } else {
        Hit::Nothing
    }
}

#[cfg(test)]
mod health_tests;
#[cfg(test)]
mod ops_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
