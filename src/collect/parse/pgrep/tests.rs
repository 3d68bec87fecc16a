use proptest::prelude::*;

use super::*;

fn listens(line: &ProcessLine) -> Vec<(ForwardKind, Option<String>, u16)> {
    cmdline_forwards(line)
        .into_iter()
        .map(|(k, l)| (k, l.host, l.port))
        .collect()
}

#[test]
fn pgrep_lines() {
    let procs = parse_pgrep(fixture!("pgrep/autossh.txt")).expect("must succeed");
    assert_eq!(procs.len(), 9);
    assert_eq!(procs[0].pid, 1201);
    assert_eq!(procs[0].program(), Some("autossh"));
    assert_eq!(procs[7].cmdline, "sshd: tunnel@notty");
    assert_eq!(procs[7].program(), Some("sshd:"));
}

#[test]
fn forwards_on_command_lines() {
    use ForwardKind::{Local, Remote};
    let procs = parse_pgrep(fixture!("pgrep/autossh.txt")).expect("must succeed");
    let by_pid = |pid: u32| procs.iter().find(|p| p.pid == pid).expect("must succeed");
    assert_eq!(listens(by_pid(1201)), [(Remote, None, 2201)]);
    assert_eq!(listens(by_pid(1202)), [(Remote, None, 2201)]);
    // autossh's -M port is not a forward; -NL groups N and L.
    assert_eq!(listens(by_pid(1310)), [(Local, None, 8080)]);
    assert_eq!(
        listens(by_pid(1311)),
        [
            (Local, None, 20000),
            (Remote, None, 20000),
            (Local, None, 8080)
        ]
    );
    assert_eq!(
        listens(by_pid(1420)),
        [
            (Remote, Some("::1".into()), 2222),
            (Local, Some("127.0.0.1".into()), 8443)
        ]
    );
    // Options after the destination count; after the remote command they do not.
    assert_eq!(listens(by_pid(1500)), [(Remote, None, 2203)]);
    // A dynamic -R, a socket -L (skipped), -R to a socket.
    assert_eq!(
        listens(by_pid(1600)),
        [(Remote, None, 2224), (Remote, None, 2225)]
    );
    assert!(listens(by_pid(1700)).is_empty());
    assert!(listens(by_pid(1800)).is_empty());

    assert!(forwards_port(by_pid(1201), Remote, 2201));
    assert!(!forwards_port(by_pid(1201), Local, 2201));
    assert!(!forwards_port(by_pid(1201), Remote, 22));
    assert!(forwards_port(by_pid(1311), Local, 8080));
}

#[test]
fn ssh_master_mode_takes_no_argument() {
    // For ssh, -M is master mode: the next word is the destination, not an argument.
    let p = ProcessLine {
        pid: 1,
        cmdline: "ssh -M -S /tmp/ctl hyper1 -L 9000:localhost:9000".into(),
    };
    assert_eq!(listens(&p), [(ForwardKind::Local, None, 9000)]);
    let p = ProcessLine {
        pid: 1,
        cmdline: "ssh -- host -L 1:a:2".into(),
    };
    assert!(listens(&p).is_empty());
}

#[test]
fn spec_forms() {
    use ForwardKind::{Local, Remote};
    let port = |kind, spec| listen_of_spec(kind, spec).map(|l| (l.host, l.port));
    assert_eq!(port(Local, "8080:localhost:80"), Some((None, 8080)));
    assert_eq!(
        port(Local, "*:8080:localhost:80"),
        Some((Some("*".into()), 8080))
    );
    assert_eq!(
        port(Local, "[::]:8080:[::1]:80"),
        Some((Some("::".into()), 8080))
    );
    assert_eq!(port(Local, "8080:/run/sock"), Some((None, 8080)));
    assert_eq!(port(Local, "/tmp/l.sock:/run/sock"), None);
    assert_eq!(port(Local, "8080"), None);
    assert_eq!(port(Local, "x:80:h:1"), Some((Some("x".into()), 80)));
    assert_eq!(port(Remote, "2222"), Some((None, 2222)));
    assert_eq!(
        port(Remote, "0.0.0.0:2222"),
        Some((Some("0.0.0.0".into()), 2222))
    );
    assert_eq!(port(Remote, "abc:def:gh:ij:kl"), None);
    assert_eq!(port(Remote, "[::1"), None);
    assert_eq!(port(Remote, "70000:h:1"), None);
}

#[test]
fn garbage_names_the_line() {
    let err = parse_pgrep("12 ssh\nabc ssh\n").expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "pgrep -a: line 2: \"abc\" is not a process id"
    );
    assert!(parse_pgrep("").expect("must succeed").is_empty());
    assert_eq!(parse_pgrep("77\n").expect("must succeed")[0].cmdline, "");
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC*") {
        if let Ok(procs) = parse_pgrep(&text) {
            for p in &procs {
                let _ = cmdline_forwards(p);
            }
        }
    }

    #[test]
    fn arbitrary_ssh_command_lines_never_panic(args in proptest::collection::vec("-?[A-Za-z]{0,3}|[0-9\\[\\]:/a-z*.]{0,14}|--", 0..10)) {
        let p = ProcessLine { pid: 1, cmdline: format!("ssh {}", args.join(" ")) };
        let _ = cmdline_forwards(&p);
        let p = ProcessLine { pid: 1, cmdline: format!("autossh {}", args.join(" ")) };
        let _ = cmdline_forwards(&p);
    }

    #[test]
    fn generated_forwards_are_found(
        forwards in proptest::collection::vec((any::<bool>(), proptest::option::of("127\\.0\\.0\\.1|\\*|localhost"), any::<u16>(), 1u16..), 1..4),
        grouped in any::<bool>(),
    ) {
        let mut cmdline = String::from("/usr/bin/ssh -o ServerAliveInterval=30");
        for (local, bind, port, target) in &forwards {
            let flag = if *local { "L" } else { "R" };
            let bind = bind.as_ref().map_or(String::new(), |b| format!("{b}:"));
            let lead = if grouped { format!(" -N{flag} ") } else { format!(" -{flag}") };
            cmdline.push_str(&format!("{lead}{bind}{port}:localhost:{target}"));
        }
        cmdline.push_str(" tunnel@central");
        let p = ProcessLine { pid: 9, cmdline };
        let found = cmdline_forwards(&p);
        prop_assert_eq!(found.len(), forwards.len());
        for ((kind, listen), (local, bind, port, _)) in found.iter().zip(&forwards) {
            prop_assert_eq!(*kind == ForwardKind::Local, *local);
            prop_assert_eq!(&listen.host, bind);
            prop_assert_eq!(listen.port, *port);
        }
    }
}
