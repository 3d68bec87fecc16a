//! Running an opened session to its end, the same for `fleetdeck ssh|exec` and for the
//! console's `e`: recording (TTY sessions, unless `[audit] record_sessions = false`), the
//! pump, and the one audit row. The caller owns the terminal (raw mode, screens).

use std::time::{Duration, Instant};

use super::RemoteSession;
use super::open::{OpenError, Terminal};
use super::pump::{self, Ended, OutputSink, PumpOptions};
use super::record::{Header, Recorder};
use super::session_audit::{self, SessionFacts};
use crate::actor::Actor;
use crate::config::AuditConfig;
use crate::inventory::Inventory;

/// What the session is, for its recording and its audit row.
pub struct Shape<'a> {
    /// "ssh" or "exec".
    pub action: &'static str,
    pub node: &'a str,
    pub container: Option<&'a str>,
    /// The command as typed; `None` for a shell.
    pub command: Option<&'a [String]>,
    pub tty: Option<Terminal>,
}

impl Shape<'_> {
    pub fn title(&self) -> String {
        match self.container {
            Some(c) => format!("{} {}/{}", self.action, self.node, c),
            None => format!("{} {}", self.action, self.node),
        }
    }
}

/// How it went.
pub struct Outcome {
    /// How the session ended, or why it could not open or broke.
    pub ended: Result<Ended, Failed>,
    pub duration: Duration,
    /// Why the recording is incomplete or missing, when it is.
    pub recording_problem: Option<String>,
}

#[derive(Debug)]
pub enum Failed {
    Open(OpenError),
    Broke(String),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Open(e) => write!(f, "{e}"),
            Failed::Broke(e) => write!(f, "the session broke: {e}"),
        }
    }
}

pub async fn run(
    shape: &Shape<'_>,
    opened: Result<RemoteSession, OpenError>,
    audit: &AuditConfig,
    inventory: Option<&Inventory>,
    actor: &Actor,
) -> Outcome {
    let started_at = crate::inventory::now_rfc3339();
    let clock = Instant::now();
    let session = match opened {
        Ok(s) => s,
        Err(e) => {
            let why = e.to_string();
            let timing = Timing {
                started_at: &started_at,
                clock,
                recording: None,
                recording_problem: None,
            };
            write_audit(inventory, actor, shape, &timing, Err(&why));
            return Outcome {
                ended: Err(Failed::Open(e)),
                duration: clock.elapsed(),
                recording_problem: None,
            };
        }
    };
    let (mut recorder, mut problem) = match &shape.tty {
        Some(t) => start_recording(audit, shape, t),
        None => (None, None),
    };
    let ended = pump::pump(
        session,
        PumpOptions {
            tty: shape.tty.is_some(),
        },
        recorder.as_mut().map(|r| r as &mut dyn OutputSink),
    )
    .await
    .map_err(|e| Failed::Broke(e.to_string()));
    let path = recorder.as_ref().map(|r| r.path().to_path_buf());
    if let Some(p) = recorder.and_then(Recorder::finish) {
        problem = Some(p);
    }
    let result = match &ended {
        Ok(e) => Ok(e),
        Err(f) => Err(f.to_string()),
    };
    let timing = Timing {
        started_at: &started_at,
        clock,
        recording: path.as_deref(),
        recording_problem: problem.as_deref(),
    };
    write_audit(
        inventory,
        actor,
        shape,
        &timing,
        result.as_ref().map_err(String::as_str).copied(),
    );
    Outcome {
        ended,
        duration: clock.elapsed(),
        recording_problem: problem,
    }
}

/// A recorder, or why there is none when one was wanted.
fn start_recording(
    audit: &AuditConfig,
    shape: &Shape<'_>,
    term: &Terminal,
) -> (Option<Recorder>, Option<String>) {
    if !audit.record_sessions {
        return (None, None);
    }
    let Some(dir) = audit
        .sessions_dir
        .clone()
        .or_else(crate::config::paths::sessions_dir)
    else {
        return (
            None,
            Some("no state directory to keep recordings in".into()),
        );
    };
    let name = format!(
        "{}-{}-{}",
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000,
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
        Ok(r) => (Some(r), None),
        Err(why) => (None, Some(format!("not recorded: {why}"))),
    }
}

/// When the session started, and its recording, for its audit row.
pub struct Timing<'a> {
    pub started_at: &'a str,
    pub clock: Instant,
    pub recording: Option<&'a std::path::Path>,
    pub recording_problem: Option<&'a str>,
}

/// Write the session's one audit row.
pub fn audit_row(
    inventory: &Inventory,
    actor: &Actor,
    shape: &Shape<'_>,
    timing: &Timing<'_>,
    ended: Result<&Ended, &str>,
) -> Result<(), crate::inventory::InventoryError> {
    let facts = SessionFacts {
        action: shape.action,
        node: shape.node,
        container: shape.container,
        command: shape.command,
        tty: shape.tty.is_some(),
        started_at: timing.started_at,
        duration: timing.clock.elapsed(),
        recording: timing.recording,
        recording_problem: timing.recording_problem,
    };
    inventory
        .record_audit(actor, &session_audit::record(&facts, ended))
        .map(|_| ())
}

fn write_audit(
    inventory: Option<&Inventory>,
    actor: &Actor,
    shape: &Shape<'_>,
    timing: &Timing<'_>,
    ended: Result<&Ended, &str>,
) {
    let Some(inventory) = inventory else {
        tracing::error!(session = %shape.title(), "no inventory to write the session's audit row to");
        return;
    };
    if let Err(e) = audit_row(inventory, actor, shape, timing, ended) {
        tracing::error!(error = %e, session = %shape.title(), "cannot write the session's audit row");
    }
}
