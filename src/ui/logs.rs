//! The logs view: one screen line per log line, stderr marked by a word (not only a
//! colour), search matches highlighted and the current one marked in the gutter, and a
//! status line saying whether the view follows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::logs::{LogLine, LogStream, LogsView, StreamStatus, find_all};
use crate::app::sgr::Colour;

/// From this width on, each line shows its time.
const TIME_MIN_WIDTH: u16 = 60;

/// The text with every match of `needle` reversed.
pub(super) fn highlighted(text: &str, needle: &str) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut at = 0;
    for (start, end) in find_all(text, needle) {
        spans.push(Span::raw(
            crate::validate::inert(&text[at..start]).into_owned(),
        ));
        spans.push(Span::styled(
            crate::validate::inert(&text[start..end]).into_owned(),
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ));
        at = end;
    }
    spans.push(Span::raw(crate::validate::inert(&text[at..]).into_owned()));
    spans
}

fn line(l: &LogLine, hit: bool, time: bool, search: &str, theme: &Theme) -> Line<'static> {
    if l.stream == LogStream::Marker {
        // An exit of the container: a rule across the text, red for a crash.
        let style = if l.text == "exited (0)" {
            theme.fg(Color::DarkGray)
        } else {
            theme.fg(Color::Red).add_modifier(Modifier::BOLD)
        };
        return Line::from(vec![
            Span::raw("     "),
            Span::styled(l.marker_text(theme.ascii), style),
        ]);
    }
    let gutter = match (hit, theme.ascii) {
        (false, _) => " ",
        (true, true) => ">",
        (true, false) => "▶",
    };
    let mut spans = vec![Span::styled(
        gutter,
        Style::new().add_modifier(Modifier::BOLD),
    )];
    spans.push(match l.stream {
        LogStream::Stderr => {
            Span::styled("ERR ", theme.fg(Color::Red).add_modifier(Modifier::BOLD))
        }
        LogStream::Stdout | LogStream::Console | LogStream::Marker => Span::raw("    "),
    });
    if time && !l.at.is_empty() {
        spans.push(Span::styled(
            format!("{} ", l.at),
            theme.fg(Color::DarkGray),
        ));
    }
    if search.is_empty() {
        spans.extend(coloured(&l.text, theme));
    } else {
        // While searching, a line shows its matches rather than its colours.
        spans.extend(highlighted(&crate::app::sgr::strip(&l.text), search));
    }
    Line::from(spans)
}

fn colour(c: Colour) -> Color {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match c {
        Colour::Indexed(n) => NAMED
            .get(usize::from(n))
            .copied()
            .unwrap_or(Color::Indexed(n)),
        Colour::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

/// The line's SGR colours as styles (only the weights and underline without colour);
/// its other escape sequences are gone, the rest is drawn inert.
fn coloured(text: &str, theme: &Theme) -> Vec<Span<'static>> {
    crate::app::sgr::parse(text)
        .into_iter()
        .map(|(a, run)| {
            let mut style = Style::new();
            if theme.color {
                if let Some(fg) = a.fg {
                    style = style.fg(colour(fg));
                }
                if let Some(bg) = a.bg {
                    style = style.bg(colour(bg));
                }
            }
            for (on, m) in [
                (a.bold, Modifier::BOLD),
                (a.dim, Modifier::DIM),
                (a.italic, Modifier::ITALIC),
                (a.underline, Modifier::UNDERLINED),
                (a.reversed && theme.color, Modifier::REVERSED),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            Span::styled(crate::validate::inert(&run).into_owned(), style)
        })
        .collect()
}

/// `line` cut into rows of `width` cells (characters, not words: a log line keeps its
/// exact text, and the row count is known before drawing).
pub(super) fn hard_wrap(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows: Vec<Line<'static>> = vec![Line::default()];
    let mut used = 0;
    for span in line.spans {
        let mut chunk = String::new();
        for c in span.content.chars() {
            if used == width {
                if !chunk.is_empty() {
                    let text = std::mem::take(&mut chunk);
                    if let Some(r) = rows.last_mut() {
                        r.spans.push(Span::styled(text, span.style));
                    }
                }
                rows.push(Line::default());
                used = 0;
            }
            chunk.push(c);
            used += 1;
        }
        if !chunk.is_empty()
            && let Some(r) = rows.last_mut()
        {
            r.spans.push(Span::styled(chunk, span.style));
        }
    }
    rows
}

/// The screen rows of a wrapped view: from the first line shown down; following, the
/// rows that end with the newest line (earlier lines wrap above, out of sight).
fn wrapped(
    view: &LogsView,
    shown: Vec<Line<'static>>,
    rows: usize,
    width: usize,
    time: bool,
    theme: &Theme,
) -> Vec<Line<'static>> {
    if !view.follow || view.lines.is_empty() {
        let mut out: Vec<Line<'static>> = shown
            .into_iter()
            .flat_map(|l| hard_wrap(l, width))
            .collect();
        out.truncate(rows);
        return out;
    }
    let mut out: Vec<Line<'static>> = Vec::new();
    for l in view.lines.iter().rev() {
        let mut rows_of = hard_wrap(line(l, false, time, &view.search, theme), width);
        rows_of.append(&mut out);
        out = rows_of;
        if out.len() >= rows {
            break;
        }
    }
    let over = out.len().saturating_sub(rows);
    out.drain(..over);
    out
}

fn status_line(view: &LogsView, rows: usize, theme: &Theme) -> Line<'static> {
    if view.searching {
        return Line::raw(format!("/{}{}", view.search, theme.cursor()));
    }
    let sep = format!(" {} ", theme.separator());
    // An ended stream follows nothing: the mode says it is over, and why, instead of
    // FOLLOWING next to "ended".
    let mode = if view.status.is_over() {
        let colour = match view.status {
            StreamStatus::Failed(_) => Color::Red,
            _ => Color::Yellow,
        };
        let word = match &view.status {
            StreamStatus::Closed(why) => format!("ENDED: {why}"),
            StreamStatus::Failed(why) => format!("FAILED: {why}"),
            _ => "ENDED".to_string(),
        };
        Span::styled(word, theme.fg(colour).add_modifier(Modifier::BOLD))
    } else if view.follow {
        Span::styled(
            "FOLLOWING",
            theme.fg(Color::Green).add_modifier(Modifier::BOLD),
        )
    } else {
        Span::styled(
            "PAUSED (f follows)",
            theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )
    };
    let first = view.first_shown(rows);
    let last = (first + rows).min(view.lines.len());
    let mut text = format!(
        "{sep}{}-{last}/{}",
        if view.lines.is_empty() { 0 } else { first + 1 },
        view.lines.len(),
    );
    // A live stream is the normal case; only the others are worth the room (an ended
    // one already said so in front).
    if view.status != StreamStatus::Live && !view.status.is_over() {
        text.push_str(&format!("{sep}{}", view.status.word()));
    }
    if !view.search.is_empty() {
        let count = view.match_count();
        text.push_str(&format!(
            "{sep}/{}: {}",
            view.search,
            crate::plural::plural(count, "match", "matches")
        ));
    }
    if view.wrap {
        text.push_str(&format!("{sep}wrapped"));
    }
    text.push_str(&format!("{sep}? keys, esc closes"));
    Line::from(vec![mode, Span::raw(text)])
}

pub fn render(frame: &mut Frame, area: Rect, view: &LogsView, theme: &Theme) {
    let title = format!(" Logs: {} on {} ", view.target.name, view.target.node);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let rows = usize::from(body.height).max(1);
    let first = view.first_shown(rows);
    let time = area.width >= TIME_MIN_WIDTH;
    let lines: Vec<Line> = if view.lines.is_empty() {
        vec![Line::raw(match view.status {
            StreamStatus::Connecting => {
                format!(" connecting to the engine{}", theme.ellipsis())
            }
            _ => " no log lines".to_string(),
        })]
    } else {
        view.lines
            .iter()
            .enumerate()
            .skip(first)
            .take(rows)
            .map(|(i, l)| line(l, view.hit == Some(i), time, &view.search, theme))
            .collect()
    };
    let lines = if view.wrap {
        wrapped(view, lines, rows, usize::from(body.width), time, theme)
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(Paragraph::new(status_line(view, rows, theme)), status);
}
