//! The stats view: CPU and memory of one container as figures and graphs scaled to its
//! limits (or the host), then its network, block I/O and PIDs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::bar;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use super::theme::Theme;
use crate::app::stats::{self, StatsView};

const ASCII_BARS: bar::Set = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

/// The last `width` values: a sparkline shows the newest at the right edge.
fn tail(series: &std::collections::VecDeque<u64>, width: u16) -> Vec<u64> {
    let skip = series.len().saturating_sub(usize::from(width));
    series.iter().skip(skip).copied().collect()
}

fn sparkline<'a>(data: Vec<u64>, max: u64, color: Color, theme: &Theme) -> Sparkline<'a> {
    let bars = if theme.ascii {
        ASCII_BARS
    } else {
        bar::NINE_LEVELS
    };
    Sparkline::default()
        .data(data)
        .max(max.max(1))
        .bar_set(bars)
        .style(theme.fg(color))
}

const LABEL: usize = 10;
/// The graphs' left axis: `100%`, ` 50%`, `  0%` and its line.
const AXIS: u16 = 5;

fn label(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!("{name:<LABEL$}"),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(value),
    ])
}

/// The left axis of a graph `height` rows high: 100 % at the top, 0 % at the bottom,
/// 50 % between when there is room.
fn axis(height: u16, theme: &Theme) -> Vec<Line<'static>> {
    let tick = if theme.ascii { "|" } else { "┤" };
    (0..height)
        .map(|row| {
            let text = if row == 0 {
                "100%"
            } else if row + 1 == height {
                "  0%"
            } else if height >= 5 && row == height / 2 {
                " 50%"
            } else {
                "    "
            };
            Line::styled(format!("{text}{tick}"), theme.fg(Color::DarkGray))
        })
        .collect()
}

/// A graph scaled to 100 % of its capacity (limit or host), with its axis.
fn graph(
    frame: &mut Frame,
    area: Rect,
    series: &std::collections::VecDeque<u64>,
    color: Color,
    theme: &Theme,
) {
    let [left, right] =
        Layout::horizontal([Constraint::Length(AXIS), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(axis(area.height, theme)), left);
    // Hundredths of a percent: 100 % is 10,000.
    let data = tail(series, right.width);
    frame.render_widget(sparkline(data, 10_000, color, theme), right);
}

/// `down`: what to say instead of figures when the container is not running (its
/// samples would be zeros).
pub fn render(
    frame: &mut Frame,
    area: Rect,
    view: &StatsView,
    down: Option<String>,
    theme: &Theme,
) {
    let title = format!(" Stats: {} on {} ", view.target.name, view.target.node);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(down) = down {
        let text = format!(" {down} {} esc closes", theme.separator());
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    let Some(last) = &view.last else {
        let text = format!(
            " {}: waiting for the first sample{} (esc closes)",
            view.status.word(),
            theme.ellipsis()
        );
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    let prev = view.prev.as_ref();
    let cpu = label(
        "CPU",
        stats::cpu_line(last, stats::cpu_share(last), view.cpu_peak()),
    );
    let mem = label("Memory", stats::mem_line(last));
    let below = vec![
        label("Network", stats::net_line(last, prev)),
        label("Block I/O", stats::blkio_line(last, prev)),
        label("PIDs", stats::pids_line(last)),
    ];
    let graphs = inner.height.saturating_sub(6) / 2;
    let shown = usize::from(inner.width.saturating_sub(AXIS)).min(view.cpu.len());
    let status = format!(
        " {} {} {}, graphs of the last {} s {} esc closes",
        view.status.word(),
        theme.separator(),
        crate::app::columns::plural(view.cpu.len(), "sample", "samples"),
        shown,
        theme.separator()
    );
    // Numbers first: on a short screen they are what stays.
    if graphs == 0 {
        let mut lines = vec![cpu, mem];
        lines.extend(below);
        lines.push(Line::raw(status));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let [cpu_label, cpu_graph, mem_label, mem_graph, rest, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(graphs),
        Constraint::Length(1),
        Constraint::Length(graphs),
        Constraint::Length(3),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(cpu), cpu_label);
    frame.render_widget(Paragraph::new(mem), mem_label);
    frame.render_widget(Paragraph::new(below), rest);
    frame.render_widget(Paragraph::new(status), footer);
    // Both graphs on a fixed scale, 100 % being the limit or the host: an idle container
    // shows as idle, and the numbers above say what 100 % is.
    graph(frame, cpu_graph, &view.cpu, Color::Cyan, theme);
    graph(frame, mem_graph, &view.mem, Color::Magenta, theme);
}
