//! The one-line popup of a swarm operation (`x` replicas, `u` image): what the service
//! has now, the line, its error as typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::app::ask_form::{Ask, AskForm};
use crate::validate::inert;

const WIDTH: u16 = 64;
const LABEL: usize = 9;

pub fn render(frame: &mut Frame, area: Rect, form: &AskForm, theme: &Theme) {
    let room = usize::from(area.width.min(WIDTH)).saturating_sub(LABEL + 5);
    let (now, note) = match form.ask {
        Ask::Replicas => (
            format!(" now {} wanted", inert(&form.now)),
            " the swarm places or stops tasks to match",
        ),
        Ask::Image => (
            format!(" now {}", inert(&form.now)),
            " rolled out as the service's own update config says",
        ),
    };
    let input = &form.input;
    let scroll = input.visual_scroll(room);
    let value: String = input.value().chars().skip(scroll).take(room).collect();
    let cursor = input.visual_cursor().saturating_sub(scroll);
    let before: String = value.chars().take(cursor).collect();
    let after: String = value.chars().skip(cursor).collect();
    let mut lines = vec![
        Line::raw(now),
        Line::styled(note, theme.fg(Color::DarkGray)),
        Line::raw(""),
        Line::from(vec![
            Span::styled(
                format!(">{:<LABEL$}", form.label()),
                Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            ),
            Span::raw(format!(" {}", inert(&before))),
            Span::raw(theme.cursor()),
            Span::raw(inert(&after).into_owned()),
        ]),
    ];
    lines.push(match form.shown_error() {
        Some(e) => Line::from(Span::styled(
            format!(
                "{:LABEL$}  {} {}",
                "",
                if theme.ascii { "x" } else { "✖" },
                inert(&e)
            ),
            theme.fg(Color::Red),
        )),
        None => Line::raw(""),
    });
    lines.push(Line::styled(
        "enter plan · esc cancel",
        theme.fg(Color::DarkGray),
    ));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::popup::centered(area, WIDTH, height);
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(format!(" {} ", inert(&form.title())));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
