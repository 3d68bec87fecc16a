//! The confirm popup: the plan's lines (diff lines coloured, and marked by their sign so
//! they read without colour), and `y` / `n`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::app::confirm::ConfirmView;

pub fn render(frame: &mut Frame, area: Rect, view: &ConfirmView, read_only: bool, theme: &Theme) {
    let width = view
        .lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(40, 110);
    let width = u16::try_from(width + 2).unwrap_or(u16::MAX);
    // Room for the lines, the key line and the borders, within the screen.
    let height = u16::try_from(view.lines.len() + 4).unwrap_or(u16::MAX);
    let popup = super::popup::centered(area, width, height);
    let inner_rows = usize::from(popup.height.saturating_sub(4));
    let mut lines: Vec<Line> = view
        .lines
        .iter()
        .skip(view.scroll)
        .take(inner_rows)
        .map(|l| styled(l, theme))
        .collect();
    lines.push(Line::raw(""));
    let more = view.scroll + inner_rows < view.lines.len();
    let keys = if !view.op.applicable() {
        "nothing to change · esc close".to_string()
    } else if read_only {
        "read-only mode: this plan cannot be applied · esc close".to_string()
    } else {
        format!(
            "y apply · n/esc cancel{}",
            if more { " · ↓/PgDn more" } else { "" }
        )
    };
    lines.push(Line::styled(
        keys,
        Style::new().add_modifier(Modifier::BOLD),
    ));
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(format!(" {} — plan ", view.op.title()));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

fn styled<'a>(line: &'a str, theme: &Theme) -> Line<'a> {
    let style = if line.starts_with("+++") || line.starts_with("---") {
        Style::new().add_modifier(Modifier::BOLD)
    } else if line.starts_with('+') {
        theme.fg(Color::Green)
    } else if line.starts_with('-') {
        theme.fg(Color::Red)
    } else if line.starts_with("@@") {
        theme.fg(Color::Cyan)
    } else {
        Style::new()
    };
    Line::styled(line, style)
}
