//! `update` for a followed log across a crash loop: exit markers, the view waiting for a
//! restart, and a stream that is over saying why (README "Logs").

use super::view_tests::{select_named, state};
use super::*;
use crate::app::logs::{LogLine, LogStream, StreamStatus};
use crate::app::msg::StreamEvent;

fn line(text: &str) -> LogLine {
    LogLine {
        stream: LogStream::Stdout,
        at: "12:01:06".into(),
        text: text.into(),
    }
}

fn logs(s: &mut State, stream: u64, event: StreamEvent<Vec<LogLine>>) {
    update(s, Msg::Logs { stream, event });
}

fn status(s: &State) -> StreamStatus {
    match &s.view {
        View::Logs(v) => v.status.clone(),
        _ => panic!("logs view expected"),
    }
}

#[test]
fn exits_are_marked_and_the_next_run_is_live_again() {
    let mut s = state(false);
    select_named(&mut s, "fdtu-logs");
    update(&mut s, Msg::Action(Action::Logs));
    let stream = s.last_stream;
    logs(&mut s, stream, StreamEvent::Data(vec![line("boom 1")]));
    assert_eq!(status(&s), StreamStatus::Live);

    s.dirty = false;
    logs(
        &mut s,
        stream,
        StreamEvent::Data(vec![LogLine::exit_marker("3", "12:01:07")]),
    );
    assert!(s.dirty, "the marker is drawn");
    assert_eq!(status(&s), StreamStatus::Waiting("exited (3)".into()));
    logs(&mut s, stream, StreamEvent::Data(vec![line("boom 2")]));
    assert_eq!(status(&s), StreamStatus::Live);
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    let texts: Vec<&str> = v.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["boom 1", "exited (3)", "boom 2"]);
    assert!(v.follow, "still following");
}

#[test]
fn a_removed_container_ends_the_view_with_the_reason() {
    let mut s = state(false);
    select_named(&mut s, "fdtu-logs");
    update(&mut s, Msg::Action(Action::Logs));
    let stream = s.last_stream;
    logs(
        &mut s,
        stream,
        StreamEvent::Closed("container removed".into()),
    );
    assert_eq!(status(&s), StreamStatus::Closed("container removed".into()));
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text == "logs of fdtu-logs: container removed"),
        "the activity log says why too"
    );
    logs(
        &mut s,
        stream,
        StreamEvent::Failed("engine unreachable: refused".into()),
    );
    assert!(status(&s).is_over());
}
