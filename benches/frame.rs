//! One console frame with 10,000 tree items (issue 8 target: under 5 ms), and the state
//! work behind a poll that changes one container among them.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::app::{Keymap, Msg, State, update};
use fleetdeck::collect::docker::{ContainerInfo, ContainerNet, DockerFacts};
use fleetdeck::fleet::snapshot::PollEvent;
use fleetdeck::fleet::snapshot::{NodeSnapshot, NodeStatus};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NODES: usize = 10;
const PER_NODE: usize = 1_000;

fn container(node: usize, i: usize, state: &str) -> ContainerInfo {
    ContainerInfo {
        id: format!("{node:04x}{i:08x}"),
        name: format!("fd-site{node}-{i}.example.org"),
        image: "site:stable".into(),
        state: state.into(),
        status: String::new(),
        health: None,
        networks: vec![ContainerNet {
            network: "vlan100".into(),
            ip: Some(format!("10.{node}.{}.{}", i / 250, i % 250 + 2)),
        }],
        labels: [(
            "fleetdeck.domain".to_string(),
            format!("site{node}-{i}.example.org"),
        )]
        .into_iter()
        .collect(),
    }
}

fn snapshot(node: usize, changed: bool) -> PollEvent {
    let mut s = NodeSnapshot::unknown(&format!("n{node}"));
    s.status = NodeStatus::Up;
    s.address = Some(format!("10.{node}.255.1"));
    let containers = (0..PER_NODE)
        .map(|i| {
            container(
                node,
                i,
                if changed && i == 500 {
                    "exited"
                } else {
                    "running"
                },
            )
        })
        .collect();
    s.docker = Some(DockerFacts {
        containers,
        networks: Vec::new(),
    });
    PollEvent::Snapshot(Box::new(s))
}

fn state() -> State {
    let nodes: String = (0..NODES)
        .map(|n| format!("[[node]]\nname = \"n{n}\"\nssh = \"root@10.{n}.255.1\"\n"))
        .collect();
    let config =
        fleetdeck::config::load_str(&nodes, std::path::Path::new("bench.toml")).expect("config");
    let mut s = State::with_config(
        Arc::new(config),
        false,
        "cfg".into(),
        "inv".into(),
        Keymap::defaults(),
    );
    for n in 0..NODES {
        update(&mut s, Msg::Poll(snapshot(n, false)));
    }
    update(
        &mut s,
        Msg::Resized {
            width: 160,
            height: 48,
        },
    );
    assert!(s.rows.len() > NODES * PER_NODE, "{} rows", s.rows.len());
    s
}

fn frame(c: &mut Criterion) {
    let mut s = state();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    c.bench_function("frame 160x48, 10,010 tree rows", |b| {
        b.iter(|| {
            terminal
                .draw(|f| fleetdeck::ui::render(f, black_box(&s)))
                .expect("draw");
        })
    });
    // Scrolled to the middle: only visible rows are rendered, wherever they are.
    for _ in 0..5_000 {
        update(&mut s, Msg::Action(fleetdeck::app::Action::Down));
    }
    c.bench_function("frame 160x48, selection in the middle", |b| {
        b.iter(|| {
            terminal
                .draw(|f| fleetdeck::ui::render(f, black_box(&s)))
                .expect("draw");
        })
    });
    let mut flip = false;
    c.bench_function("update: one container changes state among 10,000", |b| {
        b.iter(|| {
            flip = !flip;
            update(&mut s, Msg::Poll(snapshot(3, flip)));
        })
    });
}

criterion_group!(benches, frame);
criterion_main!(benches);
