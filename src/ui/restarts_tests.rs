//! Restart counts in the table (a count above zero stands out, zero and unknown are
//! dimmed, `RST` at 80 columns and `RESTARTS` with room), the order by restarts, and a
//! folded node's one-line summary.

use ratatui::style::{Color, Modifier};

use super::table_tests::{crashing_state, crashing_teemo};
use super::tests::draw;
use crate::app::{Action, Msg, update};
use crate::fleet::snapshot::{FactError, PollEvent};

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
}

/// The column where `header` starts on the header line, and the cell of `row_needle`'s
/// row in that column's last character (counts are right-aligned under their title).
fn count_under(screen: &str, header: &str, row_needle: &str) -> (String, usize) {
    let head = line_with(screen, "NAME");
    let start = head[..head.find(header).expect(header)].chars().count();
    let end = start + header.chars().count();
    // The table's part of the line, left of any details pane.
    let row = screen
        .lines()
        .map(|l| l.split("││").next().unwrap_or(l))
        .find(|l| l.contains(row_needle))
        .unwrap_or_else(|| panic!("{row_needle:?} not in the table:\n{screen}"));
    let cell: String = row.chars().skip(start).take(end - start).collect();
    (cell.trim().to_string(), end - 1)
}

#[test]
fn restart_counts_stand_out_and_sort_first_80x24() {
    let mut s = crashing_state();
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(line_with(&screen, "NAME").contains(" RST "), "{screen}");
    for (row, count) in [
        ("fd-site03", "41"),
        ("fd-site01", "2"),
        ("fd-site00", "0"),
        ("fd-site04", "-"),
    ] {
        assert_eq!(
            count_under(&screen, "RST", row).0,
            count,
            "{row}:\n{screen}"
        );
    }
    // Colours: 41 yellow and bold, 0 and unknown dimmed.
    let buffer = terminal.backend().buffer();
    let cell = |row: &str| {
        let (_, x) = count_under(&screen, "RST", row);
        let y = screen.lines().position(|l| l.contains(row)).expect(row);
        // Lines are quoted in the backend's Display: one column less on the buffer.
        buffer[(
            u16::try_from(x - 1).expect("x"),
            u16::try_from(y).expect("y"),
        )]
            .clone()
    };
    let loud = cell("fd-site03");
    assert_eq!(loud.symbol(), "1", "the count's last digit");
    assert!(loud.fg == Color::Yellow && loud.modifier.contains(Modifier::BOLD));
    for quiet in ["fd-site00", "fd-site04"] {
        let c = cell(quiet);
        assert!(c.modifier.contains(Modifier::DIM), "{quiet}: {c:?}");
    }

    // `o` four times: by restarts, the crash loop first, unknown last.
    for _ in 0..4 {
        update(&mut s, Msg::Action(Action::Sort));
    }
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("sort: restarts"), "{screen}");
    let order: Vec<usize> = ["fd-site03", "fd-site01", "fd-site00", "fd-site04"]
        .iter()
        .map(|n| screen.find(n).expect(n))
        .collect();
    assert!(order.is_sorted(), "most restarts first:\n{screen}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn restarts_in_full_with_room_and_in_the_details_160x48() {
    // Names that fit leave room to spell the title out.
    let plain = super::tests::state(false, 3);
    let screen = format!("{}", draw(&plain, 160, 48).backend());
    assert!(
        line_with(&screen, "NAME").contains(" RESTARTS "),
        "{screen}"
    );
    assert_eq!(count_under(&screen, "RESTARTS", "fd-site00").0, "-");
    // A long name takes that room first: `RST`, and the count in the details.
    let mut s = crashing_state();
    let at = s
        .rows
        .iter()
        .position(|r| r.name == "fd-site03.example.org")
        .expect("row");
    s.select(at);
    let screen = format!("{}", draw(&s, 160, 48).backend());
    assert_eq!(count_under(&screen, "RST", "fd-site03").0, "41", "{screen}");
    assert!(
        screen.contains("restarts   41"),
        "the details pane:\n{screen}"
    );
}

#[test]
fn a_folded_node_says_running_of_all_crashes_and_problems_80x24() {
    let mut s = crashing_state();
    let mut snap = crashing_teemo();
    snap.fact_errors.push(FactError {
        fact: "guests",
        message: "virsh: permission denied".into(),
    });
    update(&mut s, Msg::Poll(PollEvent::Snapshot(snap)));
    let at = s
        .rows
        .iter()
        .position(|r| r.name == "teemo")
        .expect("teemo");
    s.select(at);
    update(&mut s, Msg::Action(Action::Collapse));
    let terminal = draw(&s, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(!screen.contains("fd-site00"), "folded:\n{screen}");
    let teemo = line_with(&screen, "teemo");
    assert!(
        teemo.contains("3/6 running, 2 crashed, 1 bridge") && teemo.contains("1 problem"),
        "the one-line summary: {teemo}"
    );
    insta::assert_snapshot!(terminal.backend());
}
