//! Everything the screen shows, and nothing it doesn't need.

use std::collections::HashSet;
use std::sync::Arc;

use super::Keymap;
use super::rows::{Row, filtered, rows};
use crate::config::Config;
use crate::fleet::live::Fleet;
use crate::fleet::tree::{self, TreeDoc};
use crate::inventory::Site;

#[derive(Debug, Clone, PartialEq)]
pub enum SitesView {
    Loading,
    Loaded(Vec<Site>),
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// One line of the activity panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// `HH:MM:SS`, UTC.
    pub at: String,
    pub level: Level,
    pub text: String,
}

/// Lines the activity panel keeps.
const ACTIVITY_KEPT: usize = 200;

#[derive(Debug, Clone)]
pub struct State {
    pub read_only: bool,
    /// Where the config came from, as shown in the status bar.
    pub config_label: String,
    pub inventory_label: String,
    pub config: Arc<Config>,
    pub sites: SitesView,
    pub fleet: Fleet,
    /// The tree built from the fleet, the config and the inventory; rebuilt on change.
    pub doc: TreeDoc,
    pub rows: Vec<Row>,
    pub collapsed: HashSet<String>,
    /// The `/` filter: rows matching it and their ancestors.
    pub filter: String,
    /// Keys go to the filter text while it is being typed.
    pub filter_editing: bool,
    /// Index into `rows`; `selected_id` keeps it on the same item across refreshes.
    pub selected: usize,
    pub selected_id: Option<String>,
    /// When the fleet data last changed (RFC 3339), shown as the data's age.
    pub data_as_of: Option<String>,
    pub show_help: bool,
    pub should_quit: bool,
    /// Set by `update` when the screen must be redrawn; the driver clears it. An idle
    /// console, or a poll that changed nothing, writes nothing to the terminal.
    pub dirty: bool,
    /// Rows that fit in the tree, so paging moves by a screenful.
    pub page_rows: usize,
    pub keymap: Keymap,
    pub theme: crate::ui::theme::Theme,
    /// Newest last.
    pub activity: Vec<Activity>,
}

impl State {
    pub fn new(
        read_only: bool,
        config_label: String,
        inventory_label: String,
        keymap: Keymap,
    ) -> State {
        State::with_config(
            Arc::new(Config::builtin_default()),
            read_only,
            config_label,
            inventory_label,
            keymap,
        )
    }

    pub fn with_config(
        config: Arc<Config>,
        read_only: bool,
        config_label: String,
        inventory_label: String,
        keymap: Keymap,
    ) -> State {
        let mut state = State {
            read_only,
            config_label,
            inventory_label,
            config,
            sites: SitesView::Loading,
            fleet: Fleet::default(),
            doc: TreeDoc {
                schema_version: tree::SCHEMA_VERSION,
                generated_at: String::new(),
                nodes: Vec::new(),
            },
            rows: Vec::new(),
            collapsed: HashSet::new(),
            filter: String::new(),
            filter_editing: false,
            selected: 0,
            selected_id: None,
            data_as_of: None,
            show_help: false,
            should_quit: false,
            dirty: true,
            page_rows: 10,
            keymap,
            theme: crate::ui::theme::Theme::default(),
            activity: Vec::new(),
        };
        state.rebuild();
        state
    }

    pub fn site_count(&self) -> usize {
        match &self.sites {
            SitesView::Loaded(sites) => sites.len(),
            _ => 0,
        }
    }

    pub fn sites(&self) -> &[Site] {
        match &self.sites {
            SitesView::Loaded(sites) => sites,
            _ => &[],
        }
    }

    /// Rebuild the tree and its rows, keeping the selection on the same item when it
    /// still exists.
    pub fn rebuild(&mut self) {
        self.doc = tree::build(
            &self.config,
            &self.fleet.snapshots(),
            self.sites(),
            String::new(),
        );
        self.rows = filtered(rows(&self.doc, &self.collapsed), &self.filter);
        let found = self
            .selected_id
            .as_ref()
            .and_then(|id| self.rows.iter().position(|r| &r.id == id));
        self.selected = found
            .unwrap_or(self.selected)
            .min(self.rows.len().saturating_sub(1));
        self.selected_id = self.rows.get(self.selected).map(|r| r.id.clone());
    }

    pub fn log(&mut self, level: Level, text: impl Into<String>) {
        let now = crate::inventory::now_rfc3339();
        self.activity.push(Activity {
            at: now.get(11..19).unwrap_or_default().to_string(),
            level,
            text: text.into(),
        });
        if self.activity.len() > ACTIVITY_KEPT {
            self.activity.remove(0);
        }
    }

    pub fn select(&mut self, index: usize) {
        self.selected = index.min(self.rows.len().saturating_sub(1));
        self.selected_id = self.rows.get(self.selected).map(|r| r.id.clone());
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }
}
