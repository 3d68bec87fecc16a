//! The fleet table: a header naming the columns (`app/columns.rs` decides which fit),
//! then one line per item with a glyph, a colour and a word for its state, so it reads
//! without colour too. Node rows are headings: status, address, containers running of
//! all, crashes and problems. The selection is the whole row, reversed. Only the rows on
//! screen are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::State;
use crate::app::columns::{Column, Columns, fit, layout, plural, restarts_cell};
use crate::app::rows::{Cells, Health, Row, RowKind};
use crate::validate::inert;

fn kind_tag(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Node | RowKind::Container => "",
        RowKind::Guest => "vm ",
        RowKind::Bridge => "br ",
        RowKind::Tunnel => "tn ",
        RowKind::Swarm => "swarm ",
        RowKind::SwarmNode => "sn ",
        RowKind::Service => "svc ",
        RowKind::Task => "task ",
    }
}

/// How to draw one row: the table's columns, whether rows fold, the theme.
struct Painter<'a> {
    columns: &'a Columns,
    flat: bool,
    theme: &'a Theme,
    width: usize,
    /// The operation in flight on a row: (the container's name or site's domain, what
    /// its state cell says meanwhile, `⠹ stopping… 4s`).
    busy: Option<(String, String)>,
}

impl Painter<'_> {
    /// Indent, fold marker and glyph.
    fn marker(&self, row: &Row) -> (String, Span<'static>) {
        let (glyph, style) = self.theme.health(row.health);
        let (open, closed) = self.theme.fold();
        let fold = match (self.flat, row.expandable, row.collapsed) {
            (true, _, _) => "",
            (false, true, true) => closed,
            (false, true, false) => open,
            (false, false, _) => "  ",
        };
        (
            format!("{}{fold}", "  ".repeat(row.depth)),
            Span::styled(format!("{glyph} "), style),
        )
    }

    fn width_of(&self, column: Column) -> usize {
        self.columns
            .iter()
            .find(|(c, _)| *c == column)
            .map_or(0, |(_, w)| *w)
    }

    fn header(&self) -> Line<'static> {
        let text = self
            .columns
            .iter()
            .map(|(c, w)| match c {
                // Over right-aligned counts, the title is right-aligned too.
                Column::Restarts => format!("{:>w$}", c.title_in(*w)),
                _ => fit(c.title_in(*w), *w, ""),
            })
            .collect::<Vec<_>>()
            .join(" ");
        Line::styled(
            fit(&text, self.width, ""),
            self.theme
                .fg(Color::DarkGray)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    /// The name cell: marker, kind tag and name, cut so the next column always shows.
    fn name_cell(&self, row: &Row, name_style: Style) -> Vec<Span<'static>> {
        let (indent, glyph) = self.marker(row);
        let tag = kind_tag(row.kind);
        let used = indent.chars().count() + glyph.width() + tag.len();
        let room = self.width_of(Column::Name).saturating_sub(used);
        vec![
            Span::raw(indent),
            glyph,
            Span::styled(tag, self.theme.fg(Color::DarkGray)),
            Span::styled(
                fit(&inert(&row.name), room, self.theme.ellipsis()),
                name_style,
            ),
        ]
    }

    fn container(&self, row: &Row, cells: &Cells) -> Vec<Span<'static>> {
        let (_, state_style) = self.theme.health(row.health);
        let dim = self.theme.fg(Color::DarkGray);
        // A finished job or a last-known item is dimmed whole.
        let quiet = matches!(row.health, Health::Done | Health::Greyed);
        let plain = if quiet { dim } else { Style::new() };
        let mut spans = self.name_cell(row, plain);
        let last = self.columns.last().map(|(c, _)| *c);
        for &(column, width) in self.columns.iter().skip(1) {
            let (text, style) = match column {
                Column::Name => continue,
                Column::Node => (row.node.clone(), plain),
                Column::State => match &self.busy {
                    Some((target, doing)) if *target == row.name || *target == cells.domain => (
                        doing.clone(),
                        self.theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                    ),
                    _ => (cells.state.clone(), state_style),
                },
                // A count above zero stands out; zero and unknown are dimmed.
                Column::Restarts => (
                    restarts_cell(cells.restarts, width),
                    match cells.restarts {
                        Some(n) if n > 0 && !quiet => {
                            self.theme.fg(Color::Yellow).add_modifier(Modifier::BOLD)
                        }
                        _ => dim,
                    },
                ),
                Column::Ip => (cells.ip.clone(), plain),
                Column::Domain => (cells.domain.clone(), plain),
                Column::Health if cells.health == "unhealthy" => {
                    (cells.health.clone(), self.theme.health(Health::Unhealthy).1)
                }
                Column::Health => (cells.health.clone(), dim),
                Column::Image => (cells.image.clone(), dim),
            };
            // The last column of a stale node's container says how old it is.
            let text = match (&cells.as_of, Some(column) == last) {
                (Some(as_of), true) => format!("{as_of} {text}"),
                _ => text,
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                fit(&inert(&text), width, self.theme.ellipsis()),
                style,
            ));
        }
        spans
    }

    /// Guests, bridges, tunnels: name, state word, then their extra over the rest.
    fn leaf(&self, row: &Row) -> Vec<Span<'static>> {
        let (_, style) = self.theme.health(row.health);
        let mut spans = self.name_cell(row, Style::new());
        let state = self.width_of(Column::State);
        // A swarm service being scaled, updated or rolled back says so, with its time.
        let (text, style) = match &self.busy {
            Some((target, doing)) if row.kind == RowKind::Service && *target == row.name => (
                doing.clone(),
                self.theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ),
            _ => (row.state.clone(), style),
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            fit(&inert(&text), state, self.theme.ellipsis()),
            style,
        ));
        if !row.extra.is_empty() {
            spans.push(Span::styled(
                format!(" {}", inert(&row.extra)),
                self.theme.fg(Color::DarkGray),
            ));
        }
        spans
    }

    /// A node's heading: `name status  address  2/3 running, 1 crashed  2 problems`.
    fn node(&self, row: &Row, problems: usize) -> Vec<Span<'static>> {
        let (indent, glyph) = self.marker(row);
        let (_, style) = self.theme.health(row.health);
        let dim = self.theme.fg(Color::DarkGray);
        let mut spans = vec![
            Span::raw(indent),
            glyph,
            Span::styled(
                inert(&row.name).into_owned(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(" "),
            Span::styled(inert(&row.state).into_owned(), style),
        ];
        if !row.extra.is_empty() {
            spans.push(Span::styled(format!("  {}", inert(&row.extra)), dim));
        }
        if !row.summary.is_empty() {
            // The crash count is the part an admin must not miss.
            let crashed = row.summary.contains("crashed");
            let style = if crashed {
                self.theme.health(Health::Crashed).1
            } else {
                Style::new()
            };
            spans.push(Span::styled(format!("  {}", row.summary), style));
        }
        if problems > 0 {
            spans.push(Span::styled(
                format!("  {}", plural(problems, "problem", "problems")),
                self.theme.fg(Color::Yellow),
            ));
        }
        spans
    }

    fn line(&self, row: &Row, problems: usize, selected: bool) -> Line<'static> {
        let mut spans = match (&row.cells, row.kind) {
            (_, RowKind::Node) => self.node(row, problems),
            (Some(cells), _) => self.container(row, cells),
            (None, _) => self.leaf(row),
        };
        // Padded to the border, so the selection is the whole row.
        let used: usize = spans.iter().map(Span::width).sum();
        if used < self.width {
            spans.push(Span::raw(" ".repeat(self.width - used)));
        }
        let line = Line::from(spans);
        if selected {
            line.style(Style::new().add_modifier(Modifier::REVERSED))
        } else {
            line
        }
    }
}

/// First row shown when `visible` rows fit: the state's scroll position, moved only as
/// far as needed to keep the selection on screen (the screen may be smaller than the
/// page `update` assumed).
pub use crate::app::layout::tree_offset as offset;

/// Problems of a node for its row: facts that failed, and the last check's findings
/// about it or anything on it.
fn problems(state: &State, row: &Row) -> usize {
    if row.kind != RowKind::Node {
        return 0;
    }
    let node = state.index.node(&state.doc, &row.name);
    let facts = node.map_or(0, |n| n.fact_errors.len());
    let findings = state
        .last_check
        .as_ref()
        .map_or(0, |c| c.problems_on(&row.name));
    facts + findings
}

fn title(state: &State) -> String {
    let what = if state.flat { "Containers" } else { "Fleet" };
    let sort = format!("sort: {}", state.order.label());
    match (state.filter.is_empty(), state.filter_editing) {
        (true, false) => format!(" {what}  {sort} "),
        (_, true) => format!(" {what}  /{}{} ", state.filter, state.theme.cursor()),
        (false, false) => format!(" {what}  /{}  {sort} ", state.filter),
    }
}

/// The row an operation in flight acts on, and what its state cell says meanwhile; none
/// while its plan waits in the confirm popup.
fn busy_row(state: &State) -> Option<(String, String)> {
    use crate::app::progress::{busy_text, elapsed, row_doing};
    if state.modal.is_some() {
        return None;
    }
    let (doing, target) = row_doing(state.op_busy.as_deref()?)?;
    let secs = elapsed(state.op_since.as_deref(), &state.now);
    Some((
        target.to_string(),
        busy_text(doing, secs, state.theme.ascii),
    ))
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.theme.border())
        .title(title(state));
    if state.rows.is_empty() {
        let text = match (state.filter.is_empty(), state.flat) {
            (false, _) => "Nothing matches the filter (esc clears it).",
            (true, true) => "No containers yet.",
            (true, false) => "No nodes in the config.",
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let width = usize::from(area.width.saturating_sub(2));
    let columns = layout(width, state.flat, state.want);
    let painter = Painter {
        columns: &columns,
        flat: state.flat,
        theme: &state.theme,
        width,
        busy: busy_row(state),
    };
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let offset = offset(state, visible);
    let mut lines = vec![painter.header()];
    lines.extend(
        state
            .rows
            .iter()
            .enumerate()
            .skip(offset)
            .take(visible)
            .map(|(i, row)| painter.line(row, problems(state, row), i == state.selected)),
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
