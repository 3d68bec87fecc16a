use proptest::prelude::*;

use super::*;

fn listens(line: &ProcessLine) -> Vec<(ForwardKind, Option<String>, u16)> {
    cmdline_forwards(line)
        .into_iter()
        .map(|(k, l)| (k, l.host, l.port))
        .collect()
}

// The forwards of `tests/fixtures/pgrep/autossh.txt` are checked with its parse, in
// `collect/parse/pgrep/tests.rs`.

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

proptest! {
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
