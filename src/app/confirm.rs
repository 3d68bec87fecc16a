//! The confirm step of plan → confirm → apply in the console: a plan shown as lines (a
//! diff for the proxy), scrolled with the usual keys, applied with `y`, dropped with
//! `n` or Esc. Nothing is applied without passing through here.

use crate::ops::create::CreatePlan;
use crate::ops::delete::DeletePlan;
use crate::ops::proxy::ProxyPlan;

/// A plan waiting for the operator's yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedOp {
    Create(Box<CreatePlan>),
    Delete(DeletePlan),
    Proxy(Box<ProxyPlan>),
    Lifecycle(crate::act::lifecycle::Plan),
    Adopt(Box<crate::ops::adopt::AdoptPlan>),
    Swarm(Box<crate::ops::swarm_ops::SwarmPlan>),
}

impl PlannedOp {
    /// The `action` of the audit row its apply writes: the console shows its own
    /// outcome once, and skips that row when the audit watch brings it back.
    pub fn audit_action(&self) -> &'static str {
        match self {
            PlannedOp::Create(_) => "create",
            PlannedOp::Delete(_) => "delete",
            PlannedOp::Proxy(_) => crate::ops::proxy::AUDIT_ACTION,
            PlannedOp::Lifecycle(p) => p.verb.as_str(),
            PlannedOp::Adopt(_) => "adopt",
            PlannedOp::Swarm(p) => p.verb.as_str(),
        }
    }

    pub fn title(&self) -> String {
        match self {
            PlannedOp::Create(p) => format!("Create {}", p.domain),
            PlannedOp::Delete(p) => format!("Delete {}", p.domain),
            PlannedOp::Adopt(p) => format!("Adopt {}/{} as {}", p.node, p.container, p.domain),
            PlannedOp::Proxy(p) => format!("Proxy rules on {}", p.node),
            PlannedOp::Lifecycle(p) => {
                format!("{} {}", capitalized(p.verb.as_str()), p.target.qualified())
            }
            PlannedOp::Swarm(p) => format!("{} {}", capitalized(p.verb.as_str()), p.qualified()),
        }
    }

    pub fn lines(&self) -> Vec<String> {
        match self {
            PlannedOp::Create(p) => p.lines(),
            PlannedOp::Delete(p) => p.lines(),
            PlannedOp::Lifecycle(p) => p.lines(),
            PlannedOp::Adopt(p) => p.lines(),
            PlannedOp::Swarm(p) => p.lines(),
            PlannedOp::Proxy(p) if !p.changed => vec![format!(
                "no changes: {} on {} is up to date",
                p.path, p.node
            )],
            PlannedOp::Proxy(p) => {
                let mut lines = vec![p.summary(), String::new()];
                lines.extend(p.diff.lines().map(str::to_string));
                lines
            }
        }
    }

    /// Whether there is anything to apply (an up-to-date proxy file is not).
    pub fn applicable(&self) -> bool {
        match self {
            PlannedOp::Proxy(p) => p.changed,
            PlannedOp::Swarm(p) => p.changes(),
            _ => true,
        }
    }

    /// Short name for the activity panel.
    pub fn label(&self) -> String {
        match self {
            PlannedOp::Create(p) => format!("create {}", p.domain),
            PlannedOp::Delete(p) => format!("delete {}", p.domain),
            PlannedOp::Adopt(p) => format!("adopt {}/{}", p.node, p.container),
            PlannedOp::Proxy(_) => "proxy apply".into(),
            PlannedOp::Lifecycle(p) => format!("{} {}", p.verb.as_str(), p.target.qualified()),
            PlannedOp::Swarm(p) => p.label(),
        }
    }
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmView {
    pub op: PlannedOp,
    pub lines: Vec<String>,
    /// First line shown.
    pub scroll: usize,
}

impl ConfirmView {
    pub fn new(op: PlannedOp) -> ConfirmView {
        let lines = op.lines();
        ConfirmView {
            op,
            lines,
            scroll: 0,
        }
    }

    /// Scroll by `delta` lines, keeping at least one line on screen.
    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.lines.len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }
}
