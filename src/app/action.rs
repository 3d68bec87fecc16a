//! What the user can ask for, whatever key they press for it, and which of those make
//! sense on the screen currently shown.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    Help,
    Close,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Toggle,
    Filter,
    Refresh,
    /// Draw the whole screen again (a terminal garbled by a flaky link or another program).
    Redraw,
    /// Open the `:` command palette.
    Palette,
    /// Move the focus between the tree and the details pane.
    Focus,
    /// Logs of the selected container.
    Logs,
    /// CPU and memory of the selected container.
    Stats,
    /// Logs view: follow new lines or stay put.
    Follow,
    /// Logs view: next and previous search match.
    NextMatch,
    PrevMatch,
    Check,
    ProxyPlan,
    ProxyApply,
    Create,
    Delete,
    /// Record the selected orphan container as a site (`fleetdeck inventory adopt`).
    Adopt,
    /// A shell on the selected node, or in the selected container (the terminal is handed
    /// over, then the console comes back as it was).
    Shell,
    /// Restart the selected container.
    Restart,
    /// Stop the selected container, or start it when it is not running.
    StopStart,
    /// The engine's record of the selected container, or the selected node's facts.
    Inspect,
    /// Docker events of every engine, newest first.
    Events,
    /// Inspect view: copy the matched line, or the whole record, to the clipboard (OSC 52).
    Copy,
    /// Fold the selected node (on an item: go to its node).
    Collapse,
    /// Unfold the selected node.
    Expand,
    /// Cycle the order of containers: name, state, age, problems first, restarts.
    Sort,
    /// Every container in one flat list, or the tree again.
    Flat,
    /// The details of the selection, full-screen (what an 80-column screen has no pane for).
    Details,
    /// Logs view: wrap long lines, or cut them at the edge.
    Wrap,
    /// The session's activity, full-screen, scrollable and filtered as typed.
    Activity,
    /// Swarm: scale the selected service (a popup asks how many replicas).
    Scale,
    /// Swarm: roll the selected service to another image (a popup asks which).
    UpdateImage,
    /// Swarm: roll the selected service back to its previous spec.
    Rollback,
    /// Swarm: drain the selected node (swarm or fleetdeck node), or make it active again.
    DrainActivate,
}

/// The screen keys are read for; the help lists only what works on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Tree,
    Logs,
    Stats,
    Findings,
    Inspect,
    Events,
    /// The details of the selection, full-screen.
    Details,
    /// The activity log, full-screen.
    Activity,
}

impl Mode {
    pub fn title(self) -> &'static str {
        match self {
            Mode::Tree => "fleet",
            Mode::Logs => "logs",
            Mode::Stats => "stats",
            Mode::Findings => "findings",
            Mode::Inspect => "inspect",
            Mode::Events => "events",
            Mode::Details => "details",
            Mode::Activity => "activity",
        }
    }
}

impl Action {
    /// Actions that change the world: refused, and never offered, in read-only mode.
    pub fn mutating(self) -> bool {
        matches!(
            self,
            Action::ProxyApply
                | Action::Create
                | Action::Delete
                | Action::Adopt
                | Action::Shell
                | Action::Restart
                | Action::StopStart
                | Action::Scale
                | Action::UpdateImage
                | Action::Rollback
                | Action::DrainActivate
        )
    }

    /// A short name for messages: the palette command where there is one.
    pub fn name(self) -> &'static str {
        match self {
            Action::Check => "check",
            Action::ProxyPlan => "proxy plan",
            Action::ProxyApply => "proxy apply",
            Action::Create => "create",
            Action::Delete => "delete",
            Action::Adopt => "adopt",
            Action::Shell => "shell",
            Action::Restart => "restart",
            Action::StopStart => "stop/start",
            Action::Inspect => "inspect",
            Action::Events => "events",
            Action::Scale => "scale",
            Action::UpdateImage => "update",
            Action::Rollback => "rollback",
            Action::DrainActivate => "drain/activate",
            other => other.describe(),
        }
    }

    /// Whether the action does anything in `mode`.
    pub fn available(self, mode: Mode, read_only: bool) -> bool {
        if read_only && self.mutating() {
            return false;
        }
        use Action::*;
        match mode {
            Mode::Tree => !matches!(self, Follow | NextMatch | PrevMatch | Copy | Wrap),
            Mode::Activity => matches!(
                self,
                Quit | Help
                    | Close
                    | Up
                    | Down
                    | PageUp
                    | PageDown
                    | Top
                    | Bottom
                    | Filter
                    | Redraw
            ),
            Mode::Details => matches!(
                self,
                Quit | Help | Close | Up | Down | PageUp | PageDown | Top | Bottom | Redraw
            ),
            Mode::Logs => matches!(
                self,
                Quit | Help
                    | Close
                    | Up
                    | Down
                    | PageUp
                    | PageDown
                    | Top
                    | Bottom
                    | Filter
                    | Follow
                    | Wrap
                    | NextMatch
                    | PrevMatch
                    | Redraw
            ),
            Mode::Stats => matches!(self, Quit | Help | Close | Redraw),
            Mode::Inspect => matches!(
                self,
                Quit | Help
                    | Close
                    | Up
                    | Down
                    | PageUp
                    | PageDown
                    | Top
                    | Bottom
                    | Filter
                    | NextMatch
                    | PrevMatch
                    | Copy
                    | Redraw
            ),
            Mode::Events => matches!(
                self,
                Quit | Help
                    | Close
                    | Up
                    | Down
                    | PageUp
                    | PageDown
                    | Top
                    | Bottom
                    | Filter
                    | Redraw
            ),
            Mode::Findings => matches!(
                self,
                Quit | Help
                    | Close
                    | Up
                    | Down
                    | PageUp
                    | PageDown
                    | Top
                    | Bottom
                    | Toggle
                    | Details
                    | Check
                    | Redraw
            ),
        }
    }

    /// Shown in the help screen of `mode`.
    pub fn describe_in(self, mode: Mode) -> &'static str {
        match (mode, self) {
            (
                Mode::Logs
                | Mode::Stats
                | Mode::Findings
                | Mode::Inspect
                | Mode::Events
                | Mode::Details
                | Mode::Activity,
                Action::Quit | Action::Close,
            ) => "close this view",
            (Mode::Activity, Action::Filter) => "show only lines containing…",
            (Mode::Activity, Action::Bottom) => "newest line, follow again",
            (Mode::Details, Action::Up) => "scroll up",
            (Mode::Inspect, Action::Filter) => "search (enter keeps, esc drops)",
            (Mode::Events, Action::Filter) => "filter by node, type, action or name",
            (Mode::Events, Action::Top) => "newest event",
            (Mode::Findings, Action::Toggle | Action::Details) => "go to what the finding is about",
            (Mode::Findings, Action::Check) => "check again",
            (Mode::Logs, Action::Up) => "scroll up (pauses follow)",
            (Mode::Logs, Action::Down) => "scroll down",
            (Mode::Logs, Action::Top) => "oldest line kept",
            (Mode::Logs, Action::Bottom) => "newest line, follow again",
            (Mode::Logs, Action::Filter) => "search (enter keeps, esc drops)",
            _ => self.describe(),
        }
    }

    /// Shown in the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show or hide this help",
            Action::Close => "close the popup, clear the filter",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::Toggle => "fold or unfold the node",
            Action::Filter => "filter; terms node: state: vlan: domain:",
            Action::Refresh => "reload now",
            Action::Redraw => "redraw the whole screen",
            Action::Palette => "command palette (tab completes)",
            Action::Focus => "focus the tree or the details",
            Action::Logs => "logs of the selected container",
            Action::Stats => "CPU and memory of the selected container",
            Action::Follow => "follow new lines on or off",
            Action::NextMatch => "next match (newer)",
            Action::PrevMatch => "previous match (older)",
            Action::Check => "check IPs, domains, DNS and proxy",
            Action::ProxyPlan => "show the proxy changes",
            Action::ProxyApply => "apply the proxy changes",
            Action::Create => "create a site container",
            Action::Delete => "delete the selected site",
            Action::Adopt => "record the orphan container as a site",
            Action::Shell => "shell on the node / in the container",
            Action::Restart => "restart the selected container",
            Action::StopStart => "stop or start the selected container",
            Action::Inspect => "engine record / node facts",
            Action::Events => "Docker events of every engine",
            Action::Copy => "copy the match or the record (OSC 52)",
            Action::Collapse => "fold the node (on an item: go to its node)",
            Action::Expand => "unfold the node",
            Action::Sort => "sort: name, state, age, problems first, restarts",
            Action::Flat => "every container in one list, or the tree",
            Action::Details => "details of the selection, full-screen",
            Action::Wrap => "wrap long lines on or off",
            Action::Activity => "the session's activity, full-screen",
            Action::Scale => "scale the swarm service",
            Action::UpdateImage => "roll the swarm service to a new image",
            Action::Rollback => "roll the swarm service back",
            Action::DrainActivate => "drain or activate the swarm node",
        }
    }

    /// Actions shown on one help line with their partner (`↑ k / ↓ j  move up / down`),
    /// so the help fits an 80x24 terminal.
    pub fn partner(self) -> Option<(Action, &'static str)> {
        match self {
            Action::Quit => Some((Action::Help, "quit / this help (ctrl-z suspends)")),
            Action::Toggle => Some((Action::Details, "fold / details full-screen")),
            Action::Collapse => Some((Action::Expand, "fold / unfold the node")),
            Action::Sort => Some((Action::Flat, "sort (name … restarts) / flat list")),
            Action::Focus => Some((Action::Activity, "focus the details / full activity log")),
            Action::Up => Some((Action::Down, "move up / down")),
            Action::PageUp => Some((Action::PageDown, "page up / down")),
            Action::Top => Some((Action::Bottom, "first / last row")),
            Action::NextMatch => Some((Action::PrevMatch, "next / previous match")),
            Action::Refresh => Some((Action::Redraw, "reload now / redraw screen")),
            Action::Logs => Some((Action::Stats, "logs / CPU and memory of the container")),
            Action::ProxyPlan => Some((Action::ProxyApply, "show / apply the proxy changes")),
            Action::Check => Some((Action::Adopt, "check IPs, DNS, proxy / adopt an orphan")),
            Action::Create => Some((Action::Delete, "create / delete a site")),
            Action::Restart => Some((Action::StopStart, "restart / stop or start the container")),
            Action::Inspect => Some((Action::Events, "engine record or facts / events")),
            Action::Filter => Some((Action::Palette, "filter (node: state: …) / command palette")),
            _ => None,
        }
    }

    /// The second of a pair, listed on its partner's line.
    pub fn is_partner(self) -> bool {
        matches!(
            self,
            Action::Help
                | Action::Activity
                | Action::Details
                | Action::Expand
                | Action::Flat
                | Action::Down
                | Action::PageDown
                | Action::Bottom
                | Action::PrevMatch
                | Action::Redraw
                | Action::Stats
                | Action::ProxyApply
                | Action::Adopt
                | Action::Delete
                | Action::StopStart
                | Action::Events
                | Action::Palette
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_never_offers_a_mutating_action() {
        for a in [Action::ProxyApply, Action::Create, Action::Delete] {
            assert!(a.available(Mode::Tree, false));
            assert!(!a.available(Mode::Tree, true));
        }
        assert!(Action::Check.available(Mode::Tree, true));
        assert!(Action::ProxyPlan.available(Mode::Tree, true));
        assert!(!Action::Follow.available(Mode::Tree, false));
        assert!(Action::Follow.available(Mode::Logs, true));
        assert!(!Action::Logs.available(Mode::Logs, false));
        assert!(!Action::Up.available(Mode::Stats, false));
        assert_eq!(Action::Quit.describe_in(Mode::Logs), "close this view");
    }
}
