//! `apply` end to end on this machine: a real inventory file, the real script through
//! `LocalExec`, shell one-liners standing in for nginx.

use std::sync::{Arc, Mutex};

use super::*;
use crate::inventory::locks::this_host;
use crate::ops::FailKind;
use crate::ops::proxy::plan::plan;
use crate::transport::exec::{LocalExec, guarded};

#[derive(Default)]
struct Steps(Mutex<Vec<String>>);

impl Progress for Steps {
    fn step(&self, text: &str) {
        self.0.lock().expect("steps").push(text.to_string());
    }
}

impl Steps {
    fn all(&self) -> String {
        self.0.lock().expect("steps").join("\n")
    }
}

struct Setup {
    dir: tempfile::TempDir,
    inv: Inventory,
    target: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = Inventory::open(&dir.path().join("inv.db")).expect("inventory");
    let target = dir
        .path()
        .join("px.conf")
        .to_str()
        .expect("utf8")
        .to_string();
    Setup { dir, inv, target }
}

fn proxy(target: &str, test: &str) -> ProxyConfig {
    ProxyConfig {
        node: "local".into(),
        path: target.into(),
        template: None,
        listen: "80".into(),
        test_cmd: vec!["sh".into(), "-c".into(), test.into()],
        reload_cmd: vec!["true".into()],
    }
}

fn actor() -> Actor {
    Actor {
        user: "tester".into(),
        origin: "local".into(),
    }
}

fn quick() -> ApplyOptions {
    ApplyOptions {
        lock_wait: Duration::from_millis(600),
        node_lock_wait: Duration::from_secs(2),
    }
}

fn last_audit(inv: &Inventory) -> crate::inventory::AuditEntry {
    let rows = inv.audit(10).expect("audit");
    assert_eq!(rows.len(), 1, "exactly one audit row: {rows:?}");
    rows.into_iter().next().expect("row")
}

#[tokio::test]
async fn a_good_apply_swaps_releases_the_lock_and_audits_ok() {
    let mut s = setup();
    let p = plan("local", &s.target, None, "# new\n".into());
    let steps = Steps::default();
    let exec = LocalExec::new("local");
    let done = apply(
        &p,
        &proxy(&s.target, "true"),
        &exec,
        &mut s.inv,
        &actor(),
        &quick(),
        &steps,
    )
    .await
    .expect("apply");
    assert_eq!(done.took_over, None);
    assert_eq!(std::fs::read_to_string(&s.target).expect("file"), "# new\n");
    let text = steps.all();
    for want in [
        "took the proxy lock",
        "`sh -c true` passed",
        "reloaded with `true`",
        "released",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    assert_eq!(s.inv.lock_holder(LOCK_NAME).expect("holder"), None);
    let row = last_audit(&s.inv);
    assert_eq!(
        (row.action.as_str(), row.outcome.as_str()),
        ("proxy.apply", "ok")
    );
    assert_eq!(row.actor, "tester");
    assert_eq!(row.target, Some(format!("local:{}", s.target)));
    assert_eq!(row.params.expect("params")["new_file"], true);
}

#[tokio::test]
async fn a_held_lock_is_waited_for_then_refused_naming_the_holder() {
    let mut s = setup();
    // Held by a live process (this one) of another admin.
    let other = LockHolder {
        holder: "alice".into(),
        origin: "ssh:192.0.2.7".into(),
        pid: std::process::id(),
        host: this_host(),
        acquired_at: "2026-01-02T03:04:05Z".into(),
    };
    s.inv
        .acquire_lock(LOCK_NAME, &other, &|_| true)
        .expect("alice");
    let p = plan("local", &s.target, None, "# new\n".into());
    let steps = Steps::default();
    let started = std::time::Instant::now();
    let err = apply(
        &p,
        &proxy(&s.target, "true"),
        &LocalExec::new("local"),
        &mut s.inv,
        &actor(),
        &quick(),
        &steps,
    )
    .await
    .expect_err("refused");
    assert!(started.elapsed() >= Duration::from_millis(500), "it waited");
    assert_eq!(err.kind(), FailKind::Invalid);
    let text = err.to_string();
    assert!(
        text.contains("alice (ssh:192.0.2.7, pid") && text.contains("since 2026-01-02T03:04:05Z"),
        "{text}"
    );
    assert!(steps.all().contains("waiting up to"), "{}", steps.all());
    assert!(!std::path::Path::new(&s.target).exists(), "nothing written");
    assert_eq!(
        s.inv.lock_holder(LOCK_NAME).expect("holder"),
        Some(other),
        "alice's lock untouched"
    );
    assert_eq!(last_audit(&s.inv).outcome, "refused");
}

#[tokio::test]
async fn a_lock_left_by_a_dead_process_here_is_taken_over() {
    let mut s = setup();
    let mut child = std::process::Command::new("true").spawn().expect("true");
    let dead_pid = child.id();
    child.wait().expect("wait");
    let dead = LockHolder {
        holder: "alice".into(),
        origin: "local".into(),
        pid: dead_pid,
        host: this_host(),
        acquired_at: "2026-01-02T03:04:05Z".into(),
    };
    s.inv
        .acquire_lock(LOCK_NAME, &dead, &|_| true)
        .expect("alice");
    let p = plan("local", &s.target, None, "# new\n".into());
    let steps = Steps::default();
    let done = apply(
        &p,
        &proxy(&s.target, "true"),
        &LocalExec::new("local"),
        &mut s.inv,
        &actor(),
        &quick(),
        &steps,
    )
    .await
    .expect("apply");
    assert_eq!(done.took_over.map(|h| h.holder), Some("alice".into()));
    assert!(
        steps
            .all()
            .contains("took over the proxy lock left by alice"),
        "{}",
        steps.all()
    );
    assert_eq!(s.inv.lock_holder(LOCK_NAME).expect("holder"), None);
}

#[tokio::test]
async fn a_failed_test_restores_shows_the_errors_releases_and_audits_failed() {
    let mut s = setup();
    std::fs::write(&s.target, "# old\n").expect("old");
    let p = plan(
        "local",
        &s.target,
        Some("# old\n".into()),
        "bogus;\n".into(),
    );
    let err = apply(
        &p,
        &proxy(
            &s.target,
            "echo 'nginx: [emerg] unknown directive \"bogus\"' >&2; exit 1",
        ),
        &LocalExec::new("local"),
        &mut s.inv,
        &actor(),
        &quick(),
        &Steps::default(),
    )
    .await
    .expect_err("test fails");
    assert_eq!(err.kind(), FailKind::Failed);
    let text = err.to_string();
    assert!(
        text.contains("the previous file was restored and is still served"),
        "{text}"
    );
    assert!(
        text.contains("  nginx: [emerg] unknown directive \"bogus\""),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&s.target).expect("file"), "# old\n");
    assert_eq!(s.inv.lock_holder(LOCK_NAME).expect("holder"), None);
    let row = last_audit(&s.inv);
    assert_eq!(row.outcome, "failed");
    assert!(row.detail.expect("detail").contains("[emerg]"));
}

#[tokio::test]
async fn a_reload_failing_twice_says_restoring_failed_and_names_the_backup() {
    let mut s = setup();
    std::fs::write(&s.target, "# old\n").expect("old");
    let p = plan("local", &s.target, Some("# old\n".into()), "# new\n".into());
    let mut config = proxy(&s.target, "true");
    config.reload_cmd = vec![
        "sh".into(),
        "-c".into(),
        "echo 'nginx: [alert] kill(1234, 1) failed' >&2; exit 1".into(),
    ];
    let err = apply(
        &p,
        &config,
        &LocalExec::new("local"),
        &mut s.inv,
        &actor(),
        &quick(),
        &Steps::default(),
    )
    .await
    .expect_err("reload fails");
    assert_eq!(err.kind(), FailKind::Failed);
    let text = err.to_string();
    let backup = WorkFiles::for_target(&s.target).expect("files").backup;
    assert!(text.contains("RESTORING FAILED"), "{text}");
    assert!(text.contains(&backup), "the backup is named: {text}");
    assert!(text.contains("kill(1234, 1) failed"), "{text}");
    assert_eq!(std::fs::read_to_string(&backup).expect("backup"), "# old\n");
    assert_eq!(std::fs::read_to_string(&s.target).expect("file"), "# old\n");
    assert_eq!(s.inv.lock_holder(LOCK_NAME).expect("holder"), None);
    assert_eq!(last_audit(&s.inv).outcome, "failed");
}

#[tokio::test]
async fn read_only_transport_refuses_the_swap() {
    let mut s = setup();
    let p = plan("local", &s.target, None, "# new\n".into());
    let exec = guarded(Arc::new(LocalExec::new("local")), true);
    let err = apply(
        &p,
        &proxy(&s.target, "true"),
        exec.as_ref(),
        &mut s.inv,
        &actor(),
        &quick(),
        &Steps::default(),
    )
    .await
    .expect_err("read-only");
    assert_eq!(err.kind(), FailKind::ReadOnly);
    assert!(err.to_string().starts_with("refused: "), "{err}");
    assert!(
        !err.to_string().contains("fleetdeck-step"),
        "no script text: {err}"
    );
    assert!(!std::path::Path::new(&s.target).exists());
    assert_eq!(last_audit(&s.inv).outcome, "refused");
    drop(s.dir);
}
