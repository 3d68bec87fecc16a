//! The activity panel: what happened lately (nodes going down and up, facts that fail,
//! warnings), newest at the bottom; and the same log full-screen (`a`), every line
//! whole, wrapped, scrolled and filtered.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::logs::hard_wrap;
use crate::app::activity_view::ActivityView;
use crate::app::{Activity, Level, State};

fn line(a: &Activity, state: &State) -> Line<'static> {
    let (word, color) = match a.level {
        Level::Info => ("info ", Color::Reset),
        Level::Warn => ("warn ", Color::Yellow),
        Level::Error => ("error", Color::Red),
    };
    Line::from(vec![
        Span::raw(format!("{} ", a.at)),
        Span::styled(word, state.theme.fg(color).add_modifier(Modifier::BOLD)),
        Span::raw(format!(" {}", crate::validate::inert(&a.text))),
    ])
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border())
        .title(" Activity (a: full log) ");
    let room = usize::from(area.height.saturating_sub(2));
    let start = state.activity.len().saturating_sub(room);
    let lines: Vec<Line> = state.activity[start..]
        .iter()
        .map(|a| line(a, state))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The whole log: from the first line shown down, each line wrapped to the width;
/// following, the rows that end with the newest line.
pub fn render_full(frame: &mut Frame, area: Rect, state: &State, view: &ActivityView) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border())
        .title(" Activity of this session ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let rows = usize::from(body.height).max(1);
    let width = usize::from(body.width);
    let matching = view.matching(&state.activity);
    let wrapped = |i: &usize| hard_wrap(line(&state.activity[*i], state), width);
    let shown: Vec<Line> = if view.follow {
        let mut out: Vec<Line> = Vec::new();
        for i in matching.iter().rev() {
            let mut rows_of = wrapped(i);
            rows_of.append(&mut out);
            out = rows_of;
            if out.len() >= rows {
                break;
            }
        }
        let over = out.len().saturating_sub(rows);
        out.drain(..over);
        out
    } else {
        let first = view.first_shown(matching.len(), rows);
        matching[first..]
            .iter()
            .flat_map(wrapped)
            .take(rows)
            .collect()
    };
    frame.render_widget(Paragraph::new(shown), body);
    let sep = format!(" {} ", state.theme.separator());
    let mode = if view.follow {
        "FOLLOWING"
    } else {
        "PAUSED (end follows)"
    };
    let filter = match (view.filtering, view.filter.is_empty()) {
        (true, _) => format!("{sep}/{}{}", view.filter, state.theme.cursor()),
        (false, false) => format!("{sep}/{}", view.filter),
        (false, true) => String::new(),
    };
    let text = format!(
        "{mode}{sep}{} of {}{filter}{sep}/ filters, esc closes",
        matching.len(),
        crate::plural::plural(state.activity.len(), "line", "lines")
    );
    frame.render_widget(Paragraph::new(Line::styled(text, Modifier::BOLD)), status);
}
