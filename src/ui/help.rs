//! The `?` popup, generated from the keymap so it never lies about a binding, and listing
//! only what works on the screen under it (and never what read-only mode refuses).

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{Action, KeySpec, Mode, State};

const POPUP_WIDTH: u16 = 60;
const KEYS_WIDTH: usize = 16;

fn keys_text(keys: &[KeySpec]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Scale, new image, rollback, drain/activate: one help line (`# / u / U / D`).
const SWARM: [Action; 4] = [
    Action::Scale,
    Action::UpdateImage,
    Action::Rollback,
    Action::DrainActivate,
];

/// The partner listed on `a`'s line, when both work in `mode` and have keys.
fn pair_of(state: &State, mode: Mode, a: Action) -> Option<(Action, &'static str)> {
    let (b, what) = a.partner()?;
    let shown =
        |x: Action| x.available(mode, state.read_only) && !state.keymap.keys_for(x).is_empty();
    (shown(a) && shown(b)).then_some((b, what))
}

/// The action whose line lists `b`, if `b` is the second of a pair.
fn leader(b: Action) -> Option<Action> {
    [
        Action::Quit,
        Action::Toggle,
        Action::Collapse,
        Action::Sort,
        Action::Focus,
        Action::Up,
        Action::PageUp,
        Action::Top,
        Action::NextMatch,
        Action::Refresh,
        Action::Logs,
        Action::ProxyPlan,
        Action::Check,
        Action::Create,
        Action::Restart,
        Action::Inspect,
        Action::Filter,
    ]
    .into_iter()
    .find(|a| a.partner().is_some_and(|(x, _)| x == b))
}

/// One line per action available in `mode`; pairs (up/down...) share a line.
pub fn action_lines(state: &State, mode: Mode) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    // The four swarm operations share one line, so the help still fits 80x24.
    let swarm_line = SWARM
        .iter()
        .all(|a| a.available(mode, state.read_only) && !state.keymap.keys_for(*a).is_empty());
    for (action, keys) in state.keymap.actions() {
        if !action.available(mode, state.read_only) || keys.is_empty() {
            continue;
        }
        if swarm_line && SWARM.contains(&action) {
            if action == SWARM[0] {
                let keys = SWARM
                    .iter()
                    .map(|a| keys_text(state.keymap.keys_for(*a)))
                    .collect::<Vec<_>>()
                    .join(" / ");
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{keys:<KEYS_WIDTH$} "),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw("swarm: scale / image / back / drain"),
                ]));
            }
            continue;
        }
        if action.is_partner() && leader(action).is_some_and(|l| pair_of(state, mode, l).is_some())
        {
            continue;
        }
        let (keys, what) = match pair_of(state, mode, action) {
            Some((other, both)) => {
                let what = match (mode, action) {
                    (Mode::Logs, Action::Up) => "scroll up / down (up pauses follow)",
                    (Mode::Logs, Action::Top) => "oldest / newest line (end follows)",
                    (Mode::Findings, Action::Toggle) => "go to what the finding is about",
                    (
                        Mode::Logs | Mode::Stats | Mode::Inspect | Mode::Events | Mode::Details,
                        Action::Quit,
                    ) => "close this view / this help",
                    _ => both,
                };
                let keys = format!(
                    "{} / {}",
                    keys_text(keys),
                    keys_text(state.keymap.keys_for(other))
                );
                (keys, what)
            }
            None => (keys_text(keys), action.describe_in(mode)),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{keys:<KEYS_WIDTH$} "),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(what),
        ]));
    }
    lines
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mode = state.mode();
    let mut lines = action_lines(state, mode);
    // Two lines for the mode, config and inventory, so the keys fit 80x24.
    let mode_word = if state.read_only {
        "read-only"
    } else {
        "read-write"
    };
    let room = usize::from(area.width.min(POPUP_WIDTH)).saturating_sub(13);
    let config_room = room.saturating_sub(mode_word.len() + 3);
    lines.push(Line::raw(format!(
        "config:    {}  ({mode_word})",
        super::statusbar::shorten_left(&state.config_label, config_room, state.theme.ellipsis())
    )));
    lines.push(Line::raw(format!(
        "inventory: {}",
        super::statusbar::shorten_left(&state.inventory_label, room, state.theme.ellipsis())
    )));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(POPUP_WIDTH)])
        .flex(Flex::Center)
        .areas(popup);
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border())
        .title(format!(" Help: {} (esc or ? closes) ", mode.title()));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
