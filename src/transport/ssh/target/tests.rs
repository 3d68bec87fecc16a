use std::path::Path;

use super::*;
use crate::config::load_str;

const SSH_CONFIG: &str = "\
Host bastion
    HostName 192.0.2.10
    Port 2222
    User admin
    IdentityFile /keys/bastion
Host teemo
\tHostName=10.2.0.1
\tProxyJump bastion
Host deep
    HostName 10.9.0.1
    ProxyJump bastion,teemo
    UserKnownHostsFile /etc/fleet/known_hosts
Host *.lab
    User labuser
    Port 2200
";

fn client() -> ClientConfig {
    ClientConfig::from_text(SSH_CONFIG).expect("ssh config")
}

fn config(nodes: &str) -> Config {
    load_str(nodes, Path::new("t.toml")).expect("config")
}

#[test]
fn alias_resolves_hostname_port_user_identity_and_proxyjump() {
    let c = config("[[node]]\nname = \"t\"\nssh = \"teemo\"\n");
    let route = route_for(&c, &c.nodes[0], &client()).expect("route");
    assert_eq!(route.target.host, "10.2.0.1");
    assert_eq!(route.target.port, 22);
    assert_eq!(route.jumps.len(), 1);
    let j = &route.jumps[0];
    assert_eq!(
        (j.host.as_str(), j.port, j.user.as_str()),
        ("192.0.2.10", 2222, "admin")
    );
    assert_eq!(
        j.identities.first().map(|p| p.as_path()),
        Some(Path::new("/keys/bastion"))
    );
    assert!(
        route.describe().contains("via admin@192.0.2.10:2222"),
        "{}",
        route.describe()
    );
}

#[test]
fn proxyjump_chains_keep_their_order_and_known_hosts_file_is_read() {
    let c = config("[[node]]\nname = \"d\"\nssh = \"root@deep\"\n");
    let route = route_for(&c, &c.nodes[0], &client()).expect("route");
    let hosts: Vec<&str> = route.jumps.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(hosts, ["192.0.2.10", "10.2.0.1"]);
    assert_eq!(route.target.user, "root", "explicit user wins");
    assert!(
        route
            .target
            .known_hosts
            .contains(&PathBuf::from("/etc/fleet/known_hosts")),
        "{:?}",
        route.target.known_hosts
    );
}

#[test]
fn patterns_apply_and_explicit_port_wins() {
    let c = config("[[node]]\nname = \"w\"\nssh = \"web.lab:2022\"\n");
    let route = route_for(&c, &c.nodes[0], &client()).expect("route");
    assert_eq!(
        (route.target.user.as_str(), route.target.port),
        ("labuser", 2022)
    );
    assert!(route.jumps.is_empty());
}

#[test]
fn config_jump_chain_overrides_proxyjump() {
    let c = config(
        "[ssh]\nknown_hosts = \"/extra/kh\"\nidentities = [\"/keys/fleet\"]\n\
         [[node]]\nname = \"b\"\nssh = \"admin@198.51.100.1\"\n\
         [[node]]\nname = \"m\"\nssh = \"root@10.0.0.2\"\njump = \"b\"\n\
         [[node]]\nname = \"t\"\nssh = \"teemo\"\njump = \"m\"\n",
    );
    let route = route_for(&c, &c.nodes[2], &client()).expect("route");
    let hosts: Vec<&str> = route.jumps.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(
        hosts,
        ["198.51.100.1", "10.0.0.2"],
        "config jump chain, first hop first"
    );
    assert!(
        route
            .target
            .identities
            .contains(&PathBuf::from("/keys/fleet"))
    );
    assert_eq!(
        route.target.known_hosts.last().map(|p| p.as_path()),
        Some(Path::new("/extra/kh"))
    );
}

#[test]
fn local_nodes_have_no_route() {
    let c = config("[[node]]\nname = \"l\"\n");
    let err = route_for(&c, &c.nodes[0], &client()).expect_err("local");
    assert!(err.to_string().contains("no ssh target"), "{err}");
}

#[test]
fn include_files_and_key_value_lines_are_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let included = dir.path().join("fleet.conf");
    std::fs::write(
        &included,
        "Host garen\n  HostName=10.2.0.3\n  User\tops\n  Port 2022\n",
    )
    .expect("write");
    let main = dir.path().join("config");
    std::fs::write(
        &main,
        format!(
            "Include {}\nHost other\n  HostName 10.0.0.9\n",
            included.display()
        ),
    )
    .expect("write");
    let client = ClientConfig::load(Some(&main)).expect("load");
    let c = config("[[node]]\nname = \"g\"\nssh = \"garen\"\n");
    let route = route_for(&c, &c.nodes[0], &client).expect("route");
    assert_eq!(
        (
            route.target.host.as_str(),
            route.target.user.as_str(),
            route.target.port
        ),
        ("10.2.0.3", "ops", 2022)
    );
}

#[test]
fn user_known_hosts_file_replaces_the_default_and_extra_files_follow() {
    let c = config("[ssh]\nknown_hosts = \"/extra/kh\"\n[[node]]\nname = \"d\"\nssh = \"deep\"\n");
    let route = route_for(&c, &c.nodes[0], &client()).expect("route");
    assert_eq!(
        route.target.known_hosts,
        [
            "/etc/fleet/known_hosts",
            "/etc/ssh/ssh_known_hosts",
            "/etc/ssh/ssh_known_hosts2",
            "/extra/kh"
        ]
        .map(PathBuf::from)
    );
    // The jump hosts keep ssh's defaults: the narrowing is per host.
    assert_eq!(
        route.jumps[0].known_hosts[0],
        PathBuf::from("/home/me/.ssh/known_hosts")
    );
}

#[test]
fn proxy_command_and_host_key_alias_reach_the_route() {
    let client = ClientConfig::from_text(
        "Host pc\n  HostName 10.0.0.7\n  ProxyCommand nc -X 5 %h %p\n  HostKeyAlias PC-Key\n\
         Host behind\n  ProxyJump pc\n",
    )
    .expect("ssh config");
    let c = config(
        "[[node]]\nname = \"a\"\nssh = \"pc:2200\"\n[[node]]\nname = \"b\"\nssh = \"behind\"\n",
    );
    let route = route_for(&c, &c.nodes[0], &client).expect("route");
    assert_eq!(
        route.proxy_command.as_deref(),
        Some("nc -X 5 10.0.0.7 2200")
    );
    assert_eq!(route.target.host_key_name, "pc-key");
    assert!(
        route.describe().contains("ProxyCommand"),
        "{}",
        route.describe()
    );
    // Behind a jump host, the ProxyCommand carries the first hop, not the node.
    let route = route_for(&c, &c.nodes[1], &client).expect("route");
    assert_eq!(route.proxy_command.as_deref(), Some("nc -X 5 10.0.0.7 22"));
    assert_eq!(route.target.host_key_name, "behind");
}
