//! `update`: the only place state changes. Pure, so every key path is unit-tested.

mod act;
mod activity;
mod adopt;
mod check;
mod commands;
mod freshness;
pub(crate) mod ops;
mod shape;
mod swarm;
mod views;

use super::action::Mode;
use super::msg::OpRequest;
use super::palette::Palette;
use super::state::{Focus, View};
use super::{Action, Effect, FilterEdit, Level, Msg, SitesView, State};
use crate::fleet::snapshot::PollEvent;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};

/// [`update`] with the time the message arrived, as the driver calls it.
pub fn update_at(state: &mut State, msg: Msg, now: String) -> Vec<Effect> {
    state.now = now;
    update(state, msg)
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        // Stream and poll news draws only when it changed something on screen.
        Msg::Poll(event) => {
            on_polls(state, vec![event]);
            Vec::new()
        }
        Msg::Polls(events) => {
            on_polls(state, events);
            Vec::new()
        }
        Msg::Tick => {
            // Elapsed times and spinners move every second; a note fades.
            if state.op_busy.is_some() || state.check_since.is_some() {
                state.dirty = true;
            }
            if state.flash.as_ref().is_some_and(|f| !f.live(&state.now)) {
                state.flash = None;
                state.dirty = true;
            }
            if freshness::moved(state) {
                refresh_noting_staleness(state, &[]);
                state.dirty = true;
            }
            Vec::new()
        }
        Msg::Logs { stream, event } => {
            views::on_logs(state, stream, event);
            Vec::new()
        }
        Msg::Stats { stream, event } => {
            views::on_stats(state, stream, event);
            Vec::new()
        }
        Msg::Events { stream, event } => {
            act::on_events(state, stream, event);
            Vec::new()
        }
        other => {
            state.dirty = true;
            on_other(state, other)
        }
    }
}

fn on_other(state: &mut State, msg: Msg) -> Vec<Effect> {
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
            if matches!(state.view, View::Logs(_)) {
                views::search_edit(state, edit);
                return Vec::new();
            }
            if matches!(state.view, View::Inspect(_)) {
                act::inspect_search(state, edit);
                return Vec::new();
            }
            if matches!(state.view, View::Events(_)) {
                act::events_filter(state, edit);
                return Vec::new();
            }
            if matches!(state.view, View::Activity(_)) {
                activity::filter_edit(state, edit);
                return Vec::new();
            }
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
            // The tree is as it was: only which rows show changes.
            state.refilter();
            Vec::new()
        }
        Msg::Palette(edit) => commands::on_palette(state, edit),
        Msg::Mouse(mouse) => {
            commands::on_mouse(state, mouse);
            Vec::new()
        }
        Msg::Resized { width, height } => {
            state.resize(width, height);
            Vec::new()
        }
        Msg::Notice { level, text } => {
            state.log(level, text);
            Vec::new()
        }
        Msg::CheckDone(result) => check::on_done(state, result),
        Msg::AuditRows(rows) => on_audit(state, rows),
        Msg::Form(edit) => ops::on_form(state, edit),
        Msg::Confirm(edit) => ops::on_confirm(state, edit),
        Msg::OpPlanned(planned) => ops::on_planned(state, planned),
        Msg::OpProgress(step) => {
            state.log(Level::Info, step);
            Vec::new()
        }
        Msg::OpFinished { ok, text, then } => ops::on_finished(state, ok, text, then),
        Msg::Signal(_) => {
            state.should_quit = true;
            Vec::new()
        }
        Msg::SessionEnded { ok, text } => {
            act::session_ended(state, ok, text);
            vec![Effect::RefreshFleet]
        }
        Msg::Inspected { stream, result } => {
            act::on_inspected(state, stream, result);
            Vec::new()
        }
        Msg::Poll(_)
        | Msg::Polls(_)
        | Msg::Tick
        | Msg::Logs { .. }
        | Msg::Stats { .. }
        | Msg::Events { .. } => Vec::new(),
    }
}

/// Apply poll events in order; the tree is brought up to date once, after the last, when
/// any of them changed what is shown (or the time moved a node's freshness): only the
/// nodes they changed are built again, and a thousand nodes answering at start-up cost
/// one rebuild, not a thousand.
fn on_polls(state: &mut State, events: Vec<PollEvent>) {
    let mut changed = Vec::new();
    let mut answered = Vec::new();
    for event in events {
        if let PollEvent::Snapshot(snap) = &event {
            note_transition(state, snap);
        }
        let node = match &event {
            PollEvent::Snapshot(snap) => snap.name.clone(),
            PollEvent::Missed { node, .. } | PollEvent::Docker { node, .. } => node.clone(),
        };
        if !matches!(event, PollEvent::Docker { .. }) {
            answered.push(node.clone());
        }
        if state.fleet.apply(event) {
            changed.push(node);
        }
    }
    changed.sort();
    changed.dedup();
    if !changed.is_empty() {
        state.data_as_of = Some(state.now.clone());
        refresh_noting_staleness(state, &changed);
        state.dirty = true;
    } else if freshness::moved_among(state, &answered) {
        // Same content, but fresh again.
        refresh_noting_staleness(state, &[]);
        state.dirty = true;
    }
    for node in answered {
        refreshed(state, &node);
    }
}

/// A node answered (or missed its deadline): once every node has since a `r`, the status
/// bar says so.
fn refreshed(state: &mut State, node: &str) {
    let Some(r) = &mut state.refreshing else {
        return;
    };
    r.pending.remove(node);
    if r.pending.is_empty() {
        let total = r.total;
        state.refreshing = None;
        let down = state
            .doc
            .nodes
            .iter()
            .filter(|n| n.status == NodeStatus::Down)
            .count();
        let mut text = format!(
            "refreshed {}",
            crate::app::columns::plural(total, "node", "nodes")
        );
        if down > 0 {
            text.push_str(&format!(", {down} down"));
        }
        state.flash(text);
        state.dirty = true;
    }
}

/// What admins did through any fleetdeck sharing the inventory; sites are re-read when
/// one of them changed the inventory.
fn on_audit(state: &mut State, rows: Vec<crate::inventory::AuditEntry>) -> Vec<Effect> {
    let mut reload = false;
    for r in rows {
        // Proxy applies, sessions and container lifecycle leave the inventory as it was.
        reload |= r.outcome == "ok"
            && !matches!(
                r.action.as_str(),
                "proxy.apply"
                    | "ssh"
                    | "exec"
                    | "start"
                    | "stop"
                    | "restart"
                    | "scale"
                    | "update"
                    | "rollback"
                    | "drain"
                    | "activate"
            );
        // This console already said how its own apply or session went.
        if state.take_own_audit(&r.action) {
            continue;
        }
        let level = if r.outcome == "ok" {
            Level::Info
        } else {
            Level::Warn
        };
        state.log(
            level,
            format!(
                "audit: {}@{} {} {} {}",
                r.actor,
                r.origin,
                r.action,
                r.target.as_deref().unwrap_or("-"),
                r.outcome
            ),
        );
    }
    if reload {
        vec![Effect::LoadSites]
    } else {
        Vec::new()
    }
}

/// Bring the tree up to date after `changed` (and the time); a node that turns stale, or
/// fresh again, says so in the activity panel.
fn refresh_noting_staleness(state: &mut State, changed: &[String]) {
    let before = freshness::stale_nodes(state);
    state.refresh(changed);
    for line in freshness::changes(&before, state) {
        state.log(line.0, line.1);
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

/// How long quitting waits for an operation in flight to end.
pub const QUIT_WAIT_SECS: u64 = 30;

pub(crate) fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    if action == Action::Redraw {
        // Whatever is on screen, popups included.
        state.redraw_all = true;
        return Vec::new();
    }
    if state.show_help {
        // The help popup is modal: it closes on help/close, and quit still quits (or
        // closes the view under it).
        match action {
            Action::Help | Action::Close => state.show_help = false,
            Action::Quit if state.mode() == Mode::Tree => state.should_quit = true,
            Action::Quit => {
                state.show_help = false;
                return views::close_view(state);
            }
            _ => {}
        }
        return Vec::new();
    }
    let mode = state.mode();
    if !action.available(mode, false) {
        // A key that does nothing here says so where the eye is (README "Keys").
        state.flash(format!(
            "{}: not in the {} view (? lists this view's keys)",
            action.name(),
            mode.title()
        ));
        return Vec::new();
    }
    // The one place read-only mode refuses an action; the palette and help never offer
    // these, but a key or a typed command can still ask.
    if state.read_only && action.mutating() {
        state.log(
            Level::Warn,
            format!(
                "{}: refused in read-only mode (restart without --read-only to change things)",
                action.name()
            ),
        );
        return Vec::new();
    }
    match mode {
        Mode::Tree => tree_action(state, action),
        Mode::Logs => views::logs_action(state, action),
        Mode::Stats => views::stats_action(state, action),
        Mode::Findings => check::findings_action(state, action),
        Mode::Inspect => act::inspect_action(state, action),
        Mode::Events => act::events_action(state, action),
        Mode::Details => shape::details_action(state, action),
        Mode::Activity => activity::action(state, action),
    }
}

fn tree_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.focus == Focus::Details && commands::scroll_details(state, action) {
        return Vec::new();
    }
    let last = state.rows.len().saturating_sub(1);
    let page = state.page_rows.max(1);
    let at = state.selected;
    match action {
        Action::Quit => {
            if let Some(busy) = state.op_busy.clone().filter(|_| !state.quit_armed) {
                // Quitting mid-apply is allowed, but not by a stray key.
                state.quit_armed = true;
                state.log(
                    Level::Warn,
                    format!("{busy} is still running: q again quits once it ends (at most {QUIT_WAIT_SECS} s)"),
                );
            } else {
                state.should_quit = true;
            }
        }
        Action::Help => state.show_help = true,
        Action::Close => {
            if state.focus == Focus::Details {
                state.focus = Focus::Tree;
            } else if !state.filter.is_empty() {
                state.filter.clear();
                state.reshape();
            }
        }
        Action::Filter => state.filter_editing = true,
        Action::Up => state.select(at.saturating_sub(1)),
        Action::Down => state.select((at + 1).min(last)),
        Action::PageUp => state.select(at.saturating_sub(page)),
        Action::PageDown => state.select((at + page).min(last)),
        Action::Top => state.select(0),
        Action::Bottom => state.select(last),
        Action::Toggle
        | Action::Collapse
        | Action::Expand
        | Action::Sort
        | Action::Flat
        | Action::Details => shape::tree_action(state, action),
        Action::Refresh => {
            let pending: std::collections::BTreeSet<String> =
                state.config.nodes.iter().map(|n| n.name.clone()).collect();
            state.flash(format!(
                "refreshing {}…",
                crate::app::columns::plural(pending.len(), "node", "nodes")
            ));
            state.refreshing = Some(crate::app::progress::Refreshing {
                total: pending.len(),
                pending,
            });
            return vec![Effect::LoadSites, Effect::RefreshFleet];
        }
        // Handled for every view in `on_action`.
        Action::Redraw => {}
        Action::Palette => {
            state.palette = Some(Palette::open(&state.names(), state.read_only));
        }
        Action::Focus => commands::toggle_focus(state),
        Action::Logs | Action::Stats => return views::open_selected(state, action),
        Action::Check => return ops::request(state, OpRequest::Check),
        Action::ProxyPlan => return ops::request(state, OpRequest::ProxyPlan),
        Action::ProxyApply => return ops::request(state, OpRequest::ProxyApply),
        Action::Create => return ops::request(state, OpRequest::Create),
        Action::Adopt => return adopt::open(state),
        Action::Delete => match state.selected_domain() {
            Some(domain) => return ops::request(state, OpRequest::Delete { domain }),
            None => state.log(
                Level::Warn,
                "delete: select a site container first, or type :delete DOMAIN",
            ),
        },
        Action::Shell => return act::shell(state),
        Action::Restart | Action::StopStart => return act::lifecycle(state, action),
        Action::Inspect => return act::open_inspect(state),
        Action::Events => return act::open_events(state),
        Action::Activity => activity::open(state),
        Action::Scale | Action::UpdateImage | Action::Rollback | Action::DrainActivate => {
            return swarm::key(state, action);
        }
        Action::Follow | Action::NextMatch | Action::PrevMatch | Action::Copy | Action::Wrap => {}
    }
    Vec::new()
}

#[cfg(test)]
mod act_tests;
#[cfg(test)]
mod adopt_tests;
#[cfg(test)]
mod crashloop_tests;
#[cfg(test)]
mod feedback_tests;
#[cfg(test)]
mod ops_tests;
#[cfg(test)]
mod refresh_tests;
#[cfg(test)]
mod shape_tests;
#[cfg(test)]
mod stale_tests;
#[cfg(test)]
mod swarm_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
