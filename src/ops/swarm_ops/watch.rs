//! Watching an update or rollback roll out (README "Swarm operations"): the engine
//! answers the POST at once and rolls the tasks afterwards, as the service's
//! `UpdateConfig` / `RollbackConfig` say, so `update` and `rollback` wait (bounded) for
//! the service's `UpdateStatus` to reach `completed` / `rollback_completed`, and fail,
//! saying so, when it pauses or the engine rolls the update back. `judge` is pure;
//! `watch` polls the manager with GETs.

use std::time::Duration;

use serde_json::Value;

use super::plan::SwarmPlan;
use super::{SwarmOpError, Verb};
use crate::ops::Progress;
use crate::transport::DockerClient;

/// How long `update` / `rollback` wait for the rollout.
pub const ROLLOUT_LIMIT: Duration = Duration::from_secs(300);

/// How often the service is read while it rolls.
const POLL: Duration = Duration::from_millis(1000);

/// Where a rollout is, from the service's `UpdateStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    /// Not started yet (no status of its own), or rolling: the state word.
    Rolling(String),
    /// Finished: the state word (`completed`, `rollback_completed`).
    Done(String),
    /// The engine paused it (the failure action `pause`): its message.
    Paused(String),
    /// The engine rolled the update back (the failure action `rollback`).
    RolledBack(String),
}

/// Pure: the rollout of `verb` from `GET /services/{id}`; `since` is the status's
/// `StartedAt` at plan time, which belongs to an earlier rollout.
pub fn judge(verb: Verb, since: Option<&str>, doc: &Value) -> Rollout {
    let text = |key: &str| {
        doc.pointer(&format!("/UpdateStatus/{key}"))
            .and_then(Value::as_str)
            .map(|s| crate::validate::printable(s).into_owned())
    };
    let (Some(state), started) = (text("State"), text("StartedAt")) else {
        return Rollout::Rolling("not started".into());
    };
    if since.is_some() && started.as_deref() == since {
        return Rollout::Rolling("not started".into());
    }
    let message = text("Message").unwrap_or_default();
    match (verb, state.as_str()) {
        (Verb::Rollback, "rollback_completed") | (_, "completed") => Rollout::Done(state),
        (_, "paused" | "rollback_paused") => Rollout::Paused(message),
        (Verb::Update, "rollback_started" | "rollback_completed") => {
            Rollout::RolledBack(format!("{state}: {message}"))
        }
        _ => Rollout::Rolling(state),
    }
}

/// Wait for the rollout `plan` started; `Ok` with its final state word. Nothing to wait
/// for on other verbs.
pub async fn watch(
    plan: &SwarmPlan,
    client: &DockerClient,
    call: Duration,
    bound: Duration,
    progress: &dyn Progress,
) -> Result<String, SwarmOpError> {
    if !matches!(plan.verb, Verb::Update | Verb::Rollback) {
        return Ok(String::new());
    }
    let what = plan.qualified();
    progress.step(&format!(
        "waiting (at most {}s) for the {} of {what} to finish",
        bound.as_secs(),
        plan.verb.as_str()
    ));
    let path = format!("/services/{}", plan.id);
    let until = tokio::time::Instant::now() + bound;
    let mut said = String::new();
    loop {
        let read = tokio::time::timeout(call, client.get_json(&path)).await;
        let now = match read {
            Ok(Ok(doc)) => judge(plan.verb, plan.rollout_since.as_deref(), &doc),
            Ok(Err(e)) => Rollout::Rolling(format!("unread ({e})")),
            Err(_) => Rollout::Rolling(format!("unread (no answer within {}s)", call.as_secs())),
        };
        match now {
            Rollout::Done(state) => {
                progress.step(&format!("{what}: {state}"));
                return Ok(state);
            }
            Rollout::Paused(message) => {
                return Err(SwarmOpError::Rollout(format!(
                    "the engine paused the {} of {what} ({message}); `fleetdeck rollback` returns to the previous spec",
                    plan.verb.as_str()
                )));
            }
            Rollout::RolledBack(message) => {
                return Err(SwarmOpError::Rollout(format!(
                    "the update of {what} failed and the engine rolled it back ({message}); its tasks run the previous spec"
                )));
            }
            Rollout::Rolling(state) => {
                if state != said {
                    progress.step(&format!("{what}: {state}"));
                    said = state.clone();
                }
                if tokio::time::Instant::now() + POLL > until {
                    return Err(SwarmOpError::Rollout(format!(
                        "the {} of {what} is still {state} after {}s; the engine carries on: `fleetdeck tree` shows its update state",
                        plan.verb.as_str(),
                        bound.as_secs()
                    )));
                }
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(state: &str, started: &str, message: &str) -> Value {
        json!({"UpdateStatus": {"State": state, "StartedAt": started, "Message": message}})
    }

    #[test]
    fn an_update_is_done_when_completed_and_fails_when_paused_or_rolled_back() {
        let u = Verb::Update;
        assert_eq!(
            judge(u, None, &json!({})),
            Rollout::Rolling("not started".into()),
            "the engine clears the status when it takes an update"
        );
        assert_eq!(
            judge(u, None, &doc("updating", "t2", "update in progress")),
            Rollout::Rolling("updating".into())
        );
        assert_eq!(
            judge(u, None, &doc("completed", "t2", "update completed")),
            Rollout::Done("completed".into())
        );
        assert_eq!(
            judge(
                u,
                None,
                &doc("paused", "t2", "update paused due to failure")
            ),
            Rollout::Paused("update paused due to failure".into())
        );
        assert_eq!(
            judge(
                u,
                None,
                &doc("rollback_completed", "t2", "rollback completed")
            ),
            Rollout::RolledBack("rollback_completed: rollback completed".into())
        );
    }

    #[test]
    fn the_status_of_an_earlier_rollout_is_not_this_ones() {
        let earlier = doc("completed", "t1", "update completed");
        assert_eq!(
            judge(Verb::Update, Some("t1"), &earlier),
            Rollout::Rolling("not started".into())
        );
        assert_eq!(
            judge(Verb::Update, Some("t0"), &earlier),
            Rollout::Done("completed".into())
        );
    }

    #[test]
    fn a_rollback_is_done_when_rollback_completed() {
        let r = Verb::Rollback;
        assert_eq!(
            judge(
                r,
                Some("t1"),
                &doc("rollback_started", "t2", "manually requested rollback")
            ),
            Rollout::Rolling("rollback_started".into())
        );
        assert_eq!(
            judge(
                r,
                Some("t1"),
                &doc("rollback_completed", "t2", "rollback completed")
            ),
            Rollout::Done("rollback_completed".into())
        );
        assert_eq!(
            judge(
                r,
                Some("t1"),
                &doc("rollback_paused", "t2", "rollback paused")
            ),
            Rollout::Paused("rollback paused".into())
        );
    }
}
