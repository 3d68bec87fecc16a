//! The parsers of `fleetdeck::collect::parse` on the real output of the real tools on this
//! machine: libvirt's built-in test driver (no daemon), `ip` in a private network
//! namespace, `ss`, `/proc`, `/etc/os-release`, `uname`, `pgrep` on a real `ssh`, and
//! `lxc-ls` on busybox containers in a private LXC path. Needs root and the Debian
//! packages scripts/test.sh installs; a missing tool fails the test, never skips it.
//! Every test only touches what it creates (a temp dir, a namespace, its own processes)
//! and only uses addresses inside its own namespaces and loopback.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fleetdeck::collect::parse::*;
use fleetdeck::fleet::forwards::{cmdline_forwards, forwards_port};
use fleetdeck::fleet::{ForwardKind, GuestState, LinkState, PortKind};

/// Runs a command in the C locale (virsh translates its words) and returns its stdout;
/// panics with what to do when the tool is missing or fails.
fn run(argv: &[&str]) -> String {
    let (program, args) = argv.split_first().expect("a program");
    let out = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{}`: {e}; install it (scripts/test.sh installs every package the tests need)",
                argv.join(" ")
            )
        });
    assert!(
        out.status.success(),
        "`{}` failed ({}): {}",
        argv.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

// ---------------------------------------------------------------- libvirt test driver

#[test]
fn virsh_default_test_driver() {
    let uri = "test:///default";
    let guests = parse_virsh_list(&run(&["virsh", "-c", uri, "list", "--all"])).expect("list");
    let test = guests
        .iter()
        .find(|g| g.name == "test")
        .unwrap_or_else(|| panic!("the test driver's domain `test` is missing: {guests:?}"));
    assert_eq!(test.state, GuestState::Running);

    let info =
        parse_virsh_dominfo(&run(&["virsh", "-c", uri, "dominfo", "test"])).expect("dominfo");
    assert_eq!(info.name, "test");
    assert_eq!(info.state, GuestState::Running);
    assert_eq!(info.id.map(|i| i.to_string()), test.id);
    assert!(info.vcpus.is_some_and(|v| v > 0), "{info:?}");

    let addrs =
        parse_virsh_domifaddr(&run(&["virsh", "-c", uri, "domifaddr", "test"])).expect("domifaddr");
    assert!(
        !addrs.is_empty(),
        "the test driver reports an address per interface"
    );
    assert!(
        addrs.iter().all(|a| a.prefix.is_some() && a.mac.is_some()),
        "{addrs:?}"
    );
}

/// A node file for the test driver: one domain in each state virsh can show, and a name
/// with spaces.
const NODE_XML: &str = r#"<node>
  <cpu><mhz>2000</mhz><model>i686</model><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>
  <memory>8388608</memory>
  <network><name>default</name><bridge name='virbr0'/><forward/><ip address='192.168.122.1' netmask='255.255.255.0'/></network>
  DOMAINS
</node>
"#;

fn domain_xml(name: &str, runstate: u8, with_nic: bool) -> String {
    let nic = if with_nic {
        "<devices><interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface></devices>"
    } else {
        ""
    };
    format!(
        "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\
         <name>{name}</name><memory>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os>{nic}\
         <test:runstate>{runstate}</test:runstate></domain>"
    )
}

#[test]
fn virsh_test_driver_every_state() {
    // libvirt's virDomainState numbers.
    let domains = [
        ("web", 1, GuestState::Running),
        ("idle-one", 2, GuestState::Blocked),
        ("db primary", 3, GuestState::Paused),
        ("stopping", 4, GuestState::Shutdown),
        ("backup", 5, GuestState::Stopped),
        ("broken", 6, GuestState::Crashed),
        ("sleepy", 7, GuestState::Suspended),
    ];
    let xml: String = domains
        .iter()
        .map(|(name, runstate, _)| domain_xml(name, *runstate, *name == "web"))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let node = dir.path().join("node.xml");
    std::fs::write(&node, NODE_XML.replace("DOMAINS", &xml)).expect("write node.xml");
    let uri = format!("test://{}", node.display());

    let text = run(&["virsh", "-c", &uri, "list", "--all"]);
    let guests = parse_virsh_list(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut got: Vec<(&str, GuestState, bool)> = guests
        .iter()
        .map(|g| (g.name.as_str(), g.state, g.id.is_some()))
        .collect();
    got.sort_by_key(|g| g.0);
    let mut want: Vec<(&str, GuestState, bool)> = domains
        .iter()
        .map(|(n, _, s)| (*n, *s, *s != GuestState::Stopped))
        .collect();
    want.sort_by_key(|g| g.0);
    assert_eq!(got, want, "{text}");

    let info = parse_virsh_dominfo(&run(&["virsh", "-c", &uri, "dominfo", "db primary"]))
        .expect("dominfo");
    assert_eq!(
        (info.name.as_str(), info.state),
        ("db primary", GuestState::Paused)
    );
    assert_eq!(info.max_memory_kib, Some(1_048_576));
    assert_eq!(info.to_guest().memory_mib, Some(1024));
    let info =
        parse_virsh_dominfo(&run(&["virsh", "-c", &uri, "dominfo", "backup"])).expect("dominfo");
    assert_eq!((info.id, info.state), (None, GuestState::Stopped));

    let addrs =
        parse_virsh_domifaddr(&run(&["virsh", "-c", &uri, "domifaddr", "web"])).expect("domifaddr");
    assert_eq!(addrs.len(), 1, "{addrs:?}");
    assert_eq!(addrs[0].mac.as_deref(), Some("52:54:00:00:00:01"));
    assert_eq!(addrs[0].protocol, "ipv4");
    assert_eq!(addrs[0].prefix, Some(24));
}

// ---------------------------------------------------------------- ip, ss

#[test]
fn ip_links_and_addresses_of_this_machine() {
    let links_text = run(&["ip", "-j", "-d", "link", "show"]);
    let addrs_text = run(&["ip", "-j", "addr", "show"]);
    let links = parse_links(&links_text).expect("links");
    let lo = links
        .iter()
        .find(|l| l.ifname == "lo")
        .expect("lo is listed");
    assert_eq!(lo.kind, None);
    let addrs = parse_addrs(&addrs_text).expect("addrs");
    let lo = addrs
        .iter()
        .find(|i| i.ifname == "lo")
        .expect("lo has addresses");
    assert!(lo.addrs.iter().any(|a| a.cidr() == "127.0.0.1/8"), "{lo:?}");
    // Whatever bridges this machine has, each port's master is its bridge.
    let bridges = parse_bridges(&links_text, &addrs_text).expect("bridges");
    for bridge in &bridges {
        for port in &bridge.ports {
            let link = links
                .iter()
                .find(|l| l.ifname == port.name)
                .expect("port is a link");
            assert_eq!(link.master.as_deref(), Some(bridge.name.as_str()));
        }
    }
    let bridges_only = parse_links(&run(&["ip", "-j", "-d", "link", "show", "type", "bridge"]))
        .expect("type bridge");
    assert!(
        bridges_only
            .iter()
            .all(|l| l.kind.as_deref() == Some("bridge"))
    );
}

/// A network namespace that is deleted (with its links) when dropped.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
fn bridge_with_veth_and_tap_in_a_private_namespace() {
    let ns = Netns(format!("fdparse-{}", std::process::id()));
    let _ = Command::new("ip").args(["netns", "del", &ns.0]).output();
    run(&["ip", "netns", "add", &ns.0]);
    let ip = |args: &str| {
        let mut argv = vec!["ip", "-n", ns.0.as_str()];
        argv.extend(args.split_whitespace());
        run(&argv)
    };
    ip("link add fdbr0 type bridge");
    ip("link add fdv0 type veth peer name fdv1");
    ip("link set fdv0 master fdbr0");
    ip("tuntap add dev fdtap0 mode tap");
    ip("link set fdtap0 master fdbr0");
    ip("addr add 10.78.0.1/24 dev fdbr0");
    ip("addr add fd78::1/64 dev fdbr0");
    for link in ["fdbr0", "fdv0", "fdv1"] {
        ip(&format!("link set {link} up"));
    }
    let bridges = parse_bridges(&ip("-j -d link show"), &ip("-j addr show")).expect("bridges");
    assert_eq!(bridges.len(), 1, "{bridges:?}");
    let br = &bridges[0];
    assert_eq!(br.name, "fdbr0");
    assert_eq!(br.addresses, ["10.78.0.1/24", "fd78::1/64"]);
    let ports: Vec<(&str, &PortKind)> = br
        .ports
        .iter()
        .map(|p| (p.name.as_str(), &p.kind))
        .collect();
    assert_eq!(
        ports,
        [("fdv0", &PortKind::Veth), ("fdtap0", &PortKind::Tap)]
    );
    // Nothing holds the tap open, so it has no carrier.
    let tap = br.ports.iter().find(|p| p.name == "fdtap0").expect("tap");
    assert_eq!(tap.state, LinkState::Down);
}

#[test]
fn ss_sees_our_listener() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
    let port = listener.local_addr().expect("address").port();
    let text = run(&["ss", "-H", "-tlnp"]);
    let sockets = parse_ss_listening(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let ours = sockets
        .iter()
        .find(|s| s.port == port && s.addr == "127.0.0.1")
        .unwrap_or_else(|| panic!("port {port} not in\n{text}"));
    // Root sees every socket's owner (scripts/test.sh runs as root).
    assert_eq!(ours.pid, Some(std::process::id()), "{ours:?} (not root?)");
    assert!(ours.process.is_some());
    assert!(!ours.is_wildcard());
}

// ---------------------------------------------------------------- node facts

#[test]
fn node_facts_of_this_machine() {
    let os = parse_os_release(&run(&["cat", "/etc/os-release"])).expect("os-release");
    assert!(os.pretty_name().is_some_and(|p| !p.is_empty()), "{os:?}");
    assert!(os.get("ID").is_some());

    let uptime = parse_uptime(&run(&["cat", "/proc/uptime"])).expect("uptime");
    assert!(uptime > 0);
    let load = parse_loadavg(&run(&["cat", "/proc/loadavg"])).expect("loadavg");
    assert!(load.iter().all(|l| *l >= 0.0));

    let uname = parse_uname(&run(&["uname", "-srm"])).expect("uname");
    assert_eq!(uname.sysname, "Linux");
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
    assert_eq!(uname.release, release.trim());
    assert_eq!(uname.machine, run(&["uname", "-m"]).trim());

    let hostname = parse_hostname(&run(&["hostname"])).expect("hostname");
    let kernel_name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(hostname, kernel_name.trim());
}

// ---------------------------------------------------------------- pgrep on a real ssh

/// A child process (and the helper it started) killed by pid when dropped.
struct Reaped(Child, Vec<u32>);

impl Drop for Reaped {
    fn drop(&mut self) {
        for pid in &self.1 {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn pgrep_sees_an_ssh_with_forwards() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The "proxy" never answers, so ssh waits for a banner forever: a real ssh process
    // with forwards on its command line, and not one packet sent.
    let hang = dir.path().join("hang");
    std::fs::write(&hang, "#!/bin/sh\nexec sleep 120\n").expect("write");
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let child = Command::new("ssh")
        .args(["-F", "/dev/null", "-N", "-o", "BatchMode=yes"])
        .arg(format!("-oProxyCommand={}", hang.display()))
        .args([
            "-L",
            "127.0.0.1:18080:localhost:80",
            "-NR",
            "2299:localhost:22",
        ])
        .arg("fdparse-nohost")
        .stdin(Stdio::null())
        .spawn()
        .expect("ssh (openssh-client) must be installed");
    let mut guard = Reaped(child, Vec::new());
    let pid = guard.0.id();

    let deadline = Instant::now() + Duration::from_secs(10);
    let ours = loop {
        let procs = parse_pgrep(&run(&["pgrep", "-a", "ssh"])).expect("pgrep");
        if let Some(p) = procs.into_iter().find(|p| p.pid == pid) {
            break p;
        }
        assert!(Instant::now() < deadline, "ssh {pid} never showed in pgrep");
        std::thread::sleep(Duration::from_millis(100));
    };
    // Its proxy child, to kill it by pid too.
    if let Ok(out) = Command::new("pgrep")
        .args(["-P", &pid.to_string()])
        .output()
    {
        guard.1 = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
    }
    assert_eq!(ours.program(), Some("ssh"));
    assert!(forwards_port(&ours, ForwardKind::Local, 18080), "{ours:?}");
    assert!(forwards_port(&ours, ForwardKind::Remote, 2299), "{ours:?}");
    assert!(!forwards_port(&ours, ForwardKind::Remote, 18080));
    let forwards = cmdline_forwards(&ours);
    assert_eq!(forwards[0].1.host.as_deref(), Some("127.0.0.1"));
}

// ---------------------------------------------------------------- LXC

/// Containers in a private LXC path, stopped and destroyed when dropped.
struct LxcPath<'a> {
    path: &'a str,
    names: Vec<&'a str>,
}

impl Drop for LxcPath<'_> {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = Command::new("lxc-stop")
                .args(["-P", self.path, "-n", name, "-k"])
                .output();
            let _ = Command::new("lxc-destroy")
                .args(["-P", self.path, "-n", name, "-f"])
                .output();
        }
    }
}

/// Gives the container fixed addresses inside its own namespace, with no host bridge:
/// the host end of its veth stays unattached. The busybox template's init runs udhcpc,
/// which would flush them, so it goes.
fn configure_container(path: &Path, name: &str) {
    let dir = path.join(name);
    let config = std::fs::read_to_string(dir.join("config")).expect("container config");
    let mut config: String = config
        .lines()
        .filter(|l| !l.trim_start().starts_with("lxc.net.0.link"))
        .map(|l| format!("{l}\n"))
        .collect();
    config.push_str(
        "lxc.net.0.name = eth0\n\
         lxc.net.0.ipv4.address = 10.78.201.5/24\n\
         lxc.net.0.ipv4.address = 10.78.201.6/24\n\
         lxc.net.0.ipv6.address = fd78:201::5/64\n",
    );
    std::fs::write(dir.join("config"), config).expect("write config");
    let rcs = dir.join("rootfs/etc/init.d/rcS");
    let init = std::fs::read_to_string(&rcs).expect("rcS");
    let init: String = init
        .lines()
        .filter(|l| !l.contains("udhcpc"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&rcs, init).expect("write rcS");
}

#[test]
fn lxc_ls_on_busybox_containers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_str().expect("UTF-8 temp path");
    let guard = LxcPath {
        path,
        names: vec!["fdp-run", "fdp-stopped"],
    };
    for name in &guard.names {
        run(&["lxc-create", "-P", path, "-n", name, "-t", "busybox"]);
    }
    configure_container(dir.path(), "fdp-run");
    run(&["lxc-start", "-P", path, "-n", "fdp-run"]);

    let chosen = ["lxc-ls", "-P", path, "-f", "-F", "NAME,STATE,IPV4,IPV6"];
    let deadline = Instant::now() + Duration::from_secs(30);
    let guests = loop {
        let text = run(&chosen);
        let guests = parse_lxc_ls(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let running = guests.iter().find(|g| g.name == "fdp-run");
        if running.is_some_and(|g| g.ips.len() == 3) {
            break guests;
        }
        assert!(
            Instant::now() < deadline,
            "fdp-run never showed its addresses:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let summary: Vec<(&str, GuestState, Vec<String>)> = guests
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                g.state,
                g.ips.iter().map(|i| i.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "fdp-run",
                GuestState::Running,
                vec![
                    "10.78.201.5".into(),
                    "10.78.201.6".into(),
                    "fd78:201::5".into()
                ]
            ),
            ("fdp-stopped", GuestState::Stopped, vec![]),
        ]
    );
    // The default columns give the same guests.
    let default = parse_lxc_ls(&run(&["lxc-ls", "-P", path, "-f"])).expect("default columns");
    assert_eq!(default, guests);

    run(&["lxc-freeze", "-P", path, "-n", "fdp-run"]);
    let frozen = parse_lxc_ls(&run(&chosen)).expect("frozen");
    assert_eq!(frozen[0].state, GuestState::Paused);
    run(&["lxc-unfreeze", "-P", path, "-n", "fdp-run"]);
    drop(guard);
}
