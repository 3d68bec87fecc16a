//! Where the parts of the screen go for a terminal size: the app's own geometry. `update`
//! asks it for page sizes and what a mouse click lands on; the renderer draws into the
//! same rectangles, so both always agree.

use ratatui::layout::{Constraint, Layout, Position, Rect};

use super::State;

/// Rows of the status bar at the bottom.
const STATUS_ROWS: u16 = 1;
const DETAILS_MIN_WIDTH: u16 = 100;
const ACTIVITY_ROWS: u16 = 5;
const ACTIVITY_MIN_HEIGHT: u16 = 18;

/// Where the fleet screen's parts go on a terminal of `area`.
pub struct TreeLayout {
    pub tree: Rect,
    pub details: Option<Rect>,
    pub activity: Option<Rect>,
}

pub fn split_status(area: Rect) -> (Rect, Rect) {
    let [main, status] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(STATUS_ROWS)]).areas(area);
    (main, status)
}

pub fn tree_layout(main: Rect) -> TreeLayout {
    // The activity panel takes five rows when the screen can spare them.
    let (main, activity) = if main.height >= ACTIVITY_MIN_HEIGHT {
        let [top, bottom] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(ACTIVITY_ROWS)]).areas(main);
        (top, Some(bottom))
    } else {
        (main, None)
    };
    // Below 100 columns the details fold away: the tree is what a bastion user needs
    // (Enter shows them full-screen). The table takes the larger share for its columns.
    if main.width >= DETAILS_MIN_WIDTH {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
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

/// Tree rows visible for a terminal `height` rows tall: less the status bar, the block
/// borders and the table's header row.
pub fn table_rows(height: u16) -> usize {
    let activity = if height.saturating_sub(STATUS_ROWS) >= ACTIVITY_MIN_HEIGHT {
        ACTIVITY_ROWS
    } else {
        0
    };
    usize::from(height.saturating_sub(STATUS_ROWS + 3 + activity)).max(1)
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
    // Inside the borders and below the header row only.
    if !t.contains(at) || row <= t.y + 1 || row + 1 >= t.bottom() || column == t.x {
        return Hit::Nothing;
    }
    let visible = usize::from(t.height.saturating_sub(3)).max(1);
    let index = tree_offset(state, visible) + usize::from(row - t.y - 2);
    if index < state.rows.len() {
        Hit::TreeRow(index)
    } else {
        Hit::Nothing
    }
}

/// The first tree row shown when `visible` rows fit: the remembered offset, moved just
/// enough to keep the selection on screen.
pub fn tree_offset(state: &State, visible: usize) -> usize {
    let visible = visible.max(1);
    let mut offset = state
        .tree_offset
        .min(state.rows.len().saturating_sub(visible));
    if state.selected < offset {
        offset = state.selected;
    } else if state.selected >= offset + visible {
        offset = state.selected + 1 - visible;
    }
    offset
}
