//! The full-screen console in a private tmux server: send keys, read the screen.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A private tmux server running one bash with a known prompt, in a private HOME.
pub struct Tmux {
    socket: String,
    home: tempfile::TempDir,
}

pub const PROMPT: &str = "fdprompt$";

impl Tmux {
    pub fn start(width: u16, height: u16) -> Tmux {
        let found = try_status_within(Command::new("tmux").arg("-V"), TMUX_CALL);
        assert!(
            found.as_ref().is_ok_and(|s| s.success()),
            "tmux is required for the console tests (scripts/test.sh installs it): {found:?}"
        );
        let home = tempfile::tempdir().expect("tempdir");
        let socket = format!(
            "fdtest-{}-{}",
            std::process::id(),
            home.path()
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("x")
        );
        let tmux = Tmux { socket, home };
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .parent()
            .expect("bin dir")
            .to_path_buf();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let h = tmux.home.path();
        let mut status = Command::new("tmux");
        status
            .args([
                "-L",
                &tmux.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .args(["env", "-i"])
            .arg(format!("PATH={path}"))
            .arg(format!("HOME={}", h.display()))
            .arg(format!("XDG_CONFIG_HOME={}", h.join(".config").display()))
            .arg(format!(
                "XDG_DATA_HOME={}",
                h.join(".local/share").display()
            ))
            .arg(format!(
                "XDG_STATE_HOME={}",
                h.join(".local/state").display()
            ))
            .arg("TERM=screen-256color")
            .arg("USER=tester")
            .arg(format!("PS1={PROMPT} "))
            .args(["bash", "--norc", "--noprofile"]);
        let status = status_within(&mut status, TMUX_CALL);
        assert!(status.success(), "tmux new-session failed");
        tmux.wait_for(|s| s.contains(PROMPT), "the shell prompt");
        tmux
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn send(&self, keys: &[&str]) {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "send-keys", "-t", "0"])
            .args(keys);
        let status = status_within(&mut cmd, TMUX_CALL);
        assert!(status.success(), "tmux send-keys {keys:?} failed");
    }

    /// Resizes the window (and its one pane) as a terminal resize would: the program in
    /// the pane gets SIGWINCH.
    pub fn resize(&self, width: u16, height: u16) {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "resize-window", "-t", "0"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()]);
        let status = status_within(&mut cmd, TMUX_CALL);
        assert!(
            status.success(),
            "tmux resize-window {width}x{height} failed"
        );
    }

    pub fn type_line(&self, line: &str) {
        self.send(&["-l", line]);
        self.send(&["Enter"]);
    }

    /// Starts the console with `config` at the shell prompt; the shell prints `EXIT=<status>`
    /// when it ends ([`exit_line`]).
    pub fn run_console(&self, config: &Path) {
        self.type_line(&format!(
            "fleetdeck --config {}; echo EXIT=$?",
            config.display()
        ));
    }

    /// Quits the console with `q` and asserts it exited 0; returns the last screen.
    pub fn quit_cleanly(&self) -> String {
        self.send(&["q"]);
        let screen = self.wait_for(|s| exit_line(s).is_some(), "fleetdeck to exit");
        assert_eq!(exit_line(&screen), Some("EXIT=0"), "{screen}");
        screen
    }

    pub fn screen(&self) -> String {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"]);
        let out = super::lab::run_with_timeout(&mut cmd, TMUX_CALL);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with its colours and attributes, as SGR escape sequences
    /// (`capture-pane -e`).
    pub fn screen_styled(&self) -> String {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "capture-pane", "-p", "-e", "-t", "0"]);
        let out = super::lab::run_with_timeout(&mut cmd, TMUX_CALL);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Poll the screen until `cond` holds; fail with the screen after [`KEY`], the bound
    /// for what the console does on its own in answer to a key (no node involved).
    pub fn wait_for(&self, cond: impl Fn(&str) -> bool, what: &str) -> String {
        self.wait_up_to(KEY, cond, what)
    }

    /// [`Tmux::wait_for`] with a bound sized by the caller from the operation waited on
    /// (a poll's deadline, an operation's Docker call limits...).
    pub fn wait_up_to(&self, limit: Duration, cond: impl Fn(&str) -> bool, what: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if cond(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "no {what} within {limit:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The pid of the fleetdeck running in the pane.
    pub fn console_pid(&self) -> u32 {
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &self.socket,
            "display-message",
            "-p",
            "-t",
            "0",
            "#{pane_pid}",
        ]);
        let pane_pid = super::lab::run_with_timeout(&mut cmd, TMUX_CALL);
        let pane_pid = String::from_utf8_lossy(&pane_pid.stdout).trim().to_string();
        let mut cmd = Command::new("pgrep");
        cmd.args(["-P", &pane_pid, "-x", "fleetdeck"]);
        let children = super::lab::run_with_timeout(&mut cmd, TMUX_CALL);
        String::from_utf8_lossy(&children.stdout)
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("no fleetdeck under pane pid {pane_pid}"))
    }
}

/// How long the console may take to draw its answer to a key when no node is involved.
/// Generous: a loaded machine running four builds is slow, and only a hang should fail.
pub const KEY: Duration = Duration::from_secs(15);

/// The bound for what waits on one poll of a node: the poll's own deadline (see
/// `collect::once::poll_deadline`), plus the console's one-second tick and drawing.
pub fn poll_bound(config: &Path) -> Duration {
    let text = std::fs::read_to_string(config).expect("read the config");
    let config = fleetdeck::config::load_str(&text, config).expect("parse the config");
    fleetdeck::collect::once::poll_deadline(&config) + KEY
}

/// The bound for an operation of `calls` Docker calls (create: image, network, container,
/// start; delete: stop, remove), each within the operations' own limit.
pub fn op_bound(calls: u32) -> Duration {
    fleetdeck::ops::limits::DOCKER_CONNECT + fleetdeck::ops::limits::DOCKER_CALL * calls + KEY
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "kill-server"]);
        // Best effort: a server already gone is fine, a wedged one must not hang the test.
        let _ = try_status_within(&mut cmd, TMUX_CALL);
    }
}

/// The `EXIT=<status>` line the shell prints after fleetdeck (not the typed command, even
/// when a long command line wraps right before its `EXIT=$?`).
pub fn exit_line(screen: &str) -> Option<&str> {
    screen.lines().map(str::trim).find(|l| {
        l.strip_prefix("EXIT=")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

pub fn log_file(home: &Path) -> PathBuf {
    home.join(".local/state/fleetdeck/fleetdeck.log")
}

/// The bound for one tmux client call (send-keys, capture-pane...): only a wedged tmux
/// server takes this long.
const TMUX_CALL: Duration = Duration::from_secs(20);

/// Runs `cmd` with its stdio on /dev/null (a tmux server it starts must not hold a pipe of
/// ours open) and returns its status, or panics naming the command once `limit` has passed.
fn status_within(cmd: &mut Command, limit: Duration) -> ExitStatus {
    let what = format!("{cmd:?}");
    try_status_within(cmd, limit).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn try_status_within(cmd: &mut Command, limit: Duration) -> Result<ExitStatus, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run: {e}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {limit:?}, killed"));
            }
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    }
}

/// The table row naming `name` (left of any details pane), or an empty string.
pub fn table_row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .map(|l| l.split("||").next().unwrap_or(l))
        .find(|l| l.contains(&format!(" {name} ")) || l.contains(&format!(" {name}.")))
        .unwrap_or_default()
}
