//! The findings of the last check (`i`): a list to walk, Enter jumping to the object a
//! finding is about. The report also feeds the status bar and the details pane.

use crate::ops::check::{CheckReport, Finding};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingsView {
    pub selected: usize,
    /// First finding shown.
    pub offset: usize,
}

impl FindingsView {
    pub fn new() -> FindingsView {
        FindingsView {
            selected: 0,
            offset: 0,
        }
    }

    /// Move the selection to `to` (clamped) and keep it within `rows` visible lines.
    pub fn select(&mut self, to: usize, count: usize, rows: usize) {
        self.selected = to.min(count.saturating_sub(1));
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }
}

impl Default for FindingsView {
    fn default() -> Self {
        FindingsView::new()
    }
}

/// The last check's result, as the console keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastCheck {
    pub report: CheckReport,
    /// When it finished (RFC 3339).
    pub at: String,
    /// Findings per node, counted once: node rows show them on every frame.
    per_node: std::collections::HashMap<String, usize>,
}

impl LastCheck {
    pub fn new(report: CheckReport, at: String) -> LastCheck {
        let mut per_node = std::collections::HashMap::new();
        for f in &report.findings {
            if let Some(node) = f.target.node.as_deref().or(f.node.as_deref()) {
                *per_node.entry(node.to_string()).or_insert(0) += 1;
            }
        }
        LastCheck {
            report,
            at,
            per_node,
        }
    }

    /// How many findings are about `node` or anything on it.
    pub fn problems_on(&self, node: &str) -> usize {
        self.per_node.get(node).copied().unwrap_or(0)
    }

    /// Findings about a node (`container` None) or one of its containers/sites.
    pub fn about<'a>(
        &'a self,
        node: &'a str,
        container: Option<&'a str>,
        domain: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Finding> + 'a {
        self.report.findings.iter().filter(move |f| {
            let t = &f.target;
            let on_node = t.node.as_deref().or(f.node.as_deref()) == Some(node);
            match (container, domain) {
                (None, None) => on_node && t.container.is_none() && t.domain.is_none(),
                _ => {
                    let by_name = container.is_some() && t.container.as_deref() == container;
                    let by_domain = domain.is_some()
                        && (t.domain.as_deref() == domain || f.domain.as_deref() == domain);
                    (on_node || t.node.is_none()) && (by_name || by_domain)
                }
            }
        })
    }
}
