use super::*;
use crate::app::rows::{Cells, Health, RowKind};

fn row(name: &str, node: &str, restarts: Option<u32>) -> Row {
    Row {
        id: format!("node/{node}/container/{name}"),
        depth: 1,
        kind: RowKind::Container,
        name: name.into(),
        state: "running".into(),
        extra: String::new(),
        health: Health::Good,
        expandable: false,
        collapsed: false,
        node: node.into(),
        cells: Some(Box::new(Cells {
            restarts,
            ..Cells::default()
        })),
        summary: String::new(),
    }
}

fn sorted(order: Order, mut rows: Vec<Row>) -> Vec<String> {
    order.sort(&mut rows);
    rows.into_iter()
        .map(|r| format!("{}@{}", r.name, r.node))
        .collect()
}

#[test]
fn most_restarts_first_unknown_last_ties_by_name_then_node() {
    let rows = vec![
        row("quiet", "h1", Some(0)),
        row("unknown", "h1", None),
        row("loop", "h2", Some(12)),
        row("flaky", "h2", Some(2)),
        row("flaky", "h1", Some(2)),
        row("again", "h1", Some(0)),
        row("asleep", "h1", None),
    ];
    assert_eq!(
        sorted(Order::Restarts, rows),
        [
            "loop@h2",
            "flaky@h1",
            "flaky@h2",
            "again@h1",
            "quiet@h1",
            "asleep@h1",
            "unknown@h1"
        ]
    );
}

#[test]
fn restarts_is_last_in_the_cycle_so_the_others_keep_their_presses() {
    assert_eq!(Order::Problems.next(), Order::Restarts);
    assert_eq!(Order::Restarts.next(), Order::Name);
    assert_eq!(Order::Restarts.label(), "restarts");
}
