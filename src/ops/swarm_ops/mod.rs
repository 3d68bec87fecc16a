//! Swarm operations (README "Swarm operations"): `scale`, `update --image`, `rollback`
//! of a service, `drain` / `activate` of a node. Plan → confirm → apply → one audit row,
//! like every operation (ARCHITECTURE.md "Adding an operation").
//!
//! `find` asks a manager of each swarm the config knows for the service or node (raw
//! JSON, every field kept), `plan` (pure) decides and describes the change, `spec`
//! (pure) edits the engine's own spec, `apply` sends it with the `Version.Index` read at
//! plan time: a change made by anyone in between makes the engine refuse it, which is a
//! conflict (exit 4), never retried or overwritten.

pub mod apply;
pub mod find;
pub mod plan;
pub mod spec;
pub mod watch;

pub use apply::{apply, audit_record};
pub use plan::{Found, SwarmPlan, plan};

use crate::ops::FailKind;
use crate::transport::DockerError;

/// The most replicas `scale` accepts: more is a typo, not a site.
pub const MAX_REPLICAS: u64 = 1000;

/// What is asked, before anything is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwarmRequest {
    Scale { service: ServiceKey, replicas: u64 },
    Update { service: ServiceKey, image: String },
    Rollback { service: ServiceKey },
    Drain { node: NodeKey },
    Activate { node: NodeKey },
}

/// Which service: a site's domain (the CLI: labelled `fleetdeck.domain=D` or named
/// `fd-D`), or a service's own name (the console, from a service row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceKey {
    Domain(String),
    Name(String),
}

/// Which swarm node: a fleetdeck node (mapped by address, as the tree does), or a swarm
/// node id (the console, from a swarm node row, mapped or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKey {
    Fleet(String),
    Id(String),
}

/// The five verbs; also the audit rows' `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    Scale,
    Update,
    Rollback,
    Drain,
    Activate,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Scale => "scale",
            Verb::Update => "update",
            Verb::Rollback => "rollback",
            Verb::Drain => "drain",
            Verb::Activate => "activate",
        }
    }

    /// Every audit action these operations write.
    pub const ALL: [Verb; 5] = [
        Verb::Scale,
        Verb::Update,
        Verb::Rollback,
        Verb::Drain,
        Verb::Activate,
    ];
}

impl ServiceKey {
    pub fn shown(&self) -> &str {
        match self {
            ServiceKey::Domain(d) | ServiceKey::Name(d) => d,
        }
    }
}

impl NodeKey {
    pub fn shown(&self) -> &str {
        match self {
            NodeKey::Fleet(n) | NodeKey::Id(n) => n,
        }
    }
}

impl SwarmRequest {
    pub fn verb(&self) -> Verb {
        match self {
            SwarmRequest::Scale { .. } => Verb::Scale,
            SwarmRequest::Update { .. } => Verb::Update,
            SwarmRequest::Rollback { .. } => Verb::Rollback,
            SwarmRequest::Drain { .. } => Verb::Drain,
            SwarmRequest::Activate { .. } => Verb::Activate,
        }
    }

    /// The service or node named, as typed.
    pub fn target(&self) -> &str {
        match self {
            SwarmRequest::Scale { service, .. }
            | SwarmRequest::Update { service, .. }
            | SwarmRequest::Rollback { service } => service.shown(),
            SwarmRequest::Drain { node } | SwarmRequest::Activate { node } => node.shown(),
        }
    }

    /// As the user would type it in the palette.
    pub fn label(&self) -> String {
        match self {
            SwarmRequest::Scale { replicas, .. } => format!("scale {} {replicas}", self.target()),
            SwarmRequest::Update { image, .. } => format!("update {} {image}", self.target()),
            _ => format!("{} {}", self.verb().as_str(), self.target()),
        }
    }

    /// Audit parameters of a request refused before a plan.
    pub fn params(&self) -> serde_json::Value {
        match self {
            SwarmRequest::Scale { replicas, .. } => serde_json::json!({ "replicas": replicas }),
            SwarmRequest::Update { image, .. } => serde_json::json!({ "image": image }),
            _ => serde_json::json!({}),
        }
    }

    /// Input checks, before anything is asked of a node.
    pub fn validate(&self) -> Result<(), SwarmOpError> {
        let service = match self {
            SwarmRequest::Scale { service, replicas } => {
                if *replicas > MAX_REPLICAS {
                    return Err(SwarmOpError::Invalid(format!(
                        "{replicas} replicas: at most {MAX_REPLICAS}"
                    )));
                }
                service
            }
            SwarmRequest::Update { service, image } => {
                crate::validate::image(image).map_err(|e| SwarmOpError::Invalid(e.to_string()))?;
                service
            }
            SwarmRequest::Rollback { service } => service,
            SwarmRequest::Drain { node } | SwarmRequest::Activate { node } => {
                if node.shown().is_empty() {
                    return Err(SwarmOpError::Invalid("the node name is empty".into()));
                }
                return Ok(());
            }
        };
        match service {
            ServiceKey::Domain(d) => crate::validate::domain(d)
                .map(drop)
                .map_err(|e| SwarmOpError::Invalid(e.to_string())),
            ServiceKey::Name(n) if n.is_empty() => {
                Err(SwarmOpError::Invalid("the service name is empty".into()))
            }
            ServiceKey::Name(_) => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SwarmOpError {
    /// Bad input, nothing found, or an operation that does not apply to what was found.
    #[error("{0}")]
    Invalid(String),
    #[error("{what}: {source}")]
    Spec {
        what: String,
        #[source]
        source: spec::SpecError,
    },
    /// No manager of any swarm the config knows could be asked.
    #[error("no swarm manager answered: {0}")]
    NoManager(String),
    /// The engine refused the update: what was read at plan time changed since.
    #[error(
        "conflict: {target} was changed by someone else since fleetdeck read it (version {version}); nothing was changed: look at it again, then retry"
    )]
    Conflict { target: String, version: u64 },
    #[error("{what} on {manager}: {source}")]
    Docker {
        what: String,
        manager: String,
        #[source]
        source: Box<DockerError>,
    },
    #[error(
        "{what}: no answer from {manager} within {secs}s; look at the tree before trying again"
    )]
    Timeout {
        what: String,
        manager: String,
        secs: u64,
    },
    /// The engine took the change but its rollout did not finish: paused, rolled back by
    /// the engine (the update's failure action), or still going at the bound.
    #[error("{0}")]
    Rollout(String),
}

impl SwarmOpError {
    pub fn kind(&self) -> FailKind {
        match self {
            SwarmOpError::Invalid(_)
            | SwarmOpError::Spec { .. }
            | SwarmOpError::Conflict { .. } => FailKind::Invalid,
            SwarmOpError::Docker { source, .. } if source.is_read_only() => FailKind::ReadOnly,
            SwarmOpError::NoManager(_)
            | SwarmOpError::Docker { .. }
            | SwarmOpError::Timeout { .. }
            | SwarmOpError::Rollout(_) => FailKind::Failed,
        }
    }
}

#[cfg(test)]
mod tests;
