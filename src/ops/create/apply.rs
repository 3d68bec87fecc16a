//! Applying a create plan: reserve → image → network → container → start → activate.
//! Each step is reported; a failure undoes what was done, and what cannot be undone
//! (the node stopped answering) is left as a `pending` row for start-up reconciliation,
//! never as an untracked container.

use std::net::Ipv4Addr;
use std::time::Duration;

use serde_json::json;

use super::CreatePlan;
use crate::actor::Actor;
use crate::inventory::{
    AuditRecord, Inventory, InventoryError, Outcome, Reservation, ReserveError, Site, SiteState,
};
use crate::ops::docker_steps::{self, Removal, StepError};
use crate::ops::{FailKind, Progress, labels, pending};
use crate::transport::docker::DockerClient;

/// Time limits of one create.
#[derive(Debug, Clone, Copy)]
pub struct ApplyLimits {
    /// Each Docker call (inspect, create, start, remove).
    pub docker_call: Duration,
}

impl Default for ApplyLimits {
    fn default() -> Self {
        ApplyLimits {
            docker_call: crate::contract::docker::CALL,
        }
    }
}

/// A finished create.
#[derive(Debug, Clone)]
pub struct CreateOutcome {
    pub site: Site,
    pub container_id: String,
    /// Set when the planned address was taken meanwhile and another was used.
    pub planned_ip_taken: Option<Ipv4Addr>,
    pub network_created: bool,
    /// A swarm site's published port (README "Sites on a swarm").
    pub published_port: Option<u16>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Conflict(String),
    #[error("cannot record the site: {0}")]
    Inventory(#[from] InventoryError),
    #[error("{cause}; {undo}")]
    Step { cause: String, undo: String },
}

impl CreateError {
    pub fn kind(&self) -> FailKind {
        match self {
            CreateError::Conflict(_) => FailKind::Invalid,
            CreateError::Inventory(_) | CreateError::Step { .. } => FailKind::Failed,
        }
    }
}

/// Run the plan. Writes one audit row (`create`), whatever the outcome.
pub async fn apply(
    plan: &CreatePlan,
    inventory: &mut Inventory,
    docker: &DockerClient,
    actor: &Actor,
    progress: &dyn Progress,
    limits: ApplyLimits,
) -> Result<CreateOutcome, CreateError> {
    let result = run(plan, inventory, docker, progress, limits).await;
    let (outcome, detail) = match &result {
        Ok(done) => (
            Outcome::Ok,
            match done.published_port {
                Some(port) => format!("service {} on port {port}", short(&done.container_id)),
                None => format!(
                    "container {} at {}",
                    short(&done.container_id),
                    done.site.ip
                ),
            },
        ),
        Err(e @ CreateError::Conflict(_)) => (Outcome::Refused, e.to_string()),
        Err(e) => (Outcome::Failed, e.to_string()),
    };
    let ip = result.as_ref().map(|d| d.site.ip).unwrap_or(plan.ip);
    let mut params = json!({
        "login": plan.login, "vlan": plan.vlan, "node": plan.node,
        "image": plan.image, "ip": ip.to_string(),
    });
    if let (Some(service), Some(map)) = (&plan.service, params.as_object_mut()) {
        let port = result
            .as_ref()
            .ok()
            .and_then(|d| d.published_port)
            .unwrap_or(service.published_port);
        map.insert("swarm".into(), json!(service.swarm));
        map.insert("service".into(), json!(service.name));
        map.insert("replicas".into(), json!(service.replicas));
        map.insert("published_port".into(), json!(port));
    }
    let record = AuditRecord {
        action: "create".into(),
        target: Some(plan.domain.clone()),
        params,
        outcome,
        detail: Some(detail),
    };
    if let Err(e) = inventory.record_audit(actor, &record) {
        tracing::error!(error = %e, domain = %plan.domain, "cannot write the audit row of a create");
    }
    result
}

async fn run(
    plan: &CreatePlan,
    inventory: &mut Inventory,
    docker: &DockerClient,
    progress: &dyn Progress,
    limits: ApplyLimits,
) -> Result<CreateOutcome, CreateError> {
    // Held until the create ends, so reconciliation elsewhere leaves this row alone.
    let _owner = pending::claim(inventory.path(), &plan.domain)
        .map_err(|e| CreateError::Conflict(format!("cannot create {}: {e}", plan.domain)))?;
    if let Some(service) = &plan.service {
        return super::service_apply::run(plan, service, inventory, docker, progress, limits).await;
    }
    let mut held_live = held_on_network(docker, &plan.network.name, limits).await?;
    if plan.ip_chosen && held_live.contains(&plan.ip) {
        return Err(CreateError::Conflict(format!(
            "address {} is held by a live container on network {}; nothing was changed",
            plan.ip, plan.network.name
        )));
    }
    if plan.ip_chosen && plan.routed.contains(&plan.ip) {
        return Err(CreateError::Conflict(format!(
            "the deployed proxy still routes a site to {}: apply the proxy first (fleetdeck proxy apply); nothing was changed",
            plan.ip
        )));
    }
    held_live.extend(plan.routed.iter().copied());
    progress.step(&format!("reserving {} on VLAN {}", plan.ip, plan.vlan));
    let (site, planned_ip_taken) = reserve(plan, inventory, held_live)?;
    if planned_ip_taken.is_some() {
        progress.step(&format!(
            "{} is in use (by a live container, another admin's create, or a rule the deployed proxy still has); using {}",
            plan.ip, site.ip
        ));
    }
    let mut plan = plan.clone();
    plan.ip = site.ip;
    let mut done = Done::default();
    match docker_part(&plan, docker, progress, limits, &mut done).await {
        Ok(container_id) => {
            progress.step("recording the site as active");
            if inventory.activate_site(&plan.domain, &container_id)? {
                let site = Site {
                    container_id: Some(container_id.clone()),
                    state: SiteState::Active,
                    ..site
                };
                progress.step(&format!(
                    "created {} at {} on {}",
                    plan.container, site.ip, plan.node
                ));
                return Ok(CreateOutcome {
                    site,
                    container_id,
                    planned_ip_taken,
                    network_created: done.network_created,
                    published_port: None,
                });
            }
            let cause = format!(
                "the pending row of {} vanished during the create",
                plan.domain
            );
            let undo = undo(&plan, inventory, docker, progress, limits, &done).await;
            Err(CreateError::Step { cause, undo })
        }
        Err(StepError(cause)) => {
            progress.step(&format!("failed: {cause}"));
            let undo = undo(&plan, inventory, docker, progress, limits, &done).await;
            Err(CreateError::Step { cause, undo })
        }
    }
}

/// The addresses containers hold on the network now (none when it does not exist yet).
/// Asked before reserving, so a container started by hand outside fleetdeck is never
/// given a twin.
async fn held_on_network(
    docker: &DockerClient,
    network: &str,
    limits: ApplyLimits,
) -> Result<Vec<Ipv4Addr>, CreateError> {
    let asked = tokio::time::timeout(
        limits.docker_call,
        docker.get_json(&format!("/networks/{network}")),
    )
    .await;
    let record = match asked {
        Ok(Ok(record)) => record,
        Ok(Err(crate::transport::DockerError::Status { status: 404, .. })) => return Ok(Vec::new()),
        Ok(Err(e)) => {
            return Err(CreateError::Step {
                cause: format!("cannot read network {network}: {e}"),
                undo: "nothing was changed".into(),
            });
        }
        Err(_) => {
            return Err(CreateError::Step {
                cause: format!(
                    "network {network}: no answer within {:?}",
                    limits.docker_call
                ),
                undo: "nothing was changed".into(),
            });
        }
    };
    Ok(live_addresses(&record))
}

/// `Containers.*.IPv4Address` ("10.2.0.12/24") of a network record.
fn live_addresses(record: &serde_json::Value) -> Vec<Ipv4Addr> {
    record
        .get("Containers")
        .and_then(|c| c.as_object())
        .map(|containers| {
            containers
                .values()
                .filter_map(|c| c.get("IPv4Address")?.as_str())
                .filter_map(|a| a.split('/').next()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn reserve(
    plan: &CreatePlan,
    inventory: &mut Inventory,
    held_live: Vec<Ipv4Addr>,
) -> Result<(Site, Option<Ipv4Addr>), CreateError> {
    let mut request = Reservation {
        domain: plan.domain.clone(),
        login: plan.login.clone(),
        vlan: plan.vlan,
        node: plan.node.clone(),
        image: plan.image.clone(),
        port: plan.port,
        ip: Some(plan.ip),
        held_live,
    };
    match inventory.reserve_pending(&request, &plan.pool) {
        Ok(site) => Ok((site, None)),
        Err(ReserveError::IpTaken { .. }) if !plan.ip_chosen => {
            request.ip = None;
            let site = inventory
                .reserve_pending(&request, &plan.pool)
                .map_err(conflict)?;
            Ok((site, Some(plan.ip)))
        }
        Err(e) => Err(conflict(e)),
    }
}

fn conflict(e: ReserveError) -> CreateError {
    match e {
        ReserveError::Inventory(e) => CreateError::Inventory(e),
        other => CreateError::Conflict(other.to_string()),
    }
}

#[cfg(test)]
mod live_tests {
    #[test]
    fn addresses_held_on_a_network_are_read_from_its_record() {
        let record = serde_json::json!({
            "Name": "vlan100",
            "Containers": {
                "abc": { "Name": "fd-a", "IPv4Address": "10.2.0.12/24" },
                "def": { "Name": "hand-made", "IPv4Address": "10.2.0.13/24" },
                "ghi": { "Name": "no-ip", "IPv4Address": "" }
            }
        });
        let mut got = super::live_addresses(&record);
        got.sort();
        assert_eq!(
            got,
            [
                "10.2.0.12".parse::<std::net::Ipv4Addr>().expect("ip"),
                "10.2.0.13".parse().expect("ip")
            ]
        );
        assert!(super::live_addresses(&serde_json::json!({})).is_empty());
    }
}

/// What the Docker part got done, for the undo.
#[derive(Default)]
struct Done {
    network_created: bool,
    /// A create call was sent: the container may exist even if the call failed.
    container_attempted: bool,
    /// The id, once the engine confirmed the create.
    container_id: Option<String>,
}

async fn docker_part(
    plan: &CreatePlan,
    docker: &DockerClient,
    progress: &dyn Progress,
    limits: ApplyLimits,
    done: &mut Done,
) -> Result<String, StepError> {
    let limit = limits.docker_call;
    progress.step(&format!("checking image {} on {}", plan.image, plan.node));
    docker_steps::check_image(docker, &plan.image, &plan.node, limit).await?;
    progress.step(&format!(
        "making sure network {} exists on {}",
        plan.network.name, plan.node
    ));
    done.network_created =
        docker_steps::ensure_network(docker, &plan.network, plan.vlan, limit).await?;
    if done.network_created {
        progress.step(&format!(
            "created network {} ({})",
            plan.network.name, plan.network.subnet
        ));
    }
    progress.step(&format!("creating container {}", plan.container));
    done.container_attempted = true;
    let id = docker_steps::create_container(docker, plan, limit).await?;
    done.container_id = Some(id.clone());
    progress.step(&format!("starting container {}", plan.container));
    docker_steps::start_container(docker, &id, &plan.container, limit).await?;
    Ok(id)
}

/// Undo in reverse order; returns what the undo did, in words.
async fn undo(
    plan: &CreatePlan,
    inventory: &Inventory,
    docker: &DockerClient,
    progress: &dyn Progress,
    limits: ApplyLimits,
    done: &Done,
) -> String {
    let limit = limits.docker_call;
    if done.container_attempted {
        progress.step(&format!("undo: removing container {}", plan.container));
        if let Removal::Unknown(why) = remove_ours(plan, docker, done, limit).await {
            // The container may exist: keep the row pending so the next start adopts or
            // removes it, rather than forgetting a container that may be running.
            return format!(
                "could not confirm container {} is gone ({why}); its row stays pending and is reconciled at the next start",
                plan.container
            );
        }
    }
    let mut notes = Vec::new();
    if done.network_created {
        progress.step(&format!("undo: removing network {}", plan.network.name));
        if let Err(StepError(e)) =
            docker_steps::remove_network_if_unused(docker, &plan.network.name, limit).await
        {
            notes.push(format!(
                "network {} was left in place ({e})",
                plan.network.name
            ));
        }
    }
    progress.step(&format!(
        "undo: releasing {} on VLAN {}",
        plan.ip, plan.vlan
    ));
    release_pending(inventory, &plan.domain, notes)
}

/// The last undo step of a create (container or service): the pending row goes (and with
/// it a service's port); then what the undo could not do, said in one line.
pub(super) fn release_pending(
    inventory: &Inventory,
    domain: &str,
    mut notes: Vec<String>,
) -> String {
    if let Err(e) = inventory.delete_pending_site(domain) {
        notes.push(format!(
            "the pending row could not be deleted ({e}); it is reconciled at the next start"
        ));
    }
    if notes.is_empty() {
        "everything was undone".into()
    } else {
        format!("undone, except: {}", notes.join("; "))
    }
}

/// Remove the container this create made, and never one it did not: by the id the engine
/// gave, or else by name only when it carries this site's labels.
async fn remove_ours(
    plan: &CreatePlan,
    docker: &DockerClient,
    done: &Done,
    limit: Duration,
) -> Removal {
    if let Some(id) = &done.container_id {
        return docker_steps::remove_container(docker, id, limit).await;
    }
    match docker_steps::inspect(docker, &plan.container, limit).await {
        Err(StepError(why)) => Removal::Unknown(why),
        Ok(None) => Removal::Absent,
        Ok(Some(found))
            if labels::belong_to(&found.labels, &plan.domain, &plan.login, plan.vlan) =>
        {
            docker_steps::remove_container(docker, &found.id, limit).await
        }
        Ok(Some(_)) => Removal::Absent,
    }
}

pub fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
