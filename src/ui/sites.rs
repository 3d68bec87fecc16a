//! The inventory's sites as a table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};

use crate::app::{SitesView, State};
use crate::inventory::SiteState;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let title = match &state.sites {
        SitesView::Loaded(sites) => format!(" Sites ({}) ", sites.len()),
        _ => " Sites ".to_string(),
    };
    let block = Block::new().borders(Borders::ALL).title(title);
    let sites = match &state.sites {
        SitesView::Loading => {
            frame.render_widget(Paragraph::new("Reading the inventory…").block(block), area);
            return;
        }
        SitesView::Failed(error) => {
            let text = format!("Cannot read the inventory: {error}\nPress r to try again.");
            let style = Style::new().fg(Color::Red);
            frame.render_widget(
                Paragraph::new(text)
                    .style(style)
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            );
            return;
        }
        SitesView::Loaded(sites) if sites.is_empty() => {
            let text = "No sites in the inventory yet.\n\
                        Import the original database with: fleetdeck inventory import-legacy /root/projet.db";
            frame.render_widget(
                Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
                area,
            );
            return;
        }
        SitesView::Loaded(sites) => sites,
    };
    let header = Row::new(["DOMAIN", "LOGIN", "VLAN", "IP", "NODE", "STATE"])
        .style(Style::new().add_modifier(Modifier::BOLD));
    // Only the rows that can be seen are built: the table may hold thousands.
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let offset = state.selected.saturating_sub(visible - 1);
    let rows = sites.iter().skip(offset).take(visible).map(|s| {
        let state_style = match s.state {
            SiteState::Active => Style::new(),
            SiteState::Pending => Style::new().fg(Color::Yellow),
        };
        Row::new(vec![
            ratatui::text::Text::from(s.domain.as_str()),
            s.login.as_str().into(),
            s.vlan.to_string().into(),
            s.ip.to_string().into(),
            s.node.as_deref().unwrap_or("-").into(),
            ratatui::text::Text::styled(s.state.as_str(), state_style),
        ])
    });
    let widths = [
        Constraint::Fill(3),
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(8),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("> ");
    let mut table_state = TableState::default().with_selected(Some(state.selected - offset));
    frame.render_stateful_widget(table, area, &mut table_state);
}
