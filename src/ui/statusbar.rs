//! The bottom line: mode, config in use, inventory path, and how to get help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mode = if state.read_only {
        Span::styled(
            " READ-ONLY ",
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        )
    } else {
        Span::styled(
            " READ-WRITE ",
            Style::new().fg(Color::Black).bg(Color::Green),
        )
    };
    let help = " ? help ";
    // Paths shrink from the left so their file names stay visible on an 80-column bastion.
    let fixed = mode.width() + help.len() + " config:  │ inventory:  ".len();
    let room = usize::from(area.width).saturating_sub(fixed);
    let (config_room, inventory_room) = split_room(
        room,
        state.config_label.chars().count(),
        state.inventory_label.chars().count(),
    );
    let line = Line::from(vec![
        mode,
        Span::raw(" config: "),
        Span::styled(
            shorten_left(&state.config_label, config_room),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(" │ inventory: "),
        Span::styled(
            shorten_left(&state.inventory_label, inventory_room),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(" "),
        Span::styled(help, Style::new().add_modifier(Modifier::REVERSED)),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// Keep the end of `text` within `width` characters, marking a cut with '…'.
pub fn shorten_left(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let tail: String = text.chars().skip(count - (width - 1)).collect();
    format!("…{tail}")
}

/// Share `room` columns between two labels: both whole when they fit, else each keeps at
/// least a share proportional to its length.
fn split_room(room: usize, first: usize, second: usize) -> (usize, usize) {
    if first + second <= room {
        return (first, second);
    }
    let proportional = room * first / (first + second).max(1);
    let first_room = proportional.max(room / 2).min(first);
    (first_room, room - first_room)
}
