use proptest::prelude::*;

use super::*;
use crate::fleet::ForwardKind;
use crate::fleet::forwards::{cmdline_forwards, forwards_port};

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
}
