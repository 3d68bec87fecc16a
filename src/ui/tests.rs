//! Snapshots of the screens, rendered to ratatui's TestBackend.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{Action, Keymap, Msg, State, update};
use crate::fleet::docker::{ContainerInfo, ContainerNet, DockerFacts};
use crate::fleet::model::{Bridge, BridgePort, LinkState, NodeFacts, PortKind};
use crate::fleet::snapshot::PollEvent;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};
use crate::inventory::{Site, SiteState};

fn config() -> Arc<crate::config::Config> {
    Arc::new(
        crate::config::load_str(
            "[[node]]\nname = \"teemo\"\nssh = \"root@10.2.0.1\"\n\
             [[node]]\nname = \"garen\"\nssh = \"root@10.2.0.3\"\n\
             [[node]]\nname = \"bastion\"\nssh = \"admin@192.0.2.10\"\n\
             [[vlan]]\nid = 100\nnode = \"teemo\"\nsubnet = \"10.2.0.0/24\"\ngateway = \"10.2.0.254\"\n",
            std::path::Path::new("t.toml"),
        )
        .expect("config"),
    )
}

fn container(i: usize) -> ContainerInfo {
    ContainerInfo {
        restarts: None,
        id: format!("{i:012x}"),
        name: format!("fd-site{i:02}.example.org"),
        image: "fdlab/busybox:latest".into(),
        state: if i == 1 {
            "exited".into()
        } else {
            "running".into()
        },
        status: String::new(),
        health: None,
        networks: vec![ContainerNet {
            network: "vlan100".into(),
            ip: Some(format!("10.2.0.{}", 10 + i)),
        }],
        labels: [(
            "fleetdeck.domain".to_string(),
            format!("site{i:02}.example.org"),
        )]
        .into_iter()
        .collect(),
    }
}

pub(super) fn teemo(containers: usize) -> PollEvent {
    let mut s = NodeSnapshot::unknown("teemo");
    s.status = NodeStatus::Up;
    s.address = Some("10.2.0.1".into());
    s.last_seen = Some("2026-11-22T10:00:00Z".into());
    s.facts = NodeFacts {
        hostname: Some("teemo".into()),
        os: Some("Debian GNU/Linux 12 (bookworm)".into()),
        kernel: Some("Linux 6.1.0-18-amd64 x86_64".into()),
        uptime_secs: Some(90_000),
        load: Some([0.12, 0.2, 0.31]),
    };
    s.docker = Some(DockerFacts {
        containers: (0..containers).map(container).collect(),
        networks: Vec::new(),
    });
    s.bridges = vec![Bridge {
        name: "br0".into(),
        addresses: vec!["10.2.0.254/24".into()],
        ports: vec![BridgePort {
            name: "veth1a2b".into(),
            kind: PortKind::Veth,
            state: LinkState::Up,
        }],
        state: LinkState::Up,
    }];
    PollEvent::Snapshot(Box::new(s))
}

fn garen_down() -> PollEvent {
    let mut s = NodeSnapshot::unknown("garen");
    s.status = NodeStatus::Down;
    s.address = Some("10.2.0.3".into());
    s.error = Some("root@10.2.0.3:22 did not answer within 10s (tcp connect)".into());
    PollEvent::Snapshot(Box::new(s))
}

fn sites() -> Vec<Site> {
    vec![Site {
        domain: "site00.example.org".into(),
        login: "alice".into(),
        vlan: 100,
        node: Some("teemo".into()),
        ip: "10.2.0.10".parse().expect("ip"),
        container_id: None,
        image: None,
        port: Some(80),
        state: SiteState::Active,
        created_at: String::new(),
        updated_at: String::new(),
    }]
}

pub(super) fn state(read_only: bool, containers: usize) -> State {
    let mut s = State::with_config(
        config(),
        read_only,
        "/etc/fleetdeck/config.toml".into(),
        "/var/lib/fleetdeck/inventory.db".into(),
        Keymap::defaults(),
    );
    update(&mut s, Msg::SitesLoaded(Ok(sites())));
    update(&mut s, Msg::Poll(teemo(containers)));
    update(&mut s, Msg::Poll(garen_down()));
    // Fixed, so snapshots don't depend on the clock.
    s.data_as_of = Some("2026-11-22T10:00:05Z".into());
    s.activity.iter_mut().for_each(|a| a.at = "10:00:00".into());
    s
}

pub(super) fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| super::render(f, state)).expect("draw");
    terminal
}

#[test]
fn before_any_node_answers_80x24() {
    let s = State::with_config(
        config(),
        false,
        "built-in default".into(),
        "/tmp/i.db".into(),
        Keymap::defaults(),
    );
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn tree_80x24() {
    insta::assert_snapshot!(draw(&state(false, 3), 80, 24).backend());
}

#[test]
fn tree_and_details_of_a_container_160x48() {
    let mut s = state(false, 5);
    update(&mut s, Msg::Action(Action::Down));
    insta::assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn details_of_a_down_node_160x48() {
    let mut s = state(false, 2);
    let at = s
        .rows
        .iter()
        .position(|r| r.id == "node/garen")
        .expect("garen row");
    s.select(at);
    insta::assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn help_80x24() {
    let mut s = state(false, 3);
    update(&mut s, Msg::Action(Action::Help));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn read_only_80x24() {
    insta::assert_snapshot!(draw(&state(true, 2), 80, 24).backend());
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut s = state(true, 40);
    update(&mut s, Msg::Action(Action::Help));
    for (w, h) in [(20, 5), (1, 1), (5, 20), (0, 0), (80, 2), (100, 3)] {
        draw(&s, w, h);
    }
    insta::assert_snapshot!(draw(&s, 20, 5).backend());
}

#[test]
fn the_selection_stays_visible_at_the_bottom() {
    let mut s = state(false, 30);
    update(&mut s, Msg::Action(Action::Bottom));
    let screen = format!("{}", draw(&s, 80, 24).backend());
    assert!(screen.contains("bastion"), "{screen}");
}

#[test]
fn filter_80x24() {
    let mut s = state(false, 12);
    update(&mut s, Msg::Action(Action::Filter));
    for c in "site1".chars() {
        update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Insert(c)));
    }
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn monochrome_ascii_80x24() {
    let mut s = state(true, 3);
    s.theme = super::theme::Theme {
        color: false,
        ascii: true,
        ..Default::default()
    };
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(screen.is_ascii(), "only ASCII on screen:\n{screen}");
    for y in 0..24 {
        for x in 0..80 {
            let cell = &terminal.backend().buffer()[(x, y)];
            assert_eq!(cell.fg, ratatui::style::Color::Reset, "colour at {x},{y}");
        }
    }
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn activity_panel_with_a_node_going_down_120x30() {
    let mut s = state(false, 2);
    s.log(
        crate::app::Level::Warn,
        "[keys] fly: no such action; see `?` for the list",
    );
    s.activity.iter_mut().for_each(|a| a.at = "10:00:00".into());
    insta::assert_snapshot!(draw(&s, 120, 30).backend());
}

/// The notes of `config::load` (README "Nodes from Terraform") open the activity panel.
#[test]
fn terraform_notes_in_the_activity_panel_120x30() {
    let mut s = state(false, 2);
    let notes = [
        "terraform \"old\": state from /srv/old/terraform.tfstate: state format version 3 \
         is not supported (fleetdeck reads version 4); its nodes are not shown"
            .to_string(),
        "terraform \"infra\": hcloud_server.db skipped: no address: ipv4_address, \
         ipv6_address are empty or unknown (not applied yet?)"
            .to_string(),
    ];
    s.note_config(&notes);
    s.activity.iter_mut().for_each(|a| a.at = "10:00:00".into());
    let last: Vec<_> = s.activity.iter().rev().take(2).rev().collect();
    assert!(last.iter().all(|a| a.level == crate::app::Level::Warn));
    assert_eq!(last[0].text, notes[0]);
    assert_eq!(last[1].text, notes[1]);
    insta::assert_snapshot!(draw(&s, 120, 30).backend());
}

#[test]
fn hostile_names_and_messages_are_drawn_inert() {
    let mut s = state(false, 1);
    let mut snap = NodeSnapshot::unknown("teemo");
    snap.status = NodeStatus::Up;
    let mut evil = container(7);
    evil.name = "fd-\u{202e}gpj.exe\u{1b}]52;c;aGk=\u{7}".into();
    snap.docker = Some(DockerFacts {
        containers: vec![evil],
        networks: Vec::new(),
    });
    update(&mut s, Msg::Poll(PollEvent::Snapshot(Box::new(snap))));
    // The table cuts a long name; the details pane beside it shows it whole.
    let at = s
        .rows
        .iter()
        .position(|r| r.kind == crate::app::rows::RowKind::Container)
        .expect("the container row");
    s.select(at);
    s.log(
        crate::app::Level::Warn,
        "engine says \u{202e}olleh\u{1b}[2J",
    );
    let terminal = draw(&s, 160, 48);
    let shown: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        !shown.chars().any(crate::validate::is_dangerous),
        "a raw control or bidi character reached the screen"
    );
    assert!(
        shown.contains("\\u{202e}gpj.exe\\u{1b}]52;c;aGk=\\u{7}"),
        "the name, escaped"
    );
    assert!(
        shown.contains("\\u{202e}olleh\\u{1b}[2J"),
        "the activity line, escaped"
    );
}
