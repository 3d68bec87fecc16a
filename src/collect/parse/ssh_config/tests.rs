use proptest::prelude::*;

use super::*;

type Summary<'a> = (
    ForwardKind,
    &'a str,
    Option<&'a str>,
    u16,
    Option<(&'a str, u16)>,
);

fn summary(f: &SshForward) -> Summary<'_> {
    (
        f.kind,
        f.host_alias.as_str(),
        f.listen.host.as_deref(),
        f.listen.port,
        f.target.as_ref().map(|t| (t.host.as_str(), t.port)),
    )
}

#[test]
fn every_spelling() {
    use ForwardKind::{Local, Remote};
    let forwards = parse_ssh_forwards(fixture!("ssh/config-tunnels.txt")).expect("must succeed");
    let got: Vec<_> = forwards.iter().map(summary).collect();
    // `Host *` comes first in the file, so its forward is each alias's first; the
    // `Match ... exec` block never matches (nothing is run).
    let star = |alias| (Local, alias, None, 9999, Some(("localhost", 9999)));
    let hyper1 = |alias| {
        [
            star(alias),
            (Local, alias, None, 8080, Some(("localhost", 80))),
            (
                Local,
                alias,
                Some("127.0.0.1"),
                8443,
                Some(("10.2.0.5", 443)),
            ),
            (Local, alias, None, 5432, Some(("db.internal", 5432))),
            (Local, alias, Some("*"), 2375, Some(("fd00:2::fe", 2375))),
        ]
    };
    let mut want = vec![
        star("central"),
        (Remote, "central", None, 2201, Some(("localhost", 22))),
        (
            Remote,
            "central",
            Some("::1"),
            2222,
            Some(("localhost", 22)),
        ),
        (Remote, "central", None, 2223, None),
    ];
    want.extend(hyper1("hyper1"));
    want.extend(hyper1("hyper1.example.org"));
    want.extend([
        star("hyper2"),
        (Local, "hyper2", None, 9100, Some(("127.0.0.1", 9100))),
        (Remote, "hyper2", Some("*"), 2202, Some(("localhost", 22))),
        star("bastion"),
    ]);
    assert_eq!(got, want);
    assert_eq!(forwards[0].line, 4);
    assert_eq!(forwards[1].line, 9);
}

#[test]
fn errors_name_the_line() {
    let err = parse_ssh_forwards("Host a\n  LocalForward 8080\n").expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "ssh config: line 2: LocalForward: expected 2 arguments ([bind:]port host:hostport), got 1"
    );
    let err = parse_ssh_forwards("Host a\n  RemoteForward 2222 localhost:ssh\n")
        .expect_err("must be refused");
    assert!(err.message.contains("\"ssh\""), "{err}");
    let err = parse_ssh_forwards("Host a\n  LocalForward 99999 localhost:80\n")
        .expect_err("must be refused");
    assert!(err.message.contains("99999"), "{err}");
    let err = parse_ssh_forwards("Host a\n  LocalForward ::1:8080 localhost:80\n")
        .expect_err("must be refused");
    assert!(err.message.contains("brackets"), "{err}");
    let err = parse_ssh_forwards("Host a\n  LocalForward 8080 :80\n").expect_err("must be refused");
    assert!(err.message.contains("host:port"), "{err}");
    let err = parse_ssh_forwards("Host a\n  LocalForward \"8080 localhost:80\n")
        .expect_err("must be refused");
    assert!(err.message.contains("quote"), "{err}");
    // A malformed forward is an error even in a skipped block: ssh refuses the file too.
    assert!(parse_ssh_forwards("Host *\n  LocalForward x y z\n").is_err());
}

#[test]
fn old_slash_spelling_and_brackets() {
    assert_eq!(
        parse_listen("::1/8080").expect("must succeed"),
        ListenSpec {
            host: Some("::1".into()),
            port: 8080
        }
    );
    assert_eq!(parse_listen("[::1]:8080").expect("must succeed").port, 8080);
    assert_eq!(
        parse_target("[fd00::5]/80").expect("must succeed"),
        HostPort {
            host: "fd00::5".into(),
            port: 80
        }
    );
    assert!(parse_listen("[::1]8080").is_err());
    assert!(parse_listen("[::1:8080").is_err());
    assert_eq!(
        parse_listen(":2202").expect("must succeed").host.as_deref(),
        Some("*")
    );
}

#[test]
fn empty_and_comment_only() {
    assert!(parse_ssh_forwards("").expect("must succeed").is_empty());
    assert!(
        parse_ssh_forwards("# nothing\n\n   # still nothing\n")
            .expect("must succeed")
            .is_empty()
    );
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC*") {
        let _ = parse_ssh_forwards(&text);
    }

    #[test]
    fn config_like_text_never_panics(text in "((Host|LocalForward|RemoteForward|Match)[ =\t]{1,2}[\\[\\]0-9a-z:/*\" ]{0,20}\n){0,6}") {
        let _ = parse_ssh_forwards(&text);
    }

    #[test]
    fn round_trips(forwards in proptest::collection::vec(
        ("[a-z][a-z0-9-]{0,10}", any::<bool>(), proptest::option::of(any::<std::net::IpAddr>()), any::<u16>(), "[a-z][a-z0-9.-]{0,12}", any::<u16>(), any::<bool>()),
        0..6,
    )) {
        let mut text = String::from("Host *\n    ServerAliveInterval 30\n");
        // Unique aliases: a repeated one would collect both blocks' forwards, as ssh does.
        let forwards: Vec<_> = forwards
            .into_iter()
            .enumerate()
            .map(|(i, (alias, local, bind, port, host, target_port, equals))| {
                (format!("{alias}-{i}"), local, bind, port, host, target_port, equals)
            })
            .collect();
        for (alias, local, bind, port, host, target_port, equals) in &forwards {
            let keyword = if *local { "LocalForward" } else { "RemoteForward" };
            let listen = match bind {
                Some(std::net::IpAddr::V6(v6)) => format!("[{v6}]:{port}"),
                Some(v4) => format!("{v4}:{port}"),
                None => port.to_string(),
            };
            let sep = if *equals { "=" } else { "\t" };
            text.push_str(&format!("Host {alias}\n  HostName {host}\n  {keyword}{sep}{listen} {host}:{target_port}\n"));
        }
        let parsed = parse_ssh_forwards(&text).expect("must succeed");
        prop_assert_eq!(parsed.len(), forwards.len());
        for (p, (alias, local, bind, port, host, target_port, _)) in parsed.iter().zip(&forwards) {
            prop_assert_eq!(&p.host_alias, alias);
            prop_assert_eq!(p.kind == ForwardKind::Local, *local);
            prop_assert_eq!(p.listen.host.clone(), bind.map(|b| b.to_string()));
            prop_assert_eq!(p.listen.port, *port);
            prop_assert_eq!(p.target.clone(), Some(HostPort { host: host.clone(), port: *target_port }));
        }
    }
}
