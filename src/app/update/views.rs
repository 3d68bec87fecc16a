//! The logs and stats views: opening one (which asks the driver for a stream), its keys,
//! the stream's news, and closing it (which stops the stream).

use crate::app::logs::{ContainerRef, LogLine, LogsView, StreamStatus};
use crate::app::msg::StreamEvent;
use crate::app::state::View;
use crate::app::stats::{StatsSample, StatsView};
use crate::app::{Action, Effect, FilterEdit, Level, State};

/// Lines of the logs view on the current screen.
fn rows(state: &State) -> usize {
    crate::app::layout::logs_rows(state.screen.1)
}

/// Close the logs or stats view, stopping its stream.
pub(super) fn close_view(state: &mut State) -> Vec<Effect> {
    match std::mem::replace(&mut state.view, View::Tree) {
        View::Tree | View::Findings(_) | View::Inspect(_) | View::Details | View::Activity(_) => {
            Vec::new()
        }
        View::Logs(v) => vec![Effect::CloseStream(v.stream)],
        View::Stats(v) => vec![Effect::CloseStream(v.stream)],
        View::Events(v) => vec![Effect::CloseStream(v.stream)],
    }
}

/// `l` or `s` on the tree: the selected row must be a container.
pub(super) fn open_selected(state: &mut State, action: Action) -> Vec<Effect> {
    match state.selected_container() {
        Some(target) => open(state, target, action),
        None => {
            // In the status bar too: the activity panel may be out of sight.
            let what = if action == Action::Stats {
                "stats"
            } else {
                "logs"
            };
            let why = format!("{what}: select a container");
            state.flash(why.clone());
            state.log(Level::Warn, format!("{why} first"));
            Vec::new()
        }
    }
}

/// Open the logs (`Action::Logs`) or stats view of `target`; any other view closes.
pub(super) fn open(state: &mut State, target: ContainerRef, action: Action) -> Vec<Effect> {
    let mut effects = close_view(state);
    state.last_stream += 1;
    let stream = state.last_stream;
    let (node, container) = (target.node.clone(), target.id.clone());
    if action == Action::Stats {
        state.view = View::Stats(Box::new(StatsView::new(target, stream)));
        effects.push(Effect::OpenStats {
            stream,
            node,
            container,
        });
    } else {
        state.view = View::Logs(Box::new(LogsView::new(target, stream)));
        effects.push(Effect::OpenLogs {
            stream,
            node,
            container,
        });
    }
    state.palette = None;
    effects
}

pub(super) fn logs_action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = rows(state);
    let page = rows.saturating_sub(1).max(1);
    if matches!(action, Action::Quit | Action::Close) {
        return close_view(state);
    }
    if action == Action::Help {
        state.show_help = true;
        return Vec::new();
    }
    let View::Logs(v) = &mut state.view else {
        return Vec::new();
    };
    match action {
        Action::Up => v.scroll_up(1, rows),
        Action::Down => v.scroll_down(1, rows),
        Action::PageUp => v.scroll_up(page, rows),
        Action::PageDown => v.scroll_down(page, rows),
        Action::Top => v.to_top(),
        Action::Bottom => v.to_bottom(),
        Action::Follow => v.toggle_follow(rows),
        Action::Wrap => v.wrap = !v.wrap,
        Action::Filter => {
            v.cancel_search();
            v.searching = true;
        }
        Action::NextMatch => {
            v.jump(true, rows);
        }
        Action::PrevMatch => {
            v.jump(false, rows);
        }
        other => state.flash(format!("{}: not in the logs view", other.name())),
    }
    Vec::new()
}

pub(super) fn stats_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit | Action::Close => close_view(state),
        Action::Help => {
            state.show_help = true;
            Vec::new()
        }
        other => {
            state.flash(format!("{}: not in the stats view", other.name()));
            Vec::new()
        }
    }
}

/// Typing the logs search: the matches light up as it is typed; enter jumps to one.
pub(super) fn search_edit(state: &mut State, edit: FilterEdit) {
    let rows = rows(state);
    let View::Logs(v) = &mut state.view else {
        return;
    };
    match edit {
        FilterEdit::Insert(c) => {
            v.search.push(c);
            v.hit = None;
        }
        FilterEdit::Backspace => {
            v.search.pop();
            v.hit = None;
        }
        FilterEdit::Accept => {
            v.accept_search(rows);
        }
        FilterEdit::Cancel => v.cancel_search(),
    }
}

fn ended(status: &mut StreamStatus, failure: Option<String>) {
    *status = match failure {
        Some(why) => StreamStatus::Failed(why),
        None => StreamStatus::Ended,
    };
}

/// Lines of the open logs view's stream; news of a stream whose view closed is dropped
/// without a redraw.
pub(super) fn on_logs(state: &mut State, stream: u64, event: StreamEvent<Vec<LogLine>>) {
    let View::Logs(v) = &mut state.view else {
        return;
    };
    if v.stream != stream {
        return;
    }
    let name = v.target.name.clone();
    match event {
        StreamEvent::Data(lines) if lines.is_empty() => return,
        StreamEvent::Data(lines) => v.push(lines),
        StreamEvent::Ended => ended(&mut v.status, None),
        StreamEvent::Closed(why) => {
            v.status = StreamStatus::Closed(why.clone());
            state.log(Level::Info, format!("logs of {name}: {why}"));
        }
        StreamEvent::Failed(why) => {
            ended(&mut v.status, Some(why.clone()));
            state.log(Level::Error, format!("logs of {name}: {why}"));
        }
    }
    state.dirty = true;
}

pub(super) fn on_stats(state: &mut State, stream: u64, event: StreamEvent<StatsSample>) {
    let View::Stats(v) = &mut state.view else {
        return;
    };
    if v.stream != stream {
        return;
    }
    let name = v.target.name.clone();
    match event {
        StreamEvent::Data(sample) => v.push(sample),
        StreamEvent::Ended => ended(&mut v.status, None),
        StreamEvent::Closed(why) => v.status = StreamStatus::Closed(why),
        StreamEvent::Failed(why) => {
            ended(&mut v.status, Some(why.clone()));
            state.log(Level::Error, format!("stats of {name}: {why}"));
        }
    }
    state.dirty = true;
}
