//! The findings view: the last check's summary, then one line per finding with its
//! severity as a word (and colour), its kind, what it is about, and the message.

use crate::app::columns::plural;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::findings::{FindingsView, LastCheck};
use crate::ops::check::Severity;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    view: &FindingsView,
    check: Option<&LastCheck>,
    now: &str,
    theme: &Theme,
) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(" Findings — enter go to · i check again · esc close ");
    let Some(check) = check else {
        frame.render_widget(Paragraph::new("no check yet: press i").block(block), area);
        return;
    };
    let s = check.report.summary;
    let mut lines = vec![Line::styled(
        format!(
            "{} · {} · {} ok · {} unchecked · at {}",
            plural(s.problems, "problem", "problems"),
            plural(s.sites, "site", "sites"),
            s.ok,
            s.unreachable,
            crate::app::progress::check_when(&check.at, now)
        ),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for skipped in &check.report.skipped {
        lines.push(Line::styled(skipped.clone(), theme.fg(Color::DarkGray)));
    }
    let rows = usize::from(area.height.saturating_sub(2)).saturating_sub(lines.len());
    for (i, f) in check
        .report
        .findings
        .iter()
        .enumerate()
        .skip(view.offset)
        .take(rows)
    {
        let (word, color) = match f.severity {
            Severity::Error => ("error", Color::Red),
            Severity::Warning => ("warn ", Color::Yellow),
            _ => ("info ", Color::Gray),
        };
        let about = f.domain.as_deref().or(f.node.as_deref()).unwrap_or("-");
        let selected = i == view.selected;
        let marker = if selected { "> " } else { "  " };
        let mut line = Line::from(vec![
            Span::raw(marker),
            Span::styled(word, theme.fg(color).add_modifier(Modifier::BOLD)),
            Span::raw(format!(" {:<16} {about}  {}", f.kind.as_str(), f.message)),
        ]);
        if selected {
            line = line.style(Style::new().add_modifier(Modifier::REVERSED));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
