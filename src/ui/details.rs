//! The details pane: the app's lines about the selection (`app/details.rs`), styled,
//! wrapped and scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::details::DetailLine;
use crate::app::{Focus, State};

fn styled(line: DetailLine) -> Line<'static> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    match line {
        DetailLine::Kv(key, value) => Line::from(vec![
            Span::styled(format!("{key:<11}"), bold),
            Span::raw(crate::validate::inert(&value).into_owned()),
        ]),
        DetailLine::Blank => Line::raw(""),
        DetailLine::Heading(text) => Line::styled(crate::validate::inert(&text).into_owned(), bold),
        DetailLine::Text(text) => Line::raw(crate::validate::inert(&text).into_owned()),
    }
}

pub fn lines(state: &State) -> Vec<Line<'static>> {
    crate::app::details::lines(state)
        .into_iter()
        .map(styled)
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    // The focus shows in words and weight, so it reads without colour.
    let focused = state.focus == Focus::Details;
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border());
    let block = if focused {
        let title = if state.theme.ascii {
            " Details - up/down scroll, tab back "
        } else {
            " Details · ↑↓ scroll, tab back "
        };
        block
            .title(title)
            .border_style(Style::new().add_modifier(Modifier::BOLD))
    } else {
        block.title(" Details ")
    };
    frame.render_widget(
        Paragraph::new(lines(state))
            .wrap(Wrap { trim: false })
            .scroll((state.details_scroll, 0))
            .block(block),
        area,
    );
}

/// The details of the selection over the whole screen (Enter): an 80-column terminal
/// has no room for the pane.
pub fn render_full(frame: &mut Frame, area: Rect, state: &State) {
    let name = state
        .selected_row()
        .map(|r| crate::validate::inert(&r.name).into_owned())
        .unwrap_or_default();
    let title = if state.theme.ascii {
        format!(" Details: {name} - up/down scroll, esc back ")
    } else {
        format!(" Details: {name} · ↑↓ scroll, esc back ")
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border())
        .title(title);
    frame.render_widget(
        Paragraph::new(lines(state))
            .wrap(Wrap { trim: false })
            .scroll((state.details_scroll, 0))
            .block(block),
        area,
    );
}
