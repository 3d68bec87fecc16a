//! Keys that shape the fleet table: fold and unfold nodes (`←` `→` space), cycle the
//! order of containers, flatten the tree into one list, and the details of the
//! selection full-screen (Enter), with their scrolling. The selection stays on the same
//! item through all of them (rows keep their ids).

use crate::app::state::View;
use crate::app::{Action, Effect, State};

/// Fold or unfold the selected node; `Some(fold)` forces one way.
fn fold(state: &mut State, fold: Option<bool>) -> bool {
    let Some(row) = state.selected_row().filter(|r| r.expandable) else {
        return false;
    };
    let id = row.id.clone();
    let folded = state.collapsed.contains(&id);
    match (fold, folded) {
        (Some(true), true) | (Some(false), false) => return false,
        (_, true) => state.collapsed.remove(&id),
        (_, false) => state.collapsed.insert(id),
    };
    state.reshape();
    true
}

/// `←`: fold the node; on an item (or a folded node), go to the node it is under.
fn collapse(state: &mut State) {
    if fold(state, Some(true)) {
        return;
    }
    let at = state.selected;
    let Some(depth) = state.rows.get(at).map(|r| r.depth) else {
        return;
    };
    if let Some(parent) = state.rows[..at].iter().rposition(|r| r.depth < depth) {
        state.select(parent);
    }
}

pub(super) fn tree_action(state: &mut State, action: Action) {
    match action {
        Action::Toggle => {
            fold(state, None);
        }
        Action::Collapse => collapse(state),
        Action::Expand => {
            fold(state, Some(false));
        }
        Action::Sort => {
            state.order = state.order.next();
            state.reorder();
        }
        Action::Flat => {
            state.flat = !state.flat;
            state.reshape();
        }
        Action::Details => open_details(state),
        _ => {}
    }
}

pub(super) fn open_details(state: &mut State) {
    if state.selected_row().is_some() {
        state.view = View::Details;
        state.details_scroll = 0;
    }
}

/// Keys of the full-screen details: scroll, close.
pub(super) fn details_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit | Action::Close => state.view = View::Tree,
        Action::Help => state.show_help = true,
        other => {
            super::commands::scroll_details(state, other);
        }
    }
    Vec::new()
}
