//! The `?` popup, generated from the keymap so it never lies about a binding.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::State;

const POPUP_WIDTH: u16 = 60;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mut lines: Vec<Line> = state
        .keymap
        .actions()
        .map(|(action, keys)| {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            Line::from(vec![
                Span::styled(
                    format!("{:<14}", keys.join(" ")),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(action.describe()),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::raw(if state.read_only {
        "Read-only mode: nothing can be changed."
    } else {
        "Read-write mode."
    }));
    let room = usize::from(area.width.min(POPUP_WIDTH)).saturating_sub(13);
    lines.push(Line::raw(format!(
        "config:    {}",
        super::statusbar::shorten_left(&state.config_label, room, state.theme.ellipsis())
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
        .title(" Help — esc or ? to close ");
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
