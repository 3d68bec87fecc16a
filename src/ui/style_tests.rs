//! What the snapshots cannot see: style. The selected row is in reverse video, a down
//! node and a stopped container are red, a running one green, an error finding red and
//! bold; without colour (`NO_COLOR`) the reverse video stays and the colours go. Cells are
//! found by their text and their state, never by column, so a change of row layout does
//! not break these.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::tests::{draw, state};
use crate::app::{Action, Msg, State, update};

/// The screen row holding `text`.
fn line_with(buf: &Buffer, text: &str) -> u16 {
    (0..buf.area.height)
        .find(|&y| line_text(buf, y).contains(text))
        .unwrap_or_else(|| panic!("{text:?} is not on screen:\n{}", screen(buf)))
}

fn line_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

fn screen(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| line_text(buf, y))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The cells of `word` on screen row `y` (its first occurrence there).
fn cells<'a>(buf: &'a Buffer, y: u16, word: &str) -> Vec<&'a ratatui::buffer::Cell> {
    let want: Vec<String> = word.chars().map(String::from).collect();
    let width = usize::from(buf.area.width);
    let at = |x: usize| buf[(x as u16, y)].symbol();
    let start = (0..=width.saturating_sub(want.len()))
        .find(|&x| want.iter().enumerate().all(|(i, w)| at(x + i) == w))
        .unwrap_or_else(|| panic!("{word:?} not on row {y}: {:?}", line_text(buf, y)));
    (start..start + want.len())
        .map(|x| &buf[(x as u16, y)])
        .collect()
}

/// Whether `word` is in reverse video on some row (the tree's row; the details pane
/// may repeat the name elsewhere, not reversed).
fn reversed_somewhere(buf: &Buffer, word: &str) -> bool {
    (0..buf.area.height)
        .filter(|&y| line_text(buf, y).contains(word))
        .any(|y| reversed(buf, y, word))
}

fn all_fg(buf: &Buffer, y: u16, word: &str, color: Color) {
    for c in cells(buf, y, word) {
        assert_eq!(c.fg, color, "{word:?} on {:?}", line_text(buf, y));
    }
}

fn reversed(buf: &Buffer, y: u16, word: &str) -> bool {
    cells(buf, y, word)
        .iter()
        .all(|c| c.modifier.contains(Modifier::REVERSED))
}

fn buffer(s: &State) -> Buffer {
    draw(s, 120, 40).backend().buffer().clone()
}

#[test]
fn the_selected_row_and_only_it_is_in_reverse_video() {
    let mut s = state(false, 3);
    let first = s.rows[s.selected].name.clone();
    let buf = buffer(&s);
    assert!(reversed_somewhere(&buf, &first), "{first}");
    update(&mut s, Msg::Action(Action::Down));
    let second = s.rows[s.selected].name.clone();
    assert_ne!(first, second);
    let buf = buffer(&s);
    assert!(reversed_somewhere(&buf, &second), "{second}");
    assert!(
        !reversed_somewhere(&buf, &first),
        "{first} is no longer selected"
    );
    // Exactly one row of the tree is reversed (the status bar has its own style).
    let reversed_rows: Vec<&str> = s
        .rows
        .iter()
        .map(|r| r.name.as_str())
        .filter(|name| reversed_somewhere(&buf, name))
        .collect();
    assert_eq!(reversed_rows, [second.as_str()], "{}", screen(&buf));
}

#[test]
fn a_down_node_and_a_stopped_container_are_red_a_running_one_green() {
    let s = state(false, 3);
    let buf = buffer(&s);
    let garen = line_with(&buf, "garen");
    all_fg(&buf, garen, "✖", Color::Red);
    all_fg(&buf, garen, "down", Color::Red);
    let stopped = line_with(&buf, "fd-site01.example.org");
    all_fg(&buf, stopped, "✖", Color::Red);
    all_fg(&buf, stopped, "exited", Color::Red);
    let running = line_with(&buf, "fd-site00.example.org");
    all_fg(&buf, running, "●", Color::Green);
    all_fg(&buf, running, "running", Color::Green);
}

#[test]
fn an_error_finding_is_red_and_bold_and_the_selected_one_reversed() {
    let mut s = state(false, 3);
    update(&mut s, Msg::CheckDone(Ok(super::ops_tests::report())));
    let buf = buffer(&s);
    let mismatch = line_with(&buf, "ip_mismatch");
    all_fg(&buf, mismatch, "error", Color::Red);
    assert!(
        cells(&buf, mismatch, "error")
            .iter()
            .all(|c| c.modifier.contains(Modifier::BOLD))
    );
    assert!(
        reversed(&buf, mismatch, "ip_mismatch"),
        "the first finding is selected"
    );
    let unreachable = line_with(&buf, "node_unreachable");
    assert!(!reversed(&buf, unreachable, "node_unreachable"));
    all_fg(&buf, unreachable, "error", Color::Red);
}

#[test]
fn without_colour_the_states_keep_their_words_and_the_selection_its_reverse_video() {
    let mut s = state(false, 3);
    s.theme.color = false;
    let first = s.rows[s.selected].name.clone();
    let buf = buffer(&s);
    assert!(reversed_somewhere(&buf, &first));
    let garen = line_with(&buf, "garen");
    all_fg(&buf, garen, "down", Color::Reset);
    let stopped = line_with(&buf, "fd-site01.example.org");
    all_fg(&buf, stopped, "exited", Color::Reset);
}
