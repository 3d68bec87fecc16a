//! The create form popup: one line per field, its error under it, and the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::app::create_form::{CreateForm, Field};

const WIDTH: u16 = 64;
const LABEL: usize = 8;

pub fn render(frame: &mut Frame, area: Rect, form: &CreateForm, theme: &Theme) {
    let mut lines = Vec::new();
    let room = usize::from(area.width.min(WIDTH)).saturating_sub(LABEL + 4);
    for (i, field) in form.fields().iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if focused {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        let marker = if focused { ">" } else { " " };
        let mut spans = vec![Span::styled(
            format!("{marker}{:<LABEL$}", field.label()),
            label_style,
        )];
        spans.extend(value_spans(form, *field, focused, room, theme));
        lines.push(Line::from(spans));
        let note = match form.shown_error(*field) {
            Some(e) => Line::from(Span::styled(
                format!("{:LABEL$}  ✖ {e}", "").replace('✖', if theme.ascii { "x" } else { "✖" }),
                theme.fg(Color::Red),
            )),
            None => Line::raw(""),
        };
        lines.push(note);
    }
    if let Some(why) = &form.refused {
        lines.push(Line::styled(
            format!("refused: {}", crate::validate::printable(why)),
            theme.fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    // Only the keys that work on the field in focus: ←/→ pick a VLAN on its field and
    // move the cursor anywhere else.
    let enter = if form.is_valid() {
        "enter plan"
    } else {
        "enter check"
    };
    let keys = if form.field() == Field::Vlan {
        format!("←/→ or type the VLAN · tab next · {enter} · esc cancel")
    } else {
        format!("tab/↓ next field · ↑ previous · {enter} · esc cancel")
    };
    lines.push(Line::styled(keys, theme.fg(Color::DarkGray)));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::popup::centered(area, WIDTH, height);
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(" Create a site ");
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

fn value_spans(
    form: &CreateForm,
    field: Field,
    focused: bool,
    room: usize,
    theme: &Theme,
) -> Vec<Span<'static>> {
    if field == Field::Vlan {
        if form.vlans.is_empty() {
            return vec![Span::raw(" (none)")];
        }
        // Typed like the others, between the arrows that cycle the config's VLANs.
        let (l, r) = if theme.ascii {
            ("<", ">")
        } else {
            ("◂", "▸")
        };
        let mut spans = vec![Span::raw(format!(" {l}"))];
        spans.extend(text_spans(
            form,
            field,
            focused,
            room.saturating_sub(4),
            theme,
        ));
        spans.push(Span::raw(format!(" {r}")));
        if let Some((_, node)) = form.vlan() {
            spans.push(Span::raw(format!("  on {node}")));
        }
        return spans;
    }
    text_spans(form, field, focused, room, theme)
}

/// A text field's value with the cursor when focused, or its placeholder.
fn text_spans(
    form: &CreateForm,
    field: Field,
    focused: bool,
    room: usize,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let Some(input) = form.input(field) else {
        return Vec::new();
    };
    if input.value().is_empty() {
        let mut spans = Vec::new();
        spans.push(Span::raw(" "));
        if focused {
            spans.push(Span::raw(theme.cursor()));
        }
        if let Some(p) = form.placeholder(field) {
            spans.push(Span::styled(
                p,
                theme.fg(Color::DarkGray).add_modifier(Modifier::DIM),
            ));
        }
        return spans;
    }
    // Keep the cursor in view when the value is longer than the field.
    let scroll = input.visual_scroll(room.saturating_sub(1));
    let value: String = input
        .value()
        .chars()
        .skip(scroll)
        .take(room.saturating_sub(1))
        .collect();
    if !focused {
        return vec![Span::raw(format!(" {value}"))];
    }
    let cursor = input.visual_cursor().saturating_sub(scroll);
    let before: String = value.chars().take(cursor).collect();
    let after: String = value.chars().skip(cursor).collect();
    vec![
        Span::raw(format!(" {before}")),
        Span::raw(theme.cursor()),
        Span::raw(after),
    ]
}
