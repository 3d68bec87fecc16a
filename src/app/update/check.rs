//! The check's result in the console: kept for the status bar and the details pane, and
//! shown as a list of findings when there are any; Enter goes to what a finding is about.

use crate::app::findings::{FindingsView, LastCheck};
use crate::app::{Action, Effect, Level, OpRequest, State, View};
use crate::ops::check::CheckReport;
use crate::plural::plural;

pub fn on_done(state: &mut State, result: Result<CheckReport, String>) -> Vec<Effect> {
    state.check_since = None;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            state.log(Level::Error, format!("check: {e}"));
            return Vec::new();
        }
    };
    let s = report.summary;
    let line = format!(
        "check: {}; {} of {} ok, {} unchecked",
        plural(s.problems, "problem", "problems"),
        s.ok,
        plural(s.sites, "site", "sites"),
        s.unreachable
    );
    state.log(
        if s.problems == 0 {
            Level::Info
        } else {
            Level::Warn
        },
        line,
    );
    for skipped in &report.skipped {
        state.log(Level::Info, format!("check: {skipped}"));
    }
    let problems = s.problems > 0;
    state.last_check = Some(LastCheck::new(report, state.now.clone()));
    if !problems {
        return Vec::new();
    }
    let effects = super::views::close_view(state);
    state.view = View::Findings(FindingsView::new());
    effects
}

fn count(state: &State) -> usize {
    state
        .last_check
        .as_ref()
        .map_or(0, |c| c.report.findings.len())
}

pub fn findings_action(state: &mut State, action: Action) -> Vec<Effect> {
    let n = count(state);
    let rows = crate::app::layout::findings_rows(state.screen.1);
    let View::Findings(view) = &mut state.view else {
        return Vec::new();
    };
    let at = view.selected;
    match action {
        Action::Up => view.select(at.saturating_sub(1), n, rows),
        Action::Down => view.select(at + 1, n, rows),
        Action::PageUp => view.select(at.saturating_sub(rows), n, rows),
        Action::PageDown => view.select(at + rows, n, rows),
        Action::Top => view.select(0, n, rows),
        Action::Bottom => view.select(n, n, rows),
        Action::Quit | Action::Close => state.view = View::Tree,
        Action::Help => state.show_help = true,
        Action::Check => return super::ops::request(state, OpRequest::Check),
        Action::Toggle | Action::Details => jump(state, at),
        _ => {}
    }
    Vec::new()
}

/// Back to the tree, on the container, site or node the finding is about.
fn jump(state: &mut State, at: usize) {
    let Some(finding) = state
        .last_check
        .as_ref()
        .and_then(|c| c.report.findings.get(at))
        .cloned()
    else {
        return;
    };
    state.view = View::Tree;
    let t = &finding.target;
    let by_name = t
        .container
        .as_deref()
        .or(t.domain.as_deref())
        .or(finding.domain.as_deref());
    if let Some(name) = by_name
        && super::commands::select_container(state, name)
    {
        return;
    }
    match t.node.as_deref().or(finding.node.as_deref()) {
        Some(node) => {
            super::commands::select_node(state, node);
            if by_name.is_some() {
                state.log(
                    Level::Info,
                    format!(
                        "{}: no such container on screen; showing node {node}",
                        by_name.unwrap_or_default()
                    ),
                );
            }
        }
        None => state.log(Level::Info, "this finding is about no node or container"),
    }
}
