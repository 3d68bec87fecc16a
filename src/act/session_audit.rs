//! The audit row of a shell or exec session: who, from where, on which node and
//! container, what command (or "interactive"), when, for how long, and how it ended.

use std::path::Path;
use std::time::Duration;

use super::pump::Ended;
use crate::inventory::{AuditRecord, Outcome};

pub struct SessionFacts<'a> {
    /// "ssh" or "exec".
    pub action: &'static str,
    pub node: &'a str,
    /// The container, for an exec.
    pub container: Option<&'a str>,
    /// The command as typed; `None` for an interactive shell.
    pub command: Option<&'a [String]>,
    pub tty: bool,
    pub started_at: &'a str,
    pub duration: Duration,
    pub recording: Option<&'a Path>,
    pub recording_problem: Option<&'a str>,
}

/// The row for a session that ran (`ended`) or could not be opened (`Err`).
pub fn record(facts: &SessionFacts<'_>, ended: Result<&Ended, &str>) -> AuditRecord {
    let target = match facts.container {
        Some(c) => format!("{}/{}", facts.node, c),
        None => facts.node.to_string(),
    };
    let (outcome, exit_status, detail) = match ended {
        Ok(Ended::Exited(status)) => (
            Outcome::Ok,
            Some(status.process_code()),
            format!(
                "{}, {:.1} s",
                status.describe(),
                facts.duration.as_secs_f64()
            ),
        ),
        Ok(Ended::Disconnected) => (
            Outcome::Ok,
            None,
            format!("ended with ~. after {:.1} s", facts.duration.as_secs_f64()),
        ),
        Err(why) => (Outcome::Failed, None, why.to_string()),
    };
    let command = match facts.command {
        Some(argv) => serde_json::json!(argv),
        None => serde_json::json!("interactive"),
    };
    let mut params = serde_json::json!({
        "node": facts.node,
        "container": facts.container,
        "command": command,
        "tty": facts.tty,
        "started_at": facts.started_at,
        "duration_ms": facts.duration.as_millis() as u64,
        "exit_status": exit_status,
    });
    if let Some(path) = facts.recording {
        params["recording"] = serde_json::json!(path.display().to_string());
    }
    if let Some(problem) = facts.recording_problem {
        params["recording_problem"] = serde_json::json!(problem);
    }
    AuditRecord {
        action: facts.action.into(),
        target: Some(target),
        params,
        outcome,
        detail: Some(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::ExitStatus;

    fn facts(command: Option<&[String]>) -> SessionFacts<'_> {
        SessionFacts {
            action: "exec",
            node: "h1",
            container: Some("web"),
            command,
            tty: false,
            started_at: "2026-12-02T07:00:00Z",
            duration: Duration::from_millis(1500),
            recording: None,
            recording_problem: None,
        }
    }

    #[test]
    fn a_command_session_records_its_argv_duration_and_exit_status() {
        let argv = vec!["sh".to_string(), "-c".into(), "exit 7".into()];
        let row = record(&facts(Some(&argv)), Ok(&Ended::Exited(ExitStatus::Code(7))));
        assert_eq!(row.target.as_deref(), Some("h1/web"));
        assert_eq!(row.outcome, Outcome::Ok);
        assert_eq!(
            row.params["command"],
            serde_json::json!(["sh", "-c", "exit 7"])
        );
        assert_eq!(row.params["exit_status"], 7);
        assert_eq!(row.params["duration_ms"], 1500);
        assert_eq!(row.detail.as_deref(), Some("exit 7, 1.5 s"));
    }

    #[test]
    fn an_interactive_session_says_so_and_a_failed_open_is_failed() {
        let row = record(&facts(None), Err("no shell"));
        assert_eq!(row.params["command"], "interactive");
        assert_eq!(row.outcome, Outcome::Failed);
        assert_eq!(row.params["exit_status"], serde_json::Value::Null);
    }
}
