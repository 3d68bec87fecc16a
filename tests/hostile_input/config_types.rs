//! Configs with wrong types, out-of-range numbers, hostile names and binary garbage: each
//! is a configuration error (exit 2) naming the file, the line and the key, in at most
//! two lines, before anything is contacted. (tests/cli.rs covers a few more.)

use std::process::Command;

const NODE: &str = "[[node]]\nname = \"n1\"\nssh = \"root@10.9.0.1\"\n";
const VLAN: &str =
    "[[vlan]]\nid = 5\nnode = \"n1\"\nsubnet = \"10.9.0.0/24\"\ngateway = \"10.9.0.1\"\n";

/// (file, text, "file:line:", key)
fn cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    vec![
        (
            "refresh-str.toml",
            "refresh_secs = \"5\"\n".into(),
            "refresh-str.toml:1:",
            "refresh_secs",
        ),
        (
            "refresh-neg.toml",
            "refresh_secs = -1\n".into(),
            "refresh-neg.toml:1:",
            "refresh_secs",
        ),
        (
            "refresh-huge.toml",
            "refresh_secs = 99999999999999999999\n".into(),
            "refresh-huge.toml:1:",
            "refresh_secs",
        ),
        (
            "ro-int.toml",
            "read_only = 1\n".into(),
            "ro-int.toml:1:",
            "read_only",
        ),
        (
            "name-int.toml",
            "[[node]]\nname = 5\n".into(),
            "name-int.toml:2:",
            "node[0].name",
        ),
        (
            "name-shell.toml",
            "[[node]]\nname = \"h1; rm -rf /\"\n".into(),
            "name-shell.toml:2:",
            "node[0].name",
        ),
        (
            "name-unicode.toml",
            "[[node]]\nname = \"h\u{202e}1\"\n".into(),
            "name-unicode.toml:2:",
            "node[0].name",
        ),
        (
            "name-long.toml",
            format!("[[node]]\nname = \"{}\"\n", "n".repeat(300)),
            "name-long.toml:2:",
            "node[0].name",
        ),
        (
            "name-dash.toml",
            "[[node]]\nname = \"-oProxyCommand=x\"\n".into(),
            "name-dash.toml:2:",
            "node[0].name",
        ),
        (
            "ssh-shell.toml",
            "[[node]]\nname = \"n1\"\nssh = \"root@h$(id)\"\n".into(),
            "ssh-shell.toml:3:",
            "node[0].ssh",
        ),
        (
            "ssh-option.toml",
            "[[node]]\nname = \"n1\"\nssh = \"-oProxyCommand=touch /tmp/x\"\n".into(),
            "ssh-option.toml:3:",
            "node[0].ssh",
        ),
        (
            "ssh-port.toml",
            "[[node]]\nname = \"n1\"\nssh = \"root@h:99999\"\n".into(),
            "ssh-port.toml:3:",
            "node[0].ssh",
        ),
        (
            "hyp.toml",
            format!("{NODE}hypervisor = \"vmware\"\n"),
            "hyp.toml:4:",
            "node[0].hypervisor",
        ),
        (
            "docker-int.toml",
            format!("{NODE}docker = 7\n"),
            "docker-int.toml:4:",
            "node[0].docker",
        ),
        (
            "tls-str.toml",
            format!("{NODE}tls = \"x\"\n"),
            "tls-str.toml:4:",
            "node[0].tls",
        ),
        (
            "libvirt.toml",
            format!("{NODE}hypervisor = \"kvm\"\nlibvirt_uri = \"qemu:///system; reboot\"\n"),
            "libvirt.toml:5:",
            "node[0].libvirt_uri",
        ),
        (
            "vlan-str.toml",
            format!("{NODE}[[vlan]]\nid = \"a\"\n"),
            "vlan-str.toml:5:",
            "vlan[0].id",
        ),
        (
            "vlan-range.toml",
            format!("{NODE}{}", VLAN.replace("id = 5", "id = 5000")),
            "vlan-range.toml:5:",
            "vlan[0].id",
        ),
        (
            "reserved-str.toml",
            format!("{NODE}{VLAN}reserved = \"x\"\n"),
            "reserved-str.toml:9:",
            "vlan[0].reserved",
        ),
        (
            "bridge-shell.toml",
            format!("{NODE}{VLAN}bridge = \"br0; reboot\"\n"),
            "bridge-shell.toml:9:",
            "vlan[0].bridge",
        ),
        (
            "network-shell.toml",
            format!("{NODE}{VLAN}network = \"$(reboot)\"\n"),
            "network-shell.toml:9:",
            "vlan[0].network",
        ),
        (
            "timeout-float.toml",
            "[ssh]\nconnect_timeout_secs = 1.5\n".into(),
            "timeout-float.toml:2:",
            "ssh.connect_timeout_secs",
        ),
        (
            "port-big.toml",
            "[containers]\nport = 70000\n".into(),
            "port-big.toml:2:",
            "containers.port",
        ),
        (
            "image-shell.toml",
            "[containers]\nimage = \"busybox`reboot`\"\n".into(),
            "image-shell.toml:2:",
            "containers.image",
        ),
        (
            "node-table.toml",
            "[node]\nname = \"x\"\n".into(),
            "node-table.toml:1:",
            "node",
        ),
        (
            "testcmd-str.toml",
            format!("{NODE}[proxy]\nnode = \"n1\"\npath = \"/x\"\ntest_cmd = \"nginx -t\"\n"),
            "testcmd-str.toml:7:",
            "proxy.test_cmd",
        ),
        (
            "listen.toml",
            format!(
                "{NODE}[proxy]\nnode = \"n1\"\npath = \"/x\"\nlisten = \"80; include /etc/shadow\"\n"
            ),
            "listen.toml:7:",
            "proxy.listen",
        ),
    ]
}

fn fleetdeck(dir: &std::path::Path, config: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("--config")
        .arg(config)
        .args(["tree", "--json"])
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("FLEETDECK_CONFIG")
        .env_remove("FLEETDECK_READ_ONLY")
        .output()
        .expect("run fleetdeck")
}

#[test]
fn wrong_types_and_hostile_names_in_the_config_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (file, text, position, key) in cases() {
        let path = dir.path().join(file);
        std::fs::write(&path, &text).expect("write");
        let out = fleetdeck(dir.path(), &path);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains(position),
            "{file}: expected {position} in {err}"
        );
        assert!(
            err.contains(&format!("`{key}`")),
            "{file}: expected key {key} in {err}"
        );
        assert!(
            err.lines().count() <= 2,
            "{file}: more than two lines: {err}"
        );
        assert!(out.stdout.is_empty(), "{file}: printed a tree anyway");
        assert!(
            !err.contains('\u{202e}'),
            "{file}: a raw bidi override reached the terminal: {err:?}"
        );
    }
}

#[test]
fn binary_garbage_as_a_config_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    garbage.extend_from_slice(b"\n[[node]]\nname = \"\xff\"\n");
    let path = dir.path().join("garbage.toml");
    std::fs::write(&path, &garbage).expect("write");
    let out = fleetdeck(dir.path(), &path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("garbage.toml"), "{err}");
    assert!(err.contains("UTF-8"), "{err}");

    let path = dir.path().join("nul.toml");
    std::fs::write(&path, "refresh_secs = 5\u{0}\n").expect("write");
    let out = fleetdeck(dir.path(), &path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nul.toml:1:"), "{err}");
}
