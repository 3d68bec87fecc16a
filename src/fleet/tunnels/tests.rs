use std::path::Path;

use super::*;
use crate::fleet::model::{HostPort, ListenSpec, ListeningSocket, ProcessLine};

fn snap(name: &str, listening: &[u16], procs: &[&str]) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown(name);
    s.status = NodeStatus::Up;
    s.listening = listening
        .iter()
        .map(|p| ListeningSocket {
            addr: "127.0.0.1".into(),
            scope: None,
            port: *p,
            process: Some("sshd".into()),
            pid: Some(1),
        })
        .collect();
    s.ssh_processes = procs
        .iter()
        .enumerate()
        .map(|(i, c)| ProcessLine {
            pid: 100 + i as u32,
            cmdline: c.to_string(),
        })
        .collect();
    s
}

fn config() -> Config {
    crate::config::load_str(
        "[[node]]\nname = \"teemo\"\n[[node]]\nname = \"central\"\n\
         [[tunnel]]\nname = \"back\"\nnode = \"teemo\"\nkind = \"remote\"\nlisten = \"2201\"\ntarget = \"localhost:22\"\nvia = \"central\"\n\
         [[tunnel]]\nname = \"out\"\nnode = \"teemo\"\nkind = \"remote\"\nlisten = \"2202\"\ntarget = \"localhost:22\"\n",
        Path::new("t.toml"),
    )
    .expect("config")
}

#[test]
fn a_remote_tunnel_is_up_when_both_ends_agree() {
    let teemo = snap(
        "teemo",
        &[],
        &["/usr/bin/autossh -M 0 -N -R 2201:localhost:22 central"],
    );
    let central = snap("central", &[2201], &[]);
    let snaps = HashMap::from([("teemo", &teemo), ("central", &central)]);
    let views = tunnels_of(&config(), "teemo", &snaps);
    assert_eq!(views[0].status, TunnelStatus::Up, "{}", views[0].detail);
    assert!(
        views[0].detail.contains("port 2201 listening on central"),
        "{}",
        views[0].detail
    );
    assert_eq!(
        views[1].status,
        TunnelStatus::Down,
        "no process for 2202: {}",
        views[1].detail
    );
}

#[test]
fn a_dead_process_or_a_closed_port_is_down_and_an_unread_end_is_unknown() {
    let config = config();
    let teemo = snap("teemo", &[], &[]);
    let central = snap("central", &[2201], &[]);
    let snaps = HashMap::from([("teemo", &teemo), ("central", &central)]);
    assert_eq!(
        tunnels_of(&config, "teemo", &snaps)[0].status,
        TunnelStatus::Down
    );

    let teemo = snap("teemo", &[], &["ssh -N -R 2201:localhost:22 central"]);
    let closed = snap("central", &[], &[]);
    let snaps = HashMap::from([("teemo", &teemo), ("central", &closed)]);
    assert_eq!(
        tunnels_of(&config, "teemo", &snaps)[0].status,
        TunnelStatus::Down
    );

    let mut down = snap("teemo", &[], &[]);
    down.status = NodeStatus::Down;
    let unknown = NodeSnapshot::unknown("central");
    let snaps = HashMap::from([("teemo", &down), ("central", &unknown)]);
    assert_eq!(
        tunnels_of(&config, "teemo", &snaps)[0].status,
        TunnelStatus::Unknown
    );
}

#[test]
fn forwards_from_the_nodes_ssh_config_are_tunnels_too() {
    let mut teemo = snap("teemo", &[8080], &["ssh -N -L 8080:10.0.0.5:80 web"]);
    teemo.ssh_forwards = vec![SshForward {
        kind: ForwardKind::Local,
        host_alias: "web".into(),
        listen: ListenSpec {
            host: None,
            port: 8080,
        },
        target: Some(HostPort {
            host: "10.0.0.5".into(),
            port: 80,
        }),
        line: 3,
    }];
    let snaps = HashMap::from([("teemo", &teemo)]);
    let config = crate::config::Config::builtin_default();
    let views = tunnels_of(&config, "teemo", &snaps);
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].name, "web:L8080");
    assert_eq!(views[0].target, "10.0.0.5:80");
    assert_eq!(views[0].status, TunnelStatus::Up, "{}", views[0].detail);
}
