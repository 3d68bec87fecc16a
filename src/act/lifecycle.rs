//! Start, stop and restart a container: plan (what happens, and what it means for a
//! site), then apply with a time limit. The same plan is shown by the CLI before its
//! confirmation and by the console in its confirm popup.

use std::time::Duration;

use bollard::query_parameters::{RestartContainerOptions, StopContainerOptions};

use super::target::Resolved;
use crate::transport::{DockerClient, DockerError};

/// Seconds a container gets to stop on SIGTERM before the engine kills it.
pub use crate::contract::docker::STOP_GRACE_SECS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    Start,
    Stop,
    Restart,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Start => "start",
            Verb::Stop => "stop",
            Verb::Restart => "restart",
        }
    }

    /// Starting a stopped container takes nothing away; the others interrupt it.
    pub fn needs_confirmation(self) -> bool {
        !matches!(self, Verb::Start)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub verb: Verb,
    pub target: Resolved,
}

impl Plan {
    pub fn new(verb: Verb, target: Resolved) -> Plan {
        Plan { verb, target }
    }

    /// What will happen, one line each.
    pub fn lines(&self) -> Vec<String> {
        let t = &self.target;
        let mut lines = vec![format!(
            "{} {} ({}), now {}",
            self.verb.as_str(),
            t.qualified(),
            t.short_id(),
            t.state
        )];
        match (self.verb, &t.domain) {
            (Verb::Stop, Some(domain)) => lines.push(format!(
                "site {domain}: its inventory row stays; `fleetdeck check` reports container_stopped until it is started again"
            )),
            (Verb::Restart, Some(domain)) => lines.push(format!(
                "site {domain}: unavailable for the moment of the restart"
            )),
            (Verb::Stop | Verb::Restart, None) => lines.push(format!(
                "it gets {STOP_GRACE_SECS} s to stop on SIGTERM before it is killed"
            )),
            _ => {}
        }
        if self.verb == Verb::Start && t.state == "running" {
            lines.push("it is already running: nothing to do".into());
        }
        lines
    }

    /// Audit parameters.
    pub fn params(&self) -> serde_json::Value {
        serde_json::json!({
            "node": self.target.node,
            "container": self.target.name,
            "id": self.target.id,
            "domain": self.target.domain,
            "state_before": self.target.state,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{verb} {target}: {source}")]
    Docker {
        verb: &'static str,
        target: String,
        #[source]
        source: DockerError,
    },
    #[error("{verb} {target}: no answer from the engine within {}s; the container may be in either state, look at the tree", after.as_secs())]
    Timeout {
        verb: &'static str,
        target: String,
        after: Duration,
    },
}

pub async fn apply(plan: &Plan, client: &DockerClient, limit: Duration) -> Result<(), ApplyError> {
    let id = plan.target.id.as_str();
    let api = client.api();
    let work = async {
        match plan.verb {
            Verb::Start => api.start_container(id, None).await,
            Verb::Stop => {
                let options = StopContainerOptions {
                    t: Some(STOP_GRACE_SECS),
                    signal: None,
                };
                api.stop_container(id, Some(options)).await
            }
            Verb::Restart => {
                let options = RestartContainerOptions {
                    t: Some(STOP_GRACE_SECS),
                    signal: None,
                };
                api.restart_container(id, Some(options)).await
            }
        }
    };
    // A stop may legitimately take the whole grace period.
    let limit = limit + Duration::from_secs(STOP_GRACE_SECS as u64);
    match tokio::time::timeout(limit, work).await {
        Ok(Ok(())) => Ok(()),
        // 304: already started / already stopped; the wanted state holds.
        Ok(Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304, ..
        })) => Ok(()),
        Ok(Err(e)) => Err(ApplyError::Docker {
            verb: plan.verb.as_str(),
            target: plan.target.qualified(),
            source: DockerError::from(e),
        }),
        Err(_) => Err(ApplyError::Timeout {
            verb: plan.verb.as_str(),
            target: plan.target.qualified(),
            after: limit,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(domain: Option<&str>, state: &str) -> Resolved {
        Resolved {
            node: "h1".into(),
            id: "0123456789abcdef".into(),
            name: "fd-blog.example.org".into(),
            domain: domain.map(String::from),
            state: state.into(),
        }
    }

    #[test]
    fn stopping_a_site_says_its_row_stays_and_check_will_report_it() {
        let plan = Plan::new(Verb::Stop, target(Some("blog.example.org"), "running"));
        let lines = plan.lines();
        assert_eq!(
            lines[0],
            "stop h1/fd-blog.example.org (0123456789ab), now running"
        );
        assert!(lines[1].contains("inventory row stays") && lines[1].contains("container_stopped"));
    }

    #[test]
    fn start_needs_no_confirmation_and_says_when_nothing_is_to_do() {
        assert!(!Verb::Start.needs_confirmation());
        assert!(Verb::Stop.needs_confirmation() && Verb::Restart.needs_confirmation());
        let plan = Plan::new(Verb::Start, target(None, "running"));
        assert!(plan.lines().iter().any(|l| l.contains("already running")));
    }
}
