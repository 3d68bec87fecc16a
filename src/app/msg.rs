//! Messages into `update`, and the effects it asks the driver to run.

use super::confirm::PlannedOp;
use super::create_form::FormEdit;
use super::logs::LogLine;
use super::stats::StatsSample;
use super::{Action, Level};
use crate::fleet::snapshot::PollEvent;
use crate::inventory::Site;
use crate::ops::create::CreateRequest;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Action(Action),
    /// The inventory was read (or could not be).
    SitesLoaded(Result<Vec<Site>, String>),
    /// Typing into the `/` filter, or into the logs view's search.
    FilterEdit(FilterEdit),
    /// Typing into the `:` palette.
    Palette(PaletteEdit),
    /// A node was polled, or its containers re-read after an engine event.
    Poll(PollEvent),
    /// Several such events that arrived together (a poll round, every node answering
    /// at start-up): applied in order, with one rebuild of the tree for all of them.
    Polls(Vec<PollEvent>),
    /// The clock moved (the driver sends one a second): data ages and "next try"
    /// countdowns are recomputed from the time handed in with it.
    Tick,
    /// The terminal changed size; the next frame uses the new size.
    Resized {
        width: u16,
        height: u16,
    },
    /// A mouse click or wheel turn (only when `mouse = true`).
    Mouse(Mouse),
    /// News from a logs stream opened by [`Effect::OpenLogs`].
    Logs {
        stream: u64,
        event: StreamEvent<Vec<LogLine>>,
    },
    /// News from a stats stream opened by [`Effect::OpenStats`].
    Stats {
        stream: u64,
        event: StreamEvent<StatsSample>,
    },
    /// A line for the activity panel from the driver (an operation's outcome...).
    Notice {
        level: Level,
        text: String,
    },
    /// Typing into the create form.
    Form(FormEdit),
    /// An answer to the confirm popup.
    Confirm(ConfirmEdit),
    /// The driver made a plan (or could not): it goes to the confirm popup.
    OpPlanned(Result<PlannedOp, String>),
    /// A step of an operation in flight, for the activity panel.
    OpProgress(String),
    /// An operation ended; `then` is offered next (a proxy rebuild after a delete).
    OpFinished {
        ok: bool,
        text: String,
        then: Option<OpRequest>,
    },
    /// Audit rows written since the last look (this or another admin's fleetdeck).
    AuditRows(Vec<crate::inventory::AuditEntry>),
    /// A check finished (or could not run).
    CheckDone(Result<crate::ops::check::CheckReport, String>),
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly.
    Signal(&'static str),
    /// A shell or exec session the console handed the terminal to has ended.
    SessionEnded {
        ok: bool,
        text: String,
    },
    /// The record asked for by [`Effect::Inspect`], as lines (or why it could not be read).
    Inspected {
        stream: u64,
        result: Result<Vec<String>, String>,
    },
    /// News from the events stream opened by [`Effect::OpenEvents`].
    Events {
        stream: u64,
        event: StreamEvent<Vec<crate::act::events::FleetEvent>>,
    },
}

/// What the console hands the terminal to: a node's shell, or a container's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTarget {
    pub node: String,
    pub container: Option<super::logs::ContainerRef>,
}

impl SessionTarget {
    pub fn label(&self) -> String {
        match &self.container {
            Some(c) => format!("exec {}/{}", self.node, c.name),
            None => format!("ssh {}", self.node),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmEdit {
    Yes,
    No,
    Scroll(isize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterEdit {
    Insert(char),
    Backspace,
    /// Keep the filter and go back to navigating.
    Accept,
    /// Drop the filter.
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteEdit {
    /// Editing the line (characters, cursor moves, deletions).
    Input(tui_input::InputRequest),
    /// Tab: complete the line.
    Complete,
    /// Down / Up: pick among the candidates.
    Next,
    Prev,
    /// Enter: run the picked candidate, or the line as typed.
    Run,
    /// Esc.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mouse {
    Click { column: u16, row: u16 },
    WheelUp,
    WheelDown,
}

/// What a stream task reports.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent<T> {
    Data(T),
    /// The stream ended by itself (the container stopped).
    Ended,
    /// The stream is over, for the reason given ("container removed", "engine
    /// unreachable: ..."): nothing more will come.
    Closed(String),
    /// It could not start or broke; the text says why.
    Failed(String),
}

/// An operation that changes or checks the world, run by the driver (plan, confirm,
/// apply). Asked for by a key or a palette command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpRequest {
    Check,
    ProxyPlan,
    ProxyApply,
    Create,
    Delete {
        domain: String,
    },
    /// Record a live container with no inventory row as a site (the adopt form's answer).
    Adopt {
        container: super::logs::ContainerRef,
        login: Option<String>,
        domain: Option<String>,
    },
    /// Start, stop or restart a container.
    Lifecycle {
        verb: crate::act::lifecycle::Verb,
        container: super::logs::ContainerRef,
    },
    /// Scale, update or roll back a swarm service; drain or activate a swarm node.
    Swarm(crate::ops::swarm_ops::SwarmRequest),
}

impl OpRequest {
    /// Whether it changes the world (refused in read-only mode).
    pub fn mutating(&self) -> bool {
        matches!(
            self,
            OpRequest::ProxyApply
                | OpRequest::Create
                | OpRequest::Delete { .. }
                | OpRequest::Adopt { .. }
                | OpRequest::Lifecycle { .. }
                | OpRequest::Swarm(_)
        )
    }

    /// As the user would type it in the palette.
    pub fn label(&self) -> String {
        match self {
            OpRequest::Check => "check".into(),
            OpRequest::ProxyPlan => "proxy plan".into(),
            OpRequest::ProxyApply => "proxy apply".into(),
            OpRequest::Create => "create".into(),
            OpRequest::Delete { domain } => format!("delete {domain}"),
            OpRequest::Adopt { container, .. } => {
                format!("adopt {}/{}", container.node, container.name)
            }
            OpRequest::Lifecycle { verb, container } => {
                format!("{} {}/{}", verb.as_str(), container.node, container.name)
            }
            OpRequest::Swarm(req) => req.label(),
        }
    }
}

/// Work with side effects, run by the driver; results come back as [`Msg`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadSites,
    /// Poll every node now.
    RefreshFleet,
    /// Follow a container's logs; lines come back as [`Msg::Logs`] tagged `stream`.
    OpenLogs {
        stream: u64,
        node: String,
        container: String,
    },
    /// Follow a container's CPU and memory as [`Msg::Stats`] tagged `stream`.
    OpenStats {
        stream: u64,
        node: String,
        container: String,
    },
    /// The view of `stream` closed: stop its task.
    CloseStream(u64),
    /// Plan `op` (check runs at once; the others come back as [`Msg::OpPlanned`]).
    Operation(OpRequest),
    /// Plan a create from the filled form.
    PlanCreate(CreateRequest),
    /// The operator said yes: apply.
    Apply(PlannedOp),
    /// Hand the terminal to a shell on a node or in a container (run by the event loop
    /// itself, since it owns the terminal).
    Session(SessionTarget),
    /// Read a container's engine record, or a node's facts, for the inspect view.
    Inspect {
        stream: u64,
        node: String,
        container: Option<String>,
    },
    /// Follow every engine's events for the events view, tagged `stream`.
    OpenEvents {
        stream: u64,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Clipboard(String),
}
