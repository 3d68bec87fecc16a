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

/// What follows the counts, each part with its separator, most important first: the
/// operation in flight, the last check's problems, the data's time, the last session.
/// A narrow bar drops them from the end, so the operation is never cut to a stub.
struct Tail {
    busy: String,
    check: String,
    age: String,
    session: String,
}

impl Tail {
    fn text(&self, sep: &str, keep: usize) -> String {
        let parts = [&self.busy, &self.check, &self.age, &self.session];
        let kept: String = parts.iter().take(keep).map(|p| p.as_str()).collect();
        format!(" {sep}{kept}")
    }
}

/// Fleet counts for the bar: nodes up and down, containers running of all, then the
/// rest. (Stale nodes are counted apart, in their own colour, and not as up; crashed
/// containers too, in red, between the two.)
fn counts(state: &State) -> (String, String, Tail) {
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
        .map(|t| format!(" {t} {sep}"))
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
        Tail {
            busy,
            check,
            age,
            session,
        },
    )
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mode = if state.read_only {
        // In monochrome the badge stands out by reversing, so it is never missed.
        let style = state
            .theme
            .badge(Color::Yellow)
            .add_modifier(Modifier::BOLD);
        let style = if state.theme.color {
            style
        } else {
            style.add_modifier(Modifier::REVERSED)
        };
        Span::styled(" READ-ONLY ", style)
    } else {
        Span::styled(" READ-WRITE ", state.theme.badge(Color::Green))
    };
    let help = " ? help ";
    let (up, running, tail) = counts(state);
    let crashed = match crashed_count(state) {
        0 => None,
        n => Some(Span::styled(
            format!(" {} {n} crashed", state.theme.separator()),
            state.theme.fg(Color::Red).add_modifier(Modifier::BOLD),
        )),
    };
    let stale = match stale_count(state) {
        0 => None,
        n => Some(Span::styled(
            format!(" {n} stale"),
            state.theme.fg(Color::Cyan).add_modifier(Modifier::BOLD),
        )),
    };
    let head_width = mode.width()
        + up.chars().count()
        + running.chars().count()
        + stale.as_ref().map_or(0, Span::width)
        + crashed.as_ref().map_or(0, Span::width)
        + help.len();
    let sep = state.theme.separator();
    // The tail's parts go from the least important while they do not fit.
    let mut keep = 4;
    while keep > 1 && head_width + tail.text(sep, keep).chars().count() > usize::from(area.width) {
        keep -= 1;
    }
    let room = usize::from(area.width).saturating_sub(head_width);
    let mut tail = tail;
    if let Some(op) = state.op_busy.as_deref()
        && tail.text(sep, 1).chars().count() > room
    {
        // Still too long: keep the verb and the end of what it acts on.
        tail.busy = format!(" {}… {sep}", shorten_op(op, room.saturating_sub(6), state));
    }
    let rest = tail.text(sep, keep);
    let counts_width = head_width - mode.width() - help.len() + rest.chars().count();
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

/// An operation's label in `width` characters: its verb whole, then the end of its
/// target (`delete …long-name.example.org`), never a stub of the verb alone.
fn shorten_op(op: &str, width: usize, state: &State) -> String {
    match op.split_once(' ') {
        Some((verb, target)) => {
            let room = width.saturating_sub(verb.chars().count() + 1).max(8);
            format!(
                "{verb} {}",
                shorten_left(target, room, state.theme.ellipsis())
            )
        }
        None => op.to_string(),
    }
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
