//! Start-up reconciliation of `pending` rows: a create that was interrupted (killed,
//! or its node stopped answering mid-way) left a row, and maybe a container. A row whose
//! create is still running in another fleetdeck is left alone (see [`super::pending`]).
//! Otherwise the container is adopted when it carries this site's labels, and the row is
//! removed when there is no such container.

use std::time::Duration;

use serde_json::json;

use super::docker_steps::{self, StepError};
use super::{Progress, labels, pending};
use crate::actor::Actor;
use crate::config::Config;
use crate::inventory::{AuditRecord, Inventory, InventoryError, Outcome, Site, SiteState};
use crate::transport::docker::DockerClient;

/// What happened to each pending row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The container exists with this site's labels: the row is active now.
    Adopted { container_id: String },
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
                Resolution::Adopted { container_id } => format!(
                    "pending site {domain}: adopted its container {}",
                    super::create::short(container_id)
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
            .map(|v| v.node.clone())
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
                Resolution::Adopted { container_id } => (
                    Outcome::Ok,
                    format!("adopted container {}", super::create::short(container_id)),
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
    let resolution = match found {
        Some(c) if labels::belong_to(&c.labels, &site.domain, &site.login, site.vlan) => {
            if c.state != "running"
                && let Err(StepError(e)) =
                    docker_steps::start_container(&client, &c.id, &c.name, limit).await
            {
                tracing::warn!(domain = %site.domain, error = %e, "adopted container did not start");
            }
            inventory.activate_site(&site.domain, &c.id)?;
            Resolution::Adopted { container_id: c.id }
        }
        Some(_) => {
            inventory.delete_pending_site(&site.domain)?;
            Resolution::Removed {
                why: format!("container {name} on {node} does not carry this site's labels"),
            }
        }
        None if settle_left(site) > Duration::ZERO => {
            // A create killed just after sending its request may still be completed by
            // the engine: give it time before concluding there is no container.
            tokio::time::sleep(settle_left(site)).await;
            match docker_steps::inspect(&client, &name, limit).await {
                Ok(None) => {
                    inventory.delete_pending_site(&site.domain)?;
                    Resolution::Removed {
                        why: format!("no container {name} on {node}"),
                    }
                }
                Ok(Some(_)) => Resolution::Left {
                    why: format!(
                        "container {name} appeared on {node} meanwhile; checked again at the next start"
                    ),
                },
                Err(StepError(e)) => Resolution::Left {
                    why: format!("node {node}: {e}"),
                },
            }
        }
        None => {
            inventory.delete_pending_site(&site.domain)?;
            Resolution::Removed {
                why: format!("no container {name} on {node}"),
            }
        }
    };
    Ok(resolution)
}

/// How long an engine may still be finishing a create it received before its client died.
const SETTLE: Duration = Duration::from_secs(5);

/// Time until a pending row is old enough for "no container" to be final.
fn settle_left(site: &Site) -> Duration {
    let Ok(at) = time::OffsetDateTime::parse(
        &site.updated_at,
        &time::format_description::well_known::Rfc3339,
    ) else {
        return Duration::ZERO;
    };
    let age = time::OffsetDateTime::now_utc() - at;
    // Timestamps have whole seconds: add one so a row is never judged too early.
    let wait = SETTLE + Duration::from_secs(1);
    let age = Duration::try_from(age).unwrap_or(Duration::ZERO);
    wait.saturating_sub(age)
}
