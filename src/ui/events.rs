//! The events view: one line per Docker event, newest first, with its node, type,
//! action and actor, and a status line with the filter and the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::act::events::FleetEvent;
use crate::app::events_view::EventsView;
use crate::app::logs::StreamStatus;
use crate::validate::printable;

fn colour(action: &str) -> Color {
    match action {
        "die" | "kill" | "oom" | "destroy" => Color::Red,
        "start" | "create" | "unpause" => Color::Green,
        a if a.starts_with("health_status: unhealthy") => Color::Magenta,
        "stop" | "pause" => Color::Yellow,
        _ => Color::Reset,
    }
}

fn line(e: &FleetEvent, theme: &Theme) -> Line<'static> {
    // `time` is RFC 3339; the clock time is what a person scans for.
    let clock = e.time.get(11..19).unwrap_or(&e.time).to_string();
    let short = e.id.get(..12).unwrap_or(&e.id);
    let who = match &e.name {
        Some(n) => format!("{} ({short})", printable(n)),
        None => short.to_string(),
    };
    Line::from(vec![
        Span::styled(format!("{clock} "), theme.fg(Color::DarkGray)),
        Span::raw(format!(
            "{:<8} {:<9} ",
            printable(&e.node),
            printable(&e.kind)
        )),
        Span::styled(
            format!("{:<14} ", printable(&e.action)),
            theme.fg(colour(&e.action)).add_modifier(Modifier::BOLD),
        ),
        Span::raw(who),
    ])
}

pub fn render(frame: &mut Frame, area: Rect, view: &EventsView, theme: &Theme) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(" Events: every engine, newest first ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let rows = usize::from(body.height).max(1);
    let visible = view.visible();
    let lines: Vec<Line> = if visible.is_empty() {
        vec![Line::raw(match &view.status {
            StreamStatus::Connecting => format!(" connecting to the engines{}", theme.ellipsis()),
            _ if !view.filter.is_empty() => " no event matches the filter".to_string(),
            _ => " no event in the last hour yet".to_string(),
        })]
    } else {
        visible
            .iter()
            .skip(view.top)
            .take(rows)
            .map(|e| line(e, theme))
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), body);
    let sep = format!(" {} ", theme.separator());
    let status_text = if view.filtering {
        format!("/{}{}", view.filter, theme.cursor())
    } else {
        let mut t = crate::plural::plural(visible.len(), "event", "events");
        if !view.filter.is_empty() {
            t.push_str(&format!("{sep}filter /{}", view.filter));
        }
        if view.status != StreamStatus::Live {
            t.push_str(&format!("{sep}{}", printable(&view.status.word())));
        }
        t.push_str(&format!("{sep}/ filters, esc closes"));
        t
    };
    frame.render_widget(Paragraph::new(Line::raw(status_text)), status);
}
