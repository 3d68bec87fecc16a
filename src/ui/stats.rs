//! The stats view: CPU % and memory of one container as numbers and sparklines.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::bar;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use super::theme::Theme;
use crate::app::stats::{StatsView, human_bytes, mem_used};

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

fn label(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!("{name:<8}"),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(value),
    ])
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
    let cpu_now = view.cpu_now().unwrap_or(0.0);
    let cpu_peak = view.cpu.iter().copied().max().unwrap_or(0);
    let used = mem_used(last);
    let share = if last.mem_limit > 0 {
        format!(" ({:.1} %)", used as f64 * 100.0 / last.mem_limit as f64)
    } else {
        String::new()
    };
    let cpu_text = format!(
        "{cpu_now:.1} %  (peak {:.1} %, {} CPUs)",
        cpu_peak as f64 / 100.0,
        last.online_cpus
    );
    let mem_text = format!(
        "{} of {}{share}  (without page cache)",
        human_bytes(used),
        human_bytes(last.mem_limit)
    );
    let status = format!(
        " {} {} samples, one a second {} esc closes",
        view.status.word(),
        view.cpu.len(),
        theme.separator()
    );
    // Numbers first: on a short screen they are what stays.
    if inner.height < 5 {
        let lines = vec![
            label("CPU", cpu_text),
            label("Memory", mem_text),
            Line::raw(status),
        ];
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let graph = inner.height.saturating_sub(3) / 2;
    let [cpu_label, cpu_graph, mem_label, mem_graph, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(graph),
        Constraint::Length(1),
        Constraint::Length(graph),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(label("CPU", cpu_text)), cpu_label);
    frame.render_widget(Paragraph::new(label("Memory", mem_text)), mem_label);
    frame.render_widget(Paragraph::new(status), footer);
    // Each graph is scaled to its own peak on screen (CPU to at least 1 %): an idle
    // container against 100 %, or a few MiB against a host-sized limit, would be flat.
    // The numbers above give the absolute values.
    let cpu = tail(&view.cpu, cpu_graph.width);
    let mem = tail(&view.mem, mem_graph.width);
    let cpu_max = cpu.iter().copied().max().unwrap_or(0).max(100);
    let mem_max = mem.iter().copied().max().unwrap_or(1);
    frame.render_widget(sparkline(cpu, cpu_max, Color::Cyan, theme), cpu_graph);
    frame.render_widget(sparkline(mem, mem_max, Color::Magenta, theme), mem_graph);
}
