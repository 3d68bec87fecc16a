//! A node that prints garbage, or names its guests with shell syntax: fake `ip`, `ss`,
//! `xl`, `virsh` and `lxc-ls` in h3's fakebin (they act only for this test's sessions,
//! which log in with the lab's audit key; everyone else on h3 gets the real tools).
//! Besides the lab's own h3 (hypervisor none), the config declares h3 three more times as
//! a Xen, a KVM and an LXC host, so one `tree` reads every kind of tool there.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use fleetdeck::transport::RemoteCommand;
use fleetdeck::transport::batch::batch_parts;

use crate::support::audit::Watch;
use crate::support::fleet::{TestFleet, code, text, tree_node};
use crate::support::lab::{FakeTool, Lab};

/// One set of fakes at a time on h3.
static FAKES: Mutex<()> = Mutex::new(());

const HYPERVISORS: [(&str, &str); 3] = [("h3-xen", "xen"), ("h3-kvm", "kvm"), ("h3-lxc", "lxc")];

fn fleet() -> TestFleet {
    let fleet = TestFleet::new(Lab::load(), "fdth-garbage-");
    let mut extra = String::new();
    for (name, hypervisor) in HYPERVISORS {
        extra.push_str(&format!(
            "[[node]]\nname = {name:?}\nssh = \"h3\"\njump = \"h1\"\ndocker = \"none\"\nhypervisor = {hypervisor:?}\nlibvirt_uri = \"test:///default\"\n"
        ));
    }
    fleet.write_config("fleet.toml", "", &extra);
    fleet
}

fn install(lab: &Lab, scripts: &[(&str, &str)]) -> Vec<FakeTool> {
    scripts
        .iter()
        .map(|(tool, script)| lab.fake_tool("h3", tool, script))
        .collect()
}

/// Raw control characters (but newline and tab) or bidi controls.
fn terminal_unsafe(text: &str) -> Option<char> {
    text.chars().find(|c| {
        (c.is_control() && *c != '\n' && *c != '\t')
            || matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// Garbage of one kind from every tool.
fn garbage_sets() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let every = |script: &str| -> Vec<(&'static str, String)> {
        ["ip", "ss", "xl", "virsh", "lxc-ls"]
            .iter()
            .map(|t| (*t, script.to_string()))
            .collect()
    };
    vec![
        ("random bytes", every("head -c 65536 /dev/urandom")),
        (
            "huge lines",
            every(
                "head -c 3000000 /dev/zero | tr '\\0' 'A'; head -c 200000 /dev/zero | tr '\\0' 'E' >&2",
            ),
        ),
        (
            "truncated and malformed",
            vec![
                ("ip", "printf '[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\"'".into()),
                ("ss", "printf 'LISTEN 0 128 10.0.0.1:\\nLISTEN x y [::\\n\\033[2J\\n'".into()),
                (
                    "xl",
                    "case \"$*\" in\n  'list -l') printf '[{\"domid\": \"x\", \"config\": 7' ;;\n  *) printf 'Name ID Mem VCPUs State Time(s)\\nDomain-0 0 x\\n\\033]0;pwned\\007 1 2\\n' ;;\nesac".into(),
                ),
                ("virsh", "printf ' Id   Name   State\\n------\\n 1 \\n -  \\342\\200\\256x shut\\n'".into()),
                ("lxc-ls", "printf 'NAME STATE IPV4\\nweird\\n\\377\\376 RUNNING 10.0.3.999\\n'".into()),
            ],
        ),
    ]
}

#[test]
fn garbage_from_a_node_costs_its_facts_only() {
    let _one = FAKES.lock().unwrap_or_else(|p| p.into_inner());
    let fleet = fleet();
    for (kind, scripts) in garbage_sets() {
        let scripts: Vec<(&str, &str)> = scripts.iter().map(|(t, s)| (*t, s.as_str())).collect();
        let _fakes = install(&fleet.lab, &scripts);
        let started = Instant::now();
        let out = fleet.run("fleet.toml", &["tree", "--json"]);
        let took = started.elapsed();
        assert_eq!(code(&out), 0, "{kind}: {}", text(&out));
        assert!(took < Duration::from_secs(60), "{kind}: tree took {took:?}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{kind}: {}",
            text(&out)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
        for host in ["h1", "h2"] {
            let node = tree_node(&doc, host);
            assert_eq!(node["status"], "up", "{kind}: {host}: {node}");
            let errors = node["fact_errors"].as_array().cloned().unwrap_or_default();
            assert!(
                errors
                    .iter()
                    .all(|e| e["fact"] != "bridges" && e["fact"] != "listening"),
                "{kind}: {host} caught h3's garbage: {errors:?}"
            );
        }
        for name in ["h3", "h3-xen", "h3-kvm", "h3-lxc"] {
            let node = tree_node(&doc, name);
            assert_eq!(node["status"], "up", "{kind}: {name}: {node}");
            let facts: Vec<&str> = node["fact_errors"]
                .as_array()
                .map(|a| a.iter().filter_map(|e| e["fact"].as_str()).collect())
                .unwrap_or_default();
            let mut wanted = vec!["bridges", "listening"];
            if name != "h3" {
                wanted.push("guests");
            }
            for fact in wanted {
                assert!(
                    facts.contains(&fact),
                    "{kind}: {name} has no error for {fact}: {node}"
                );
            }
            assert!(
                node["guests"].as_array().is_none_or(Vec::is_empty),
                "{kind}: {name} made guests out of garbage: {node}"
            );
            let messages = node["fact_errors"].to_string();
            assert!(
                messages.len() < 8 * 1024,
                "{kind}: {name}: error messages carry the garbage ({} bytes)",
                messages.len()
            );
        }
        // The same poll as text for a terminal: nothing the node printed may drive it.
        let out = fleet.run("fleet.toml", &["tree"]);
        assert_eq!(code(&out), 0, "{kind}: {}", text(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        if let Some(c) = terminal_unsafe(&shown) {
            panic!("{kind}: `fleetdeck tree` printed a raw {c:?}");
        }
    }
}

/// Guests named with shell syntax: fleetdeck asks `virsh domifaddr NAME` for each running
/// one, and the command log shows each name reached h3's shell as one quoted argument.
#[test]
fn guest_names_with_shell_syntax_reach_the_node_only_quoted() {
    let _one = FAKES.lock().unwrap_or_else(|p| p.into_inner());
    let fleet = fleet();
    let names = [
        "fdthy$(touch /tmp/fdthy-pwned)",
        "fdthy`touch /tmp/fdthy-pwned`",
        "fdthy;touch /tmp/fdthy-pwned",
        "fdthy'; touch /tmp/fdthy-pwned; '",
        "fdthy|touch /tmp/fdthy-pwned",
        "-fdthy --help",
        "fdthy\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}",
    ];
    let mut list = String::from(" Id   Name   State\n----------------------\n");
    for (i, name) in names.iter().enumerate() {
        list.push_str(&format!(" {}    {name}   running\n", i + 1));
    }
    let list_file = fleet.path("virsh-list.txt");
    std::fs::write(&list_file, &list).expect("list");
    let virsh = format!(
        "case \"$3\" in\n  list) cat {list:?} ;;\n  domifaddr) printf ' Name  MAC address  Protocol  Address\\n---\\n vnet0  52:54:00:00:00:01  ipv4  192.0.2.7/24\\n' ;;\n  *) exit 1 ;;\nesac",
        list = list_file.display().to_string()
    );
    let _fakes = install(&fleet.lab, &[("virsh", &virsh)]);
    let watch = Watch::start(&fleet.lab);
    let out = fleet.run("fleet.toml", &["tree", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
    let kvm = tree_node(&doc, "h3-kvm");
    let mut guests: Vec<&str> = kvm["guests"]
        .as_array()
        .map(|g| g.iter().filter_map(|g| g["name"].as_str()).collect())
        .unwrap_or_default();
    guests.sort_unstable();
    let mut wanted = names.to_vec();
    wanted.sort_unstable();
    assert_eq!(guests, wanted, "guests as the node named them: {kvm}");

    let seen = watch.seen();
    let argvs: Vec<Vec<String>> = seen
        .own_sessions()
        .iter()
        .filter(|s| s.host == "h3")
        .filter_map(|s| s.command.clone())
        .flat_map(|line| {
            let parts: Vec<String> = batch_parts(&line)
                .map(|p| p.into_iter().map(str::to_string).collect())
                .unwrap_or_else(|| vec![line.clone()]);
            parts
                .into_iter()
                .map(|p| {
                    RemoteCommand::from_remote_line(&p)
                        .unwrap_or_else(|| panic!("h3 got a line fleetdeck did not quote: {p:?}"))
                        .argv()
                        .to_vec()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for name in names {
        let wanted = ["virsh", "-c", "test:///default", "domifaddr", name];
        assert!(
            argvs.iter().any(|a| a == &wanted),
            "no `virsh domifaddr {name:?}` with the name as one argument in {argvs:#?}"
        );
    }
    assert!(
        !std::path::Path::new("/tmp/fdthy-pwned").exists(),
        "a guest name ran a command"
    );
    // Shown on a terminal, the names are escaped, not obeyed.
    let out = fleet.run("fleet.toml", &["tree"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("fdthy$(touch"), "{shown}");
    if let Some(c) = terminal_unsafe(&shown) {
        panic!("`fleetdeck tree` printed a raw {c:?} from a guest name");
    }
}
