//! Everything the screen shows, and nothing it doesn't need.

use std::collections::HashSet;
use std::sync::Arc;

use super::Keymap;
use super::action::Mode;
use super::columns::Want;
use super::index::Index;
use super::logs::LogsView;
use super::palette::{Names, Palette};
use super::rows::{Order, Row, RowKind, Shape, Table};
use super::stats::StatsView;
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

/// What fills the screen: the fleet, or a view of one container.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    Tree,
    Logs(Box<LogsView>),
    Stats(Box<StatsView>),
    Findings(crate::app::findings::FindingsView),
    Inspect(Box<crate::app::inspect::InspectView>),
    Events(Box<crate::app::events_view::EventsView>),
    /// The details of the selection, full-screen.
    Details,
    /// The activity log, full-screen.
    Activity(crate::app::activity_view::ActivityView),
}

/// Which pane of the fleet screen the arrow keys move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Details,
}

/// Where typed keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextInput {
    /// Keys are looked up in the keymap.
    None,
    /// The `/` filter or the logs search.
    Line,
    Palette,
    /// The create form.
    Form,
    /// The confirm popup (y / n / scrolling).
    Confirm,
}

/// Nodes changed at once past which rebuilding every row costs less than splicing each
/// node's rows in (a whole poll round at start-up).
const PATCH_MOST: usize = 64;

/// Own audit rows awaited at most.
const OWN_AUDIT_KEPT: usize = 8;

/// Lines of activity kept for the session (the full-screen log shows them all); past
/// this the oldest go, a thousand at a time.
const ACTIVITY_KEPT: usize = 50_000;

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
    /// Counts and lookups over `doc` and the sites, so a frame never walks the fleet.
    pub index: Index,
    /// The rows on screen: what the filter shows of `table`.
    pub rows: Vec<Row>,
    /// Every row, filter or not, kept per node: one node's change rebuilds its rows only.
    pub table: Table,
    /// What the longest cells of `rows` need, so columns keep their place while
    /// scrolling without a frame measuring every row.
    pub want: Want,
    pub collapsed: HashSet<String>,
    /// The order of containers (a key cycles it; the table header shows it).
    pub order: Order,
    /// Every container in one list instead of the tree.
    pub flat: bool,
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
    /// Draw every cell on the next frame, not only what changed (`Action::Redraw`).
    pub redraw_all: bool,
    /// Rows that fit in the tree, so paging moves by a screenful.
    pub page_rows: usize,
    pub keymap: Keymap,
    pub theme: crate::ui::theme::Theme,
    /// Newest last.
    pub activity: Vec<Activity>,
    /// Terminal size, for paging and mouse clicks.
    pub screen: (u16, u16),
    pub view: View,
    pub palette: Option<Palette>,
    pub focus: Focus,
    /// First line of the details pane shown (when it is focused and scrolled).
    pub details_scroll: u16,
    /// First tree row shown; moves only as far as needed to keep the selection visible.
    pub tree_offset: usize,
    /// Tag of the last logs or stats stream asked for.
    pub last_stream: u64,
    /// The create form or a plan waiting for confirmation, over everything else.
    pub modal: Option<Modal>,
    /// The operation in flight from this console (one at a time), for the status bar.
    pub op_busy: Option<String>,
    /// When it started (or was confirmed), for its elapsed time.
    pub op_since: Option<String>,
    /// The operation in flight was offered after another one (a proxy plan after a
    /// delete): with nothing to change, it pops nothing.
    pub op_follow_up: bool,
    /// When the check in flight started: a check reads only, so it runs beside an
    /// operation instead of waiting for it.
    pub check_since: Option<String>,
    /// The create form as submitted, until its create ends: a refusal reopens it with
    /// what was typed.
    pub create_draft: Option<Box<crate::app::create_form::CreateForm>>,
    /// A `r` waiting for the nodes' answers.
    pub refreshing: Option<crate::app::progress::Refreshing>,
    /// A short-lived note for the status bar ("refreshed 3 nodes").
    pub flash: Option<crate::app::progress::Flash>,
    /// The last check's findings: the findings view, the status bar, the details.
    pub last_check: Option<crate::app::findings::LastCheck>,
    /// How the last shell or exec session ended, for the status bar.
    pub last_session: Option<String>,
    /// The wall-clock time (RFC 3339) the driver handed in with the current message:
    /// `update` never reads the clock itself, so it stays a pure function of its input.
    pub now: String,
    /// `q` was pressed once while an operation runs: the next one quits.
    pub quit_armed: bool,
    /// Audit actions this console is about to write (applies, sessions), oldest first:
    /// the audit watch's copy of such a row is not logged again.
    pub own_audit: Vec<&'static str>,
    /// When this console started asking the nodes (the first time handed in): a node
    /// that has not answered two refreshes later is stale.
    pub polling_since: Option<String>,
}

/// A popup that takes every key until it closes.
#[derive(Debug, Clone)]
pub enum Modal {
    Create(Box<crate::app::create_form::CreateForm>),
    Adopt(Box<crate::app::adopt_form::AdoptForm>),
    /// The one-line popup of a swarm operation (replicas, image).
    Ask(Box<crate::app::ask_form::AskForm>),
    Confirm(Box<crate::app::confirm::ConfirmView>),
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
                swarms: Vec::new(),
            },
            index: Index::default(),
            rows: Vec::new(),
            table: Table::default(),
            want: Want::default(),
            collapsed: HashSet::new(),
            order: Order::Name,
            flat: false,
            filter: String::new(),
            filter_editing: false,
            selected: 0,
            selected_id: None,
            data_as_of: None,
            show_help: false,
            should_quit: false,
            dirty: true,
            redraw_all: false,
            page_rows: super::layout::table_rows(24),
            keymap,
            theme: crate::ui::theme::Theme::default(),
            activity: Vec::new(),
            screen: (80, 24),
            view: View::Tree,
            palette: None,
            modal: None,
            op_busy: None,
            op_since: None,
            op_follow_up: false,
            check_since: None,
            refreshing: None,
            create_draft: None,
            flash: None,
            last_check: None,
            last_session: None,
            now: String::new(),
            quit_armed: false,
            polling_since: None,
            own_audit: Vec::new(),
            focus: Focus::Tree,
            details_scroll: 0,
            tree_offset: 0,
            last_stream: 0,
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

    /// Rebuild the tree from the fleet, the config and the inventory, then its rows.
    pub fn rebuild(&mut self) {
        self.doc = tree::build_from(
            &self.config,
            self.fleet.iter(),
            self.sites(),
            self.now.clone(),
            self.polling_since.as_deref(),
        );
        self.index = Index::of(&self.doc, self.sites());
        self.reshape();
    }

    /// The nodes named in `changed` got new snapshots, or only the time moved: the
    /// tree's entries, the counts and the rows of the nodes that now read differently are
    /// made again, and nothing else (issue 19: a poll of one node in a thousand costs that
    /// node). When the nesting or the swarms changed, or a batch changed many nodes, the
    /// whole tree is rebuilt instead. Whether anything shown changed.
    pub fn refresh(&mut self, changed: &[String]) -> bool {
        if changed.len() > PATCH_MOST {
            self.rebuild();
            return true;
        }
        let sites: &[Site] = match &self.sites {
            SitesView::Loaded(sites) => sites,
            _ => &[],
        };
        let patched = tree::patch_from(
            &mut self.doc,
            &self.config,
            self.fleet.iter(),
            sites,
            changed,
            self.now.clone(),
            self.polling_since.as_deref(),
        );
        let Some(at) = patched.filter(|at| at.len() <= PATCH_MOST) else {
            self.rebuild();
            return true;
        };
        if at.is_empty() {
            return false;
        }
        self.index.patch(&self.doc, &at);
        let shape = Shape {
            collapsed: &self.collapsed,
            order: self.order,
            flat: self.flat,
        };
        self.table.patch(&self.doc, &shape, &at, &mut self.rows);
        self.want = self.table.want(&self.rows);
        self.keep_selection();
        true
    }

    /// Rebuild the rows from the tree as it is, after a fold or the flat list changed (the tree itself did not), keeping the selection on the same item when it
    /// still shows.
    pub fn reshape(&mut self) {
        let shape = Shape {
            collapsed: &self.collapsed,
            order: self.order,
            flat: self.flat,
        };
        (self.table, self.rows) = Table::build(&self.doc, &shape, &self.filter);
        self.want = self.table.want(&self.rows);
        self.keep_selection();
    }

    /// The order of containers changed: the same rows, sorted again where they are.
    pub fn reorder(&mut self) {
        self.table.reorder(self.order, &mut self.rows);
        self.keep_selection();
    }

    /// The filter changed: only which rows show changes, and nothing is built again.
    pub fn refilter(&mut self) {
        self.table.refilter(&self.filter, &mut self.rows);
        self.want = self.table.want(&self.rows);
        self.keep_selection();
    }

    /// The selection on the item it was on, when that still shows; else at the same
    /// place.
    fn keep_selection(&mut self) {
        let found = self
            .selected_id
            .as_ref()
            .and_then(|id| match self.rows.get(self.selected) {
                Some(r) if &r.id == id => Some(self.selected),
                _ => self.rows.iter().position(|r| &r.id == id),
            });
        let at = found.unwrap_or(self.selected);
        self.select(at);
    }

    /// An operation starts (or enters its apply): the status bar and its row show it.
    pub fn begin_op(&mut self, label: String) {
        self.op_busy = Some(label);
        self.op_since = Some(self.now.clone());
    }

    pub fn end_op(&mut self) -> Option<String> {
        self.op_since = None;
        self.op_busy.take()
    }

    /// A note the status bar shows for a few seconds.
    pub fn flash(&mut self, text: impl Into<String>) {
        self.flash = Some(crate::app::progress::Flash {
            text: text.into(),
            at: self.now.clone(),
        });
    }

    pub fn log(&mut self, level: Level, text: impl Into<String>) {
        self.activity.push(Activity {
            at: self.now.get(11..19).unwrap_or_default().to_string(),
            level,
            text: text.into(),
        });
        if self.activity.len() > ACTIVITY_KEPT + 1000 {
            self.activity.drain(..1000);
        }
    }

    /// What loading the config noted (a Terraform state that could not be read, a server
    /// resource skipped and why): one warning each in the activity panel, so the console
    /// says why a node is missing (README "Nodes from Terraform").
    pub fn note_config(&mut self, notes: &[String]) {
        for note in notes {
            self.log(Level::Warn, note.clone());
        }
    }

    /// Note an audit row this console's next apply or session writes.
    pub fn expect_own_audit(&mut self, action: &'static str) {
        self.own_audit.push(action);
        // A row that never comes back (no inventory) must not hide later ones forever.
        if self.own_audit.len() > OWN_AUDIT_KEPT {
            self.own_audit.remove(0);
        }
    }

    /// Whether an audit row with `action` is this console's own, expected one (consumed).
    pub fn take_own_audit(&mut self, action: &str) -> bool {
        match self.own_audit.iter().position(|a| *a == action) {
            Some(at) => {
                self.own_audit.remove(at);
                true
            }
            None => false,
        }
    }

    pub fn select(&mut self, index: usize) {
        let before = self.selected_id.clone();
        self.selected = index.min(self.rows.len().saturating_sub(1));
        self.selected_id = self.rows.get(self.selected).map(|r| r.id.clone());
        if self.selected_id != before {
            self.details_scroll = 0;
        }
        // The tree scrolls only as far as needed to keep the selection in sight.
        let page = self.page_rows.max(1);
        if self.selected < self.tree_offset {
            self.tree_offset = self.selected;
        } else if self.selected >= self.tree_offset + page {
            self.tree_offset = self.selected + 1 - page;
        }
        self.tree_offset = self.tree_offset.min(self.rows.len().saturating_sub(page));
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.screen = (width, height);
        self.page_rows = super::layout::table_rows(height);
        self.select(self.selected);
    }

    pub fn mode(&self) -> Mode {
        match self.view {
            View::Tree => Mode::Tree,
            View::Logs(_) => Mode::Logs,
            View::Stats(_) => Mode::Stats,
            View::Findings(_) => Mode::Findings,
            View::Inspect(_) => Mode::Inspect,
            View::Events(_) => Mode::Events,
            View::Details => Mode::Details,
            View::Activity(_) => Mode::Activity,
        }
    }

    pub fn text_input(&self) -> TextInput {
        match &self.view {
            _ if matches!(
                self.modal,
                Some(Modal::Create(_) | Modal::Adopt(_) | Modal::Ask(_))
            ) =>
            {
                TextInput::Form
            }
            _ if matches!(self.modal, Some(Modal::Confirm(_))) => TextInput::Confirm,
            _ if self.palette.is_some() => TextInput::Palette,
            View::Logs(logs) if logs.searching => TextInput::Line,
            View::Inspect(v) if v.searching => TextInput::Line,
            View::Events(v) if v.filtering => TextInput::Line,
            View::Activity(v) if v.filtering => TextInput::Line,
            View::Tree if self.filter_editing => TextInput::Line,
            _ => TextInput::None,
        }
    }

    /// Node, container and domain names for the palette's completion.
    pub fn names(&self) -> Names {
        let mut names = Names {
            nodes: self.config.nodes.iter().map(|n| n.name.clone()).collect(),
            ..Names::default()
        };
        for c in self.doc.nodes.iter().flat_map(|n| n.containers.iter()) {
            names.containers.push(c.name.clone());
            if let Some(d) = &c.domain {
                names.containers.push(d.clone());
                names.domains.push(d.clone());
            }
        }
        for list in [&mut names.containers, &mut names.domains] {
            list.sort();
            list.dedup();
        }
        names.targets = names.nodes.clone();
        names.targets.extend(names.containers.iter().cloned());
        names
    }

    /// The selected row's container: its node, id and name.
    pub fn selected_container(&self) -> Option<super::logs::ContainerRef> {
        let row = self
            .selected_row()
            .filter(|r| r.kind == RowKind::Container)?;
        let rest = row.id.strip_prefix("node/")?;
        let (node, id) = rest.split_once("/container/")?;
        Some(super::logs::ContainerRef {
            node: node.to_string(),
            id: id.to_string(),
            name: row.name.clone(),
        })
    }

    /// The site domain of the selected container, when it has one.
    pub fn selected_domain(&self) -> Option<String> {
        let c = self.selected_container()?;
        let node = self.index.node(&self.doc, &c.node)?;
        node.containers
            .iter()
            .find(|t| t.id == c.id)
            .and_then(|t| t.domain.clone())
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }
}
