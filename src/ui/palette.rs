//! The `:` palette: the line being typed at the bottom of the screen, and the candidates
//! above it, the picked one reversed and marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::app::palette::Palette;

/// Candidates listed at most.
const MAX_LISTED: usize = 8;

/// The typed line with the cursor glyph at the cursor, scrolled to keep it in sight.
fn input_line(p: &Palette, width: usize, theme: &Theme) -> Line<'static> {
    let value = p.input.value();
    let cursor = p.input.cursor();
    let before: String = value.chars().take(cursor).collect();
    let after: String = value.chars().skip(cursor).collect();
    let text = format!(":{before}{}{after}", theme.cursor());
    let skip = p.input.visual_scroll(width.saturating_sub(2));
    Line::raw(text.chars().skip(skip).collect::<String>())
}

pub fn render(frame: &mut Frame, main: Rect, p: &Palette, theme: &Theme) {
    // Input plus candidates plus borders, at the bottom of the main area.
    let listed = p.candidates.len().clamp(1, MAX_LISTED + 1);
    let want = u16::try_from(listed + 3).unwrap_or(u16::MAX);
    let height = want.min(main.height);
    if height == 0 || main.width == 0 {
        return;
    }
    let area = Rect::new(main.x, main.bottom() - height, main.width, height);
    let mut room = usize::from(height.saturating_sub(3));
    // More candidates than rows: the last row says how many are not shown.
    let overflow = p.candidates.len() > room && room >= 2;
    if overflow {
        room -= 1;
    }
    // Keep the picked candidate in the list when it is further down.
    let first = p
        .picked
        .map_or(0, |i| (i + 1).saturating_sub(room.max(1)))
        .min(p.candidates.len());
    let (mark, none) = if theme.ascii {
        ("> ", "  ")
    } else {
        ("▸ ", "  ")
    };
    let mut lines: Vec<Line> = p
        .candidates
        .iter()
        .enumerate()
        .skip(first)
        .take(room)
        .map(|(i, c)| {
            if p.picked == Some(i) {
                Line::from(Span::styled(
                    format!("{mark}:{c}"),
                    Style::new().add_modifier(Modifier::REVERSED),
                ))
            } else {
                Line::raw(format!("{none}:{c}"))
            }
        })
        .collect();
    if overflow {
        let above = first;
        let below = p.candidates.len().saturating_sub(first + room);
        let mut parts = Vec::new();
        if above > 0 {
            parts.push(format!("{above} above"));
        }
        if below > 0 {
            parts.push(format!("{below} more"));
        }
        lines.push(Line::styled(
            format!(
                "  {} {} (type to narrow, {} to scroll)",
                theme.ellipsis(),
                parts.join(", "),
                if theme.ascii { "up/down" } else { "↑↓" }
            ),
            Style::new().add_modifier(Modifier::DIM),
        ));
    }
    if p.candidates.is_empty() && room >= 1 {
        lines.push(Line::raw("  no command matches (esc closes)"));
    }
    lines.push(input_line(p, usize::from(main.width), theme));
    let title = if theme.ascii {
        " Command - tab completes, up/down pick, enter runs, esc closes "
    } else {
        " Command · tab completes, ↑↓ pick, enter runs, esc closes "
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(title);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
