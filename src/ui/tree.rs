//! The fleet tree: one line per item, with a glyph, a colour and a word for its state,
//! so it reads without colour too. Only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::State;
use crate::app::rows::{Health, Row, RowKind};

pub fn health_style(h: Health) -> (&'static str, Style) {
    match h {
        Health::Good => ("●", Style::new().fg(Color::Green)),
        Health::Warn => ("◐", Style::new().fg(Color::Yellow)),
        Health::Bad => ("✖", Style::new().fg(Color::Red)),
        Health::Unknown => ("?", Style::new().fg(Color::DarkGray)),
    }
}

fn kind_tag(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Node => "",
        RowKind::Guest => "vm ",
        RowKind::Container => "ct ",
        RowKind::Bridge => "br ",
        RowKind::Tunnel => "tn ",
    }
}

fn line(row: &Row, selected: bool) -> Line<'static> {
    let (glyph, style) = health_style(row.health);
    let fold = match (row.expandable, row.collapsed) {
        (true, true) => "▸ ",
        (true, false) => "▾ ",
        (false, _) => "  ",
    };
    let name_style = if row.kind == RowKind::Node {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    let mut spans = vec![
        Span::raw(format!("{}{fold}", "  ".repeat(row.depth))),
        Span::styled(format!("{glyph} "), style),
        Span::styled(kind_tag(row.kind), Style::new().fg(Color::DarkGray)),
        Span::styled(row.name.clone(), name_style),
        Span::raw(" "),
        Span::styled(row.state.clone(), style),
    ];
    if !row.extra.is_empty() {
        spans.push(Span::styled(
            format!("  {}", row.extra),
            Style::new().fg(Color::DarkGray),
        ));
    }
    let line = Line::from(spans);
    if selected {
        line.style(Style::new().add_modifier(Modifier::REVERSED))
    } else {
        line
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let title = match (state.filter.is_empty(), state.filter_editing) {
        (true, false) => " Fleet ".to_string(),
        (_, true) => format!(" Fleet  /{}▏ ", state.filter),
        (false, false) => format!(" Fleet  /{} ", state.filter),
    };
    let block = Block::new().borders(Borders::ALL).title(title);
    if state.rows.is_empty() {
        let text = if state.filter.is_empty() {
            "No nodes in the config."
        } else {
            "Nothing matches the filter (esc clears it)."
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let visible = usize::from(area.height.saturating_sub(2)).max(1);
    let offset = state.selected.saturating_sub(visible - 1);
    let lines: Vec<Line> = state
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, row)| line(row, i == state.selected))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
