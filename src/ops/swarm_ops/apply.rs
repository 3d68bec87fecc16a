//! Sending a planned swarm operation: one POST of the planned spec with the version read
//! at plan time. The engine refuses it when the service or node changed since ("update
//! out of sequence"): that is a conflict for the user to look at, never retried with a
//! fresh version (which would overwrite the other admin's change).

use std::time::Duration;

use super::SwarmOpError;
use super::plan::SwarmPlan;
use crate::inventory::{AuditRecord, Outcome};
use crate::transport::{DockerClient, DockerError};

/// What the engine said when it took the change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The engine's warnings (an image it could not resolve on a registry…).
    pub warnings: Vec<String>,
}

pub async fn apply(
    plan: &SwarmPlan,
    client: &DockerClient,
    limit: Duration,
) -> Result<Applied, SwarmOpError> {
    #[cfg(debug_assertions)]
    hold_for_a_test().await;
    let path = plan.path();
    let what = format!("{} {}", plan.verb.as_str(), plan.qualified());
    let answer = match tokio::time::timeout(limit, client.post_json(&path, &plan.spec)).await {
        Ok(answer) => answer,
        Err(_) => {
            return Err(SwarmOpError::Timeout {
                what,
                manager: plan.manager.clone(),
                secs: limit.as_secs(),
            });
        }
    };
    match answer {
        Ok(body) => Ok(Applied {
            warnings: body
                .get("Warnings")
                .and_then(|w| w.as_array())
                .into_iter()
                .flatten()
                .filter_map(|w| w.as_str())
                .map(|w| crate::validate::printable(w).into_owned())
                .collect(),
        }),
        Err(e) if is_conflict(&e) => Err(SwarmOpError::Conflict {
            target: plan.qualified(),
            version: plan.version,
        }),
        Err(source) => Err(SwarmOpError::Docker {
            what,
            manager: plan.manager.clone(),
            source: Box::new(source),
        }),
    }
}

/// The engine's answer to a stale `version`: swarmkit's "update out of sequence".
pub fn is_conflict(e: &DockerError) -> bool {
    matches!(e, DockerError::Status { message, .. } if message.contains("out of sequence"))
}

/// The one audit row of an applied (or failed) plan.
pub fn audit_record(plan: &SwarmPlan, result: &Result<Applied, SwarmOpError>) -> AuditRecord {
    let mut params = plan.params();
    if let (Ok(applied), Some(obj)) = (result, params.as_object_mut())
        && !applied.warnings.is_empty()
    {
        obj.insert("warnings".into(), serde_json::json!(applied.warnings));
    }
    AuditRecord {
        action: plan.verb.as_str().into(),
        target: Some(plan.audit_target()),
        params,
        outcome: match result {
            Ok(_) => Outcome::Ok,
            Err(e) if e.kind() == crate::ops::FailKind::ReadOnly => Outcome::Refused,
            Err(_) => Outcome::Failed,
        },
        detail: result.as_ref().err().map(ToString::to_string),
    }
}

/// Debug builds only: with `FLEETDECK_TEST_HOLD_BEFORE_WRITE=DIR`, create `DIR/held`
/// and wait (at most 60 s) for `DIR/release` before sending, so a lab test can change
/// the service between fleetdeck's read and its write (`tests/swarm_ops.rs`). Release
/// builds do not contain it.
#[cfg(debug_assertions)]
async fn hold_for_a_test() {
    let Some(dir) = std::env::var_os("FLEETDECK_TEST_HOLD_BEFORE_WRITE") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    if let Err(e) = std::fs::write(dir.join("held"), b"") {
        tracing::warn!(error = %e, "test hold: cannot write the held marker");
        return;
    }
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    while !dir.join("release").exists() && tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
