//! Snapshots of the screens, rendered to ratatui's TestBackend.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{Action, Keymap, Msg, State, update};
use crate::inventory::{Site, SiteState};

fn sites(n: usize) -> Vec<Site> {
    (0..n)
        .map(|i| Site {
            domain: format!("site{i:02}.example.org"),
            login: ["alice", "bob", "carol"][i % 3].into(),
            vlan: 100 + (i % 2) as u16,
            node: Some(["teemo", "garen"][i % 2].into()),
            ip: std::net::Ipv4Addr::new(10, 2, 0, 10 + i as u8),
            container_id: None,
            image: None,
            port: Some(80),
            state: if i == 1 {
                SiteState::Pending
            } else {
                SiteState::Active
            },
            created_at: String::new(),
            updated_at: String::new(),
        })
        .collect()
}

fn state(read_only: bool) -> State {
    State::new(
        read_only,
        "/etc/fleetdeck/config.toml".into(),
        "/var/lib/fleetdeck/inventory.db".into(),
        Keymap::defaults(),
    )
}

fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| super::render(f, state)).expect("draw");
    terminal
}

fn loaded(read_only: bool, n: usize) -> State {
    let mut s = state(read_only);
    update(&mut s, Msg::SitesLoaded(Ok(sites(n))));
    s
}

#[test]
fn loading_80x24() {
    insta::assert_snapshot!(draw(&state(false), 80, 24).backend());
}

#[test]
fn sites_80x24() {
    let mut s = loaded(false, 30);
    s.page_rows = super::table_rows(24);
    update(&mut s, Msg::Action(Action::PageDown));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn sites_160x48() {
    insta::assert_snapshot!(draw(&loaded(false, 5), 160, 48).backend());
}

#[test]
fn help_80x24() {
    let mut s = loaded(false, 5);
    update(&mut s, Msg::Action(Action::Help));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn read_only_80x24() {
    insta::assert_snapshot!(draw(&loaded(true, 3), 80, 24).backend());
}

#[test]
fn empty_inventory_80x24() {
    insta::assert_snapshot!(draw(&loaded(false, 0), 80, 24).backend());
}

#[test]
fn inventory_error_80x24() {
    let mut s = state(false);
    update(
        &mut s,
        Msg::SitesLoaded(Err("database disk image is malformed".into())),
    );
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut s = loaded(true, 40);
    update(&mut s, Msg::Action(Action::Help));
    for (w, h) in [(20, 5), (1, 1), (5, 20), (0, 0), (80, 2)] {
        draw(&s, w, h);
    }
    insta::assert_snapshot!(draw(&s, 20, 5).backend());
}

#[test]
fn selection_is_visible_at_the_bottom() {
    let mut s = loaded(false, 30);
    update(&mut s, Msg::Action(Action::Bottom));
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("> site29.example.org"), "{screen}");
}
