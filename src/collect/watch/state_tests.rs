use super::super::frame::{Framer, Record};
use super::*;
use crate::fleet::model::ForwardKind;

fn records() -> Vec<Record> {
    let text = super::super::frame::tests::fixture("watch/debian12-bash.out");
    Framer::default().push(text.as_bytes()).expect("records")
}

fn rec(name: &str, status: i32, body: &str) -> Record {
    Record {
        name: name.into(),
        status: Some(status),
        body: body.into(),
    }
}

#[test]
fn the_real_report_gives_what_a_poll_gives() {
    let all = records();
    let mut w = Watched::default();
    let mut complete_at = None;
    for (i, r) in all.iter().enumerate() {
        w.apply(r);
        if complete_at.is_none() && w.is_complete() {
            complete_at = Some(i);
        }
    }
    assert_eq!(complete_at, Some(8), "complete with the first heartbeat");
    let mut snap = NodeSnapshot::unknown("w1");
    w.fill(&mut snap);
    assert!(snap.fact_errors.is_empty(), "{:?}", snap.fact_errors);
    assert_eq!(
        snap.facts.os.as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)")
    );
    assert!(
        snap.facts
            .kernel
            .as_deref()
            .is_some_and(|k| k.starts_with("Linux "))
    );
    assert!(snap.facts.hostname.is_some());
    assert_eq!(snap.facts.uptime_secs, Some(9700));
    assert_eq!(snap.facts.load, Some([9.78, 10.50, 10.72]));
    assert_eq!(snap.bridges.len(), 1);
    assert_eq!(snap.bridges[0].name, "br0");
    assert_eq!(snap.bridges[0].addresses, ["10.99.0.1/24"]);
    assert_eq!(snap.bridges[0].ports[0].name, "vfix0");
    assert_eq!(snap.listening.len(), 1);
    assert_eq!(snap.listening[0].port, 8080);
    assert_eq!(snap.ssh_forwards.len(), 1);
    assert_eq!(snap.ssh_forwards[0].kind, ForwardKind::Remote);
    assert_eq!(
        w.hello.as_deref(),
        Some("fleetdeck-watch 1 tick=5 beat=2 nap=read")
    );
}

#[test]
fn only_a_real_change_is_news() {
    let all = records();
    let mut w = Watched::default();
    for r in &all[..9] {
        w.apply(r);
    }
    // Everything again (as after a reconnect): nothing new.
    for r in &all[..9] {
        assert_eq!(w.apply(r), Change::Quiet, "{} repeated", r.name);
    }
    // The listener that started is news; the heartbeat never is.
    let listening = all
        .iter()
        .rposition(|r| r.name == "listening")
        .expect("second listening");
    assert_eq!(w.apply(&all[listening]), Change::Shown);
    assert_eq!(w.apply(&all[listening]), Change::Quiet);
    assert_eq!(w.apply(all.last().expect("beat")), Change::Quiet);
    assert_eq!(w.apply(&rec("hostname", 0, "renamed\n")), Change::Shown);
    assert_eq!(w.apply(&rec("from-a-newer-script", 0, "x")), Change::Quiet);
}

#[test]
fn a_failed_command_is_that_facts_error_only() {
    let mut w = Watched::default();
    for r in records().iter().take(9) {
        w.apply(r);
    }
    assert_eq!(w.apply(&rec("listening", 127, "")), Change::Shown);
    assert_eq!(w.apply(&rec("links", 0, "not json")), Change::Quiet);
    assert_eq!(w.apply(&rec("addrs", 0, "[]")), Change::Shown);
    let mut snap = NodeSnapshot::unknown("w1");
    snap.fact_errors.push(FactError {
        fact: "guests",
        message: "kept".into(),
    });
    w.fill(&mut snap);
    let facts: Vec<&str> = snap.fact_errors.iter().map(|e| e.fact).collect();
    assert_eq!(facts, ["guests", "bridges", "listening"]);
    assert_eq!(
        snap.fact_error("listening"),
        Some("`ss -H -tln` exited with 127")
    );
    assert!(snap.facts.os.is_some(), "other facts stand");
    // No ssh client config (the file unreadable) is no forwards, not an error.
    assert_eq!(w.apply(&rec("sshcfg", 1, "")), Change::Shown);
    assert_eq!(w.forwards(), Some(&[][..]));
}

#[test]
fn addresses_before_links_or_a_bad_heartbeat_are_errors() {
    let mut w = Watched::default();
    w.apply(&rec("addrs", 0, "[]"));
    w.apply(&rec("beat", 0, "garbage"));
    let mut snap = NodeSnapshot::unknown("w1");
    w.fill(&mut snap);
    assert!(
        snap.fact_error("bridges")
            .is_some_and(|e| e.contains("before links"))
    );
    assert!(snap.fact_error("uptime").is_some());
    assert!(!w.is_complete());
}
