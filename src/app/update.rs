//! `update`: the only place state changes. Pure, so every key path is unit-tested.

use super::{Action, Effect, FilterEdit, Level, Msg, SitesView, State};
use crate::fleet::poller::PollEvent;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    // Everything but a poll that changed nothing is worth a frame.
    state.dirty |= !matches!(msg, Msg::Poll(_));
    match msg {
        Msg::Action(action) => on_action(state, action),
        Msg::SitesLoaded(result) => {
            state.sites = match result {
                Ok(sites) => SitesView::Loaded(sites),
                Err(e) => {
                    state.log(Level::Error, format!("inventory: {e}"));
                    SitesView::Failed(e)
                }
            };
            state.rebuild();
            Vec::new()
        }
        Msg::FilterEdit(edit) => {
            match edit {
                FilterEdit::Insert(c) => state.filter.push(c),
                FilterEdit::Backspace => {
                    state.filter.pop();
                }
                FilterEdit::Accept => state.filter_editing = false,
                FilterEdit::Cancel => {
                    state.filter.clear();
                    state.filter_editing = false;
                }
            }
            state.rebuild();
            Vec::new()
        }
        Msg::Poll(event) => {
            if let PollEvent::Snapshot(snap) = &event {
                note_transition(state, snap);
            }
            if state.fleet.apply(event) {
                state.data_as_of = Some(crate::inventory::now_rfc3339());
                state.rebuild();
                state.dirty = true;
            }
            Vec::new()
        }
        Msg::Resized => Vec::new(),
        Msg::Signal(_) => {
            state.should_quit = true;
            Vec::new()
        }
    }
}

/// A node that changes between up and down says so in the activity panel.
fn note_transition(state: &mut State, snap: &NodeSnapshot) {
    let before = state.fleet.node(&snap.name).map(|n| n.status);
    match (before, snap.status) {
        (Some(NodeStatus::Up), NodeStatus::Down)
        | (None | Some(NodeStatus::Unknown), NodeStatus::Down) => {
            let why = snap.error.clone().unwrap_or_default();
            state.log(Level::Error, format!("{} down: {why}", snap.name));
        }
        (Some(NodeStatus::Down), NodeStatus::Up) => {
            state.log(Level::Info, format!("{} is back up", snap.name))
        }
        _ => {}
    }
    if snap.status == NodeStatus::Up {
        let before_errors = state
            .fleet
            .node(&snap.name)
            .map(|n| n.fact_errors.clone())
            .unwrap_or_default();
        for e in snap
            .fact_errors
            .iter()
            .filter(|e| !before_errors.contains(e))
        {
            state.log(
                Level::Warn,
                format!("{}: {}: {}", snap.name, e.fact, e.message),
            );
        }
    }
}

fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.show_help {
        // The help popup is modal: it closes on help/close, and quit still quits.
        match action {
            Action::Help | Action::Close => state.show_help = false,
            Action::Quit => state.should_quit = true,
            _ => {}
        }
        return Vec::new();
    }
    let last = state.rows.len().saturating_sub(1);
    let page = state.page_rows.max(1);
    let at = state.selected;
    match action {
        Action::Quit => state.should_quit = true,
        Action::Help => state.show_help = true,
        Action::Close => {
            if !state.filter.is_empty() {
                state.filter.clear();
                state.rebuild();
            }
        }
        Action::Filter => state.filter_editing = true,
        Action::Up => state.select(at.saturating_sub(1)),
        Action::Down => state.select((at + 1).min(last)),
        Action::PageUp => state.select(at.saturating_sub(page)),
        Action::PageDown => state.select((at + page).min(last)),
        Action::Top => state.select(0),
        Action::Bottom => state.select(last),
        Action::Toggle => {
            if let Some(row) = state.selected_row().filter(|r| r.expandable) {
                let id = row.id.clone();
                if !state.collapsed.remove(&id) {
                    state.collapsed.insert(id);
                }
                state.rebuild();
            }
        }
        Action::Refresh => return vec![Effect::LoadSites, Effect::RefreshFleet],
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
