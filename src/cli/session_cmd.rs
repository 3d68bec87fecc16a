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
use crate::act::pump::Ended;
use crate::act::run::{self as act_run, Failed, Shape};

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
    if link.is_local() {
        return run_local(&env, &shape, line);
    }
    if let Some(done) = through_master(ctx, &env, "ssh", node, command, tty.as_ref()) {
        return done;
    }
    let opened = env
        .runtime
        .block_on(open::node_session(link, line, tty.as_ref()));
    run(ctx, &env, &shape, opened)
}

pub fn exec(ctx: &Context, target: &str, command: &[String]) -> Result<(), Failure> {
    ctx.ensure_writable("a shell or command in a container")?;
    let env = OpsEnv::open(ctx, "exec")?;
    let tty = wants_tty().then(Terminal::current);
    if let Some(done) = through_master(ctx, &env, "exec", target, command, tty.as_ref()) {
        return done;
    }
    let sites = env.inventory.sites().map_err(Failure::inventory)?;
    let (resolved, client) = env
        .runtime
        .block_on(lookup::find(&env.links, &sites, target, DOCKER_CONNECT))
        .map_err(find_failure)?;
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

/// The session over a running master's connection (like ControlMaster), or `None` when
/// no master serves this config or it cannot be used: then fleetdeck connects itself.
fn through_master(
    ctx: &Context,
    env: &OpsEnv,
    action: &'static str,
    target: &str,
    command: &[String],
    tty: Option<&Terminal>,
) -> Option<Result<(), Failure>> {
    use crate::master::session::{self, AskSessionError, SessionRequest, TtySpec};
    let path = super::master_cmd::socket_for(ctx).ok()?;
    if !crate::master::place::is_own_socket(&path) {
        return None;
    }
    let request = SessionRequest {
        action: action.into(),
        target: target.into(),
        argv: command.to_vec(),
        tty: tty.map(|t| TtySpec {
            term: t.term.clone(),
            cols: t.cols,
            rows: t.rows,
        }),
    };
    let limit = std::time::Duration::from_secs(ctx.loaded.config.ssh.connect_timeout_secs * 2 + 20);
    match env.runtime.block_on(session::ask(&path, request, limit)) {
        Ok((remote, opened)) => {
            tracing::info!(socket = %path.display(), "{action}: through the master");
            let shape = Shape {
                action,
                node: &opened.node,
                container: opened.container.as_deref(),
                command: (!command.is_empty()).then_some(command),
                tty: tty.cloned(),
            };
            Some(run(ctx, env, &shape, Ok(remote)))
        }
        Err(AskSessionError::Refused { message, exit }) => {
            let code = match exit {
                4 => Code::Invalid,
                2 => Code::Usage,
                _ => Code::Failed,
            };
            Some(Err(Failure::new(code, message)))
        }
        Err(AskSessionError::Unusable(why)) => {
            tracing::info!(%why, "{action}: master unusable; connecting directly");
            None
        }
    }
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

fn run(
    ctx: &Context,
    env: &OpsEnv,
    shape: &Shape<'_>,
    opened: Result<RemoteSession, OpenError>,
) -> Result<(), Failure> {
    let raw = match (&opened, &shape.tty) {
        (Ok(_), Some(_)) => Some(RawMode::enable()),
        _ => None,
    };
    let outcome = env.runtime.block_on(act_run::run(
        shape,
        opened,
        &ctx.loaded.config.audit,
        Some(&env.inventory),
        &env.actor,
    ));
    drop(raw);
    if let Some(p) = &outcome.recording_problem {
        errln!("fleetdeck: this session's recording: {p}");
    }
    match outcome.ended {
        Ok(Ended::Exited(status)) if status.process_code() == 0 => Ok(()),
        Ok(Ended::Exited(status)) => Err(Failure::remote_status(status.process_code())),
        Ok(Ended::Disconnected) => {
            errln!("\r\nfleetdeck: session ended with ~.");
            Err(Failure::remote_status(255))
        }
        Err(Failed::Open(OpenError::ReadOnly)) => Err(Failure::new(
            Code::ReadOnly,
            OpenError::ReadOnly.to_string(),
        )),
        Err(e) => Err(Failure::new(Code::Failed, e.to_string())),
    }
}

/// A node reached locally: its shell, or the command through `sh -c`, on this terminal.
fn run_local(env: &OpsEnv, shape: &Shape<'_>, line: Option<String>) -> Result<(), Failure> {
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
            local_audit(env, shape, &started_at, clock, Ok(&ended));
            if code == 0 {
                Ok(())
            } else {
                Err(Failure::remote_status(code))
            }
        }
        Err(e) => {
            let why = format!("cannot start a local shell: {e}");
            local_audit(env, shape, &started_at, clock, Err(&why));
            Err(Failure::new(Code::Failed, why))
        }
    }
}

fn local_audit(
    env: &OpsEnv,
    shape: &Shape<'_>,
    started_at: &str,
    clock: Instant,
    ended: Result<&Ended, &str>,
) {
    let timing = act_run::Timing {
        started_at,
        clock,
        recording: None,
        recording_problem: None,
    };
    if let Err(e) = act_run::audit_row(&env.inventory, &env.actor, shape, &timing, ended) {
        errln!("fleetdeck: cannot write the session's audit row: {e}");
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
