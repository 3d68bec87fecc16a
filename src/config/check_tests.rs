//! One case per validation branch of `check.rs` that `tests.rs`'s table does not reach:
//! each config names its file, line and key, and says what is wrong.

use std::path::Path;

use super::super::load_str;

const NODE: &str = "[[node]]\nname = \"a\"\nssh = \"root@h\"\n";
const VLAN: &str = "[[vlan]]\nid = 10\nnode = \"a\"\n";

/// (config text, line, key, words in the message)
fn cases() -> Vec<(String, usize, &'static str, &'static str)> {
    let vlan = |rest: &str| format!("{NODE}{VLAN}{rest}");
    let tunnel = |rest: &str| format!("{NODE}[[tunnel]]\n{rest}");
    vec![
        ("refresh_secs = 3601\n".into(), 1, "refresh_secs", "between 1 and 3600"),
        ("[ssh]\nconnect_timeout_secs = 0\n".into(), 2, "ssh.connect_timeout_secs", "between 1 and 600"),
        ("[ssh]\nkeepalive_secs = 0\n".into(), 2, "ssh.keepalive_secs", "between 1 and 3600"),
        ("[ssh]\nmax_connecting = 0\n".into(), 2, "ssh.max_connecting", "between 1 and 4096"),
        ("[ssh]\nmax_connecting_per_jump = 101\n".into(), 2, "ssh.max_connecting_per_jump", "MaxStartups"),
        ("[containers]\nport = 0\n".into(), 2, "containers.port", "between 1 and 65535"),
        // Nodes.
        (format!("{NODE}jump = \"a\"\n"), 4, "node[0].jump", "cannot name itself"),
        ("[[node]]\nname = \"a\"\nparent = \"a\"\n".into(), 3, "node[0].parent", "cannot name itself"),
        ("[[node]]\nname = \"b\"\n[[node]]\nname = \"a\"\njump = \"b\"\n".into(), 5, "node[1].jump", "set `ssh` too"),
        (
            "[[node]]\nname = \"a\"\nssh = \"root@a\"\njump = \"b\"\n[[node]]\nname = \"b\"\nssh = \"root@b\"\njump = \"a\"\n".into(),
            4,
            "node[0].jump",
            "loops back",
        ),
        (format!("{NODE}tls = {{ ca = \"/ca\", cert = \"/c\", key = \"/k\" }}\n"), 4, "node[0].tls", "only to docker = \"tcp://"),
        (format!("{NODE}docker_socket = \"run/docker.sock\"\n"), 4, "node[0].docker_socket", "absolute path"),
        ("[[node]]\nname = \"a\"\nssh = \"root@\"\n".into(), 3, "node[0].ssh", "not a usable ssh target"),
        // VLANs.
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\n").replace("id = 10", "id = 0"), 5, "vlan[0].id", "between 1 and 4094"),
        (vlan("subnet = \"10.0.0.5/24\"\ngateway = \"10.0.0.1\"\n"), 7, "vlan[0].subnet", "host bits set; did you mean 10.0.0.0/24"),
        (vlan("subnet = \"10.0.0.0/31\"\ngateway = \"10.0.0.0\"\n"), 7, "vlan[0].subnet", "too small"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.1.1\"\n"), 8, "vlan[0].gateway", "gateway 10.0.1.1"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nreserved = [\"10.0.0.9-10.0.0.3\"]\n"), 9, "vlan[0].reserved[0]", "ends before it starts"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nreserved = [\"10.0.0.2-x\"]\n"), 9, "vlan[0].reserved[0]", "\"x\" is not an IPv4 address"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nreserved = [\"y-10.0.0.2\"]\n"), 9, "vlan[0].reserved[0]", "\"y\" is not an IPv4 address"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nreserved = [\"10.0.0.0/33\"]\n"), 9, "vlan[0].reserved[0]", "not a CIDR block"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nreserved = [\"ten\"]\n"), 9, "vlan[0].reserved[0]", "not an IPv4 address, range or CIDR block"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nbridge = \"br-much-too-long0\"\n"), 9, "vlan[0].bridge", "longer than Linux's 15 characters"),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nbridge = \"br 0\"\n"), 9, "vlan[0].bridge", "bridge \"br 0\""),
        (vlan("subnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nnetwork = \"net;x\"\n"), 9, "vlan[0].network", "network \"net;x\""),
        // Proxy.
        (format!("{NODE}[proxy]\nnode = \"a\"\npath = \"sites/fd.conf\"\n"), 6, "proxy.path", "absolute path"),
        (format!("{NODE}[proxy]\nnode = \"a\"\nreload_cmd = [\"  \"]\n"), 6, "proxy.reload_cmd", "non-empty argument list"),
        (format!("{NODE}[proxy]\nnode = \"a\"\nlisten = \"0\"\n"), 6, "proxy.listen", "port or address:port"),
        // DNS.
        ("[dns]\nservers = []\n".into(), 2, "dns.servers", "at least one resolver"),
        // Tunnels.
        (
            tunnel("name = \"t\"\nnode = \"a\"\nkind = \"local\"\nlisten = \"1\"\ntarget = \"h:1\"\n[[tunnel]]\nname = \"t\"\nnode = \"a\"\nkind = \"local\"\nlisten = \"2\"\ntarget = \"h:2\"\n"),
            11,
            "tunnel[1].name",
            "defined twice",
        ),
        (tunnel("name = \"t t\"\nnode = \"a\"\nkind = \"local\"\nlisten = \"1\"\ntarget = \"h:1\"\n"), 5, "tunnel[0].name", "contains ' '"),
        (tunnel("name = \"t\"\nnode = \"ghost\"\nkind = \"local\"\nlisten = \"1\"\ntarget = \"h:1\"\n"), 6, "tunnel[0].node", "names no node"),
        (tunnel("name = \"t\"\nnode = \"a\"\nkind = \"local\"\nvia = \"ghost\"\nlisten = \"1\"\ntarget = \"h:1\"\n"), 8, "tunnel[0].via", "names no node"),
        (tunnel("name = \"t\"\nnode = \"a\"\nkind = \"local\"\nlisten = \"1\"\ntarget = \"8080\"\n"), 9, "tunnel[0].target", "write host:port"),
        (tunnel("name = \"t\"\nnode = \"a\"\nkind = \"local\"\nlisten = \"1\"\ntarget = \":8080\"\n"), 9, "tunnel[0].target", "write host:port"),
        (tunnel("name = \"t\"\nnode = \"a\"\nkind = \"local\"\nlisten = \"127.0.0.1:0\"\ntarget = \"h:1\"\n"), 8, "tunnel[0].listen", "\"0\" is not a port number"),
    ]
}

#[test]
fn every_check_branch_names_line_key_and_reason() {
    for (text, line, key, words) in cases() {
        let message = load_str(&text, Path::new("fleet.toml"))
            .expect_err(&format!("must be rejected: {text:?}"))
            .to_string();
        assert!(
            message.starts_with(&format!("fleet.toml:{line}:")),
            "{text:?}\n→ {message}\n(expected line {line})"
        );
        assert!(
            message.contains(&format!("key `{key}`")),
            "{text:?}\n→ {message}\n(expected key {key})"
        );
        assert!(
            message.contains(words),
            "{text:?}\n→ {message}\n(expected {words:?})"
        );
    }
}

#[test]
fn the_edges_of_each_range_are_accepted() {
    for text in [
        "refresh_secs = 3600\n[ssh]\nconnect_timeout_secs = 600\nkeepalive_secs = 3600\n[containers]\nport = 65535\n",
        "refresh_secs = 1\n[ssh]\nconnect_timeout_secs = 1\nkeepalive_secs = 1\n[containers]\nport = 1\n",
        // A /30 holds one container; bridge names of exactly 15 characters fit.
        "[[node]]\nname = \"a\"\n[[vlan]]\nid = 10\nnode = \"a\"\nsubnet = \"10.0.0.0/30\"\ngateway = \"10.0.0.1\"\nbridge = \"br-exactly-15ch\"\nreserved = [\"10.0.0.2\", \"10.0.0.0/31\", \"10.0.0.1 - 10.0.0.2\"]\n",
        "[[node]]\nname = \"a\"\n[proxy]\nnode = \"a\"\nlisten = \"[::1]:8080\"\n",
    ] {
        load_str(text, Path::new("fleet.toml")).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}
