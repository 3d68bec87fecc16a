//! Containers whose healthcheck fails or is starting, on screen: their own glyph, word
//! and colour, in colour and in monochrome ASCII.

use ratatui::style::{Color, Modifier};

use super::tests::{draw, state, teemo};
use crate::app::{Action, Msg, State, update};
use crate::fleet::docker::ContainerHealth;
use crate::fleet::snapshot::PollEvent;

/// teemo with site00 unhealthy, site01 exited (as in every snapshot), site02 starting
/// and site03 healthy; the selection on site00.
fn sick_state() -> State {
    let mut s = state(false, 4);
    let PollEvent::Snapshot(mut snap) = teemo(4) else {
        panic!("teemo() is a snapshot");
    };
    let containers = &mut snap.docker.as_mut().expect("docker facts").containers;
    for (c, health, status) in [
        (0, ContainerHealth::Unhealthy, "Up 3 minutes (unhealthy)"),
        (
            2,
            ContainerHealth::Starting,
            "Up 2 seconds (health: starting)",
        ),
        (3, ContainerHealth::Healthy, "Up 1 hour (healthy)"),
    ] {
        containers[c].health = Some(health);
        containers[c].status = status.into();
    }
    update(&mut s, Msg::Poll(PollEvent::Snapshot(snap)));
    update(&mut s, Msg::Action(Action::Down));
    // Fixed, so snapshots don't depend on the clock.
    s.data_as_of = Some("2026-11-22T10:00:05Z".into());
    s
}

/// The cell where `word` starts on line `y` of the screen.
fn find(screen: &ratatui::buffer::Buffer, word: &str) -> (u16, u16) {
    let width = screen.area.width;
    for y in 0..screen.area.height {
        let line: String = (0..width).map(|x| screen[(x, y)].symbol()).collect();
        if let Some(at) = line.find(word) {
            let x = line[..at].chars().count();
            return (u16::try_from(x).expect("fits"), y);
        }
    }
    panic!("{word:?} not on screen");
}

#[test]
fn an_unhealthy_container_160x48() {
    let s = sick_state();
    let terminal = draw(&s, 160, 48);
    let screen = terminal.backend().buffer();
    // Its word and glyph are a crash's: red and bold, never green, with their own glyph.
    let (x, y) = find(screen, "unhealthy ");
    assert_eq!(screen[(x, y)].fg, Color::Red);
    assert!(screen[(x, y)].modifier.contains(Modifier::BOLD));
    let (gx, gy) = find(screen, "▲ fd-site00");
    assert_eq!((screen[(gx, gy)].fg, gy), (Color::Red, y));
    let (x, y) = find(screen, "exited");
    assert_eq!(screen[(x, y)].fg, Color::Red);
    assert!(
        !screen[(x, y)].modifier.contains(Modifier::BOLD),
        "a plain stop"
    );
    let (x, y) = find(screen, "starting");
    assert_eq!(screen[(x, y)].fg, Color::Yellow);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn an_unhealthy_container_in_monochrome_ascii_80x24() {
    let mut s = sick_state();
    s.theme = super::theme::Theme {
        color: false,
        ascii: true,
        ..Default::default()
    };
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(screen.is_ascii(), "{screen}");
    assert!(
        screen.contains("! fd-site00.example.org unhealthy"),
        "a glyph and a word without colour:\n{screen}"
    );
    assert!(
        screen.contains("~ fd-site02.example.org starting"),
        "{screen}"
    );
    assert!(
        screen.contains("* fd-site03.example.org running"),
        "{screen}"
    );
    insta::assert_snapshot!(terminal.backend());
}
