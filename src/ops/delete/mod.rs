//! Delete a site (`d` in the console, `fleetdeck delete DOMAIN`): the plan lists what goes
//! (container, inventory row, proxy rule); apply stops and removes the container, then
//! deletes the row. The proxy rule goes at the next proxy rebuild, which the caller offers.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use super::docker_steps::{self, Found, Removal, StepError};
use super::{FailKind, Progress, labels, reconcile::node_of};
use crate::actor::Actor;
use crate::config::Config;
use crate::inventory::{AuditRecord, Inventory, InventoryError, Outcome, Site, SiteState};
use crate::transport::docker::DockerClient;
use crate::validate;

/// What a delete will remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletePlan {
    pub domain: String,
    pub node: String,
    pub ip: String,
    /// The live container, when there is one (id, name, state).
    pub container: Option<(String, String, String)>,
    /// Whether the deployed proxy config may still route this domain.
    pub proxy_rule: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Invalid(#[from] validate::Invalid),
    #[error("no site {0} in the inventory (see `fleetdeck inventory list`)")]
    NotFound(String),
    #[error(
        "site {0} is pending: a create is in flight or was interrupted; it is reconciled at the next start"
    )]
    Pending(String),
    #[error("site {domain}: no node holds VLAN {vlan} in the config")]
    NoNode { domain: String, vlan: u16 },
    #[error("node {node}: {why}; nothing was changed")]
    Unreachable { node: String, why: String },
    #[error("cannot update the inventory: {0}")]
    Inventory(#[from] InventoryError),
    #[error("{0}; the inventory row was kept")]
    Container(String),
}

impl DeleteError {
    pub fn kind(&self) -> FailKind {
        match self {
            DeleteError::Invalid(_)
            | DeleteError::NotFound(_)
            | DeleteError::Pending(_)
            | DeleteError::NoNode { .. } => FailKind::Invalid,
            _ => FailKind::Failed,
        }
    }
}

/// The pure part: what goes, from the row and what the node reported.
pub fn plan_from(site: &Site, node: &str, found: Option<&Found>) -> DeletePlan {
    DeletePlan {
        domain: site.domain.clone(),
        node: node.to_string(),
        ip: site.ip.to_string(),
        container: found.map(|c| (c.id.clone(), c.name.clone(), c.state.clone())),
        proxy_rule: true,
    }
}

impl DeletePlan {
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("delete site {} ({})", self.domain, self.ip)];
        match &self.container {
            Some((id, name, state)) => {
                lines.push(format!("  container  {name} on {}", self.node));
                lines.push(format!(
                    "             {} ({state}): stopped, then removed",
                    super::create::short(id)
                ));
            }
            None => lines.push(format!(
                "  container  none found on {} (already gone)",
                self.node
            )),
        }
        lines.push("  inventory  its row is deleted".into());
        lines.push("  proxy      its rule goes at the next proxy rebuild".into());
        lines
    }
}

/// The row to delete, checked.
pub fn site_to_delete(inventory: &Inventory, raw_domain: &str) -> Result<Site, DeleteError> {
    let domain = validate::domain(raw_domain.trim())?;
    let site = inventory
        .site(&domain)?
        .ok_or_else(|| DeleteError::NotFound(domain.clone()))?;
    if site.state == SiteState::Pending {
        return Err(DeleteError::Pending(domain));
    }
    Ok(site)
}

/// Find the site's container on its node: the recorded id first, then the derived name.
/// A container labelled for another domain is never taken for this one.
pub async fn find_container(
    client: &DockerClient,
    site: &Site,
    limit: Duration,
) -> Result<Option<Found>, StepError> {
    let name = validate::container_name_for(&site.domain);
    let mut candidates = Vec::new();
    if let Some(id) = &site.container_id {
        candidates.push(id.clone());
    }
    candidates.push(name);
    for candidate in candidates {
        if let Some(found) = docker_steps::inspect(client, &candidate, limit).await? {
            let ours = found
                .labels
                .get(labels::DOMAIN)
                .is_none_or(|d| *d == site.domain);
            if ours {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// Look the site up and ask its node about its container.
pub async fn plan<F, Fut>(
    config: &Config,
    inventory: &Inventory,
    domain: &str,
    docker_for: F,
    limit: Duration,
) -> Result<DeletePlan, DeleteError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<DockerClient, String>>,
{
    let site = site_to_delete(inventory, domain)?;
    let node = node_of(config, &site).ok_or_else(|| DeleteError::NoNode {
        domain: site.domain.clone(),
        vlan: site.vlan,
    })?;
    let client = docker_for(node.clone())
        .await
        .map_err(|why| DeleteError::Unreachable {
            node: node.clone(),
            why,
        })?;
    let found = find_container(&client, &site, limit)
        .await
        .map_err(|StepError(why)| DeleteError::Unreachable {
            node: node.clone(),
            why,
        })?;
    Ok(plan_from(&site, &node, found.as_ref()))
}

/// Remove the container, then the row. Writes one audit row (`delete`).
pub async fn apply(
    plan: &DeletePlan,
    inventory: &Inventory,
    docker: &DockerClient,
    actor: &Actor,
    progress: &dyn Progress,
    limit: Duration,
) -> Result<(), DeleteError> {
    let result = run(plan, inventory, docker, progress, limit).await;
    let record = AuditRecord {
        action: "delete".into(),
        target: Some(plan.domain.clone()),
        params: json!({"node": plan.node, "ip": plan.ip, "container": plan.container.as_ref().map(|c| &c.1)}),
        outcome: if result.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Failed
        },
        detail: Some(match &result {
            Ok(()) => "container and row removed".into(),
            Err(e) => e.to_string(),
        }),
    };
    if let Err(e) = inventory.record_audit(actor, &record) {
        tracing::error!(error = %e, domain = %plan.domain, "cannot write the audit row of a delete");
    }
    result
}

async fn run(
    plan: &DeletePlan,
    inventory: &Inventory,
    docker: &DockerClient,
    progress: &dyn Progress,
    limit: Duration,
) -> Result<(), DeleteError> {
    if let Some((id, name, _)) = &plan.container {
        progress.step(&format!(
            "stopping and removing container {name} on {}",
            plan.node
        ));
        match docker_steps::stop_and_remove(docker, id, Duration::from_secs(10), limit).await {
            Removal::Removed | Removal::Absent => {}
            Removal::Unknown(why) => return Err(DeleteError::Container(why)),
        }
    }
    progress.step(&format!("deleting the inventory row of {}", plan.domain));
    if !inventory.delete_site(&plan.domain)? {
        progress.step("the row was already gone");
    }
    progress.step(&format!(
        "deleted {}; run a proxy rebuild to drop its rule",
        plan.domain
    ));
    Ok(())
}
