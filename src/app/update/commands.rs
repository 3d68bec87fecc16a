//! The palette (typing, completing, running a command), selecting a named node or
//! container, the details pane's focus and scrolling, and the mouse.

use crate::app::msg::{Mouse, OpRequest, PaletteEdit};
use crate::app::palette::{self, Command};
use crate::app::rows::node_id;
use crate::app::state::{Focus, View};
use crate::app::{Action, Effect, Level, State};

pub(super) fn on_palette(state: &mut State, edit: PaletteEdit) -> Vec<Effect> {
    let names = state.names();
    let read_only = state.read_only;
    let Some(p) = state.palette.as_mut() else {
        return Vec::new();
    };
    match edit {
        PaletteEdit::Input(request) => p.edit(request, &names, read_only),
        PaletteEdit::Complete => p.complete(&names, read_only),
        PaletteEdit::Next => p.pick(true),
        PaletteEdit::Prev => p.pick(false),
        PaletteEdit::Close => state.palette = None,
        PaletteEdit::Run => {
            let line = p.line();
            state.palette = None;
            return run(state, &line);
        }
    }
    Vec::new()
}

/// Run a palette line through the same paths as the keys.
pub(super) fn run(state: &mut State, line: &str) -> Vec<Effect> {
    match palette::parse(line) {
        Err(e) => {
            state.log(Level::Warn, e);
            Vec::new()
        }
        Ok(Command::Run(action)) => super::on_action(state, action),
        Ok(Command::Node(name)) => {
            select_node(state, &name);
            Vec::new()
        }
        Ok(Command::Logs(arg)) => on_container(state, arg, Action::Logs),
        Ok(Command::Stats(arg)) => on_container(state, arg, Action::Stats),
        Ok(Command::OnTarget(action, None)) => super::on_action(state, action),
        Ok(Command::OnTarget(action, Some(name))) => {
            if state.config.node(&name).is_some() {
                select_node(state, &name);
                return super::on_action(state, action);
            }
            on_container(state, Some(name), action)
        }
        Ok(Command::Lifecycle(verb, arg)) => {
            if state.read_only {
                return super::on_action(state, Action::StopStart);
            }
            if let Some(name) = &arg
                && !select_container(state, name)
            {
                state.log(
                    Level::Warn,
                    format!(
                        "{}: no container or domain named {name:?}; tab lists them",
                        verb.as_str()
                    ),
                );
                return Vec::new();
            }
            match state.selected_container() {
                Some(container) => {
                    super::ops::request(state, OpRequest::Lifecycle { verb, container })
                }
                None => {
                    state.log(
                        Level::Warn,
                        format!("{}: select a container first", verb.as_str()),
                    );
                    Vec::new()
                }
            }
        }
        Ok(Command::Availability(drain)) => {
            if state.read_only {
                return super::on_action(state, Action::DrainActivate);
            }
            super::swarm::availability(state, Some(drain))
        }
        Ok(Command::SwarmValue(action, value)) => {
            if state.read_only {
                return super::on_action(state, action);
            }
            super::swarm::with_value(state, action, &value)
        }
        Ok(Command::Delete(None)) => super::on_action(state, Action::Delete),
        Ok(Command::Delete(Some(raw))) => {
            if state.read_only {
                // Refused where every refusal is.
                return super::on_action(state, Action::Delete);
            }
            match crate::validate::domain(&raw) {
                Ok(domain) => super::ops::request(state, OpRequest::Delete { domain }),
                Err(e) => {
                    state.log(Level::Warn, format!("delete: {e}"));
                    Vec::new()
                }
            }
        }
    }
}

fn on_container(state: &mut State, name: Option<String>, action: Action) -> Vec<Effect> {
    if let Some(name) = name
        && !select_container(state, &name)
    {
        state.log(
            Level::Warn,
            format!(
                "{}: no container or domain named {name:?}; tab lists them",
                action.name()
            ),
        );
        return Vec::new();
    }
    super::on_action(state, action)
}

/// Make the rows of `node` and its parents visible: unfold them, and drop a filter that
/// hides `row_id`.
fn reveal(state: &mut State, node: &str, row_id: &str) {
    let mut next = Some(node.to_string());
    let mut hops = 0;
    while let Some(name) = next.take() {
        state.collapsed.remove(&node_id(&name));
        hops += 1;
        if hops > 32 {
            break;
        }
        next = state.config.node(&name).and_then(|n| n.parent.clone());
    }
    state.reshape();
    if !state.rows.iter().any(|r| r.id == row_id) && !state.filter.is_empty() {
        state.filter.clear();
        state.reshape();
    }
    if let Some(at) = state.rows.iter().position(|r| r.id == row_id) {
        state.select(at);
    }
}

/// `:node NAME`: select that node and show it, wherever it is folded or filtered away.
pub(super) fn select_node(state: &mut State, name: &str) {
    if state.config.node(name).is_none() {
        state.log(
            Level::Warn,
            format!("node: no node named {name:?}; tab lists them"),
        );
        return;
    }
    let id = node_id(name);
    // Its own children stay as they were; only its parents unfold.
    let folded = state.collapsed.contains(&id);
    reveal(state, name, &id);
    if folded {
        state.collapsed.insert(id);
        state.reshape();
    }
}

/// Select the container named `name` (or serving that domain). False when none is.
pub(super) fn select_container(state: &mut State, name: &str) -> bool {
    let wanted = name.to_lowercase();
    let found = state.doc.nodes.iter().find_map(|n| {
        n.containers
            .iter()
            .find(|c| {
                c.name.to_lowercase() == wanted
                    || c.domain
                        .as_ref()
                        .is_some_and(|d| d.to_lowercase() == wanted)
            })
            .map(|c| {
                (
                    n.name.clone(),
                    format!("{}/container/{}", node_id(&n.name), c.id),
                )
            })
    });
    let Some((node, row_id)) = found else {
        return false;
    };
    reveal(state, &node, &row_id);
    state.selected_id.as_deref() == Some(row_id.as_str())
}

pub(super) fn toggle_focus(state: &mut State) {
    if !crate::app::layout::details_shown(state.screen.0) {
        // No room for the pane beside the tree: the details take the whole screen.
        state.focus = Focus::Tree;
        super::shape::open_details(state);
        return;
    }
    state.focus = match state.focus {
        Focus::Tree => Focus::Details,
        Focus::Details => Focus::Tree,
    };
}

/// Arrow and page keys scroll the details when they have the focus. False for any
/// other action.
pub(super) fn scroll_details(state: &mut State, action: Action) -> bool {
    let max = u16::try_from(crate::app::details::lines(state).len().saturating_sub(1))
        .unwrap_or(u16::MAX);
    let page = u16::try_from(state.page_rows.max(1)).unwrap_or(u16::MAX);
    let at = state.details_scroll;
    state.details_scroll = match action {
        Action::Up => at.saturating_sub(1),
        Action::Down => at.saturating_add(1).min(max),
        Action::PageUp => at.saturating_sub(page),
        Action::PageDown => at.saturating_add(page).min(max),
        Action::Top => 0,
        Action::Bottom => max,
        _ => return false,
    };
    true
}

/// Lines a wheel notch moves.
const WHEEL_STEP: usize = 3;

pub(super) fn on_mouse(state: &mut State, mouse: Mouse) {
    if state.show_help || state.palette.is_some() {
        return;
    }
    let rows = crate::app::layout::logs_rows(state.screen.1);
    match (&mut state.view, mouse) {
        (View::Logs(v), Mouse::WheelUp) => v.scroll_up(WHEEL_STEP, rows),
        (View::Logs(v), Mouse::WheelDown) => v.scroll_down(WHEEL_STEP, rows),
        (View::Inspect(v), Mouse::WheelUp) => v.scroll_by(-(WHEEL_STEP as isize), rows),
        (View::Inspect(v), Mouse::WheelDown) => v.scroll_by(WHEEL_STEP as isize, rows),
        (View::Events(v), Mouse::WheelUp) => v.scroll_by(-(WHEEL_STEP as isize), rows),
        (View::Events(v), Mouse::WheelDown) => v.scroll_by(WHEEL_STEP as isize, rows),
        (View::Activity(v), Mouse::WheelUp | Mouse::WheelDown) => {
            let count = v.matching(&state.activity).len();
            let step = WHEEL_STEP as isize;
            let delta = if mouse == Mouse::WheelUp { -step } else { step };
            v.scroll(delta, count, rows);
        }
        (View::Details, wheel @ (Mouse::WheelUp | Mouse::WheelDown)) => {
            let action = if wheel == Mouse::WheelUp {
                Action::Up
            } else {
                Action::Down
            };
            for _ in 0..WHEEL_STEP {
                scroll_details(state, action);
            }
        }
        (
            View::Logs(_)
            | View::Stats(_)
            | View::Findings(_)
            | View::Inspect(_)
            | View::Events(_)
            | View::Details
            | View::Activity(_),
            _,
        ) => {}
        (View::Tree, Mouse::Click { column, row }) => {
            match crate::app::layout::hit(state, column, row) {
                crate::app::layout::Hit::TreeRow(at) => {
                    state.focus = Focus::Tree;
                    state.select(at);
                }
                crate::app::layout::Hit::Details => state.focus = Focus::Details,
                crate::app::layout::Hit::Nothing => {}
            }
        }
        (View::Tree, wheel) => {
            let up = wheel == Mouse::WheelUp;
            if state.focus == Focus::Details {
                for _ in 0..WHEEL_STEP {
                    scroll_details(state, if up { Action::Up } else { Action::Down });
                }
            } else if up {
                state.select(state.selected.saturating_sub(WHEEL_STEP));
            } else {
                state.select(state.selected + WHEEL_STEP);
            }
        }
    }
}
