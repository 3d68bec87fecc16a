//! The inspect view: the record's lines, search matches highlighted and the current one
//! marked in the gutter, and a status line with the position and the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::logs::highlighted;
use super::theme::Theme;
use crate::app::inspect::{InspectView, Loading};

fn status_line(view: &InspectView, rows: usize, theme: &Theme) -> Line<'static> {
    if view.searching {
        return Line::raw(format!("/{}{}", view.search, theme.cursor()));
    }
    let sep = format!(" {} ", theme.separator());
    let last = (view.top + rows).min(view.lines.len());
    let mut text = format!(
        "{}-{last}/{}",
        if view.lines.is_empty() {
            0
        } else {
            view.top + 1
        },
        view.lines.len()
    );
    if !view.search.is_empty() {
        let count = view.matches().len();
        text.push_str(&format!(
            "{sep}/{}: {}",
            view.search,
            crate::plural::plural(count, "match", "matches")
        ));
    }
    text.push_str(&format!("{sep}/ n N search, y copies, esc closes"));
    Line::raw(text)
}

pub fn render(frame: &mut Frame, area: Rect, view: &InspectView, theme: &Theme) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(format!(" Inspect: {} ", view.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let rows = usize::from(body.height).max(1);
    let lines: Vec<Line> = match &view.status {
        Loading::Waiting => vec![Line::raw(format!(" reading{}", theme.ellipsis()))],
        Loading::Failed(why) => vec![Line::raw(format!(
            " cannot read it: {}",
            crate::validate::printable(why)
        ))],
        Loading::Loaded => view
            .lines
            .iter()
            .enumerate()
            .skip(view.top)
            .take(rows)
            .map(|(i, l)| {
                let gutter = match (view.hit == Some(i), theme.ascii) {
                    (false, _) => " ",
                    (true, true) => ">",
                    (true, false) => "▶",
                };
                let mut spans = vec![Span::styled(
                    gutter,
                    ratatui::style::Style::new().add_modifier(Modifier::BOLD),
                )];
                spans.extend(highlighted(l, &view.search));
                Line::from(spans)
            })
            .collect(),
    };
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(Paragraph::new(status_line(view, rows, theme)), status);
}
