//! The read-only proof's witnesses, checked themselves (no lab needed): the SSH witness's
//! own list of reads, and the parsing of the lab's `commands.log` and dockerd lines.

mod support;

use support::audit::{parse_docker_call, parse_session};

/// The SSH witness's own list: what a poll and a proxy read send is accepted; anything
/// else, or a read with something glued on, is not.
#[test]
fn the_witness_knows_the_reads_and_nothing_else() {
    use support::audit::is_known_read;
    let after = " </dev/null; printf '\\036FDX%s\\036\\n' \"$?\"";
    let batch = |cmds: &[&str]| {
        cmds.iter()
            .map(|c| format!("env LC_ALL=C {c}{after}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let poll = batch(&[
        "hostname",
        "uname -srm",
        "cat /proc/uptime",
        "cat /proc/loadavg",
        "cat /etc/os-release",
        "ip -j -d link show",
        "ip -j addr show",
        "ss -H -tln",
        "cat -- .ssh/config",
        "virsh -c qemu:///system list --all",
    ]);
    for line in [
        poll.as_str(),
        "env LC_ALL=C cat -- /etc/nginx/sites-enabled/fleetdeck.conf",
        "env LC_ALL=C docker system dial-stdio",
        "env LC_ALL=C pgrep -a ssh",
        &format!("env LC_ALL=C {}", support::audit::watcher_line()),
    ] {
        assert!(is_known_read(line), "{line}");
    }
    let edited = support::audit::watcher_line().replace("ss -H -tln", "reboot");
    assert!(!is_known_read(&format!("env LC_ALL=C {edited}")));
    let with_write = batch(&["hostname", "docker rm -f web", "uname -srm"]);
    for line in [
        with_write.as_str(),
        "hostname",
        "env LC_ALL=C hostname; touch /tmp/x",
        "env LC_ALL=C cat -- /etc/passwd; rm -f /x",
        "env LC_ALL=C cat -- '/a b'",
        "env LC_ALL=C cat -- relative/path",
        "env LC_ALL=C docker ps",
        "env LC_ALL=C docker system dial-stdio --host tcp://x",
        "env LC_ALL=C flock -E 75 -w 10 /x sh -c 'mv a b'",
        "env LC_ALL=C virsh -c qemu:///system destroy web",
        "env LC_ALL=C uname -srm >/tmp/x",
    ] {
        assert!(!is_known_read(line), "{line}");
    }
}

#[test]
fn log_lines_parse() {
    let s = parse_session(r"1795323856.855299 h1 m5eGyTF0qo2E9FnK exec a\\b\nc\x1e d")
        .expect("session");
    assert_eq!(s.command.as_deref(), Some("a\\b\nc\u{1e} d"));
    assert_eq!(s.key, "m5eGyTF0qo2E9FnK");
    let s = parse_session("1.0 h2 - shell").expect("shell");
    assert_eq!(s.command, None);
    assert!(parse_session("1.0 h2 - exec bad\\q").is_none());
    assert_eq!(
        parse_docker_call(
            r#"time="2026-11-22T05:04:27Z" level=debug msg="Calling POST /v1.41/containers/x/stop""#
        ),
        Some(("POST".into(), "/v1.41/containers/x/stop".into()))
    );
    assert_eq!(parse_docker_call("level=info msg=\"Reloaded\""), None);
}
