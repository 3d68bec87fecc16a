//! The console holding 1,000 nodes and 10,000 containers (the synthetic fleet of
//! `benches/support/synthetic.rs`, which `cargo bench --bench frame` measures): the
//! fleet is what it claims to be, the table and the status bar say the right things at
//! that size, a batch of polls gives the same picture as the same polls one by one, one
//! node's poll patched in gives what a whole rebuild gives, and the filter and the
//! selection work across all of it. Correctness only; the figures are
//! the bench's.

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

use fleetdeck::app::rows::RowKind;
use fleetdeck::app::{Action, FilterEdit, Msg, State, update};
use fleetdeck::fleet::docker::ContainerHealth;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use synthetic::Synthetic;

const NODES: usize = 1_000;
const CONTAINERS: usize = 10_000;

fn screen(state: &State) -> String {
    let (w, h) = state.screen;
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| fleetdeck::ui::render(f, state))
        .expect("draw");
    let buffer = term.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Crashed as the console means it, counted here from the snapshots themselves: exited
/// non-zero, restarting, dead, or running with a failing healthcheck.
fn crashed_in(fleet: &Synthetic) -> usize {
    (0..fleet.node_count())
        .flat_map(|n| {
            fleet
                .snapshot(n, 0)
                .docker
                .map(|d| d.containers)
                .unwrap_or_default()
        })
        .filter(|c| match c.state.as_str() {
            "exited" => !c.status.starts_with("Exited (0)"),
            "restarting" | "dead" => true,
            "running" => c.health == Some(ContainerHealth::Unhealthy),
            _ => false,
        })
        .count()
}

#[test]
fn the_synthetic_fleet_is_the_size_and_shape_it_claims() {
    let fleet = Synthetic::new(NODES, CONTAINERS);
    assert_eq!(fleet.node_count(), NODES);
    assert_eq!(fleet.container_count(), CONTAINERS);
    let all: Vec<_> = (0..NODES)
        .flat_map(|n| {
            let d = fleet.snapshot(n, 0).docker;
            d.map(|d| d.containers).unwrap_or_default()
        })
        .collect();
    assert_eq!(all.len(), CONTAINERS);
    let count = |f: &dyn Fn(&fleetdeck::fleet::docker::ContainerInfo) -> bool| {
        all.iter().filter(|c| f(c)).count()
    };
    let crashed = crashed_in(&fleet);
    let running = count(&|c| c.state == "running");
    let checked = count(&|c| c.health.is_some());
    let unhealthy = count(&|c| c.health == Some(ContainerHealth::Unhealthy));
    let sites = count(&|c| c.labels.contains_key("fleetdeck.domain"));
    assert!((100..1_000).contains(&crashed), "{crashed} crashed");
    assert!(running > CONTAINERS * 3 / 4, "{running} running");
    assert!(checked > CONTAINERS / 5, "{checked} with a healthcheck");
    assert!(unhealthy > 0, "some unhealthy");
    assert!(sites > CONTAINERS / 3, "{sites} site containers");
    assert_eq!(fleet.sites().len(), sites, "one inventory row per site");
    let ids: std::collections::HashSet<_> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), CONTAINERS, "ids are unique");
    let nested = (0..NODES).filter(|&n| fleet.parent_of(n).is_some()).count();
    assert!(nested > NODES / 3, "{nested} nodes run as guests");
    // The next generation changes a few containers of a node, not all of them.
    let busy = (0..NODES)
        .max_by_key(|&n| fleet.containers_of(n))
        .unwrap_or(0);
    let (a, b) = (fleet.snapshot(busy, 0), fleet.snapshot(busy, 1));
    let (a, b) = (a.docker.expect("docker"), b.docker.expect("docker"));
    let differ = a
        .containers
        .iter()
        .zip(&b.containers)
        .filter(|(x, y)| x.state != y.state)
        .count();
    assert!((1..=2).contains(&differ), "{differ} changed");
}

#[test]
fn the_console_shows_the_whole_fleet_and_counts_it_right() {
    let fleet = Synthetic::new(NODES, CONTAINERS);
    let mut state = fleet.state(160, 48);
    let containers = state
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Container)
        .count();
    let nodes = state
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Node)
        .count();
    assert_eq!((nodes, containers), (NODES, CONTAINERS));
    // Guests run on hypervisors; their Docker nodes nest under them, one level down.
    let guest = (0..NODES)
        .find(|&n| fleet.parent_of(n).is_some())
        .expect("a guest node");
    let row = state
        .rows
        .iter()
        .find(|r| r.kind == RowKind::Node && r.name == fleet.node_name(guest))
        .expect("the guest's row");
    assert_eq!(row.depth, 1, "{} under its hypervisor", row.name);

    let text = screen(&state);
    let crashed = crashed_in(&fleet);
    let running = state
        .doc
        .nodes
        .iter()
        .flat_map(|n| &n.containers)
        .filter(|c| c.state == "running")
        .count();
    assert!(text.contains(&format!("{NODES} up")), "{text}");
    assert!(
        text.contains(&format!("{running}/{CONTAINERS} running")),
        "{text}"
    );
    assert!(text.contains(&format!("{crashed} crashed")), "{text}");

    // The selection in the middle of the fleet is on screen, and so is its neighbour.
    let middle = state.rows.len() / 2;
    for _ in 0..middle {
        update(&mut state, Msg::Action(Action::Down));
    }
    assert_eq!(state.selected, middle);
    let text = screen(&state);
    for at in [middle - 1, middle] {
        let name: String = state.rows[at].name.chars().take(12).collect();
        assert!(
            text.contains(&name),
            "row {at} ({name}) not on screen:\n{text}"
        );
    }
}

#[test]
fn a_batch_of_polls_gives_the_same_picture_as_one_by_one() {
    let fleet = Synthetic::new(200, 2_000);
    let one_by_one = fleet.state(120, 40);
    let mut batched = fleet.empty_state(120, 40);
    update(&mut batched, Msg::SitesLoaded(Ok(fleet.sites())));
    update(&mut batched, Msg::Polls(fleet.round(0)));
    assert_eq!(batched.doc, one_by_one.doc);
    assert_eq!(batched.rows, one_by_one.rows);
    assert_eq!(batched.index, one_by_one.index);
    assert_eq!(screen(&batched), screen(&one_by_one));
}

#[test]
fn the_filter_keeps_every_crash_of_the_fleet_and_the_nodes_they_are_on() {
    let fleet = Synthetic::new(NODES, CONTAINERS);
    let mut state = fleet.state(160, 48);
    update(&mut state, Msg::Action(Action::Filter));
    for c in "state:crashed".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    let containers = state
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Container)
        .count();
    assert_eq!(containers, crashed_in(&fleet));
    // Each container's node (and its hypervisor) stays above it.
    for (i, row) in state.rows.iter().enumerate() {
        if row.kind == RowKind::Container {
            let above = state.rows[..i]
                .iter()
                .rev()
                .find(|r| r.kind == RowKind::Node)
                .expect("a node above");
            assert_eq!(above.name, row.node);
        }
    }
    // Cancelled, the whole fleet is back, the selection where it was.
    let selected = state.selected_id.clone();
    update(&mut state, Msg::FilterEdit(FilterEdit::Cancel));
    assert!(state.rows.len() > CONTAINERS + NODES);
    assert_eq!(state.selected_id, selected);
}

/// One node's new snapshot at a time (a guest, its hypervisor, a bare node; the last
/// one twice), each patched into what the console holds, in the tree with a filter on
/// and a node folded, then in the flat list sorted problems first: after each, the tree,
/// the counts, the rows and the screen are those of a whole rebuild, and the selection
/// is on the item it was on.
#[test]
fn one_node_at_a_time_gives_what_a_whole_rebuild_gives() {
    let fleet = Synthetic::new(200, 2_000);
    let guest = (0..fleet.node_count())
        .find(|&n| fleet.parent_of(n).is_some())
        .expect("a guest of a hypervisor");
    let hyper = fleet.parent_of(guest).expect("its hypervisor").to_string();
    let hyper = (0..fleet.node_count())
        .find(|&n| fleet.node_name(n) == hyper)
        .expect("the hypervisor's index");
    let bare = (0..fleet.node_count())
        .rev()
        .find(|&n| fleet.parent_of(n).is_none() && fleet.containers_of(n) > 0)
        .expect("a bare Docker node");
    let mut state = fleet.state(160, 48);
    let mut generation = 0;
    let mut check = |state: &mut State, what: &str| {
        let selected = state.selected_id.clone();
        for node in [guest, hyper, bare, bare] {
            generation += 1;
            update(state, Msg::Poll(fleet.poll(node, generation)));
            let mut whole = state.clone();
            whole.rebuild();
            let name = fleet.node_name(node);
            assert_eq!(state.doc, whole.doc, "{what}, {name}: the tree");
            assert_eq!(state.index, whole.index, "{what}, {name}: the counts");
            assert_eq!(state.rows, whole.rows, "{what}, {name}: the rows");
            assert_eq!(state.want, whole.want, "{what}, {name}: the columns");
            assert_eq!(screen(state), screen(&whole), "{what}, {name}: the screen");
            if state.rows.iter().any(|r| Some(&r.id) == selected.as_ref()) {
                assert_eq!(state.selected_id, selected, "{what}, {name}: the selection");
            }
        }
    };
    // On a container of the guest, in the tree.
    let on_guest = state
        .rows
        .iter()
        .position(|r| r.node == fleet.node_name(guest) && r.kind == RowKind::Container)
        .expect("a container of the guest");
    state.select(on_guest);
    check(&mut state, "tree");
    update(&mut state, Msg::Action(Action::Filter));
    for c in "state:crashed".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(&mut state, Msg::FilterEdit(FilterEdit::Accept));
    check(&mut state, "filtered");
    update(&mut state, Msg::Action(Action::Filter));
    update(&mut state, Msg::FilterEdit(FilterEdit::Cancel));
    let hyper_row = state
        .rows
        .iter()
        .position(|r| r.id == format!("node/{}", fleet.node_name(hyper)))
        .expect("the hypervisor's row");
    state.select(hyper_row);
    update(&mut state, Msg::Action(Action::Toggle));
    assert!(state.rows[hyper_row].collapsed);
    check(&mut state, "folded");
    update(&mut state, Msg::Action(Action::Flat));
    for _ in 0..3 {
        update(&mut state, Msg::Action(Action::Sort));
    }
    check(&mut state, "flat, problems first");
}
