//! Start-up reconciliation of `pending` rows: a create that was interrupted (killed,
//! or its node stopped answering mid-way) left a row, and maybe a container. A row whose
//! create is still running in another fleetdeck is left alone (see [`super::pending`]).
//! Otherwise the container is adopted when it carries this site's labels, and the row is
//! removed when there is no such container.

use std::time::Duration;

use serde_json::json;

use super::docker_steps::{self, Found, StepError};
use super::{Progress, labels, pending};
use crate::actor::Actor;
use crate::config::Config;
use crate::inventory::{AuditRecord, Inventory, InventoryError, Outcome, Site, SiteState};
use crate::transport::docker::DockerClient;

/// What happened to each pending row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The container exists with this site's labels: the row is active now.
    Adopted {
        container_id: String,
        /// Set when the adopted container would not start (it stays adopted).
        note: Option<String>,
    },
    /// No container of this site: the row is gone.
    Removed { why: String },
    /// Still pending: its create runs elsewhere, or its node cannot be asked.
    Left { why: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub rows: Vec<(String, Resolution)>,
}

impl ReconcileReport {
    pub fn lines(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|(domain, r)| match r {
                Resolution::Adopted { container_id, note } => format!(
                    "pending site {domain}: adopted its container {}{}",
                    super::create::short(container_id),
                    note.as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ),
                Resolution::Removed { why } => {
                    format!("pending site {domain}: row removed ({why})")
                }
                Resolution::Left { why } => format!("pending site {domain}: left pending ({why})"),
            })
            .collect()
    }
}

/// The node that holds a site's container: its own, or (legacy rows) its VLAN's.
pub fn node_of(config: &Config, site: &Site) -> Option<String> {
    site.node.clone().or_else(|| {
        config
            .vlans
            .iter()
            .find(|v| v.id == site.vlan)
            .and_then(|v| v.node.clone())
    })
}

/// Reconcile every pending row. `docker_for(node)` gives that node's engine, or why not.
pub async fn reconcile<F, Fut>(
    config: &Config,
    inventory: &mut Inventory,
    docker_for: F,
    actor: &Actor,
    progress: &dyn Progress,
    limit: Duration,
) -> Result<ReconcileReport, InventoryError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<DockerClient, String>>,
{
    let mut report = ReconcileReport::default();
    let pending_sites: Vec<Site> = inventory
        .sites()?
        .into_iter()
        .filter(|s| s.state == SiteState::Pending)
        .collect();
    for site in pending_sites {
        let resolution = match pending::try_take_over(inventory.path(), &site.domain) {
            Err(e) => Resolution::Left {
                why: format!("cannot check whether its create still runs: {e}"),
            },
            Ok(None) => Resolution::Left {
                why: "its create is still running in another fleetdeck".into(),
            },
            Ok(Some(_owner)) => {
                // Re-read under the lock: the create may have finished just before.
                match inventory.site(&site.domain)? {
                    Some(s) if s.state == SiteState::Pending => {
                        progress.step(&format!("reconciling pending site {}", s.domain));
                        resolve(config, inventory, &docker_for, &s, limit).await?
                    }
                    _ => continue,
                }
            }
        };
        if !matches!(resolution, Resolution::Left { .. }) {
            let (outcome, detail) = match &resolution {
                Resolution::Adopted { container_id, note } => (
                    Outcome::Ok,
                    format!(
                        "adopted container {}{}",
                        super::create::short(container_id),
                        note.as_deref()
                            .map(|n| format!("; {n}"))
                            .unwrap_or_default()
                    ),
                ),
                Resolution::Removed { why } => (Outcome::Ok, format!("row removed: {why}")),
                Resolution::Left { why } => (Outcome::Failed, why.clone()),
            };
            let record = AuditRecord {
                action: "reconcile".into(),
                target: Some(site.domain.clone()),
                params: json!({"ip": site.ip.to_string(), "vlan": site.vlan, "node": site.node}),
                outcome,
                detail: Some(detail),
            };
            inventory.record_audit(actor, &record)?;
        }
        report.rows.push((site.domain.clone(), resolution));
    }
    Ok(report)
}

async fn resolve<F, Fut>(
    config: &Config,
    inventory: &Inventory,
    docker_for: &F,
    site: &Site,
    limit: Duration,
) -> Result<Resolution, InventoryError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<DockerClient, String>>,
{
    if let Some(row) = inventory.swarm_site(&site.domain)? {
        return super::reconcile_service::resolve(config, inventory, docker_for, site, &row, limit)
            .await;
    }
    let Some(node) = node_of(config, site) else {
        return Ok(Resolution::Left {
            why: format!("no node for VLAN {} in the config", site.vlan),
        });
    };
    let client = match docker_for(node.clone()).await {
        Ok(c) => c,
        Err(e) => {
            return Ok(Resolution::Left {
                why: format!("node {node}: {e}"),
            });
        }
    };
    let name = crate::validate::container_name_for(&site.domain);
    let found = match docker_steps::inspect(&client, &name, limit).await {
        Ok(f) => f,
        Err(StepError(e)) => {
            return Ok(Resolution::Left {
                why: format!("node {node}: {e}"),
            });
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let decision = match decide(site, found.as_ref(), &node, settle_left(site, now)) {
        Decision::WaitThenLook(wait) => {
            // A create killed just after sending its request may still be completed by
            // the engine: give it time before concluding there is no container.
            tokio::time::sleep(wait).await;
            match docker_steps::inspect(&client, &name, limit).await {
                Ok(again) => decide_after_grace(site, again.as_ref(), &node),
                Err(StepError(e)) => {
                    return Ok(Resolution::Left {
                        why: format!("node {node}: {e}"),
                    });
                }
            }
        }
        d => d,
    };
    apply_decision(inventory, &client, site, decision, limit).await
}

/// What to do with a pending row whose lock is ours, from what the engine holds under the
/// site's container name. Pure, so every branch is unit-tested (`reconcile_tests.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The container carries this site's labels: the row becomes active; `start` when
    /// the container is not running (the create was cut before its start).
    Adopt {
        id: String,
        name: String,
        start: bool,
    },
    /// Nothing of this site under that name: drop the row (the container, if any, is
    /// someone else's and stays untouched).
    RemoveRow { why: String },
    /// No container yet, but the row is young enough that the engine may still be
    /// finishing the create: look again after this long.
    WaitThenLook(Duration),
    /// Leave the row pending for the next start.
    Leave { why: String },
}

/// First look. `grace_left`: what remains of the settling time ([`settle_left`]).
pub fn decide(site: &Site, found: Option<&Found>, node: &str, grace_left: Duration) -> Decision {
    match found {
        Some(c) => on_found(site, c, node),
        None if grace_left > Duration::ZERO => Decision::WaitThenLook(grace_left),
        None => no_container(site, node),
    }
}

/// Second look, after the grace: a container that appeared meanwhile is left for the
/// next start rather than judged while its create may still be running.
pub fn decide_after_grace(site: &Site, found: Option<&Found>, node: &str) -> Decision {
    match found {
        Some(c) => Decision::Leave {
            why: format!(
                "container {} appeared on {node} meanwhile; checked again at the next start",
                c.name
            ),
        },
        None => no_container(site, node),
    }
}

fn on_found(site: &Site, c: &Found, node: &str) -> Decision {
    if labels::belong_to(&c.labels, &site.domain, &site.login, site.vlan) {
        Decision::Adopt {
            id: c.id.clone(),
            name: c.name.clone(),
            start: c.state != "running",
        }
    } else {
        Decision::RemoveRow {
            why: format!(
                "container {} on {node} does not carry this site's labels; left untouched",
                c.name
            ),
        }
    }
}

fn no_container(site: &Site, node: &str) -> Decision {
    let name = crate::validate::container_name_for(&site.domain);
    Decision::RemoveRow {
        why: format!("no container {name} on {node}"),
    }
}

async fn apply_decision(
    inventory: &Inventory,
    client: &DockerClient,
    site: &Site,
    decision: Decision,
    limit: Duration,
) -> Result<Resolution, InventoryError> {
    Ok(match decision {
        Decision::Adopt { id, name, start } => {
            let mut note = None;
            if start
                && let Err(StepError(e)) =
                    docker_steps::start_container(client, &id, &name, limit).await
            {
                tracing::warn!(domain = %site.domain, error = %e, "adopted container did not start");
                note = Some(format!("it did not start: {e}"));
            }
            inventory.activate_site(&site.domain, &id)?;
            Resolution::Adopted {
                container_id: id,
                note,
            }
        }
        Decision::RemoveRow { why } => {
            inventory.delete_pending_site(&site.domain)?;
            Resolution::Removed { why }
        }
        Decision::Leave { why } => Resolution::Left { why },
        // `resolve` looks again after waiting; a second wait is never asked for.
        Decision::WaitThenLook(_) => Resolution::Left {
            why: "still settling; checked again at the next start".into(),
        },
    })
}

/// How long an engine may still be finishing a create it received before its client died.
const SETTLE: Duration = Duration::from_secs(5);

/// Time from `now` until a pending row is old enough for "no container" to be final.
pub fn settle_left(site: &Site, now: time::OffsetDateTime) -> Duration {
    let Ok(at) = time::OffsetDateTime::parse(
        &site.updated_at,
        &time::format_description::well_known::Rfc3339,
    ) else {
        return Duration::ZERO;
    };
    let age = now - at;
    // Timestamps have whole seconds: add one so a row is never judged too early.
    let wait = SETTLE + Duration::from_secs(1);
    let age = Duration::try_from(age).unwrap_or(Duration::ZERO);
    wait.saturating_sub(age)
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
