//! The fleet as a table at 80x24 and 160x48: columns, crashes and finished jobs, the
//! flat list in "problems first" order, the full-screen details.

use ratatui::style::{Color, Modifier};

use super::tests::{draw, state, teemo};
use crate::app::{Action, Msg, State, update};
use crate::fleet::snapshot::{NodeSnapshot, PollEvent};

/// teemo with six containers: 0 running for 3 hours, 1 exited 3 two minutes ago, 2
/// exited 0 (a finished job), 3 restarting, 4 and 5 running. Restart counts: 3 has 41,
/// 1 has 2, 4's is unknown, the others 0.
pub(super) fn crashing_teemo() -> Box<NodeSnapshot> {
    let PollEvent::Snapshot(mut snap) = teemo(6) else {
        panic!("teemo() is a snapshot");
    };
    let containers = &mut snap.docker.as_mut().expect("docker facts").containers;
    for (c, state, status, restarts) in [
        (0, "running", "Up 3 hours", Some(0)),
        (1, "exited", "Exited (3) 2 minutes ago", Some(2)),
        (2, "exited", "Exited (0) 5 days ago", Some(0)),
        (3, "restarting", "Restarting (137) 4 seconds ago", Some(41)),
        (4, "running", "Up About an hour", None),
        (5, "running", "Up 12 seconds", Some(0)),
    ] {
        containers[c].state = state.into();
        containers[c].status = status.into();
        containers[c].restarts = restarts;
    }
    containers[5].name = "fd-a-rather-long-container-name-for-a-bastion".into();
    snap
}

/// The console with [`crashing_teemo`].
pub(super) fn crashing_state() -> State {
    let mut s = state(false, 6);
    update(&mut s, Msg::Poll(PollEvent::Snapshot(crashing_teemo())));
    s.data_as_of = Some("2026-11-22T10:00:05Z".into());
    s
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
}

#[test]
fn crashes_exit_codes_and_ages_80x24() {
    let s = crashing_state();
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(
        line_with(&screen, "fd-site01").contains("✘"),
        "a crash has its glyph"
    );
    assert!(line_with(&screen, "fd-site01").contains("exited (3) 2m"));
    assert!(line_with(&screen, "fd-site02").contains("exited (0) 5d"));
    assert!(line_with(&screen, "fd-site03").contains("restarting (137) …"));
    assert!(line_with(&screen, "fd-site00").contains("running 3h"));
    let long = line_with(&screen, "fd-a-rather");
    assert!(
        long.contains("…") && long.contains("running 12s"),
        "cut, state shown: {long}"
    );
    assert!(line_with(&screen, "teemo up").contains("3/6 running, 2 crashed"));
    assert!(
        line_with(&screen, "READ-WRITE").contains("│ 2 crashed │"),
        "{screen}"
    );
    // Colours: a crash is red and bold, a finished job dimmed.
    let buffer = terminal.backend().buffer();
    let cell_of = |needle: &str| {
        let y = screen
            .lines()
            .position(|l| l.contains(needle))
            .expect(needle);
        let line = screen.lines().nth(y).unwrap_or_default();
        // Lines are quoted in the backend's Display: skip the opening quote.
        let x = line[..line.find(needle).expect(needle)].chars().count() - 1;
        &buffer[(u16::try_from(x).expect("x"), u16::try_from(y).expect("y"))]
    };
    let crash = cell_of("exited (3)");
    assert_eq!(crash.fg, Color::Red);
    assert!(crash.modifier.contains(Modifier::BOLD));
    let done = cell_of("exited (0)");
    assert!(
        done.modifier.contains(Modifier::DIM) && done.fg == Color::Reset,
        "exit 0 is dimmed, never drawn in grey (unreadable on Solarized)"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn flat_list_problems_first_160x48() {
    let mut s = crashing_state();
    update(&mut s, Msg::Action(Action::Flat));
    for _ in 0..3 {
        update(&mut s, Msg::Action(Action::Sort));
    }
    let terminal = draw(&s, 160, 48);
    let screen = format!("{}", terminal.backend());
    assert!(
        screen.contains("Containers  sort: problems first"),
        "{screen}"
    );
    let order: Vec<usize> = ["fd-site01", "fd-site03", "fd-site00", "fd-site02"]
        .iter()
        .map(|n| screen.find(n).expect(n))
        .collect();
    assert!(
        order.is_sorted(),
        "crashes first, finished jobs last:\n{screen}"
    );
    assert!(
        line_with(&screen, "fd-site01").contains("teemo"),
        "the node column"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn details_full_screen_80x24() {
    let mut s = crashing_state();
    let at = s
        .rows
        .iter()
        .position(|r| r.name == "fd-site01.example.org")
        .expect("row");
    s.select(at);
    update(&mut s, Msg::Action(Action::Details));
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(
        screen.contains("Details: fd-site01.example.org"),
        "{screen}"
    );
    assert!(
        screen.contains("container  fd-site01.example.org"),
        "{screen}"
    );
    assert!(
        screen.contains("state      exited (Exited (3) 2 minutes ago)"),
        "{screen}"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn the_activity_log_full_screen_keeps_every_line_whole_80x24() {
    let mut s = crashing_state();
    for i in 0..60 {
        s.log(
            crate::app::Level::Info,
            format!(
                "step {i}: a long line that an 80-column panel would cut, kept whole here {}",
                "x".repeat(20)
            ),
        );
    }
    s.activity.iter_mut().for_each(|a| a.at = "10:00:00".into());
    update(&mut s, Msg::Action(Action::Activity));
    let screen = format!("{}", draw(&s, 80, 24).backend());
    assert!(screen.contains("Activity of this session"), "{screen}");
    assert!(screen.contains("step 59"), "the newest line: {screen}");
    assert!(
        screen.contains("xxxxxxxxxxxxxxxxxxxx"),
        "wrapped, whole: {screen}"
    );
    update(&mut s, Msg::Action(Action::Top));
    let screen = format!("{}", draw(&s, 80, 24).backend());
    assert!(
        screen.contains("garen down"),
        "the first line is kept: {screen}"
    );
    update(&mut s, Msg::Action(Action::Filter));
    for c in "step 42:".chars() {
        update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Insert(c)));
    }
    update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Accept));
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("1 of 61 lines"), "{screen}");
    assert!(!screen.contains("step 41"), "{screen}");
    insta::assert_snapshot!(terminal.backend());
    update(&mut s, Msg::Action(Action::Close));
    assert!(matches!(s.view, crate::app::View::Tree));
}

#[test]
fn the_operation_in_flight_is_never_cut_to_a_stub_at_80_columns() {
    let mut s = crashing_state();
    s.op_busy = Some("delete shop.customer-with-a-long-name.example.org".into());
    s.last_session = Some("ssh teemo: exit 0".into());
    let screen = format!("{}", draw(&s, 80, 24).backend());
    let status = screen.lines().last().unwrap_or_default();
    assert!(
        status.contains("delete …") && status.contains(".org… 0:00"),
        "the verb, the end of its target and the time: {status}"
    );
    assert!(
        status.contains("2 crashed") && status.contains("? help"),
        "{status}"
    );
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
    // Wide, everything shows: the time of the data too.
    let wide = format!("{}", draw(&s, 160, 48).backend());
    let status = wide.lines().last().unwrap_or_default();
    assert!(
        status.contains("10:00:05") && status.contains("delete shop"),
        "{status}"
    );
}

#[test]
fn an_operation_in_flight_shows_on_its_row_and_the_check_its_age_80x24() {
    let mut s = state(false, 3);
    s.now = "2026-12-02T10:00:00Z".into();
    update(&mut s, Msg::CheckDone(Ok(super::ops_tests::report())));
    update(&mut s, Msg::Action(Action::Close));
    s.begin_op("stop teemo/fd-site01.example.org".into());
    s.now = "2026-12-02T10:00:04Z".into();
    let screen = format!("{}", draw(&s, 80, 24).backend());
    let row = screen
        .lines()
        .find(|l| l.contains("fd-site01.example.org"))
        .unwrap_or_default();
    assert!(row.contains("stopping… 4s"), "{row}\n{screen}");
    let status = screen.lines().last().unwrap_or_default();
    assert!(
        status.contains("stop ") && status.contains("… 0:04"),
        "{status}"
    );
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
    // Old figures are dimmed.
    s.now = "2026-12-02T11:00:00Z".into();
    s.end_op();
    let terminal = draw(&s, 80, 24);
    let shown = format!("{}", terminal.backend());
    let status = shown.lines().last().unwrap_or_default();
    assert!(status.contains("2 problems 1h ago"), "{status}");
    let x = status
        .find("2 problems")
        .map(|b| status[..b].chars().count() - 1);
    let cell = &terminal.backend().buffer()[(u16::try_from(x.unwrap_or(0)).unwrap_or(0), 23)];
    assert!(cell.modifier.contains(Modifier::DIM), "{status}");
}

#[test]
fn stats_of_an_exited_container_say_it_is_not_running_80x24() {
    let mut s = crashing_state();
    let at = s
        .rows
        .iter()
        .position(|r| {
            r.state.starts_with("exited (3)")
                || r.cells
                    .as_ref()
                    .is_some_and(|c| c.state.starts_with("exited (3)"))
        })
        .expect("the exited container");
    s.select(at);
    update(&mut s, Msg::Action(Action::Stats));
    let screen = format!("{}", draw(&s, 80, 24).backend());
    assert!(
        screen.contains("not running (exited 3, 2m ago)"),
        "{screen}"
    );
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn the_status_bar_keeps_its_fields_in_place_as_seconds_pass_160x48() {
    let mut s = crashing_state();
    s.begin_op("stop teemo/fd-site01.example.org".into());
    let bar_at = |s: &State, secs: u64| {
        let mut s = s.clone();
        s.now = format!("2026-12-02T10:{:02}:{:02}Z", secs / 60, secs % 60);
        let screen = format!("{}", draw(&s, 160, 48).backend());
        screen.lines().last().unwrap_or_default().to_string()
    };
    s.op_since = Some("2026-12-02T10:00:00Z".into());
    let (nine, ten) = (bar_at(&s, 9), bar_at(&s, 10));
    assert!(
        nine.contains("0:09") && ten.contains("0:10"),
        "{nine}\n{ten}"
    );
    let cfg = |bar: &str| bar.find(" cfg ");
    assert_eq!(
        cfg(&nine),
        cfg(&ten),
        "the paths do not move:\n{nine}\n{ten}"
    );
    assert!(cfg(&nine).is_some(), "{nine}");
}
