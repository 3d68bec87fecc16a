//! The activity log full-screen: open it, scroll it, filter it as typed, close it.

use crate::app::activity_view::ActivityView;
use crate::app::state::View;
use crate::app::{Action, Effect, FilterEdit, State};

/// Lines of the log on screen: less the status bar, the borders and the status line.
pub(super) fn rows(state: &State) -> usize {
    crate::app::layout::logs_rows(state.screen.1)
}

pub(super) fn open(state: &mut State) {
    state.view = View::Activity(ActivityView::new());
}

pub(super) fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = rows(state);
    let page = isize::try_from(rows.saturating_sub(1).max(1)).unwrap_or(1);
    let count = match &state.view {
        View::Activity(v) => v.matching(&state.activity).len(),
        _ => return Vec::new(),
    };
    let View::Activity(v) = &mut state.view else {
        return Vec::new();
    };
    match action {
        Action::Quit | Action::Close => state.view = View::Tree,
        Action::Help => state.show_help = true,
        Action::Up => v.scroll(-1, count, rows),
        Action::Down => v.scroll(1, count, rows),
        Action::PageUp => v.scroll(-page, count, rows),
        Action::PageDown => v.scroll(page, count, rows),
        Action::Top => {
            v.top = 0;
            v.follow = false;
        }
        Action::Bottom => v.follow = true,
        Action::Filter => {
            v.filter.clear();
            v.filtering = true;
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn filter_edit(state: &mut State, edit: FilterEdit) {
    let View::Activity(v) = &mut state.view else {
        return;
    };
    match edit {
        FilterEdit::Insert(c) => v.filter.push(c),
        FilterEdit::Backspace => {
            v.filter.pop();
        }
        FilterEdit::Accept => v.filtering = false,
        FilterEdit::Cancel => {
            v.filter.clear();
            v.filtering = false;
        }
    }
    // The newest matches first, as the view opened.
    v.follow = true;
}
