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
    /// A container under the site's name that belongs to another domain: left alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_alone: Option<String>,
    /// A swarm site (README "Sites on a swarm"): its service goes instead of a container;
    /// `node` is then the manager asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<service::ServiceGone>,
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
    #[error(
        "container {name} on {node} has the site's name but no fleetdeck labels, so fleetdeck did not make it: nothing was changed; remove it by hand (docker rm) if it is the site's, then delete again"
    )]
    Unlabelled { name: String, node: String },
}

impl DeleteError {
    pub fn kind(&self) -> FailKind {
        match self {
            DeleteError::Invalid(_)
            | DeleteError::NotFound(_)
            | DeleteError::Pending(_)
            | DeleteError::NoNode { .. }
            | DeleteError::Unlabelled { .. } => FailKind::Invalid,
            _ => FailKind::Failed,
        }
    }
}

/// The pure part: what goes, from the row and what the node reported.
pub fn plan_from(site: &Site, node: &str, lookup: &Lookup) -> DeletePlan {
    DeletePlan {
        domain: site.domain.clone(),
        node: node.to_string(),
        ip: site.ip.to_string(),
        container: lookup
            .ours
            .as_ref()
            .map(|c| (c.id.clone(), c.name.clone(), c.state.clone())),
        proxy_rule: true,
        left_alone: lookup
            .foreign
            .as_ref()
            .map(|(name, domain)| format!("{name} on {node} is labelled for {domain}")),
        service: None,
    }
}

/// Whose a container found for a site is (see [`judge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ours,
    /// Labelled for this other domain: never removed for this site.
    OtherDomain(String),
    /// Found by the derived name only, with no `fleetdeck.domain` label: fleetdeck did not
    /// create it (every container it makes is labelled), so it is not removed either.
    Unlabelled,
}

/// A container found by the row's recorded id is the site's unless labelled for another
/// domain (rows recorded by `inventory adopt` or a legacy import point at unlabelled
/// containers); one found by the derived name must carry this domain's label.
pub fn judge(site: &Site, found: &Found, by_recorded_id: bool) -> Verdict {
    match found.labels.get(labels::DOMAIN) {
        Some(d) if *d == site.domain => Verdict::Ours,
        Some(d) => Verdict::OtherDomain(d.clone()),
        None if by_recorded_id => Verdict::Ours,
        None => Verdict::Unlabelled,
    }
}

/// What [`find_container`] found on the node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    pub ours: Option<Found>,
    /// (name, domain) of a container under the site's name labelled for another domain.
    pub foreign: Option<(String, String)>,
}

impl DeletePlan {
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("delete site {} ({})", self.domain, self.ip)];
        if let Some(s) = &self.service {
            lines.push(s.line(&self.node));
        } else {
            self.container_lines(&mut lines);
        }
        if let Some(note) = &self.left_alone {
            lines.push(format!("  left alone {note}"));
        }
        lines.push("  inventory  its row is deleted".into());
        lines.push("  proxy      its rule goes at the next proxy rebuild".into());
        lines
    }

    fn container_lines(&self, lines: &mut Vec<String>) {
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

/// Find the site's container on its node: the recorded id first, then the derived name,
/// each judged by [`judge`]. An unlabelled container under the name is an error: it
/// might be the site's, recreated by hand, and deleting the row would orphan it.
pub async fn find_container(
    client: &DockerClient,
    site: &Site,
    node: &str,
    limit: Duration,
) -> Result<Lookup, DeleteError> {
    let unreachable = |StepError(why)| DeleteError::Unreachable {
        node: node.to_string(),
        why,
    };
    let name = validate::container_name_for(&site.domain);
    let mut candidates = Vec::new();
    if let Some(id) = &site.container_id {
        candidates.push((id.clone(), true));
    }
    candidates.push((name, false));
    let mut lookup = Lookup::default();
    for (candidate, by_id) in candidates {
        let Some(found) = docker_steps::inspect(client, &candidate, limit)
            .await
            .map_err(unreachable)?
        else {
            continue;
        };
        match judge(site, &found, by_id) {
            Verdict::Ours => {
                lookup.ours = Some(found);
                return Ok(lookup);
            }
            Verdict::OtherDomain(domain) => lookup.foreign = Some((found.name, domain)),
            Verdict::Unlabelled => {
                return Err(DeleteError::Unlabelled {
                    name: found.name,
                    node: node.to_string(),
                });
            }
        }
    }
    Ok(lookup)
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
    if let Some(row) = inventory.swarm_site(&site.domain)? {
        return service::plan(config, &site, &row, docker_for, limit).await;
    }
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
    let lookup = find_container(&client, &site, &node, limit).await?;
    Ok(plan_from(&site, &node, &lookup))
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
        params: json!({"node": plan.node, "ip": plan.ip, "container": plan.container.as_ref().map(|c| &c.1),
            "service": plan.service.as_ref().map(|s| &s.name)}),
        outcome: if result.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Failed
        },
        detail: Some(match &result {
            Ok(()) if plan.service.is_some() => "service and row removed".into(),
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
    let grace = || {
        Duration::from_secs(
            crate::contract::docker::STOP_GRACE_SECS
                .unsigned_abs()
                .into(),
        )
    };
    if let Some(s) = &plan.service {
        service::remove(s, &plan.node, docker, progress, limit).await?;
    }
    if let Some((id, name, _)) = &plan.container {
        progress.step(&format!(
            "stopping and removing container {name} on {}",
            plan.node
        ));
        match docker_steps::stop_and_remove(docker, id, grace(), limit).await {
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

mod service;

#[cfg(test)]
mod tests;
