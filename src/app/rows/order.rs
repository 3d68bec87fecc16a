//! How rows are arranged: the tree or one flat list of every container, and the order
//! of containers (name, state, age, problems first, restarts). The key that cycles the order and
//! the one that flattens the tree are in `assets/keymap.toml`.

use std::collections::HashSet;

use super::{Row, TreeDoc, flat_rows, tree_rows};

/// The order of containers, within a node or across the flat list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// Docker's name order (and node order in the flat list).
    #[default]
    Name,
    /// Grouped by state word, then by name.
    State,
    /// Youngest in its state first (a container that just restarted comes up top).
    Age,
    /// Crashed, unhealthy, stopped, warnings; healthy ones and finished jobs last.
    Problems,
    /// Most restarts first (a crash loop comes up top); unknown counts last. Last in the
    /// cycle, so the orders before it keep their number of presses.
    Restarts,
}

impl Order {
    /// The next order, for the key that cycles them.
    pub fn next(self) -> Order {
        match self {
            Order::Name => Order::State,
            Order::State => Order::Age,
            Order::Age => Order::Problems,
            Order::Problems => Order::Restarts,
            Order::Restarts => Order::Name,
        }
    }

    /// Shown in the table's header.
    pub fn label(self) -> &'static str {
        match self {
            Order::Name => "name",
            Order::State => "state",
            Order::Age => "age",
            Order::Problems => "problems first",
            Order::Restarts => "restarts",
        }
    }

    /// Sort container rows; ties fall back to name, node, then id: a total order, so
    /// equal keys never shuffle between frames and sorting the kept rows in place gives
    /// what a whole rebuild gives.
    pub fn sort(self, rows: &mut [Row]) {
        let by_name = |a: &Row, b: &Row| {
            a.name
                .cmp(&b.name)
                .then_with(|| a.node.cmp(&b.node))
                .then_with(|| a.id.cmp(&b.id))
        };
        let age = |r: &Row| {
            r.cells
                .as_ref()
                .and_then(|c| c.age_secs)
                .unwrap_or(u64::MAX)
        };
        match self {
            Order::Name => rows.sort_by(by_name),
            Order::State => rows.sort_by(|a, b| a.state.cmp(&b.state).then_with(|| by_name(a, b))),
            Order::Age => rows.sort_by(|a, b| age(a).cmp(&age(b)).then_with(|| by_name(a, b))),
            Order::Problems => rows.sort_by(|a, b| {
                a.health
                    .rank()
                    .cmp(&b.health.rank())
                    .then_with(|| by_name(a, b))
            }),
            Order::Restarts => {
                // Descending; `None` is below every count, so unknown ones come last.
                let key = |r: &Row| std::cmp::Reverse(r.cells.as_ref().and_then(|c| c.restarts));
                rows.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| by_name(a, b)))
            }
        }
    }
}

/// Everything that decides which rows show and in what order, besides the filter.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    pub collapsed: &'a HashSet<String>,
    pub order: Order,
    /// Every container in one list, without nodes.
    pub flat: bool,
}

/// The rows for `shape`.
pub fn arrange(doc: &TreeDoc, shape: &Shape) -> Vec<Row> {
    if shape.flat {
        flat_rows(doc, shape)
    } else {
        tree_rows(doc, shape)
    }
}

#[cfg(test)]
mod tests;
