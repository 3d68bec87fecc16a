//! The adopt form popup: which container, then login and domain with their errors.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::app::adopt_form::{ADOPT_FIELDS, AdoptForm};
use crate::validate::inert;

const WIDTH: u16 = 64;
const LABEL: usize = 8;

pub fn render(frame: &mut Frame, area: Rect, form: &AdoptForm, theme: &Theme) {
    let room = usize::from(area.width.min(WIDTH)).saturating_sub(LABEL + 4);
    let c = &form.container;
    let mut lines = vec![
        Line::raw(format!(" {}", inert(&format!("{} on {}", c.name, c.node)))),
        Line::styled(
            " recorded as it is; labels fill what they can",
            theme.fg(Color::DarkGray),
        ),
        Line::raw(""),
    ];
    for (i, field) in ADOPT_FIELDS.iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if focused {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        let marker = if focused { ">" } else { " " };
        let input = form.input(*field);
        let scroll = input.visual_scroll(room.saturating_sub(1));
        let value: String = input
            .value()
            .chars()
            .skip(scroll)
            .take(room.saturating_sub(1))
            .collect();
        let mut spans = vec![Span::styled(
            format!("{marker}{:<LABEL$}", field.label()),
            label_style,
        )];
        if focused {
            let cursor = input.visual_cursor().saturating_sub(scroll);
            let before: String = value.chars().take(cursor).collect();
            let after: String = value.chars().skip(cursor).collect();
            spans.push(Span::raw(format!(" {before}")));
            spans.push(Span::raw(theme.cursor()));
            spans.push(Span::raw(after));
        } else {
            spans.push(Span::raw(format!(" {value}")));
        }
        lines.push(Line::from(spans));
        lines.push(match form.shown_error(*field) {
            Some(e) => Line::from(Span::styled(
                format!("{:LABEL$}  {} {e}", "", if theme.ascii { "x" } else { "✖" }),
                theme.fg(Color::Red),
            )),
            None => Line::raw(""),
        });
    }
    let keys = if form.is_valid() {
        "enter plan · tab next field · esc cancel"
    } else {
        "tab next field · enter check · esc cancel"
    };
    lines.push(Line::styled(keys, theme.fg(Color::DarkGray)));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::popup::centered(area, WIDTH, height);
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(" Adopt a container ");
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
