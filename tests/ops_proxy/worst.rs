//! Proxy apply's worst outcomes on the lab's real nginx: the deployed file changed after
//! the plan, a reload that fails twice, and the SSH link cut between install and test.
//! Each ends with what curl gets and what the node's files hold, not with fleetdeck's word.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use fleetdeck::inventory::SiteState;

use crate::harness::{
    DEFAULT_PAGE, Net, Proxy, apply_ok, code, curl, nginx_lock, served, site, text,
};
use crate::support::lab::retry;

/// `.<file>.fleetdeck-<what>` next to the deployed file.
fn work_file(p: &Proxy, what: &str) -> std::path::PathBuf {
    let name = p.target.file_name().expect("name").to_string_lossy();
    p.target.with_file_name(format!(".{name}.fleetdeck-{what}"))
}

/// One site served, then a second one added to the inventory: the next apply has a change.
fn two_sites<'a>(p: &'a Proxy, test: &str, vlan: u16) -> (Net<'a>, String, String, Vec<u8>) {
    let mut net = Net::new(&p.lab, vlan);
    let ip_a = net.container(
        &format!("fdtp-{test}-a"),
        10,
        &format!("fdtp page of {test}-a"),
        80,
    );
    let ip_b = net.container(
        &format!("fdtp-{test}-b"),
        11,
        &format!("fdtp page of {test}-b"),
        80,
    );
    let (a, b) = (
        format!("fdtp-{test}-a.example.test"),
        format!("fdtp-{test}-b.example.test"),
    );
    p.inventory()
        .insert_site(&site(&a, vlan, &ip_a, None, SiteState::Active))
        .expect("a");
    apply_ok(p);
    served(&p.lab, &a, &format!("fdtp page of {test}-a"));
    let before = p.deployed().expect("deployed");
    p.inventory()
        .insert_site(&site(&b, vlan, &ip_b, None, SiteState::Active))
        .expect("b");
    (net, a, b, before)
}

/// A shell script file in the test's dir, to stand as `test_cmd` or `reload_cmd`.
fn script(p: &Proxy, name: &str, body: &str) -> String {
    let path = p.path(name);
    std::fs::write(&path, body).expect("script");
    path.display().to_string()
}

fn lines(p: &Proxy, name: &str) -> usize {
    std::fs::read_to_string(p.path(name))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn a_file_changed_after_the_plan_is_left_as_it_is() {
    let _nginx = nginx_lock();
    let p = Proxy::new("stale");
    let (_net, a, b, _) = two_sites(&p, "stale", 127);
    let reload = script(
        &p,
        "reload.sh",
        &format!(
            "echo ran >> {}\nexec {}\n",
            p.path("reloads").display(),
            p.nginx_args(&["nginx", "-s", "reload"]).join(" ")
        ),
    );
    p.write_config(
        "stale.toml",
        &format!("reload_cmd = [\"sh\", {reload:?}]\n"),
    );
    // Hold the node's lock (same file system as the lab's h1), so the apply's script waits
    // on it after its plan was made, and edit the file meanwhile.
    let lock = File::create(work_file(&p, "lock")).expect("lock file");
    lock.lock().expect("node lock");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("--config")
        .arg(p.path("stale.toml"))
        .args(["proxy", "apply", "--yes"])
        .env("HOME", p.dir.path())
        .env("XDG_STATE_HOME", p.path("state"))
        .env_remove("FLEETDECK_READ_ONLY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply");
    let stderr = child.stderr.take().expect("stderr");
    let mut seen = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("line");
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("sending ") {
            let hand_edit = b"# fdtp hand edit after the plan\n";
            std::fs::write(&p.target, hand_edit).expect("hand edit");
            lock.unlock().expect("unlock");
        }
    }
    let status = wait_with_timeout(&mut child, Duration::from_secs(60));
    assert!(seen.contains("sending "), "never reached the node: {seen}");
    assert_eq!(status, Some(4), "{seen}");
    assert!(seen.contains("changed since the plan was made"), "{seen}");
    assert!(seen.contains("nothing was changed"), "{seen}");
    assert_eq!(
        p.deployed().as_deref(),
        Some(b"# fdtp hand edit after the plan\n".as_slice()),
        "the hand edit is kept"
    );
    assert!(!work_file(&p, "new").exists());
    assert_eq!(lines(&p, "reloads"), 0, "nginx was not reloaded");
    served(&p.lab, &a, "fdtp page of stale-a");
    assert_eq!(curl(&p.lab, &b).trim(), DEFAULT_PAGE);
    assert_eq!(p.last_audit().outcome, "refused");
}

/// `Child::wait` with a deadline; kills the child when it is past.
fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let status = retry(limit, || child.try_wait().expect("try_wait"));
    match status {
        Some(s) => s.code(),
        None => {
            let _ = child.kill();
            panic!("fleetdeck did not end within {limit:?}");
        }
    }
}

#[test]
fn a_reload_failing_twice_says_restoring_failed_and_keeps_the_backup() {
    let _nginx = nginx_lock();
    let p = Proxy::new("reload2");
    let (net, a, b, before) = two_sites(&p, "reload2", 128);
    let reload = script(
        &p,
        "reload.sh",
        &format!(
            "echo ran >> {}\necho 'fdtp: reload refused' >&2\nexit 1\n",
            p.path("reloads").display()
        ),
    );
    p.write_config(
        "reload.toml",
        &format!("reload_cmd = [\"sh\", {reload:?}]\n"),
    );
    let out = p.run_with("reload.toml", &["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("RESTORING FAILED"), "{err}");
    let backup = work_file(&p, "bak");
    assert!(
        err.contains(&backup.display().to_string()),
        "the backup is named: {err}"
    );
    assert!(err.contains("fdtp: reload refused"), "{err}");
    assert_eq!(
        lines(&p, "reloads"),
        2,
        "the reload ran twice: once new, once restored"
    );
    assert_eq!(
        p.deployed().expect("deployed"),
        before,
        "the previous file is in place"
    );
    assert_eq!(std::fs::read(&backup).expect("backup kept"), before);
    // nginx never took either reload: it still serves what it had.
    served(&p.lab, &a, "fdtp page of reload2-a");
    assert_eq!(curl(&p.lab, &b).trim(), DEFAULT_PAGE);
    assert_eq!(p.last_audit().outcome, "failed");
    drop(net);
}

/// The test command kills the sshd session it runs under (the nearest `sshd` ancestor),
/// then gives its verdict: the script, which ignores SIGHUP and SIGPIPE, finishes alone.
fn cutting_test(p: &Proxy, name: &str, verdict: &str) -> String {
    script(
        p,
        name,
        &format!(
            "echo ran >> {count}\n\
             p=$PPID\n\
             while [ \"$p\" -gt 1 ]; do\n\
               case $(cat /proc/$p/comm) in sshd*) kill -9 \"$p\"; break;; esac\n\
               p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status)\n\
             done\n\
             sleep 1\n\
             {verdict}\n",
            count = p.path("tests").display()
        ),
    )
}

/// The node's script is done once its lock is free and its upload file gone.
fn script_done(p: &Proxy) {
    let lock = work_file(p, "lock");
    let done = retry(Duration::from_secs(30), || {
        let f = File::open(&lock).ok()?;
        let free = f.try_lock().is_ok();
        (free && !work_file(p, "new").exists()).then_some(())
    });
    assert!(done.is_some(), "the node's script never finished");
}

#[test]
fn the_link_cut_between_install_and_test_still_ends_restored_or_reloaded() {
    let _nginx = nginx_lock();
    let p = Proxy::new("cut");
    let (net, a, b, before) = two_sites(&p, "cut", 129);

    // Rejected after the cut: the node restores the previous file on its own.
    let reject = cutting_test(&p, "reject.sh", "exit 1");
    p.write_config("reject.toml", &format!("test_cmd = [\"sh\", {reject:?}]\n"));
    let out = p.run_with("reject.toml", &["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("run proxy plan to see what is deployed"),
        "{err}"
    );
    script_done(&p);
    assert_eq!(
        lines(&p, "tests"),
        1,
        "the script ran once, never again: {err}"
    );
    assert_eq!(
        p.deployed().expect("deployed"),
        before,
        "restored with no one watching"
    );
    served(&p.lab, &a, "fdtp page of cut-a");
    assert_eq!(curl(&p.lab, &b).trim(), DEFAULT_PAGE);
    assert_eq!(p.inventory().lock_holder("proxy").expect("holder"), None);

    // Accepted after the cut: the node installs and reloads; the plan then has nothing left.
    let accept = cutting_test(
        &p,
        "accept.sh",
        &format!("exec {}", p.nginx_args(&["nginx", "-t", "-q"]).join(" ")),
    );
    p.write_config("accept.toml", &format!("test_cmd = [\"sh\", {accept:?}]\n"));
    let out = p.run_with("accept.toml", &["proxy", "apply", "--yes"]);
    assert_eq!(code(&out), 1, "{:?}", text(&out));
    script_done(&p);
    assert_eq!(lines(&p, "tests"), 2);
    served(&p.lab, &b, "fdtp page of cut-b");
    let out = p.run(&["proxy", "plan", "--exit-code"]);
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    drop(net);
}

/// Another apply (from another bastion or inventory) holds the node's lock for longer
/// than this one waits: exit 4, the lock named, nothing changed, nginx not reloaded.
#[test]
fn a_node_lock_held_elsewhere_refuses_naming_it() {
    let _nginx = nginx_lock();
    let p = Proxy::new("nodebusy");
    let (_net, a, b, before) = two_sites(&p, "nodebusy", 144);
    let reload = script(
        &p,
        "reload.sh",
        &format!(
            "echo ran >> {}\nexec {}\n",
            p.path("reloads").display(),
            p.nginx_args(&["nginx", "-s", "reload"]).join(" ")
        ),
    );
    p.write_config("busy.toml", &format!("reload_cmd = [\"sh\", {reload:?}]\n"));
    let lock = File::create(work_file(&p, "lock")).expect("lock file");
    lock.lock().expect("node lock");
    let out = p.run_with("busy.toml", &["proxy", "apply", "--yes"]);
    drop(lock);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 4, "{err}");
    assert!(
        err.contains(&format!(
            "another apply holds {} on h1",
            work_file(&p, "lock").display()
        )),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(p.deployed().expect("deployed"), before);
    assert_eq!(lines(&p, "reloads"), 0);
    served(&p.lab, &a, "fdtp page of nodebusy-a");
    assert_eq!(curl(&p.lab, &b).trim(), DEFAULT_PAGE);
    assert_eq!(p.last_audit().outcome, "refused");
    assert_eq!(p.inventory().lock_holder("proxy").expect("holder"), None);
}
