//! The real binary, driven as a script or cron job would: exit codes, messages, files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// fleetdeck with a private HOME and XDG dirs, and none of the caller's settings.
    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run fleetdeck")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path(".config"))
            .env("XDG_DATA_HOME", self.path(".local/share"))
            .env("XDG_STATE_HOME", self.path(".local/state"))
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("DOCKER_HOST")
            .env_remove("SUDO_USER")
            .env("USER", "tester")
            .env_remove("SSH_CONNECTION");
        cmd
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const FLEET: &str = r#"
[inventory]
path = "inv/inventory.db"

[[node]]
name = "bastion"
ssh = "admin@192.0.2.10:2222"
docker = "none"

[[node]]
name = "teemo"
ssh = "root@10.2.0.1"
jump = "bastion"

[[vlan]]
id = 100
node = "teemo"
subnet = "10.2.0.0/24"
gateway = "10.2.0.254"
"#;

#[test]
fn config_check_prints_resolved_nodes() {
    let home = Home::new();
    let cfg = home.write("fleet.toml", FLEET);
    let out = home.run(&["--config", cfg.to_str().expect("utf8"), "config", "check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("fleet.toml: ok"), "{text}");
    assert!(text.contains("ssh root@10.2.0.1 via bastion"), "{text}");
    assert!(text.contains("docker ssh:/var/run/docker.sock"), "{text}");
    assert!(text.contains("vlan 100"), "{text}");
}

#[test]
fn config_check_uses_env_and_builtin_default() {
    let home = Home::new();
    let out = home.run(&["config", "check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("built-in default"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("node local"), "{}", stdout(&out));

    let cfg = home.write("env.toml", FLEET);
    let out = home
        .command(&["config", "check"])
        .env("FLEETDECK_CONFIG", &cfg)
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("env.toml: ok"));
}

#[test]
fn bad_configs_exit_2_naming_file_line_and_key() {
    let home = Home::new();
    let cases = [
        (
            "unknown.toml",
            "refresh_secs = 5\nrefesh = 3\n",
            "unknown.toml:2:",
            "refesh",
        ),
        (
            "type.toml",
            "read_only = \"yes\"\n",
            "type.toml:1:",
            "read_only",
        ),
        (
            "subnet.toml",
            &FLEET.replace("10.2.0.0/24", "10.2.0.0/40"),
            "subnet.toml:18:",
            "vlan[0].subnet",
        ),
        (
            "dup.toml",
            &format!("{FLEET}\n[[node]]\nname = \"teemo\"\n"),
            "dup.toml:22:",
            "node[2].name",
        ),
        (
            "gw.toml",
            &FLEET.replace("10.2.0.254", "10.9.0.1"),
            "gw.toml:19:",
            "vlan[0].gateway",
        ),
        (
            "jump.toml",
            &FLEET.replace("jump = \"bastion\"", "jump = \"nowhere\""),
            "jump.toml:13:",
            "node[1].jump",
        ),
    ];
    for (file, text, position, key) in cases {
        let cfg = home.write(file, text);
        let out = home.run(&["--config", cfg.to_str().expect("utf8"), "config", "check"]);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{file}: {err}");
        assert!(
            err.contains(position),
            "{file}: expected {position} in {err}"
        );
        assert!(err.contains(key), "{file}: expected {key} in {err}");
        assert!(
            err.lines().count() <= 2,
            "{file}: error longer than two lines: {err}"
        );
    }
    let out = home.run(&["--config", "missing.toml", "inventory", "list"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("missing.toml does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = Home::new();
    let out = home.run(&["inventory", "frobnicate"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn init_writes_a_valid_config_and_never_overwrites() {
    let home = Home::new();
    let out = home.run(&["init"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = home.path(".config/fleetdeck/config.toml");
    let first = std::fs::read_to_string(&written).expect("written");
    assert!(first.contains("name = \"local\""), "{first}");
    let out = home.run(&["config", "check"]);
    assert_eq!(
        code(&out),
        0,
        "generated config must check: {}",
        stderr(&out)
    );

    let out = home.run(&["init"]);
    assert_eq!(code(&out), 4);
    assert!(
        stderr(&out).contains("never overwrites"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&written).expect("kept"), first);
}

#[test]
fn init_from_ssh_config_takes_concrete_hosts() {
    let home = Home::new();
    // Split with Include, relative to ~/.ssh as ssh reads it.
    home.write(
        ".ssh/config",
        "Include conf.d/*.conf\nHost bastion\n  HostName 192.0.2.10\n",
    );
    home.write(
        ".ssh/conf.d/10-hosts.conf",
        "Host teemo garen\n  ProxyJump bastion\n",
    );
    home.write(".ssh/conf.d/20-rest.conf", "Host *.lan *\n  User root\n");
    let target = home.path("out/fleet.toml");
    let out = home.run(&[
        "--config",
        target.to_str().expect("utf8"),
        "init",
        "--from-ssh-config",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(&target).expect("written");
    for node in ["bastion", "teemo", "garen"] {
        assert!(
            text.contains(&format!("name = \"{node}\"")),
            "{node} missing: {text}"
        );
    }
    assert!(!text.contains("*.lan"), "wildcards must be skipped: {text}");
    assert_eq!(text.matches("jump = \"bastion\"").count(), 2, "{text}");
    let out = home.run(&[
        "--config",
        target.to_str().expect("utf8"),
        "config",
        "check",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("via bastion"), "{}", stdout(&out));
}

fn legacy_db(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("legacy");
    conn.execute_batch(
        "CREATE TABLE users(login varchar(10), vlan int, docker_ip varchar(15), domain varchar(50) primary key);
         INSERT INTO users VALUES ('alice', 100, '10.2.0.10', 'blog.example.org');
         INSERT INTO users VALUES ('bob', 100, '10.2.0.11', 'shop.example.org');
         INSERT INTO users VALUES ('carol', 100, '10.2.0.10', 'clash.example.org');
         INSERT INTO users VALUES ('dave', 100, '10.2.0.12', 'x.org; rm -rf /');",
    )
    .expect("legacy rows");
}

#[test]
fn import_legacy_list_and_audit_end_to_end() {
    let home = Home::new();
    let cfg = home.write("fleet.toml", FLEET);
    let cfg = cfg.to_str().expect("utf8");
    let legacy = home.path("projet.db");
    legacy_db(&legacy);
    let before = std::fs::read(&legacy).expect("legacy bytes");

    let out = home.run(&[
        "--config",
        cfg,
        "inventory",
        "import-legacy",
        legacy.to_str().expect("utf8"),
    ]);
    let text = stdout(&out);
    assert_eq!(
        code(&out),
        4,
        "invalid rows make exit 4: {text}{}",
        stderr(&out)
    );
    let starting = |word: &str| text.lines().filter(|l| l.starts_with(word)).count();
    assert_eq!(starting("imported "), 2, "{text}");
    assert_eq!(starting("invalid "), 2, "{text}");
    assert!(text.contains("already used by blog.example.org"), "{text}");
    assert!(text.contains("contains ';'"), "{text}");
    assert!(
        text.contains("2 imported, 0 skipped, 2 invalid (4 rows)"),
        "{text}"
    );

    let again = home.run(&[
        "--config",
        cfg,
        "inventory",
        "import-legacy",
        legacy.to_str().expect("utf8"),
    ]);
    assert!(
        stdout(&again).contains("0 imported, 2 skipped, 2 invalid"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        std::fs::read(&legacy).expect("legacy bytes"),
        before,
        "legacy file modified"
    );

    assert!(
        home.path("inv/inventory.db").exists(),
        "a relative inventory path is relative to the config file"
    );
    let list = home.run(&["--config", cfg, "inventory", "list", "--json"]);
    assert_eq!(code(&list), 0, "{}", stderr(&list));
    let doc: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(doc["schema_version"], 1);
    let sites = doc["sites"].as_array().expect("sites");
    assert_eq!(sites.len(), 2);
    assert_eq!(sites[0]["domain"], "blog.example.org");
    assert_eq!(sites[0]["node"], "teemo");
    assert_eq!(sites[0]["ip"], "10.2.0.10");
    assert_eq!(sites[0]["state"], "active");

    let table = home.run(&["--config", cfg, "inventory", "list"]);
    assert!(
        stdout(&table).contains("shop.example.org  bob"),
        "{}",
        stdout(&table)
    );

    let audit = home.run(&["--config", cfg, "audit", "--json", "--limit", "1"]);
    let doc: serde_json::Value = serde_json::from_slice(&audit.stdout).expect("json");
    let rows = doc["audit"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["action"], "import-legacy");
    // The real uid's name, not USER.
    let me = String::from_utf8_lossy(
        &std::process::Command::new("id")
            .arg("-un")
            .output()
            .expect("id -un")
            .stdout,
    )
    .trim()
    .to_string();
    assert_eq!(rows[0]["actor"], me.as_str());
    assert_eq!(rows[0]["origin"], "local");
    let text = stdout(&home.run(&["--config", cfg, "audit"]));
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn read_only_refuses_import_and_creates_nothing() {
    let home = Home::new();
    let cfg = home.write("fleet.toml", FLEET);
    let legacy = home.path("projet.db");
    legacy_db(&legacy);
    for args in [
        vec!["--read-only", "--config", cfg.to_str().expect("utf8")],
        vec!["--config", cfg.to_str().expect("utf8")],
    ] {
        let mut all = args.clone();
        all.extend(["inventory", "import-legacy", legacy.to_str().expect("utf8")]);
        let mut cmd = home.command(&all);
        if !args.contains(&"--read-only") {
            cmd.env("FLEETDECK_READ_ONLY", "1");
        }
        let out = cmd.output().expect("run");
        assert_eq!(code(&out), 3, "{}", stderr(&out));
        assert!(stderr(&out).contains("read-only mode"), "{}", stderr(&out));
    }
    assert!(
        !home.path("inv").exists(),
        "read-only mode created the inventory"
    );
    let out = home.run(&[
        "--read-only",
        "--config",
        cfg.to_str().expect("utf8"),
        "inventory",
        "list",
    ]);
    assert_eq!(code(&out), 0);
    assert!(!home.path("inv").exists(), "listing created the inventory");
}

#[test]
fn import_of_a_non_legacy_file_is_invalid_input() {
    let home = Home::new();
    let other = home.path("other.db");
    rusqlite::Connection::open(&other)
        .expect("db")
        .execute_batch("CREATE TABLE t(x);")
        .expect("table");
    let out = home.run(&["inventory", "import-legacy", other.to_str().expect("utf8")]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no table users"),
        "{}",
        stderr(&out)
    );
    let out = home.run(&["inventory", "import-legacy", "nope.db"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn the_console_without_a_terminal_exits_2_with_a_message() {
    let home = Home::new();
    // `output()` gives the child pipes, not a terminal.
    let out = home.run(&[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_reader_that_leaves_early_is_not_an_error() {
    let home = Home::new();
    // `config check` prints several lines; the reader takes none of them.
    let mut child = home
        .command(&["config", "check"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn config_check_json_prints_routes_as_ssh_resolves_them() {
    let home = Home::new();
    home.write(
        "ssh_config",
        "Host web\n  HostName %h.internal.example\n  User deploy\n  ProxyJump gate,u2@inner:2202\n\
         \x20 IdentityFile ~/.ssh/web_%r\n  CertificateFile /certs/%h.pub\n\
         \x20 UserKnownHostsFile ~/kh/%h\n  HostKeyAlias Web-Alias\n\
         Host gate\n  HostName 192.0.2.1\n  Port 2201\n  User jumper\n\
         Host piped\n  ProxyCommand nc -q0 %h %p\n  IdentitiesOnly yes\n",
    );
    let cfg = home.write(
        "fleet.toml",
        "[ssh]\nconfig = \"ssh_config\"\nknown_hosts = \"/fleet/known_hosts\"\n\
         [[node]]\nname = \"local\"\n\
         [[node]]\nname = \"web\"\nssh = \"web\"\n\
         [[node]]\nname = \"piped\"\nssh = \"piped:2222\"\ndocker = \"none\"\n",
    );
    // A CA line for the HostKeyAlias covers web; one for other names does not.
    const CA: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMG5suZjocJsEImTGs8tKtVokscbhMCmtg5vbLRJf2mB";
    std::fs::create_dir_all(home.path("kh")).expect("mkdir");
    home.write(
        "kh/web.internal.example",
        &format!("@cert-authority db-* {CA}\n@cert-authority web-*,!other {CA}\n"),
    );
    let out = home.run(&[
        "--config",
        cfg.to_str().expect("utf8"),
        "config",
        "check",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(doc["schema_version"], 1);
    let nodes = doc["nodes"].as_array().expect("nodes");
    assert_eq!(nodes[0]["name"], "local");
    assert!(nodes[0]["route"].is_null());
    let h = home.path("").display().to_string();
    let h = h.trim_end_matches('/');
    let web = &nodes[1]["route"];
    assert_eq!(web["user"], "deploy");
    assert_eq!(web["hostname"], "web.internal.example");
    assert_eq!(web["port"], 22);
    assert_eq!(
        web["jumps"],
        serde_json::json!([
            {"user": "jumper", "hostname": "192.0.2.1", "port": 2201},
            {"user": "u2", "hostname": "inner", "port": 2202},
        ])
    );
    assert_eq!(
        web["identity_files"],
        serde_json::json!([format!("{h}/.ssh/web_deploy")])
    );
    assert_eq!(
        web["certificate_files"],
        serde_json::json!(["/certs/web.internal.example.pub"])
    );
    assert_eq!(
        web["known_hosts_files"],
        serde_json::json!([
            format!("{h}/kh/web.internal.example"),
            "/etc/ssh/ssh_known_hosts",
            "/etc/ssh/ssh_known_hosts2",
            "/fleet/known_hosts"
        ])
    );
    assert_eq!(web["host_key_alias"], "web-alias");
    assert!(web["proxy_command"].is_null());
    assert_eq!(
        web["cert_authorities"],
        serde_json::json!([{
            "file": format!("{h}/kh/web.internal.example"),
            "line": 2,
            "fingerprint": "SHA256:FC6SHVrgViwxpFsAG/yLLPGalxRsIzUsk2on3DsH5vs",
        }])
    );
    assert_eq!(nodes[2]["route"]["cert_authorities"], serde_json::json!([]));
    assert_eq!(nodes[1]["hypervisor"], "none");
    let piped = &nodes[2]["route"];
    assert_eq!(piped["port"], 2222);
    assert_eq!(piped["proxy_command"], "nc -q0 piped 2222");
    assert_eq!(piped["jumps"], serde_json::json!([]));
    assert_eq!(nodes[2]["docker"], "none");

    let out = home.run(&["--config", cfg.to_str().expect("utf8"), "config", "check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "route deploy@web.internal.example:22 via jumper@192.0.2.1:2201 -> u2@inner:2202  ca {h}/kh/web.internal.example:2"
        )),
        "{text}"
    );
    assert!(
        text.contains("over ProxyCommand \"nc -q0 piped 2222\""),
        "{text}"
    );
}

#[test]
fn config_check_refuses_match_exec_naming_the_line() {
    let home = Home::new();
    home.write(
        "ssh_config",
        "Host a\n  User x\nMatch exec \"true\"\n  User y\n",
    );
    let cfg = home.write(
        "fleet.toml",
        "[ssh]\nconfig = \"ssh_config\"\n[[node]]\nname = \"a\"\nssh = \"a\"\n",
    );
    let out = home.run(&[
        "--config",
        cfg.to_str().expect("utf8"),
        "config",
        "check",
        "--json",
    ]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("ssh_config:3"), "{err}");
    assert!(err.contains("Match exec"), "{err}");
}
