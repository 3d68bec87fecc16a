//! The activity panel: what happened lately (nodes going down and up, facts that fail,
//! warnings), newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{Level, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border())
        .title(" Activity ");
    let room = usize::from(area.height.saturating_sub(2));
    let start = state.activity.len().saturating_sub(room);
    let lines: Vec<Line> = state.activity[start..]
        .iter()
        .map(|a| {
            let (word, color) = match a.level {
                Level::Info => ("info ", Color::Reset),
                Level::Warn => ("warn ", Color::Yellow),
                Level::Error => ("error", Color::Red),
            };
            Line::from(vec![
                Span::raw(format!("{} ", a.at)),
                Span::styled(word, state.theme.fg(color).add_modifier(Modifier::BOLD)),
                Span::raw(format!(" {}", crate::validate::inert(&a.text))),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
