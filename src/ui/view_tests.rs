//! Snapshots of the palette, the logs and stats views and the help of each mode, at
//! 80x24, 160x48 and a tiny 20x5.

use tui_input::InputRequest;

use super::tests::{draw, state};
use crate::app::logs::{LogLine, LogStream};
use crate::app::stats::StatsSample;
use crate::app::{Action, FilterEdit, Msg, PaletteEdit, State, StreamEvent, View, update};

fn palette(s: &mut State, typed: &str) {
    update(s, Msg::Action(Action::Palette));
    for c in typed.chars() {
        update(
            s,
            Msg::Palette(PaletteEdit::Input(InputRequest::InsertChar(c))),
        );
    }
}

fn select(s: &mut State, name: &str) {
    let at = s.rows.iter().position(|r| r.name == name).expect(name);
    s.select(at);
}

fn with_logs(width: u16, height: u16) -> State {
    let mut s = state(false, 3);
    update(&mut s, Msg::Resized { width, height });
    select(&mut s, "fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Logs));
    let stream = s.last_stream;
    let lines = (0..60)
        .map(|i| LogLine {
            stream: if i % 7 == 3 {
                LogStream::Stderr
            } else {
                LogStream::Stdout
            },
            at: format!("10:{:02}:{:02}", i / 60, i % 60),
            text: if i % 7 == 3 {
                format!("GET /missing-{i} failed: file not found")
            } else {
                format!("10.2.0.1 - - \"GET /page-{i} HTTP/1.1\" 200 512")
            },
        })
        .collect();
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Data(lines),
        },
    );
    update(&mut s, Msg::Action(Action::Filter));
    for c in "missing-4".chars() {
        update(&mut s, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(&mut s, Msg::FilterEdit(FilterEdit::Accept));
    s
}

fn with_stats(width: u16, height: u16) -> State {
    let mut s = state(false, 3);
    update(&mut s, Msg::Resized { width, height });
    select(&mut s, "fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Stats));
    let stream = s.last_stream;
    let (mut cpu, mut system) = (0u64, 0u64);
    for i in 0..90u64 {
        let busy = (i * 37 % 100) * 1_000_000 + 5_000_000;
        let sample = StatsSample {
            cpu_total: cpu + busy,
            precpu_total: cpu,
            system: Some(system + 400_000_000),
            presystem: (i > 0).then_some(system),
            online_cpus: 4,
            mem_usage: (20 + i % 13) << 20,
            mem_cache: 4 << 20,
            mem_limit: 512 << 20,
            // One second between samples; the network and the disk busy.
            at: Some(i128::from(i) * 1_000_000_000),
            net: Some(crate::app::stats::Io {
                read: i * 3000,
                write: i * 1000,
            }),
            blkio: Some(crate::app::stats::Io {
                read: 4 << 20,
                write: i << 20,
            }),
            pids: Some(7),
            pids_limit: Some(100),
            limits: crate::app::stats::Limits::from_host_config(512 << 20, 2_000_000_000, 0, 0),
        };
        cpu += busy;
        system += 400_000_000;
        update(
            &mut s,
            Msg::Stats {
                stream,
                event: StreamEvent::Data(sample),
            },
        );
    }
    s
}

fn screen(s: &State, width: u16, height: u16) -> String {
    format!("{}", draw(s, width, height).backend())
}

#[test]
fn palette_with_candidates_80x24() {
    let mut s = state(false, 3);
    palette(&mut s, "pro");
    update(&mut s, Msg::Palette(PaletteEdit::Next));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn palette_with_node_candidates_160x48() {
    let mut s = state(false, 3);
    update(
        &mut s,
        Msg::Resized {
            width: 160,
            height: 48,
        },
    );
    palette(&mut s, "node ");
    insta::assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn palette_in_read_only_offers_nothing_that_changes() {
    let mut s = state(true, 3);
    palette(&mut s, "");
    let shown = screen(&s, 80, 24);
    assert!(
        shown.contains(":check") && shown.contains(":proxy plan"),
        "{shown}"
    );
    for hidden in [":create", ":delete", ":proxy apply"] {
        assert!(!shown.contains(hidden), "{hidden} offered:\n{shown}");
    }
}

#[test]
fn logs_with_stderr_and_a_search_hit_80x24() {
    let s = with_logs(80, 24);
    let shown = screen(&s, 80, 24);
    assert!(
        shown.contains("ERR 10:00:45 GET /missing-45"),
        "stderr marked in words:\n{shown}"
    );
    assert!(shown.contains("▶ERR"), "the hit is marked:\n{shown}");
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn logs_draw_sgr_colours_and_drop_other_escapes_80x24() {
    let mut s = state(false, 3);
    update(
        &mut s,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    select(&mut s, "fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Logs));
    let stream = s.last_stream;
    let line = |text: &str| LogLine {
        stream: LogStream::Stdout,
        at: "10:00:00".into(),
        text: text.into(),
    };
    let lines = vec![
        line("\u{1b}[32mINFO\u{1b}[0m started \u{1b}[1;31mERROR\u{1b}[m end"),
        line("clear\u{1b}[2J\u{1b}]52;c;aGk=\u{1b}\\ copied \u{1b}[38;5;208morange"),
    ];
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Data(lines),
        },
    );
    let terminal = draw(&s, 80, 24);
    let shown = format!("{}", terminal.backend());
    assert!(shown.contains("INFO started ERROR end"), "{shown}");
    assert!(shown.contains("clear copied orange"), "{shown}");
    assert!(!shown.contains("[2J") && !shown.contains("52;c"), "{shown}");
    let buffer = terminal.backend().buffer();
    let cell = |word: &str| {
        let (y, line) = shown
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(word))
            .expect(word);
        // The backend's lines are quoted: one column less.
        let x = line[..line.find(word).expect(word)].chars().count() - 1;
        buffer[(u16::try_from(x).expect("x"), u16::try_from(y).expect("y"))].clone()
    };
    assert_eq!(cell("INFO").fg, ratatui::style::Color::Green);
    assert_eq!(cell("started").fg, ratatui::style::Color::Reset);
    let error = cell("ERROR");
    assert_eq!(error.fg, ratatui::style::Color::Red);
    assert!(error.modifier.contains(ratatui::style::Modifier::BOLD));
    assert_eq!(cell("orange").fg, ratatui::style::Color::Indexed(208));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn w_wraps_long_log_lines_and_following_keeps_the_newest_in_sight() {
    let mut s = state(false, 3);
    update(
        &mut s,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    select(&mut s, "fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Logs));
    let stream = s.last_stream;
    let long = |i: usize| LogLine {
        stream: LogStream::Stdout,
        at: "10:00:00".into(),
        text: format!("line {i} {} tail-{i}", "x".repeat(150)),
    };
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Data((0..40).map(long).collect()),
        },
    );
    let shown = screen(&s, 80, 24);
    assert!(!shown.contains("tail-39"), "cut at the edge:\n{shown}");
    update(&mut s, Msg::Action(Action::Wrap));
    let shown = screen(&s, 80, 24);
    assert!(shown.contains("tail-39"), "the newest line whole:\n{shown}");
    assert!(shown.contains("line 39"), "{shown}");
    assert!(shown.contains("wrapped"), "{shown}");
    update(&mut s, Msg::Action(Action::Wrap));
    assert!(!screen(&s, 80, 24).contains("wrapped"));
}

#[test]
fn logs_following_160x48() {
    let mut s = with_logs(160, 48);
    update(&mut s, Msg::Action(Action::Bottom));
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert!(v.follow);
    insta::assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn logs_search_being_typed_80x24() {
    let mut s = with_logs(80, 24);
    update(&mut s, Msg::Action(Action::Filter));
    for c in "page-5".chars() {
        update(&mut s, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    let shown = screen(&s, 80, 24);
    assert!(shown.contains("/page-5"), "{shown}");
}

#[test]
fn stats_80x24() {
    insta::assert_snapshot!(draw(&with_stats(80, 24), 80, 24).backend());
}

#[test]
fn stats_160x48() {
    insta::assert_snapshot!(draw(&with_stats(160, 48), 160, 48).backend());
}

#[test]
fn stats_before_the_first_sample_80x24() {
    let mut s = state(false, 3);
    select(&mut s, "fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Stats));
    let shown = screen(&s, 80, 24);
    assert!(shown.contains("waiting for the first sample"), "{shown}");
}

#[test]
fn help_read_only_80x24() {
    let mut s = state(true, 3);
    update(&mut s, Msg::Action(Action::Help));
    let shown = screen(&s, 80, 24);
    for hidden in ["create a site", "delete the", "apply the proxy"] {
        assert!(!shown.contains(hidden), "{hidden} offered:\n{shown}");
    }
    assert!(shown.contains("check IPs"), "{shown}");
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn help_normal_160x48_lists_every_action() {
    let mut s = state(false, 3);
    update(&mut s, Msg::Action(Action::Help));
    let shown = screen(&s, 160, 48);
    for wanted in [
        "create / delete a site",
        "apply the proxy",
        "command palette",
        "shell on the node",
        "restart / stop or start",
        "engine record or facts / events",
    ] {
        assert!(shown.contains(wanted), "{wanted} missing:\n{shown}");
    }
    insta::assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn help_in_the_logs_view_lists_its_own_keys_80x24() {
    let mut s = with_logs(80, 24);
    update(&mut s, Msg::Action(Action::Help));
    let shown = screen(&s, 80, 24);
    assert!(shown.contains("follow new lines"), "{shown}");
    assert!(!shown.contains("expand or collapse"), "{shown}");
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn tiny_20x5_with_each_view_open() {
    let mut with_palette = state(false, 3);
    palette(&mut with_palette, "no");
    let mut logs = with_logs(20, 5);
    let stats = with_stats(20, 5);
    let mut logs_help = with_logs(20, 5);
    update(&mut logs_help, Msg::Action(Action::Help));
    for s in [&with_palette, &logs, &stats, &logs_help] {
        for (w, h) in [(20, 5), (1, 1), (0, 0), (5, 20), (80, 2), (100, 3)] {
            draw(s, w, h);
        }
    }
    update(&mut logs, Msg::Action(Action::Filter));
    draw(&logs, 20, 5);
    let all = [
        screen(&with_palette, 20, 5),
        screen(&logs, 20, 5),
        screen(&stats, 20, 5),
        screen(&logs_help, 20, 5),
    ]
    .join("\n");
    insta::assert_snapshot!(all);
}

#[test]
fn logs_and_stats_in_monochrome_ascii_are_plain_ascii() {
    for mut s in [with_logs(80, 24), with_stats(80, 24)] {
        s.theme = super::theme::Theme {
            color: false,
            ascii: true,
            ..Default::default()
        };
        let shown = screen(&s, 80, 24);
        assert!(shown.is_ascii(), "{shown}");
    }
}

/// A crash loop followed: lines of two runs with the exit between them marked.
fn crash_loop(width: u16, height: u16) -> State {
    let mut s = state(false, 3);
    update(&mut s, Msg::Resized { width, height });
    select(&mut s, "fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Logs));
    let stream = s.last_stream;
    let line = |at: &str, text: &str| LogLine {
        stream: LogStream::Stdout,
        at: at.into(),
        text: text.into(),
    };
    for (run, at) in [(1, "12:01:05"), (2, "12:01:07")] {
        update(
            &mut s,
            Msg::Logs {
                stream,
                event: StreamEvent::Data(vec![line(at, &format!("starting, run {run}"))]),
            },
        );
        update(
            &mut s,
            Msg::Logs {
                stream,
                event: StreamEvent::Data(vec![LogLine::exit_marker("3", at)]),
            },
        );
    }
    s
}

#[test]
fn logs_mark_each_exit_and_wait_for_a_restart_80x24() {
    let s = crash_loop(80, 24);
    let shown = screen(&s, 80, 24);
    assert_eq!(
        shown.matches("── exited (3) at 12:01:0").count(),
        2,
        "{shown}"
    );
    assert!(
        shown.contains("FOLLOWING") && shown.contains("exited (3), waiting for a restart"),
        "{shown}"
    );
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn logs_of_a_removed_container_say_so_and_follow_nothing_80x24() {
    let mut s = crash_loop(80, 24);
    let stream = s.last_stream;
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Closed("container removed".into()),
        },
    );
    let shown = screen(&s, 80, 24);
    assert!(shown.contains("ENDED: container removed"), "{shown}");
    assert!(!shown.contains("FOLLOWING"), "no contradiction:\n{shown}");
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn palette_says_how_many_candidates_are_not_shown_80x24() {
    let mut s = state(false, 3);
    palette(&mut s, "");
    let shown = screen(&s, 80, 24);
    assert!(shown.contains("more (type to narrow"), "{shown}");
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}
