//! The real script, run on this machine through `LocalExec` (real sh, flock, sha1sum,
//! mv) in a temporary directory, with shell one-liners standing in for nginx.

use super::*;
use crate::transport::exec::{Exec, LocalExec, Output};

struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn path(&self, name: &str) -> String {
        self.tmp
            .path()
            .join(name)
            .to_str()
            .expect("utf8")
            .to_string()
    }
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(name)).ok()
    }
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.tmp.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// A "test" that fails unless the target holds the word `good`, printing nginx-like lines.
fn test_cmd(target: &str) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        "grep -q good \"$1\" || { echo \"nginx: [emerg] unknown directive in $1:3\" >&2; echo 'nginx: configuration file test failed' >&2; exit 1; }".into(),
        "test".into(),
        target.into(),
    ]
}

/// A "reload" that appends the target's content to a log; fails while `fail_file` exists
/// (and removes it, so the next reload succeeds).
fn reload_cmd(log: &str, fail_file: &str) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        "if [ -e \"$3\" ]; then rm -f \"$3\"; echo 'reload: no pid' >&2; exit 1; fi; cat \"$1\" >> \"$2\"".into(),
        "reload".into(),
        String::new(), // replaced by the target below
        log.into(),
        fail_file.into(),
    ]
}

async fn swap(
    dir: &Dir,
    current: Option<&str>,
    desired: &str,
    wait: Duration,
) -> (Output, Vec<Step>) {
    swap_with_stdin(dir, current, desired, wait, None).await
}

/// [`swap`], with `stdin` standing in for what reached the script when it differs from
/// the file planned (an upload cut by a dropped connection).
async fn swap_with_stdin(
    dir: &Dir,
    current: Option<&str>,
    desired: &str,
    wait: Duration,
    stdin: Option<Vec<u8>>,
) -> (Output, Vec<Step>) {
    let target = dir.path("site.conf");
    let files = WorkFiles::for_target(&target).expect("files");
    let mut reload = reload_cmd(&dir.path("reload.log"), &dir.path("fail-reload"));
    reload[4] = target.clone();
    let run = run_token("test");
    let req = SwapRequest {
        target: &target,
        files: &files,
        current,
        desired,
        run: &run,
        test_cmd: &test_cmd(&target),
        reload_cmd: &reload,
        lock_wait: wait,
    };
    let mut cmd = swap_command(&req);
    if let Some(bytes) = stdin {
        cmd = RemoteCommand::new(cmd.argv().to_vec()).with_stdin(bytes);
    }
    let out = LocalExec::new("local").run(&cmd).await.expect("run");
    let steps = parse_steps(&out.stdout_text());
    (out, steps)
}

const OLD: &str = "# old good\nserver { listen 80; }\n";
const NEW: &str = "# new good\nserver { listen 81; }\n";
const BAD: &str = "# new\nbogus;\n";

#[tokio::test]
async fn first_deploy_installs_tests_and_reloads() {
    let dir = Dir::new();
    let (out, steps) = swap(&dir, None, NEW, Duration::from_secs(5)).await;
    assert!(out.success(), "{out:?}");
    use Step::*;
    assert_eq!(steps, [Locked, Uploaded, Installed, Tested, Reloaded]);
    assert_eq!(dir.read("site.conf").as_deref(), Some(NEW.as_bytes()));
    assert_eq!(dir.read("reload.log").as_deref(), Some(NEW.as_bytes()));
    assert_eq!(
        dir.names(),
        [
            ".site.conf.fleetdeck-lock",
            ".site.conf.fleetdeck-run",
            "reload.log",
            "site.conf"
        ]
    );
}

#[tokio::test]
async fn an_update_keeps_a_backup_of_the_previous_file() {
    let dir = Dir::new();
    std::fs::write(dir.path("site.conf"), OLD).expect("old");
    let (out, steps) = swap(&dir, Some(OLD), NEW, Duration::from_secs(5)).await;
    assert!(out.success(), "{out:?}");
    use Step::*;
    assert_eq!(
        steps,
        [Locked, Uploaded, BackedUp, Installed, Tested, Reloaded]
    );
    assert_eq!(dir.read("site.conf").as_deref(), Some(NEW.as_bytes()));
    assert_eq!(
        dir.read(".site.conf.fleetdeck-bak").as_deref(),
        Some(OLD.as_bytes())
    );
}

#[tokio::test]
async fn a_failing_test_restores_the_previous_file_byte_for_byte() {
    let dir = Dir::new();
    // No trailing newline and odd bytes: the restore must not normalize anything.
    let old = "# old good\r\n\tserver {}";
    std::fs::write(dir.path("site.conf"), old).expect("old");
    let (out, steps) = swap(&dir, Some(old), BAD, Duration::from_secs(5)).await;
    assert!(!out.success());
    use Step::*;
    assert_eq!(
        steps,
        [Locked, Uploaded, BackedUp, Installed, TestFailed, Restored]
    );
    assert_eq!(dir.read("site.conf").as_deref(), Some(old.as_bytes()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[emerg] unknown directive"), "{stderr}");
    assert!(dir.read("reload.log").is_none(), "never reloaded");
    assert!(!dir.names().iter().any(|n| n.ends_with("fleetdeck-new")));
}

#[tokio::test]
async fn a_failing_test_on_first_deploy_leaves_no_file() {
    let dir = Dir::new();
    let (out, steps) = swap(&dir, None, BAD, Duration::from_secs(5)).await;
    assert!(!out.success());
    assert_eq!(steps.last(), Some(&Step::Restored));
    assert!(dir.read("site.conf").is_none());
}

#[tokio::test]
async fn a_failing_reload_restores_and_reloads_the_previous_file() {
    let dir = Dir::new();
    std::fs::write(dir.path("site.conf"), OLD).expect("old");
    std::fs::write(dir.path("fail-reload"), "").expect("fail once");
    let (out, steps) = swap(&dir, Some(OLD), NEW, Duration::from_secs(5)).await;
    assert!(!out.success());
    use Step::*;
    assert_eq!(
        steps,
        [
            Locked,
            Uploaded,
            BackedUp,
            Installed,
            Tested,
            ReloadFailed,
            Restored,
            ReloadedPrevious
        ]
    );
    assert_eq!(dir.read("site.conf").as_deref(), Some(OLD.as_bytes()));
    assert_eq!(
        dir.read("reload.log").as_deref(),
        Some(OLD.as_bytes()),
        "the second reload loaded the previous file"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("reload: no pid"));
}

#[tokio::test]
async fn the_same_run_delivered_twice_changes_nothing_the_second_time() {
    let dir = Dir::new();
    std::fs::write(dir.path("site.conf"), OLD).expect("old");
    let target = dir.path("site.conf");
    let files = WorkFiles::for_target(&target).expect("files");
    let ok = vec!["true".to_string()];
    let log = vec![
        "sh".into(),
        "-c".into(),
        "echo ran >> \"$1\"".into(),
        "reload".into(),
        dir.path("reloads"),
    ];
    let req = |current| SwapRequest {
        target: &target,
        files: &files,
        current,
        desired: NEW,
        run: "host-1-2",
        test_cmd: &ok,
        reload_cmd: &log,
        lock_wait: Duration::from_secs(5),
    };
    let exec = LocalExec::new("local");
    let first = exec.run(&swap_command(&req(Some(OLD)))).await.expect("run");
    assert!(first.success(), "{first:?}");
    // Sent again as it was (the deployed file now differs from the plan's, but a replay
    // planned against NEW would pass that check: test both).
    for current in [Some(OLD), Some(NEW)] {
        let again = exec.run(&swap_command(&req(current))).await.expect("run");
        assert_eq!(
            parse_steps(&again.stdout_text()),
            [Step::Locked, Step::Replayed]
        );
        assert_eq!(again.status, Some(16));
    }
    assert_eq!(dir.read("reloads").as_deref(), Some("ran\n".as_bytes()));
    assert_eq!(dir.read("site.conf").as_deref(), Some(NEW.as_bytes()));
    assert_eq!(
        dir.read(".site.conf.fleetdeck-bak").as_deref(),
        Some(OLD.as_bytes())
    );
}

#[tokio::test]
async fn a_reload_failing_twice_keeps_the_previous_file_in_place_and_as_backup() {
    let dir = Dir::new();
    std::fs::write(dir.path("site.conf"), OLD).expect("old");
    let target = dir.path("site.conf");
    let files = WorkFiles::for_target(&target).expect("files");
    // Every reload fails, and each one leaves a line: the count proves both ran.
    let reload: Vec<String> = vec![
        "sh".into(),
        "-c".into(),
        "echo ran >> \"$1\"; echo 'reload: no pid' >&2; exit 1".into(),
        "reload".into(),
        dir.path("reloads"),
    ];
    let req = SwapRequest {
        target: &target,
        files: &files,
        current: Some(OLD),
        desired: NEW,
        run: "run-1",
        test_cmd: &test_cmd(&target),
        reload_cmd: &reload,
        lock_wait: Duration::from_secs(5),
    };
    let out = LocalExec::new("local")
        .run(&swap_command(&req))
        .await
        .expect("run");
    use Step::*;
    assert_eq!(
        parse_steps(&out.stdout_text()),
        [
            Locked,
            Uploaded,
            BackedUp,
            Installed,
            Tested,
            ReloadFailed,
            Restored,
            ReloadPreviousFailed
        ]
    );
    assert_eq!(out.status, Some(32));
    assert_eq!(
        dir.read("reloads").as_deref(),
        Some("ran\nran\n".as_bytes())
    );
    assert_eq!(dir.read("site.conf").as_deref(), Some(OLD.as_bytes()));
    assert_eq!(
        dir.read(".site.conf.fleetdeck-bak").as_deref(),
        Some(OLD.as_bytes()),
        "the backup stays for the operator"
    );
    assert!(!dir.names().iter().any(|n| n.ends_with("fleetdeck-new")));
}

#[tokio::test]
async fn a_file_changed_since_the_plan_is_left_alone() {
    let dir = Dir::new();
    std::fs::write(dir.path("site.conf"), "# edited by hand\n").expect("edited");
    let (out, steps) = swap(&dir, Some(OLD), NEW, Duration::from_secs(5)).await;
    assert!(!out.success());
    assert_eq!(steps, [Step::Locked, Step::Stale]);
    assert_eq!(
        dir.read("site.conf").as_deref(),
        Some(b"# edited by hand\n".as_slice())
    );
    // The plan saw no file, but one appeared.
    let (_, steps) = swap(&dir, None, NEW, Duration::from_secs(5)).await;
    assert_eq!(steps, [Step::Locked, Step::Stale]);
}

#[tokio::test]
async fn a_busy_node_lock_gives_the_busy_status_and_changes_nothing() {
    let dir = Dir::new();
    std::fs::write(dir.path("site.conf"), OLD).expect("old");
    let lock = WorkFiles::for_target(&dir.path("site.conf"))
        .expect("files")
        .lock;
    let mut holder = tokio::process::Command::new("flock")
        .args([lock.as_str(), "sleep", "10"])
        .kill_on_drop(true)
        .spawn()
        .expect("flock holder");
    // Wait until the holder has the lock.
    for _ in 0..100 {
        let probe = std::process::Command::new("flock")
            .args(["-n", lock.as_str(), "true"])
            .status()
            .expect("probe");
        if !probe.success() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (out, steps) = swap(&dir, Some(OLD), NEW, Duration::from_secs(1)).await;
    assert_eq!(out.status, Some(BUSY_STATUS), "{out:?}");
    assert!(steps.is_empty());
    assert_eq!(dir.read("site.conf").as_deref(), Some(OLD.as_bytes()));
    holder.kill().await.expect("kill holder");
}

#[tokio::test]
async fn the_path_is_an_argument_never_shell_text() {
    let dir = Dir::new();
    let target = dir.path("we ird $(touch pwned) `touch pwned2`;.conf");
    let files = WorkFiles::for_target(&target).expect("files");
    let ok = vec!["true".to_string()];
    let req = SwapRequest {
        target: &target,
        files: &files,
        current: None,
        desired: NEW,
        run: "run-1",
        test_cmd: &ok,
        reload_cmd: &ok,
        lock_wait: Duration::from_secs(5),
    };
    let out = LocalExec::new("local")
        .run(&swap_command(&req))
        .await
        .expect("run");
    assert!(out.success(), "{out:?}");
    assert_eq!(std::fs::read(&target).expect("target"), NEW.as_bytes());
    assert!(
        !dir.names().iter().any(|n| n.starts_with("pwned")),
        "{:?}",
        dir.names()
    );
}

#[test]
fn work_files_are_hidden_next_to_the_target() {
    let f = WorkFiles::for_target("/etc/nginx/sites-enabled/fleetdeck.conf").expect("files");
    assert_eq!(
        f.lock,
        "/etc/nginx/sites-enabled/.fleetdeck.conf.fleetdeck-lock"
    );
    assert_eq!(
        f.backup,
        "/etc/nginx/sites-enabled/.fleetdeck.conf.fleetdeck-bak"
    );
    assert_eq!(
        WorkFiles::for_target("/x.conf").expect("root dir").lock,
        "/.x.conf.fleetdeck-lock"
    );
    assert_eq!(WorkFiles::for_target("/"), None);
}

#[test]
fn fingerprints_match_sha1sum() {
    assert_eq!(fingerprint(None), "absent");
    // sha1("abc"), the FIPS 180 test vector.
    assert_eq!(
        fingerprint(Some("abc")),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
}

#[test]
fn steps_are_read_from_marker_lines_only() {
    let out = "noise\nfleetdeck-step locked\nfleetdeck-step uploaded\nfleetdeck-step bogus\nfleetdeck-step reloaded\n";
    assert_eq!(
        parse_steps(out),
        [Step::Locked, Step::Uploaded, Step::Reloaded]
    );
}

#[tokio::test]
async fn an_upload_cut_mid_way_installs_nothing() {
    let dir = Dir::new();
    std::fs::write(dir.path("site.conf"), OLD).expect("old file");
    // What a dropped connection leaves: the command as planned, but only half the file
    // reached the script's stdin before it closed.
    let half = NEW.as_bytes()[..NEW.len() / 2].to_vec();
    let (out, steps) =
        swap_with_stdin(&dir, Some(OLD), NEW, Duration::from_secs(5), Some(half)).await;
    assert!(!out.success());
    assert_eq!(steps, [Step::Locked, Step::UploadCut]);
    assert_eq!(
        dir.read("site.conf").as_deref(),
        Some(OLD.as_bytes()),
        "untouched"
    );
    // The lock and the last run's token are markers, not work files.
    assert_eq!(
        dir.names(),
        [
            ".site.conf.fleetdeck-lock",
            ".site.conf.fleetdeck-run",
            "site.conf"
        ],
        "no work file left"
    );
}
