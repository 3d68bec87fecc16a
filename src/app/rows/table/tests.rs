//! The kept table against the rows made from scratch: after a node's block is rebuilt,
//! after every filter keystroke, in every shape, the screen's rows and the columns'
//! needs are exactly what `arrange` + `filtered` give for the same tree.

use std::collections::HashSet;

use super::*;
use crate::app::rows::{RowKind, arrange, filtered};
use crate::fleet::docker::ContainerHealth;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};
use crate::fleet::tree::TreeContainer;

/// hyper (a hypervisor) > vm > deep, then solo and idle at the top.
fn doc() -> TreeDoc {
    let config = crate::config::load_str(
        "[[node]]\nname = \"hyper\"\n\
         [[node]]\nname = \"vm\"\nparent = \"hyper\"\n\
         [[node]]\nname = \"deep\"\nparent = \"vm\"\n\
         [[node]]\nname = \"solo\"\n\
         [[node]]\nname = \"idle\"\n",
        std::path::Path::new("t.toml"),
    )
    .expect("config");
    let snaps: Vec<NodeSnapshot> = ["hyper", "vm", "deep", "solo"]
        .iter()
        .map(|n| {
            let mut s = NodeSnapshot::unknown(n);
            s.status = NodeStatus::Up;
            s
        })
        .collect();
    let mut doc = crate::fleet::tree::build(&config, &snaps, &[], String::new());
    doc.nodes[1].containers = vec![
        container("web", "running", "Up 3 days", None),
        container("api", "restarting", "Restarting (1) 5 seconds ago", None),
    ];
    doc.nodes[2].containers = vec![
        container(
            "blog",
            "running",
            "Up 2 hours",
            Some(ContainerHealth::Healthy),
        ),
        container("batch", "exited", "Exited (0) 3 hours ago", None),
    ];
    doc.nodes[3].containers = vec![
        container("shop", "exited", "Exited (3) 2 minutes ago", None),
        container("db", "running", "Up 2 minutes", None),
        container(
            "cache-with-a-rather-long-name",
            "running",
            "Up 1 hour",
            None,
        ),
    ];
    doc
}

fn container(
    name: &str,
    state: &str,
    status: &str,
    health: Option<ContainerHealth>,
) -> TreeContainer {
    TreeContainer {
        id: format!("id-{name}"),
        name: name.into(),
        image: format!("registry.example.org/{name}:1"),
        state: state.into(),
        status: status.into(),
        health,
        restarts: (!name.len().is_multiple_of(3)).then_some(name.len() as u32 % 4),
        ip: Some(format!("10.0.0.{}", name.len())),
        network: None,
        domain: Some(format!("{name}.example.org")),
        login: None,
        vlan: Some(if name.len().is_multiple_of(2) {
            100
        } else {
            200
        }),
    }
}

fn at(doc: &TreeDoc, name: &str) -> usize {
    doc.nodes
        .iter()
        .position(|n| n.name == name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

/// The rows and needs made from scratch, as before the table kept them.
fn whole(doc: &TreeDoc, shape: &Shape, filter: &str) -> (Vec<Row>, Want) {
    let rows = filtered(arrange(doc, shape), filter);
    let want = Want::of(&rows, shape.flat);
    (rows, want)
}

fn ids(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

fn same(table: &Table, shown: &[Row], doc: &TreeDoc, shape: &Shape, filter: &str, what: &str) {
    let (rows, want) = whole(doc, shape, filter);
    assert_eq!(ids(shown), ids(&rows), "{what}: which rows, in which order");
    assert_eq!(shown, rows.as_slice(), "{what}: the rows themselves");
    assert_eq!(table.want(shown), want, "{what}: the columns' needs");
}

/// Every shape a user can give the table over `folded`: each set of folded nodes, in
/// every order, tree and flat.
fn shapes(folded: &[HashSet<String>]) -> Vec<Shape<'_>> {
    let mut out = Vec::new();
    for collapsed in folded {
        for order in [Order::Name, Order::State, Order::Age, Order::Problems] {
            for flat in [false, true] {
                out.push(Shape {
                    collapsed,
                    order,
                    flat,
                });
            }
        }
    }
    out
}

fn folds() -> Vec<HashSet<String>> {
    vec![
        HashSet::new(),
        HashSet::from(["node/vm".to_string()]),
        HashSet::from(["node/hyper".to_string(), "node/solo".to_string()]),
    ]
}

const FILTERS: [&str; 9] = [
    "",
    "b",
    "state:crashed",
    "node:vm",
    "vlan:100",
    "deep",
    "running db",
    "domain:shop",
    "nothing-matches",
];

/// One node's containers change (one goes, one comes, one crashes): its block alone is
/// rebuilt and spliced in, and the screen is what a whole rebuild shows, whatever the
/// shape and the filter, for a node at every depth.
#[test]
fn a_changed_node_gives_the_rows_a_whole_rebuild_gives() {
    let folded = folds();
    for shape in shapes(&folded) {
        for filter in FILTERS {
            for node in ["hyper", "vm", "deep", "solo", "idle"] {
                let mut doc = doc();
                let (mut table, mut shown) = Table::build(&doc, &shape, filter);
                let what = format!("{node} in {shape:?} filter={filter:?}");
                same(
                    &table,
                    &shown,
                    &doc,
                    &shape,
                    filter,
                    &format!("built: {what}"),
                );
                let i = at(&doc, node);
                let n = &mut doc.nodes[i];
                n.containers.retain(|c| c.name != "db" && c.name != "web");
                n.containers.push(container(
                    "zz-new",
                    "exited",
                    "Exited (2) 1 second ago",
                    None,
                ));
                n.containers
                    .push(container("deep-shop", "running", "Up 1 second", None));
                if let Some(c) = n.containers.first_mut() {
                    c.state = "exited".into();
                    c.status = "Exited (137) 1 second ago".into();
                }
                table.patch(&doc, &shape, &[i], &mut shown);
                same(
                    &table,
                    &shown,
                    &doc,
                    &shape,
                    filter,
                    &format!("changed: {what}"),
                );
                // Its matches go away again: the nodes above it may stop showing.
                doc.nodes[i].containers.clear();
                table.patch(&doc, &shape, &[i], &mut shown);
                same(
                    &table,
                    &shown,
                    &doc,
                    &shape,
                    filter,
                    &format!("emptied: {what}"),
                );
            }
        }
    }
}

/// A node going down, and one going stale (its containers greyed and dated), patched
/// together in one call.
#[test]
fn nodes_going_down_or_stale_are_patched_together() {
    let folded = folds();
    for shape in shapes(&folded) {
        for filter in ["", "down", "stale", "as of", "state:crashed", "vm"] {
            let mut doc = doc();
            let (mut table, mut shown) = Table::build(&doc, &shape, filter);
            let (vm, solo) = (at(&doc, "vm"), at(&doc, "solo"));
            doc.nodes[vm].status = NodeStatus::Down;
            doc.nodes[vm].containers.clear();
            doc.nodes[vm].error = Some("connection refused; next try in 5s".into());
            doc.nodes[solo].stale = true;
            doc.nodes[solo].data_age_secs = Some(31);
            doc.nodes[solo].data_as_of = Some("2026-01-01T10:00:05Z".into());
            table.patch(&doc, &shape, &[vm, solo], &mut shown);
            let what = format!("{shape:?} filter={filter:?}");
            same(&table, &shown, &doc, &shape, filter, &what);
        }
    }
}

/// Typed letter by letter and erased again, then whole terms: after every keystroke the
/// screen is what filtering every row from scratch shows, both when the filter narrows
/// (only the rows shown are looked at) and when it widens.
#[test]
fn every_filter_keystroke_gives_the_rows_of_a_whole_filter() {
    let folded = folds();
    let typed = [
        "deep-shop",
        "node:vm state:crashed",
        "vlan:1000",
        "state:crash",
        "b c",
    ];
    for shape in shapes(&folded) {
        let doc = doc();
        let (mut table, mut shown) = Table::build(&doc, &shape, "");
        for word in typed {
            let mut filter = String::new();
            let mut steps: Vec<String> = Vec::new();
            for c in word.chars() {
                filter.push(c);
                steps.push(filter.clone());
            }
            while filter.pop().is_some() {
                steps.push(filter.clone());
            }
            for step in steps {
                table.refilter(&step, &mut shown);
                let what = format!("{shape:?} filter={step:?}");
                same(&table, &shown, &doc, &shape, &step, &what);
            }
        }
        for filter in FILTERS.iter().chain(FILTERS.iter().rev()) {
            table.refilter(filter, &mut shown);
            same(
                &table,
                &shown,
                &doc,
                &shape,
                filter,
                &format!("jump to {filter:?}"),
            );
        }
    }
}

/// A node under a folded one has no block: its change shows nothing, and nothing else
/// moves.
#[test]
fn a_node_under_a_folded_one_changes_nothing_shown() {
    let folded = HashSet::from(["node/hyper".to_string()]);
    let shape = Shape {
        collapsed: &folded,
        order: Order::Name,
        flat: false,
    };
    let mut doc = doc();
    let (mut table, mut shown) = Table::build(&doc, &shape, "");
    let before = shown.clone();
    let deep = at(&doc, "deep");
    doc.nodes[deep].containers.clear();
    table.patch(&doc, &shape, &[deep], &mut shown);
    assert_eq!(shown, before);
    same(&table, &shown, &doc, &shape, "", "folded");
}

/// The swarms' rows stay after every node's, and a filter picks among them as it does
/// among the nodes'.
#[test]
fn swarm_rows_follow_the_nodes_and_filter_alike() {
    let mut doc = doc();
    doc.swarms = vec![crate::app::rows::swarm::tests::swarm()];
    let folded = HashSet::new();
    let shape = Shape {
        collapsed: &folded,
        order: Order::Name,
        flat: false,
    };
    let (mut table, mut shown) = Table::build(&doc, &shape, "");
    same(&table, &shown, &doc, &shape, "", "swarm");
    assert_eq!(shown.last().map(|r| r.kind), Some(RowKind::Task));
    for filter in ["w", "we", "web", "rejected", "", "t2"] {
        table.refilter(filter, &mut shown);
        same(&table, &shown, &doc, &shape, filter, filter);
    }
    let solo = at(&doc, "solo");
    doc.nodes[solo].containers.clear();
    table.patch(&doc, &shape, &[solo], &mut shown);
    same(
        &table,
        &shown,
        &doc,
        &shape,
        "t2",
        "patched before the swarm",
    );
}

/// Each node's widest cells are kept with its block: a node whose long name goes away
/// gives the column back.
#[test]
fn column_needs_follow_the_node_that_had_the_widest_cell() {
    let folded = HashSet::new();
    let shape = Shape {
        collapsed: &folded,
        order: Order::Name,
        flat: false,
    };
    let mut doc = doc();
    let (mut table, mut shown) = Table::build(&doc, &shape, "");
    let wide = table.want(&shown).name;
    let solo = at(&doc, "solo");
    doc.nodes[solo]
        .containers
        .retain(|c| c.name != "cache-with-a-rather-long-name");
    table.patch(&doc, &shape, &[solo], &mut shown);
    assert!(table.want(&shown).name < wide, "the long name is gone");
    same(&table, &shown, &doc, &shape, "", "narrower");
}

/// The order changed: the rows shown are sorted again where they are, and they are what
/// arranging from scratch in that order gives, with any filter, in the tree or the flat
/// list, after a patch too.
#[test]
fn a_new_order_sorts_in_place_what_a_whole_arrangement_gives() {
    let folded = folds();
    for (f, collapsed) in folded.iter().enumerate() {
        for flat in [false, true] {
            for filter in FILTERS {
                let mut doc = doc();
                let mut shape = Shape {
                    collapsed,
                    order: Order::Name,
                    flat,
                };
                let (mut table, mut shown) = Table::build(&doc, &shape, filter);
                for round in 0..8 {
                    shape.order = shape.order.next();
                    table.reorder(shape.order, &mut shown);
                    let what =
                        format!("{:?} flat={flat} folded={f} filter={filter:?}", shape.order);
                    same(&table, &shown, &doc, &shape, filter, &what);
                    if round == 3 {
                        let solo = at(&doc, "solo");
                        doc.nodes[solo]
                            .containers
                            .push(container("aaa", "dead", "Dead", None));
                        table.patch(&doc, &shape, &[solo], &mut shown);
                        same(
                            &table,
                            &shown,
                            &doc,
                            &shape,
                            filter,
                            &format!("patched, {what}"),
                        );
                    }
                }
            }
        }
    }
}
