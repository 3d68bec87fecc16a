use super::*;

fn rec(name: &str, status: i32, body: &str) -> Record {
    Record {
        name: name.into(),
        status: Some(status),
        body: body.into(),
    }
}

#[test]
fn records_come_out_whole_with_bodies_as_printed() {
    let text = "\x1eFDW hello\nfleetdeck-watch 1\n\x1eFDW end 0\n\
                \x1eFDW links\n[{\"ifname\":\"lo\"}]\n\n\x1eFDW end 0\n\
                \x1eFDW sshcfg\n\n\x1eFDW end 1\n";
    let got = Framer::default().push(text.as_bytes()).expect("records");
    assert_eq!(
        got,
        vec![
            rec("hello", 0, "fleetdeck-watch 1"),
            rec("links", 0, "[{\"ifname\":\"lo\"}]\n"),
            rec("sshcfg", 1, ""),
        ]
    );
}

#[test]
fn a_record_cut_anywhere_waits_for_the_rest() {
    let text = "\x1eFDW listening\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n\n\x1eFDW end 0\n\x1eFDW beat\n1.0 2.0\n";
    for cut in 0..text.len() {
        let mut framer = Framer::default();
        let mut got = framer.push(&text.as_bytes()[..cut]).expect("a prefix");
        got.extend(framer.push(&text.as_bytes()[cut..]).expect("the rest"));
        assert_eq!(got.len(), 1, "cut at {cut}");
        assert_eq!(got[0].name, "listening");
        assert_eq!(got[0].body, "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n");
    }
}

#[test]
fn anything_else_is_an_error_never_a_panic() {
    let err = Framer::default()
        .push(b"Welcome to node1!\n")
        .expect_err("garbage");
    assert!(matches!(err, FrameError::Garbage { .. }), "{err}");
    assert!(err.to_string().contains("Welcome"), "{err}");
    // A status that is not a number is kept as unknown.
    let got = Framer::default()
        .push(b"\x1eFDW kernel\nLinux\n\x1eFDW end x\n")
        .expect("record");
    assert_eq!(got[0].status, None);
    let mut framer = Framer::default();
    let mut big = b"\x1eFDW links\n".to_vec();
    big.resize(MAX_RECORD + 2, b'x');
    assert!(matches!(
        framer.push(&big),
        Err(FrameError::TooLarge { .. })
    ));
}

#[test]
fn the_real_script_output_frames() {
    let text = fixture("watch/debian12-bash.out");
    let got = Framer::default().push(text.as_bytes()).expect("records");
    let names: Vec<&str> = got.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "hello",
            "kernel",
            "os",
            "hostname",
            "links",
            "addrs",
            "listening",
            "sshcfg",
            "beat",
            // The bridge's IPv6 link-local address settles (if_inet6 changed), then a
            // listener starts (`busybox nc -l -p 8080`) in the namespace.
            "links",
            "addrs",
            "listening",
            "beat"
        ]
    );
    assert!(got.iter().all(|r| r.status.is_some()));
}

pub(in crate::collect::watch) fn fixture(path: &str) -> String {
    let at = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&at).unwrap_or_else(|e| panic!("{}: {e}", at.display()))
}
