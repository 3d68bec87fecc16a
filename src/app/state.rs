//! Everything the screen shows, and nothing it doesn't need.

use super::Keymap;
use crate::inventory::Site;

#[derive(Debug, Clone, PartialEq)]
pub enum SitesView {
    Loading,
    Loaded(Vec<Site>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct State {
    pub read_only: bool,
    /// Where the config came from, as shown in the status bar.
    pub config_label: String,
    pub inventory_label: String,
    pub sites: SitesView,
    pub selected: usize,
    pub show_help: bool,
    pub should_quit: bool,
    /// Rows that fit in the table, so paging moves by a screenful.
    pub page_rows: usize,
    pub keymap: Keymap,
}

impl State {
    pub fn new(
        read_only: bool,
        config_label: String,
        inventory_label: String,
        keymap: Keymap,
    ) -> State {
        State {
            read_only,
            config_label,
            inventory_label,
            sites: SitesView::Loading,
            selected: 0,
            show_help: false,
            should_quit: false,
            page_rows: 10,
            keymap,
        }
    }

    pub fn site_count(&self) -> usize {
        match &self.sites {
            SitesView::Loaded(sites) => sites.len(),
            _ => 0,
        }
    }
}
