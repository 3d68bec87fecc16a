use proptest::prelude::*;

use super::*;

fn row(s: &ListeningSocket) -> (&str, Option<&str>, u16, Option<&str>, Option<u32>) {
    (
        s.addr.as_str(),
        s.scope.as_deref(),
        s.port,
        s.process.as_deref(),
        s.pid,
    )
}

#[test]
fn every_address_form() {
    let sockets = parse_ss_listening(fixture!("ss/tlnp.txt")).expect("must succeed");
    let got: Vec<_> = sockets.iter().map(row).collect();
    assert_eq!(
        got,
        [
            ("0.0.0.0", None, 22, Some("sshd"), Some(693)),
            (
                "127.0.0.53",
                Some("lo"),
                53,
                Some("systemd-resolve"),
                Some(512)
            ),
            ("0.0.0.0", None, 80, Some("nginx"), Some(1204)),
            ("127.0.0.1", None, 2222, Some("sshd"), Some(30211)),
            ("10.2.0.254", None, 2375, Some("dockerd"), Some(880)),
            ("::", None, 22, Some("sshd"), Some(693)),
            ("::1", None, 2222, Some("sshd"), Some(30211)),
            ("*", None, 8080, Some("apache2"), Some(977)),
            ("fe80::5054:ff:feaa:1", Some("br0"), 5353, None, None),
            ("*", None, 9100, None, None),
        ]
    );
    assert!(sockets[0].is_wildcard() && sockets[5].is_wildcard() && sockets[7].is_wildcard());
    assert!(!sockets[3].is_wildcard());
    assert_eq!(sockets[6].ip(), Some("::1".parse().expect("must succeed")));
}

#[test]
fn header_netid_and_empty() {
    let text = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n\
                LISTEN 0      128    0.0.0.0:22         0.0.0.0:*\n\
                tcp LISTEN 0 128 [::1%lo]:631 [::]:* users:((\"cupsd\",pid=9,fd=7))\n";
    let sockets = parse_ss_listening(text).expect("must succeed");
    assert_eq!(sockets.len(), 2);
    assert_eq!(
        row(&sockets[1]),
        ("::1", Some("lo"), 631, Some("cupsd"), Some(9))
    );
    assert!(parse_ss_listening("").expect("must succeed").is_empty());
    assert!(parse_ss_listening("\n\n").expect("must succeed").is_empty());
}

#[test]
fn process_names_with_odd_characters() {
    let text = "LISTEN 0 5 127.0.0.1:631 0.0.0.0:* users:((\"Web Content, x\",pid=42,fd=3))\n";
    let sockets = parse_ss_listening(text).expect("must succeed");
    assert_eq!(sockets[0].process.as_deref(), Some("Web Content, x"));
    assert_eq!(sockets[0].pid, Some(42));
}

#[test]
fn garbage_names_the_line() {
    let err = parse_ss_listening("LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nLISTEN 0 128\n")
        .expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "ss -tlnp: line 2: expected at least 5 columns (State Recv-Q Send-Q Local Peer), got 3"
    );
    let err =
        parse_ss_listening("LISTEN 0 128 0.0.0.0:ssh 0.0.0.0:*\n").expect_err("must be refused");
    assert!(err.message.contains("-n"), "{err}");
    let err =
        parse_ss_listening("LISTEN 0 128 example.org:22 0.0.0.0:*\n").expect_err("must be refused");
    assert!(err.message.contains("example.org"), "{err}");
    let err = parse_ss_listening("LISTEN x y 0.0.0.0:22 0.0.0.0:*\n").expect_err("must be refused");
    assert!(err.message.contains("Recv-Q"), "{err}");
    for bad in ["[::1:22", "[::1]x:22", "0.0.0.0%:22", "22", "0.0.0.0:70000"] {
        assert!(local_address(bad).is_err(), "{bad}");
    }
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC*") {
        let _ = parse_ss_listening(&text);
    }

    #[test]
    fn ss_like_text_never_panics(text in "(LISTEN [0-9]{1,2} [0-9]{1,3} [\\[\\]0-9a-f:.%*lo]{1,20} [*:\\[\\]0-9.]{1,8}( users:\\(\\(\"[a-z]{0,5}\"?,?(pid=[0-9]{0,5})?.{0,5})?\n){0,4}") {
        let _ = parse_ss_listening(&text);
    }

    #[test]
    fn round_trips(sockets in proptest::collection::vec(
        (any::<std::net::IpAddr>(), any::<u16>(), proptest::option::of(("[a-z][a-z0-9_-]{0,14}", any::<u32>()))),
        0..8,
    )) {
        let mut text = String::new();
        for (ip, port, owner) in &sockets {
            let local = match ip {
                std::net::IpAddr::V4(v4) => format!("{v4}:{port}"),
                std::net::IpAddr::V6(v6) => format!("[{v6}]:{port}"),
            };
            let users = owner.as_ref().map_or(String::new(), |(name, pid)| format!("users:((\"{name}\",pid={pid},fd=3))"));
            text.push_str(&format!("LISTEN 0      128    {local:>30} 0.0.0.0:*    {users}\n"));
        }
        let parsed = parse_ss_listening(&text).expect("must succeed");
        prop_assert_eq!(parsed.len(), sockets.len());
        for (p, (ip, port, owner)) in parsed.iter().zip(&sockets) {
            prop_assert_eq!(p.ip(), Some(*ip));
            prop_assert_eq!(p.port, *port);
            prop_assert_eq!(p.process.clone(), owner.as_ref().map(|o| o.0.clone()));
            prop_assert_eq!(p.pid, owner.as_ref().map(|o| o.1));
        }
    }
}
