//! The bottom line: mode, config in use, inventory path, and how to get help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;

/// Nodes whose data is not current (a down node counts as down only).
fn stale_count(state: &State) -> usize {
    state.index.tally.stale
}

/// Containers that crashed (non-zero exit, restarting, unhealthy), across the fleet.
fn crashed_count(state: &State) -> usize {
    state.index.tally.crashed
}

/// What follows the counts, each part with its separator, most important first: the
/// operation in flight, a transient note, the check (running, or its problems and their
/// age), the data's time, the last session. A narrow bar drops them from the end, so the
/// operation is never cut to a stub.
struct Tail {
    busy: String,
    flash: String,
    check: (String, Style),
    age: String,
    session: String,
}

impl Tail {
    fn parts(&self) -> [(&str, Style); 5] {
        [
            (self.busy.as_str(), Style::new()),
            (
                self.flash.as_str(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            (self.check.0.as_str(), self.check.1),
            (self.age.as_str(), Style::new()),
            (self.session.as_str(), Style::new()),
        ]
    }

    fn text(&self, sep: &str, keep: usize) -> String {
        let kept: String = self.parts().iter().take(keep).map(|p| p.0).collect();
        format!(" {sep}{kept}")
    }

    fn spans(&self, sep: &str, keep: usize) -> Vec<Span<'static>> {
        let mut spans = vec![Span::raw(format!(" {sep}"))];
        spans.extend(
            self.parts()
                .iter()
                .take(keep)
                .filter(|p| !p.0.is_empty())
                .map(|(text, style)| Span::styled(text.to_string(), *style)),
        );
        spans
    }
}

/// The check's part: running (spinner and time), or its problems and how old they are,
/// dimmed once older than a few refreshes.
fn check_part(state: &State, sep: &str) -> (String, Style) {
    use crate::app::progress::{busy_clock, elapsed, is_old};
    if let Some(since) = state.check_since.as_deref() {
        let secs = elapsed(Some(since), &state.now);
        let text = busy_clock("checking", secs, state.theme.ascii);
        return (format!(" {text} {sep}"), Style::new());
    }
    let Some(c) = state.last_check.as_ref() else {
        return (String::new(), Style::new());
    };
    let problems = crate::app::columns::plural(c.report.summary.problems, "problem", "problems");
    let Some(secs) = crate::fleet::stale::secs_between(&c.at, &state.now) else {
        return (format!(" {problems} {sep}"), Style::new());
    };
    let style = if is_old(secs, state.config.refresh_secs) {
        // DIM too, so it shows without colours.
        state.theme.fg(Color::DarkGray).add_modifier(Modifier::DIM)
    } else {
        Style::new()
    };
    (
        format!(
            " {problems} {} ago {sep}",
            crate::app::columns::short_age(secs)
        ),
        style,
    )
}

/// Fleet counts for the bar: nodes up and down, containers running of all, then the
/// rest. (Stale nodes are counted apart, in their own colour, and not as up; crashed
/// containers too, in red, between the two.)
fn counts(state: &State) -> (String, String, Tail) {
    let sep = state.theme.separator();
    // Counted when the tree was built (`app/index.rs`), not on every frame.
    let tally = &state.index.tally;
    let (up, down, running, total) = (tally.up, tally.down, tally.running, tally.containers);
    // As wide as the total, so `9/10` and `10/10` take the same room.
    let width = total.to_string().len();
    let age = state
        .data_as_of
        .as_deref()
        .and_then(|t| t.get(11..19))
        .map(|t| format!(" {t} {sep}"))
        .unwrap_or_default();
    let busy = state
        .op_busy
        .as_deref()
        .map(|op| format!(" {} {sep}", busy(state, op)))
        .unwrap_or_default();
    let flash = state
        .flash
        .as_ref()
        .filter(|f| f.live(&state.now))
        .map(|f| format!(" {} {sep}", crate::validate::printable(&f.text)))
        .unwrap_or_default();
    // The last session's outcome stays until another operation takes the place.
    let session = match (&state.op_busy, &state.last_session) {
        (None, Some(text)) => format!(" {} {sep}", crate::validate::printable(text)),
        _ => String::new(),
    };
    (
        format!(" {up} up"),
        format!(" {down} down {sep} {running:>width$}/{total} running"),
        Tail {
            busy,
            flash,
            check: check_part(state, sep),
            age,
            session,
        },
    )
}

/// The operation in flight with its spinner and elapsed time (as a clock, whose width
/// does not move).
fn busy(state: &State, label: &str) -> String {
    let secs = crate::app::progress::elapsed(state.op_since.as_deref(), &state.now);
    crate::app::progress::busy_clock(label, secs, state.theme.ascii)
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
    let mut keep = 5;
    while keep > 1 && head_width + tail.text(sep, keep).chars().count() > usize::from(area.width) {
        keep -= 1;
    }
    let room = usize::from(area.width).saturating_sub(head_width);
    let mut tail = tail;
    if let Some(op) = state.op_busy.as_deref()
        && tail.text(sep, 1).chars().count() > room
    {
        // Still too long: keep the verb, the end of what it acts on and the time; the
        // spinner goes first.
        let secs = crate::app::progress::elapsed(state.op_since.as_deref(), &state.now);
        let short = shorten_op(op, room.saturating_sub(12), state);
        tail.busy = format!(" {short}… {} {sep}", crate::app::progress::clock(secs));
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
    spans.extend(tail.spans(sep, keep));
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
            let room = width.saturating_sub(verb.chars().count() + 1).max(5);
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
