//! `fleetdeck proxy plan | apply` against the lab's real nginx on h1: containers of our own
//! on h1 (names `fdtp-*`, VLANs 120-129 on 10.90.<id>.0/24), a proxy file of our own in
//! nginx's sites directory, curl from the root namespace with a Host header.
//!
//! Every test that runs nginx's test or reload holds `NGINX`: one test's broken file must
//! never be what another test's `nginx -t` sees. Cleanup removes our files and reloads.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fleetdeck::actor::Actor;
use fleetdeck::inventory::{Inventory, LockHolder, Site, SiteState, now_rfc3339};
use support::lab::{Lab, assert_success, retry};

static NGINX: Mutex<()> = Mutex::new(());

fn nginx_lock() -> MutexGuard<'static, ()> {
    NGINX.lock().unwrap_or_else(|p| p.into_inner())
}

/// One test's proxy: a private dir (inventory, config, templates), its file on h1.
struct Proxy {
    lab: Lab,
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl Proxy {
    fn new(test: &str) -> Proxy {
        let lab = Lab::load();
        let (_, nginx) = lab.nginx();
        let target = nginx.sites_dir.join(format!("fdtp-{test}.conf"));
        let dir = tempfile::Builder::new()
            .prefix(&format!("fdtp-{test}-"))
            .tempdir()
            .expect("tempdir");
        let proxy = Proxy { lab, dir, target };
        proxy.remove_files();
        proxy.write_config("config.toml", "");
        proxy
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn inventory(&self) -> Inventory {
        Inventory::open(&self.path("inv.db")).expect("inventory")
    }

    fn nginx_args(&self, first: &[&str]) -> Vec<String> {
        let (_, n) = self.lab.nginx();
        let mut v: Vec<String> = first.iter().map(|s| s.to_string()).collect();
        v.extend([
            "-p".into(),
            n.prefix.display().to_string(),
            "-c".into(),
            n.conf.display().to_string(),
        ]);
        v
    }

    /// A fleet config over the lab with `[proxy]` on h1 writing our file; `extra` lines go
    /// into `[proxy]` (overriding keys is not allowed by TOML, so the defaults are left
    /// out when `extra` names them).
    fn write_config(&self, name: &str, extra: &str) -> PathBuf {
        let (_, n) = self.lab.nginx();
        let mut proxy = format!(
            "[inventory]\npath = {:?}\n[proxy]\nnode = \"h1\"\npath = {:?}\nlisten = {:?}\n",
            self.path("inv.db").display().to_string(),
            self.target.display().to_string(),
            n.listen,
        );
        if !extra.contains("test_cmd") {
            proxy.push_str(&format!(
                "test_cmd = {:?}\n",
                self.nginx_args(&["nginx", "-t", "-q"])
            ));
        }
        if !extra.contains("reload_cmd") {
            proxy.push_str(&format!(
                "reload_cmd = {:?}\n",
                self.nginx_args(&["nginx", "-s", "reload"])
            ));
        }
        proxy.push_str(extra);
        let path = self.path(name);
        std::fs::write(&path, self.lab.fleet_config("", &proxy)).expect("config");
        path
    }

    fn run_with(&self, config: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("--config")
            .arg(self.path(config))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", "fdtp-tester")
            .env_remove("SUDO_USER")
            .env_remove("SSH_CONNECTION")
            .env_remove("FLEETDECK_READ_ONLY")
            .output()
            .expect("run fleetdeck")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with("config.toml", args)
    }

    fn deployed(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.target).ok()
    }

    fn remove_files(&self) {
        let dir = self.target.parent().expect("sites dir");
        let base = self.target.file_name().expect("name").to_string_lossy();
        let _ = std::fs::remove_file(&self.target);
        for suffix in ["lock", "bak", "new"] {
            let _ = std::fs::remove_file(dir.join(format!(".{base}.fleetdeck-{suffix}")));
        }
    }

    fn reload_nginx(&self) {
        let args = self.nginx_args(&["-s", "reload"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.lab.in_netns("h1", "nginx", &args);
    }

    fn last_audit(&self) -> fleetdeck::inventory::AuditEntry {
        self.inventory()
            .audit(1)
            .expect("audit")
            .into_iter()
            .next()
            .expect("an audit row")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.remove_files();
        self.reload_nginx();
    }
}

/// A Docker network of ours on h1 (VLAN `id`), removed with its containers on drop.
struct Net<'a> {
    lab: &'a Lab,
    id: u16,
    containers: Vec<String>,
}

impl<'a> Net<'a> {
    fn new(lab: &'a Lab, id: u16) -> Net<'a> {
        let net = Net {
            lab,
            id,
            containers: Vec::new(),
        };
        net.lab.docker("h1", &["network", "rm", &net.name()]);
        let out = lab.docker(
            "h1",
            &[
                "network",
                "create",
                "--driver",
                "bridge",
                "--subnet",
                &format!("10.90.{id}.0/24"),
                "--gateway",
                &format!("10.90.{id}.1"),
                "-o",
                &format!("com.docker.network.bridge.name=fdtp{id}"),
                &net.name(),
            ],
        );
        assert_success(&out, "docker network create");
        net
    }

    fn name(&self) -> String {
        format!("fdtp-net{}", self.id)
    }

    /// A container at 10.90.<id>.<host> serving `page` on `port`.
    fn container(&mut self, name: &str, host: u8, page: &str, port: u16) -> String {
        let ip = format!("10.90.{}.{host}", self.id);
        self.lab.docker("h1", &["rm", "-f", name]);
        self.containers.push(name.to_string());
        let out = self.lab.docker(
            "h1",
            &[
                "run",
                "-d",
                "--name",
                name,
                "--network",
                &self.name(),
                "--ip",
                &ip,
                "-e",
                &format!("FDLAB_PAGE={page}"),
                "-e",
                &format!("FDLAB_PORT={port}"),
                &self.lab.image,
            ],
        );
        assert_success(&out, "docker run");
        ip
    }
}

impl Drop for Net<'_> {
    fn drop(&mut self) {
        for c in &self.containers {
            self.lab.docker("h1", &["rm", "-f", c]);
        }
        self.lab.docker("h1", &["network", "rm", &self.name()]);
    }
}

fn site(domain: &str, vlan: u16, ip: &str, port: Option<u16>, state: SiteState) -> Site {
    Site {
        domain: domain.into(),
        login: "fdtp".into(),
        vlan,
        node: Some("h1".into()),
        ip: ip.parse().expect("ip"),
        container_id: None,
        image: None,
        port,
        state,
        created_at: now_rfc3339(),
        updated_at: now_rfc3339(),
    }
}

/// `curl -H "Host: domain" http://<nginx>/` from the root namespace.
fn curl(lab: &Lab, domain: &str) -> String {
    let (_, n) = lab.nginx();
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", "-H", &format!("Host: {domain}")])
        .arg(format!("http://{}/", n.listen))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The page for `domain` once it contains `want` (nginx reloads asynchronously).
fn served(lab: &Lab, domain: &str, want: &str) -> String {
    retry(Duration::from_secs(10), || {
        Some(curl(lab, domain)).filter(|b| b.contains(want))
    })
    .unwrap_or_else(|| {
        panic!(
            "{domain} never served {want:?}; last: {:?}",
            curl(lab, domain)
        )
    })
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn apply_ok(p: &Proxy) {
    let out = p.run(&["proxy", "apply", "--yes"]);
    let (o, e) = text(&out);
    assert_eq!(code(&out), 0, "apply failed:\n{o}\n{e}");
}

const DEFAULT_PAGE: &str = "fdlab nginx on h1";

#[test]
fn plan_then_apply_serves_each_sites_container_and_removes_deleted_ones() {
    let _nginx = nginx_lock();
    let p = Proxy::new("serve");
    let mut net = Net::new(&p.lab, 120);
    let ip_a = net.container("fdtp-serve-a", 10, "fdtp page of serve-a", 80);
    let ip_b = net.container("fdtp-serve-b", 11, "fdtp page of serve-b", 8080);
    let (a, b) = ("fdtp-serve-a.example.test", "fdtp-serve-b.example.test");
    {
        let mut inv = p.inventory();
        inv.insert_site(&site(a, 120, &ip_a, None, SiteState::Active))
            .expect("a");
        inv.insert_site(&site(b, 120, &ip_b, Some(8080), SiteState::Active))
            .expect("b");
        inv.insert_site(&site(
            "fdtp-serve-pending.example.test",
            120,
            "10.90.120.12",
            None,
            SiteState::Pending,
        ))
        .expect("pending");
    }

    let out = p.run(&["proxy", "plan", "--exit-code"]);
    let (diff, err) = text(&out);
    assert_eq!(code(&out), 5, "{diff}\n{err}");
    assert!(diff.starts_with("--- /dev/null\n"), "{diff}");
    for want in [
        format!("+    server_name {a};\n"),
        format!("+        proxy_pass http://{ip_a}:80;\n"),
        format!("+        proxy_pass http://{ip_b}:8080;\n"),
    ] {
        assert!(diff.contains(&want), "{want:?} in\n{diff}");
    }
    assert!(!diff.contains("pending"), "pending sites are not proxied");
    assert!(err.contains("changes pending"), "{err}");
    assert!(p.deployed().is_none(), "plan changes nothing");

    let started = std::time::Instant::now();
    apply_ok(&p);
    eprintln!("figure: proxy apply (2 sites) took {:?}", started.elapsed());
    assert!(served(&p.lab, a, "fdtp page of serve-a").contains("serve-a"));
    served(&p.lab, b, "fdtp page of serve-b");
    let out = p.run(&["proxy", "plan", "--exit-code"]);
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    assert!(text(&out).0.starts_with("no changes: "), "{:?}", text(&out));
    let row = p.last_audit();
    assert_eq!(
        (
            row.action.as_str(),
            row.outcome.as_str(),
            row.actor.as_str()
        ),
        ("proxy.apply", "ok", "fdtp-tester")
    );

    // A deleted site disappears from nginx: its name falls back to the default server.
    assert!(p.inventory().delete_site(b).expect("delete"));
    let out = p.run(&["proxy", "plan"]);
    assert!(
        text(&out).0.contains(&format!("-    server_name {b};\n")),
        "{:?}",
        text(&out)
    );
    apply_ok(&p);
    served(&p.lab, b, DEFAULT_PAGE);
    served(&p.lab, a, "fdtp page of serve-a");
    assert_eq!(p.inventory().audit(10).expect("audit").len(), 2);
}

#[test]
fn a_failing_nginx_test_restores_the_file_and_the_previous_config_stays_served() {
    let _nginx = nginx_lock();
    let p = Proxy::new("badtest");
    let mut net = Net::new(&p.lab, 121);
    let ip = net.container("fdtp-badtest-a", 10, "fdtp page of badtest-a", 80);
    let a = "fdtp-badtest-a.example.test";
    p.inventory()
        .insert_site(&site(a, 121, &ip, None, SiteState::Active))
        .expect("a");
    apply_ok(&p);
    served(&p.lab, a, "fdtp page of badtest-a");
    let before = p.deployed().expect("deployed");

    // A template with a directive nginx does not know, and a new site to make a change.
    let bad = p.path("bad.conf.j2");
    std::fs::write(
        &bad,
        "{% for s in sites %}server {\n    listen {{ listen }};\n    server_name {{ s.domain }};\n    fdtp_bogus_directive on;\n}\n{% endfor %}",
    )
    .expect("template");
    p.write_config(
        "bad.toml",
        &format!("template = {:?}\n", bad.display().to_string()),
    );
    let out = p.run_with("bad.toml", &["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("unknown directive \"fdtp_bogus_directive\""),
        "nginx's error lines are shown: {err}"
    );
    assert!(
        err.contains("the previous file was restored and is still served"),
        "{err}"
    );
    assert_eq!(
        p.deployed().expect("deployed"),
        before,
        "restored byte for byte"
    );
    assert_eq!(curl(&p.lab, a).trim(), "fdtp page of badtest-a");
    let row = p.last_audit();
    assert_eq!(row.outcome, "failed");
    assert!(row.detail.expect("detail").contains("fdtp_bogus_directive"));

    // A template that does not parse: the file and line are named, exit 4, node untouched.
    let broken = p.path("broken.conf.j2");
    std::fs::write(
        &broken,
        "# fine\n{% for s in sites %}\n{{ s.domain }\n{% endfor %}\n",
    )
    .expect("template");
    p.write_config(
        "broken.toml",
        &format!("template = {:?}\n", broken.display().to_string()),
    );
    let out = p.run_with("broken.toml", &["proxy", "plan"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 4, "{err}");
    assert!(
        err.contains(&format!(
            "template {}, line 3: syntax error",
            broken.display()
        )),
        "{err}"
    );
    assert_eq!(p.deployed().expect("deployed"), before);
}

#[test]
fn a_failing_reload_restores_and_reloads_the_previous_config() {
    let _nginx = nginx_lock();
    let p = Proxy::new("badreload");
    let mut net = Net::new(&p.lab, 122);
    let ip_a = net.container("fdtp-badreload-a", 10, "fdtp page of badreload-a", 80);
    let ip_b = net.container("fdtp-badreload-b", 11, "fdtp page of badreload-b", 80);
    let (a, b) = (
        "fdtp-badreload-a.example.test",
        "fdtp-badreload-b.example.test",
    );
    p.inventory()
        .insert_site(&site(a, 122, &ip_a, None, SiteState::Active))
        .expect("a");
    apply_ok(&p);
    served(&p.lab, a, "fdtp page of badreload-a");
    let before = p.deployed().expect("deployed");

    // A reload that fails once (while its marker exists), then reloads for real.
    let marker = p.path("fail-next-reload");
    std::fs::write(&marker, "").expect("marker");
    let script = p.path("reload.sh");
    let reload = p.nginx_args(&["nginx", "-s", "reload"]).join(" ");
    std::fs::write(
        &script,
        format!(
            "if [ -e {m} ]; then rm -f {m}; echo 'fdtp: reload refused' >&2; exit 1; fi\nexec {reload}\n",
            m = marker.display()
        ),
    )
    .expect("script");
    p.write_config(
        "reload.toml",
        &format!(
            "reload_cmd = [\"sh\", {:?}]\n",
            script.display().to_string()
        ),
    );
    p.inventory()
        .insert_site(&site(b, 122, &ip_b, None, SiteState::Active))
        .expect("b");
    let out = p.run_with("reload.toml", &["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("fdtp: reload refused"), "{err}");
    assert!(
        err.contains("the previous file was restored and reloaded"),
        "{err}"
    );
    assert!(!marker.exists(), "the reload ran twice");
    assert_eq!(p.deployed().expect("deployed"), before);
    served(&p.lab, a, "fdtp page of badreload-a");
    assert_eq!(curl(&p.lab, b).trim(), DEFAULT_PAGE, "b was never served");
    assert_eq!(p.last_audit().outcome, "failed");
    drop(net);
}

#[test]
fn a_held_lock_refuses_naming_the_holder_and_a_dead_ones_is_taken_over() {
    let _nginx = nginx_lock();
    let p = Proxy::new("lock");
    // Another admin's apply in progress: a live process (this test) on this machine.
    let alice = LockHolder {
        pid: std::process::id(),
        ..LockHolder::current(&Actor {
            user: "fdtp-alice".into(),
            origin: "ssh:10.77.0.254".into(),
        })
    };
    p.inventory()
        .acquire_lock("proxy", &alice, &|_| true)
        .expect("alice's lock");
    let started = std::time::Instant::now();
    let out = p.run(&["proxy", "apply", "--yes"]);
    let waited = started.elapsed();
    let (_, err) = text(&out);
    assert_eq!(code(&out), 4, "{err}");
    assert!(
        err.contains("held by fdtp-alice (ssh:10.77.0.254, pid"),
        "{err}"
    );
    assert!(err.contains("waiting up to 5s"), "{err}");
    assert!(waited >= Duration::from_secs(4), "it waited: {waited:?}");
    assert!(p.deployed().is_none(), "nothing was written");
    assert_eq!(p.last_audit().outcome, "refused");

    // Alice's process is gone: her lock is taken over, and the apply says so.
    let mut child = Command::new("true").spawn().expect("true");
    let dead = child.id();
    child.wait().expect("wait");
    {
        let inv = p.inventory();
        assert!(inv.release_lock("proxy", &alice).expect("release"));
    }
    let ghost = LockHolder { pid: dead, ..alice };
    p.inventory()
        .acquire_lock("proxy", &ghost, &|_| true)
        .expect("ghost lock");
    let out = p.run(&["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("took over the proxy lock left by fdtp-alice"),
        "{err}"
    );
    assert!(p.deployed().is_some());
    assert_eq!(p.inventory().lock_holder("proxy").expect("holder"), None);
}

#[test]
fn read_only_plans_but_refuses_to_apply() {
    let _nginx = nginx_lock();
    let p = Proxy::new("ro");
    let hand_made = b"# fdtp hand-made file\n";
    std::fs::write(&p.target, hand_made).expect("hand-made file");
    p.inventory()
        .insert_site(&site(
            "fdtp-ro.example.test",
            124,
            "10.90.124.10",
            None,
            SiteState::Active,
        ))
        .expect("site");

    let out = p.run(&["--read-only", "proxy", "plan", "--exit-code"]);
    let (diff, err) = text(&out);
    assert_eq!(code(&out), 5, "{err}");
    assert!(diff.contains("-# fdtp hand-made file\n"), "{diff}");
    assert!(
        diff.contains("+    server_name fdtp-ro.example.test;\n"),
        "{diff}"
    );

    let out = p.run(&["--read-only", "proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 3, "{err}");
    assert!(err.contains("read-only mode"), "{err}");
    assert_eq!(p.deployed().as_deref(), Some(hand_made.as_slice()));
    let row = p.last_audit();
    assert_eq!(
        (row.action.as_str(), row.outcome.as_str()),
        ("proxy.apply", "refused")
    );
}

#[test]
fn an_inventory_row_that_would_inject_nginx_syntax_is_refused() {
    let _nginx = nginx_lock();
    let p = Proxy::new("inject");
    let evil = "fdtp-inject.example.test; include /etc/shadow";
    p.inventory()
        .insert_site(&site(evil, 125, "10.90.125.10", None, SiteState::Active))
        .expect("site");
    let out = p.run(&["proxy", "plan"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 4, "{err}");
    assert!(err.contains("fdtp-inject.example.test; include"), "{err}");
    assert!(err.contains("fix its row"), "{err}");
    assert!(p.deployed().is_none());
}

#[test]
fn no_proxy_table_is_a_usage_error() {
    let lab = Lab::load();
    let dir = tempfile::Builder::new()
        .prefix("fdtp-noproxy-")
        .tempdir()
        .expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, lab.fleet_config("", "")).expect("config");
    for args in [["proxy", "plan"], ["proxy", "apply"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("HOME", dir.path())
            .output()
            .expect("run");
        let (_, err) = text(&out);
        assert_eq!(code(&out), 2, "{err}");
        assert!(err.contains("no [proxy] table in"), "{err}");
    }
}
