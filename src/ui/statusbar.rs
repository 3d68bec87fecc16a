//! The bottom line: mode, config in use, inventory path, and how to get help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;

/// Nodes whose data is not current (a down node counts as down only).
fn stale_count(state: &State) -> usize {
    use crate::fleet::snapshot::NodeStatus;
    let nodes = &state.doc.nodes;
    nodes
        .iter()
        .filter(|n| n.stale && n.status != NodeStatus::Down)
        .count()
}

/// Containers that crashed (non-zero exit, restarting, unhealthy), across the fleet.
fn crashed_count(state: &State) -> usize {
    let nodes = &state.doc.nodes;
    nodes
        .iter()
        .flat_map(|n| n.containers.iter())
        .filter(|c| crate::app::rows::is_crash(c))
        .count()
}

/// Fleet counts for the bar: nodes up and down, containers running of all, then the
/// rest. (Stale nodes are counted apart, in their own colour, and not as up; crashed
/// containers too, in red, between the two.)
fn counts(state: &State) -> (String, String, String) {
    use crate::fleet::snapshot::NodeStatus;
    let sep = state.theme.separator();
    let nodes = &state.doc.nodes;
    let up = nodes
        .iter()
        .filter(|n| n.status == NodeStatus::Up && !n.stale)
        .count();
    let down = nodes
        .iter()
        .filter(|n| n.status == NodeStatus::Down)
        .count();
    let containers = nodes.iter().flat_map(|n| n.containers.iter());
    let (running, total) = containers.fold((0, 0), |(r, t), c| {
        (r + usize::from(c.state == "running"), t + 1)
    });
    let age = state
        .data_as_of
        .as_deref()
        .and_then(|t| t.get(11..19))
        .map(|t| format!(" {sep} {t}"))
        .unwrap_or_default();
    let busy = state
        .op_busy
        .as_deref()
        .map(|op| format!(" {op}… {sep}"))
        .unwrap_or_default();
    let check = state
        .last_check
        .as_ref()
        .map(|c| {
            let n = c.report.summary.problems;
            format!(
                " {} {sep}",
                crate::app::columns::plural(n, "problem", "problems")
            )
        })
        .unwrap_or_default();
    // The last session's outcome stays until another operation takes the place.
    let session = match (&state.op_busy, &state.last_session) {
        (None, Some(text)) => format!(" {} {sep}", crate::validate::printable(text)),
        _ => String::new(),
    };
    (
        format!(" {up} up"),
        format!(" {down} down {sep} {running}/{total} running"),
        format!("{age} {sep}{check}{busy}{session}"),
    )
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let colored = |style: Style| {
        if state.theme.color {
            style
        } else {
            Style::new()
        }
    };
    let mode = if state.read_only {
        // In monochrome the badge stands out by reversing, so it is never missed.
        let style =
            colored(Style::new().fg(Color::Black).bg(Color::Yellow)).add_modifier(Modifier::BOLD);
        let style = if state.theme.color {
            style
        } else {
            style.add_modifier(Modifier::REVERSED)
        };
        Span::styled(" READ-ONLY ", style)
    } else {
        Span::styled(
            " READ-WRITE ",
            colored(Style::new().fg(Color::Black).bg(Color::Green)),
        )
    };
    let help = " ? help ";
    let (up, running, rest) = counts(state);
    let crashed = match crashed_count(state) {
        0 => None,
        n => Some(Span::styled(
            format!(" {} {n} crashed", state.theme.separator()),
            colored(Style::new().fg(Color::Red)).add_modifier(Modifier::BOLD),
        )),
    };
    let stale = match stale_count(state) {
        0 => None,
        n => Some(Span::styled(
            format!(" {n} stale"),
            colored(Style::new().fg(Color::Cyan)).add_modifier(Modifier::BOLD),
        )),
    };
    let counts_width = up.chars().count()
        + running.chars().count()
        + rest.chars().count()
        + stale.as_ref().map_or(0, Span::width)
        + crashed.as_ref().map_or(0, Span::width);
    // Paths shrink from the left so their file names stay visible on an 80-column bastion.
    let fixed = mode.width() + counts_width + help.len() + " cfg  inv  ".len();
    let room = usize::from(area.width).saturating_sub(fixed);
    let (config_room, inventory_room) = split_room(
        room,
        state.config_label.chars().count(),
        state.inventory_label.chars().count(),
    );
    let mut spans = vec![mode, Span::raw(up)];
    spans.extend(stale);
    spans.push(Span::raw(running));
    spans.extend(crashed);
    spans.push(Span::raw(rest));
    if config_room > 3 {
        spans.push(Span::raw(" cfg "));
        spans.push(Span::styled(
            shorten_left(&state.config_label, config_room, state.theme.ellipsis()),
            Style::new().add_modifier(Modifier::BOLD),
        ));
    }
    if inventory_room > 3 {
        spans.push(Span::raw(" inv "));
        spans.push(Span::styled(
            shorten_left(
                &state.inventory_label,
                inventory_room,
                state.theme.ellipsis(),
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ));
    }
    // The help hint keeps its place at the right edge whatever the rest needs.
    let help_width = u16::try_from(help.len())
        .unwrap_or(u16::MAX)
        .min(area.width);
    let [left, right] = ratatui::layout::Layout::horizontal([
        ratatui::layout::Constraint::Min(0),
        ratatui::layout::Constraint::Length(help_width),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(
        Paragraph::new(Span::styled(
            help,
            Style::new().add_modifier(Modifier::REVERSED),
        )),
        right,
    );
}

/// Keep the end of `text` within `width` characters, marking a cut with `ellipsis`.
pub fn shorten_left(text: &str, width: usize, ellipsis: &str) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    let mark = ellipsis.chars().count();
    if width <= mark {
        return ellipsis.chars().take(width).collect();
    }
    let tail: String = text.chars().skip(count - (width - mark)).collect();
    format!("{ellipsis}{tail}")
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
