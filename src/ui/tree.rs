//! The fleet tree: one line per item, with a glyph, a colour and a word for its state,
//! so it reads without colour too. Only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::State;
use crate::app::rows::{Row, RowKind};
use crate::validate::inert;

fn kind_tag(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Node => "",
        RowKind::Guest => "vm ",
        RowKind::Container => "ct ",
        RowKind::Bridge => "br ",
        RowKind::Tunnel => "tn ",
    }
}

fn line(row: &Row, selected: bool, theme: &Theme) -> Line<'static> {
    let (glyph, style) = theme.health(row.health);
    let (open, closed) = theme.fold();
    let fold = match (row.expandable, row.collapsed) {
        (true, true) => closed,
        (true, false) => open,
        (false, _) => "  ",
    };
    let dim = theme.fg(Color::DarkGray);
    let name_style = if row.kind == RowKind::Node {
        Style::new().add_modifier(Modifier::BOLD)
    } else if row.health == crate::app::rows::Health::Greyed {
        dim
    } else {
        Style::new()
    };
    let mut spans = vec![
        Span::raw(format!("{}{fold}", "  ".repeat(row.depth))),
        Span::styled(format!("{glyph} "), style),
        Span::styled(kind_tag(row.kind), dim),
        Span::styled(inert(&row.name).into_owned(), name_style),
        Span::raw(" "),
        Span::styled(inert(&row.state).into_owned(), style),
    ];
    if !row.extra.is_empty() {
        spans.push(Span::styled(format!("  {}", inert(&row.extra)), dim));
    }
    let line = Line::from(spans);
    if selected {
        line.style(Style::new().add_modifier(Modifier::REVERSED))
    } else {
        line
    }
}

/// First row shown when `visible` rows fit: the state's scroll position, moved only as
/// far as needed to keep the selection on screen (the screen may be smaller than the
/// page `update` assumed).
pub use crate::app::layout::tree_offset as offset;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let title = match (state.filter.is_empty(), state.filter_editing) {
        (true, false) => " Fleet ".to_string(),
        (_, true) => format!(" Fleet  /{}{} ", state.filter, state.theme.cursor()),
        (false, false) => format!(" Fleet  /{} ", state.filter),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border())
        .title(title);
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
    let offset = offset(state, visible);
    let lines: Vec<Line> = state
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, row)| line(row, i == state.selected, &state.theme))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
