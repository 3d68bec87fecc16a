//! `fleetdeck ssh NODE [-- CMD...]` and `fleetdeck exec TARGET [-- CMD...]`: a person's
//! session, through fleetdeck's own SSH connections and Docker clients. With a terminal
//! on both stdin and stdout the session gets a TTY (raw mode here, the size followed,
//! `~.` to end it, output recorded); otherwise the pipes pass through and the remote
//! command's exit status becomes fleetdeck's.

use std::io::IsTerminal;
use std::time::Instant;

use super::ops_env::{DOCKER_CONNECT, OpsEnv};
use super::{Code, Context, Failure};
use crate::act::RemoteSession;
use crate::act::lookup::{self, FindError};
use crate::act::open::{self, OpenError, Terminal};
use crate::act::pump::{self, Ended, OutputSink, PumpOptions};
use crate::act::record::{Header, Recorder};
use crate::act::session_audit::{self, SessionFacts};

pub fn ssh(ctx: &Context, node: &str, command: &[String]) -> Result<(), Failure> {
    ctx.ensure_writable("a shell on a node")?;
    let env = OpsEnv::open(ctx, "ssh")?;
    let link = env.links.get(node).ok_or_else(|| {
        Failure::new(
            Code::Invalid,
            format!(
                "no node `{node}` in the config; nodes: {}",
                env.links.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let tty = wants_tty().then(Terminal::current);
    let line = open::ssh_command_line(command);
    let shape = Shape {
        action: "ssh",
        node,
        container: None,
        command: (!command.is_empty()).then_some(command),
        tty: tty.clone(),
    };
    if link.ssh.is_none() {
        return run_local(ctx, &env, &shape, line);
    }
    let opened = env
        .runtime
        .block_on(open::node_session(link, line, tty.as_ref()));
    run(ctx, &env, &shape, opened)
}

pub fn exec(ctx: &Context, target: &str, command: &[String]) -> Result<(), Failure> {
    ctx.ensure_writable("a shell or command in a container")?;
    let env = OpsEnv::open(ctx, "exec")?;
    let sites = env.inventory.sites().map_err(Failure::inventory)?;
    let (resolved, client) = env
        .runtime
        .block_on(lookup::find(&env.links, &sites, target, DOCKER_CONNECT))
        .map_err(find_failure)?;
    let tty = wants_tty().then(Terminal::current);
    let shape = Shape {
        action: "exec",
        node: &resolved.node,
        container: Some(&resolved.name),
        command: (!command.is_empty()).then_some(command),
        tty: tty.clone(),
    };
    let argv = (!command.is_empty()).then(|| command.to_vec());
    let opened = env.runtime.block_on(open::container_session(
        &client,
        &resolved.id,
        &resolved.name,
        argv,
        tty.as_ref(),
    ));
    run(ctx, &env, &shape, opened)
}

/// A target that names nothing, or too much, is bad input (exit 4); a node that cannot be
/// asked is a failure (exit 1).
pub fn find_failure(e: FindError) -> Failure {
    match e {
        FindError::Resolve(r) => Failure::new(Code::Invalid, r.to_string()),
        FindError::Unreachable { .. } => Failure::new(Code::Failed, e.to_string()),
    }
}

/// A TTY when a person is at both ends, as `docker exec -it` would be typed.
fn wants_tty() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

struct Shape<'a> {
    action: &'static str,
    node: &'a str,
    container: Option<&'a str>,
    command: Option<&'a [String]>,
    tty: Option<Terminal>,
}

impl Shape<'_> {
    fn title(&self) -> String {
        match self.container {
            Some(c) => format!("{} {}/{}", self.action, self.node, c),
            None => format!("{} {}", self.action, self.node),
        }
    }
}

fn run(
    ctx: &Context,
    env: &OpsEnv,
    shape: &Shape<'_>,
    opened: Result<RemoteSession, OpenError>,
) -> Result<(), Failure> {
    let started_at = crate::inventory::now_rfc3339();
    let clock = Instant::now();
    let session = match opened {
        Ok(s) => s,
        Err(e) => {
            let why = e.to_string();
            audit(env, shape, &started_at, clock, None, Err(&why));
            let code = match e {
                OpenError::ReadOnly => Code::ReadOnly,
                _ => Code::Failed,
            };
            return Err(Failure::new(code, why));
        }
    };
    let mut recorder = shape
        .tty
        .as_ref()
        .and_then(|t| start_recording(ctx, shape, t));
    let raw = shape.tty.as_ref().map(|_| RawMode::enable());
    let ended = env.runtime.block_on(pump::pump(
        session,
        PumpOptions {
            tty: shape.tty.is_some(),
        },
        recorder.as_mut().map(|r| r as &mut dyn OutputSink),
    ));
    drop(raw);
    let path = recorder.as_ref().map(|r| r.path().to_path_buf());
    let problem = recorder.and_then(Recorder::finish);
    if let Some(p) = &problem {
        eprintln!("fleetdeck: the session was not fully recorded: {p}");
    }
    let recording = Recording {
        path: path.as_deref(),
        problem: problem.as_deref(),
    };
    match ended {
        Ok(ended) => {
            audit(env, shape, &started_at, clock, Some(recording), Ok(&ended));
            match ended {
                Ended::Exited(status) if status.process_code() == 0 => Ok(()),
                Ended::Exited(status) => Err(Failure::remote_status(status.process_code())),
                Ended::Disconnected => {
                    eprintln!("\r\nfleetdeck: session ended with ~.");
                    Err(Failure::remote_status(255))
                }
            }
        }
        Err(e) => {
            let why = format!("the session broke: {e}");
            audit(env, shape, &started_at, clock, Some(recording), Err(&why));
            Err(Failure::new(Code::Failed, why))
        }
    }
}

struct Recording<'a> {
    path: Option<&'a std::path::Path>,
    problem: Option<&'a str>,
}

fn start_recording(ctx: &Context, shape: &Shape<'_>, term: &Terminal) -> Option<Recorder> {
    let audit_cfg = &ctx.loaded.config.audit;
    if !audit_cfg.record_sessions {
        return None;
    }
    let dir = audit_cfg
        .sessions_dir
        .clone()
        .or_else(crate::config::paths::sessions_dir)?;
    let name = format!(
        "{}-{}-{}",
        time::OffsetDateTime::now_utc().unix_timestamp(),
        std::process::id(),
        shape.action
    );
    let title = shape.title();
    let header = Header {
        cols: term.cols,
        rows: term.rows,
        title: &title,
        term: &term.term,
    };
    match Recorder::create(&dir, &name, &header) {
        Ok(r) => Some(r),
        Err(why) => {
            eprintln!("fleetdeck: this session is not recorded: {why}");
            None
        }
    }
}

fn audit(
    env: &OpsEnv,
    shape: &Shape<'_>,
    started_at: &str,
    clock: Instant,
    recording: Option<Recording<'_>>,
    ended: Result<&Ended, &str>,
) {
    let facts = SessionFacts {
        action: shape.action,
        node: shape.node,
        container: shape.container,
        command: shape.command,
        tty: shape.tty.is_some(),
        started_at,
        duration: clock.elapsed(),
        recording: recording.as_ref().and_then(|r| r.path),
        recording_problem: recording.as_ref().and_then(|r| r.problem),
    };
    let row = session_audit::record(&facts, ended);
    if let Err(e) = env.inventory.record_audit(&env.actor, &row) {
        eprintln!("fleetdeck: cannot write the session's audit row: {e}");
    }
}

/// A node reached locally: its shell, or the command through `sh -c`, on this terminal.
fn run_local(
    ctx: &Context,
    env: &OpsEnv,
    shape: &Shape<'_>,
    line: Option<String>,
) -> Result<(), Failure> {
    let _ = ctx;
    let started_at = crate::inventory::now_rfc3339();
    let clock = Instant::now();
    let mut cmd = match &line {
        Some(line) => {
            let mut c = std::process::Command::new("/bin/sh");
            c.arg("-c").arg(line);
            c
        }
        None => std::process::Command::new(
            std::env::var("SHELL")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "/bin/sh".into()),
        ),
    };
    match cmd.status() {
        Ok(status) => {
            let code = status.code().unwrap_or_else(|| {
                128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
            });
            let ended = Ended::Exited(crate::act::ExitStatus::Code(code));
            audit(env, shape, &started_at, clock, None, Ok(&ended));
            if code == 0 {
                Ok(())
            } else {
                Err(Failure::remote_status(code))
            }
        }
        Err(e) => {
            let why = format!("cannot start a local shell: {e}");
            audit(env, shape, &started_at, clock, None, Err(&why));
            Err(Failure::new(Code::Failed, why))
        }
    }
}

/// Raw mode for the length of a TTY session, restored even when the session fails.
struct RawMode(bool);

impl RawMode {
    fn enable() -> RawMode {
        RawMode(crossterm::terminal::enable_raw_mode().is_ok())
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}
