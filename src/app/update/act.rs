//! Acting on the selection from the tree: a shell (`e`), restart (`R`), stop or start
//! (`S`), the inspect view (`v`) and the events view (`E`); and those views' keys.

use crate::act::lifecycle::Verb;
use crate::app::events_view::EventsView;
use crate::app::inspect::InspectView;
use crate::app::logs::StreamStatus;
use crate::app::msg::{SessionTarget, StreamEvent};
use crate::app::rows::RowKind;
use crate::app::state::View;
use crate::app::{Action, Effect, FilterEdit, Level, OpRequest, State};

fn rows(state: &State) -> usize {
    crate::app::layout::logs_rows(state.screen.1)
}

/// The node of the selected node row.
fn selected_node(state: &State) -> Option<String> {
    let row = state.selected_row().filter(|r| r.kind == RowKind::Node)?;
    row.id.strip_prefix("node/").map(str::to_string)
}

/// Docker's word for the selected container's state.
fn selected_state(state: &State) -> Option<String> {
    let c = state.selected_container()?;
    let node = state.index.node(&state.doc, &c.node)?;
    node.containers
        .iter()
        .find(|t| t.id == c.id)
        .map(|t| t.state.clone())
}

pub(super) fn shell(state: &mut State) -> Vec<Effect> {
    let target = match (state.selected_container(), selected_node(state)) {
        (Some(c), _) => SessionTarget {
            node: c.node.clone(),
            container: Some(c),
        },
        (None, Some(node)) => SessionTarget {
            node,
            container: None,
        },
        (None, None) => {
            state.log(Level::Warn, "shell: select a node or a container first");
            return Vec::new();
        }
    };
    if let Some(c) = &target.container
        && selected_state(state).is_some_and(|s| s != "running")
    {
        state.log(
            Level::Warn,
            format!("shell: {} is not running; S starts it", c.name),
        );
        return Vec::new();
    }
    state.log(Level::Info, format!("{}: opening…", target.label()));
    state.expect_own_audit(if target.container.is_some() {
        "exec"
    } else {
        "ssh"
    });
    vec![Effect::Session(target)]
}

pub(super) fn lifecycle(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(container) = state.selected_container() else {
        state.log(
            Level::Warn,
            format!("{}: select a container first", action.name()),
        );
        return Vec::new();
    };
    let verb = match action {
        Action::Restart => Verb::Restart,
        _ if selected_state(state).as_deref() == Some("running") => Verb::Stop,
        _ => Verb::Start,
    };
    super::ops::request(state, OpRequest::Lifecycle { verb, container })
}

pub(super) fn session_ended(state: &mut State, ok: bool, text: String) {
    state.log(if ok { Level::Info } else { Level::Error }, text.clone());
    state.last_session = Some(text);
    // The terminal showed something else meanwhile: every cell is drawn again.
    state.redraw_all = true;
}

pub(super) fn open_inspect(state: &mut State) -> Vec<Effect> {
    let (title, node, container) = match (state.selected_container(), selected_node(state)) {
        (Some(c), _) => (format!("{}/{}", c.node, c.name), c.node, Some(c.id)),
        (None, Some(node)) => (format!("node {node}"), node, None),
        (None, None) => {
            state.log(Level::Warn, "inspect: select a node or a container first");
            return Vec::new();
        }
    };
    let mut effects = super::views::close_view(state);
    state.last_stream += 1;
    let stream = state.last_stream;
    state.view = View::Inspect(Box::new(InspectView::new(title, stream)));
    effects.push(Effect::Inspect {
        stream,
        node,
        container,
    });
    effects
}

pub(super) fn on_inspected(state: &mut State, stream: u64, result: Result<Vec<String>, String>) {
    if let View::Inspect(v) = &mut state.view
        && v.stream == stream
    {
        v.loaded(result);
    }
}

pub(super) fn open_events(state: &mut State) -> Vec<Effect> {
    let mut effects = super::views::close_view(state);
    state.last_stream += 1;
    let stream = state.last_stream;
    state.view = View::Events(Box::new(EventsView::new(stream)));
    effects.push(Effect::OpenEvents { stream });
    effects
}

/// Events news redraws only when the view is open and its top may have changed.
pub(super) fn on_events(
    state: &mut State,
    stream: u64,
    event: StreamEvent<Vec<crate::act::events::FleetEvent>>,
) {
    let View::Events(v) = &mut state.view else {
        return;
    };
    if v.stream != stream {
        return;
    }
    match event {
        StreamEvent::Data(batch) => v.push(batch),
        StreamEvent::Ended => v.status = StreamStatus::Ended,
        StreamEvent::Closed(why) => v.status = StreamStatus::Closed(why),
        StreamEvent::Failed(why) => {
            // One engine failing is a line in the view, not the end of the others.
            v.status = StreamStatus::Failed(why)
        }
    }
    state.dirty = true;
}

/// Lines an arrow or page key moves a view of `rows` lines.
fn scroll_step(action: Action, rows: usize) -> Option<isize> {
    let page = rows.saturating_sub(1).max(1) as isize;
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-page),
        Action::PageDown => Some(page),
        _ => None,
    }
}

/// Quit, close and help work the same in every view.
fn leave_or_help(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    match action {
        Action::Quit | Action::Close => Some(super::views::close_view(state)),
        Action::Help => {
            state.show_help = true;
            Some(Vec::new())
        }
        _ => None,
    }
}

pub(super) fn inspect_action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = rows(state);
    if let Some(effects) = leave_or_help(state, action) {
        return effects;
    }
    let View::Inspect(v) = &mut state.view else {
        return Vec::new();
    };
    if let Some(step) = scroll_step(action, rows) {
        v.scroll_by(step, rows);
        return Vec::new();
    }
    match action {
        Action::Top => v.to_top(),
        Action::Bottom => v.to_bottom(rows),
        Action::Filter => v.searching = true,
        Action::NextMatch | Action::PrevMatch if !v.jump(action == Action::NextMatch, rows) => {
            let what = v.search.clone();
            state.log(Level::Warn, format!("inspect: no match for {what:?}"));
        }
        Action::Copy => {
            let text = v.copy_text();
            let what = if v.hit.is_some() {
                "the matched line"
            } else {
                "the whole record"
            };
            state.log(
                Level::Info,
                format!(
                    "inspect: copied {what} ({}) to the clipboard",
                    crate::plural::plural(text.len(), "byte", "bytes")
                ),
            );
            return vec![Effect::Clipboard(text)];
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn inspect_search(state: &mut State, edit: FilterEdit) {
    let rows = rows(state);
    let View::Inspect(v) = &mut state.view else {
        return;
    };
    match edit {
        FilterEdit::Insert(c) => v.search.push(c),
        FilterEdit::Backspace => {
            v.search.pop();
        }
        FilterEdit::Accept => {
            v.searching = false;
            v.hit = None;
            v.jump(true, rows);
        }
        FilterEdit::Cancel => {
            v.search.clear();
            v.searching = false;
            v.hit = None;
        }
    }
}

pub(super) fn events_action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = rows(state);
    // Esc drops a filter before it closes the view.
    if let View::Events(v) = &mut state.view
        && !v.filter.is_empty()
        && action == Action::Close
    {
        v.filter.clear();
        v.top = 0;
        return Vec::new();
    }
    if let Some(effects) = leave_or_help(state, action) {
        return effects;
    }
    let View::Events(v) = &mut state.view else {
        return Vec::new();
    };
    if let Some(step) = scroll_step(action, rows) {
        v.scroll_by(step, rows);
        return Vec::new();
    }
    match action {
        Action::Top => v.top = 0,
        Action::Bottom => v.scroll_by(isize::MAX / 2, rows),
        Action::Filter => v.filtering = true,
        _ => {}
    }
    Vec::new()
}

pub(super) fn events_filter(state: &mut State, edit: FilterEdit) {
    let View::Events(v) = &mut state.view else {
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
    v.top = 0;
}
