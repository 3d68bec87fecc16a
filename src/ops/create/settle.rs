//! After a swarm site's service is created, wait (bounded) for its tasks to run, so a
//! create that cannot run is seen by `create` and undone, not left for `check` to find
//! (README "Sites on a swarm"). The engine places a task even where something outside
//! the swarm holds the published port; the task then fails binding it, and its error
//! names the port. `judge` decides from the tasks (pure), `wait` polls the manager.

use std::time::Duration;

use super::ServicePlan;
use crate::ops::Progress;
use crate::ops::docker_steps::StepError;
use crate::ops::swarm_steps;
use crate::swarm::SwarmTask;
use crate::swarm::ports::{node_named, port_taken};
use crate::transport::docker::DockerClient;

/// How long `create` waits for a new service's tasks to run.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(60);

/// How often the manager is asked while waiting.
const POLL: Duration = Duration::from_millis(1000);

/// What the tasks say now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// As many tasks run as were asked for.
    Running,
    /// A task failed because its port is held on its node.
    Blocked { node_id: String, error: String },
    /// Not there yet: how many run, and what the newest task still waiting says.
    Waiting {
        running: usize,
        note: Option<String>,
    },
}

/// How the wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Running,
    /// The bound passed first: the service stays (the swarm keeps trying); why, in words.
    Slow(String),
    /// The port is taken on `node` (named as `s2 (10.79.0.2)`): the create is undone.
    Blocked {
        node: String,
        error: String,
    },
}

/// Pure: the service's tasks, history included, against the port and the replicas asked.
pub fn judge(tasks: &[SwarmTask], port: u16, replicas: u32) -> Verdict {
    // A failed task stays in the history after the swarm replaced it: one bind failure
    // is enough, even if a later try on another node ran.
    if let Some((task, error)) = tasks.iter().find_map(|t| {
        t.error
            .as_deref()
            .filter(|e| port_taken(e, port))
            .map(|e| (t, e))
    }) {
        return Verdict::Blocked {
            node_id: task.node_id.clone().unwrap_or_default(),
            error: crate::validate::printable(error).into_owned(),
        };
    }
    let current: Vec<&SwarmTask> = tasks
        .iter()
        .filter(|t| t.desired_state == "running")
        .collect();
    let running = current.iter().filter(|t| t.state == "running").count();
    if running >= usize::try_from(replicas).unwrap_or(usize::MAX) {
        return Verdict::Running;
    }
    let note = current
        .iter()
        .filter(|t| t.state != "running")
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
        .map(|t| match &t.error {
            Some(e) => format!("{}: {}", t.state, crate::validate::printable(e)),
            None => t.state.clone(),
        });
    Verdict::Waiting { running, note }
}

/// Poll the manager until the tasks run, a task is blocked by its port, or `bound`
/// passes. A read that fails is noted and the wait goes on: the service exists, and only
/// a known bind failure undoes the create.
pub async fn wait(
    docker: &DockerClient,
    service_id: &str,
    service: &ServicePlan,
    port: u16,
    progress: &dyn Progress,
    call: Duration,
    bound: Duration,
) -> Settled {
    progress.step(&format!(
        "waiting (at most {}s) for {} task{} of {} to run",
        bound.as_secs(),
        service.replicas,
        if service.replicas == 1 { "" } else { "s" },
        service.name
    ));
    let until = tokio::time::Instant::now() + bound;
    let mut last_said: Option<(usize, Option<String>)> = None;
    let mut last_note: String;
    loop {
        match swarm_steps::service_tasks(docker, service_id, call).await {
            Ok(tasks) => match judge(&tasks, port, service.replicas) {
                Verdict::Running => {
                    progress.step(&format!(
                        "{} of {} tasks run",
                        service.replicas, service.replicas
                    ));
                    return Settled::Running;
                }
                Verdict::Blocked { node_id, error } => {
                    let node = match swarm_steps::swarm_nodes(docker, call).await {
                        Ok(nodes) => node_named(&nodes, &node_id),
                        Err(StepError(_)) => format!("node id {node_id}"),
                    };
                    return Settled::Blocked { node, error };
                }
                Verdict::Waiting { running, note } => {
                    let now = (running, note.clone());
                    if last_said.as_ref() != Some(&now) {
                        progress.step(&format!(
                            "{running} of {} tasks run{}",
                            service.replicas,
                            note.as_deref()
                                .map(|n| format!(" (waiting: {n})"))
                                .unwrap_or_default()
                        ));
                        last_said = Some(now);
                    }
                    last_note = format!(
                        "{running} of {} tasks run{}",
                        service.replicas,
                        note.map(|n| format!("; the newest says {n}"))
                            .unwrap_or_default()
                    );
                }
            },
            Err(StepError(why)) => last_note = format!("the tasks could not be read ({why})"),
        }
        if tokio::time::Instant::now() + POLL > until {
            return Settled::Slow(format!("after {}s {last_note}", bound.as_secs()));
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(node: &str, state: &str, desired: &str, error: Option<&str>, at: &str) -> SwarmTask {
        SwarmTask {
            id: format!("t-{node}-{at}"),
            slot: Some(1),
            node_id: Some(node.into()),
            state: state.into(),
            desired_state: desired.into(),
            error: error.map(str::to_string),
            created_at: Some(at.into()),
        }
    }

    const HELD: &str =
        "Error starting userland proxy: listen tcp4 0.0.0.0:20001: bind: address already in use";

    #[test]
    fn every_replica_running_is_done() {
        let tasks = [
            task("n1", "running", "running", None, "1"),
            task("n2", "running", "running", None, "2"),
        ];
        assert_eq!(judge(&tasks, 20001, 2), Verdict::Running);
        assert_eq!(
            judge(&tasks, 20001, 3),
            Verdict::Waiting {
                running: 2,
                note: None
            }
        );
    }

    #[test]
    fn a_bind_failure_in_the_history_blocks_even_once_replaced() {
        let tasks = [
            task("n1", "running", "running", None, "1"),
            task("n2", "failed", "shutdown", Some(HELD), "2"),
            task("n3", "running", "running", None, "3"),
        ];
        assert_eq!(
            judge(&tasks, 20001, 2),
            Verdict::Blocked {
                node_id: "n2".into(),
                error: HELD.into()
            }
        );
        assert!(
            matches!(judge(&tasks, 20002, 2), Verdict::Running),
            "another port's failure is not this site's"
        );
    }

    #[test]
    fn waiting_says_what_the_newest_waiting_task_says() {
        let tasks = [
            task("n1", "running", "running", None, "1"),
            task(
                "",
                "pending",
                "running",
                Some("no suitable node (max replicas per node limit exceed)"),
                "3",
            ),
            task("n2", "preparing", "running", None, "2"),
            task("n2", "failed", "shutdown", Some("No such image"), "0"),
        ];
        assert_eq!(
            judge(&tasks, 20001, 3),
            Verdict::Waiting {
                running: 1,
                note: Some("pending: no suitable node (max replicas per node limit exceed)".into())
            }
        );
    }
}
