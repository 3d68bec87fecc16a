//! Applying a swarm site's create on a manager: reserve the row, its address and its port
//! (one transaction) → image → overlay network → service → its tasks run (`settle`) →
//! activate. A failure after the service exists (a task that cannot bind its port on a
//! node included) removes it, so no service runs without its row, and the row (with its
//! port) is freed; a service whose removal cannot be confirmed keeps its row pending.

use std::net::Ipv4Addr;
use std::time::Duration;

use super::apply::{ApplyLimits, CreateError, CreateOutcome};
use super::settle::{self, Settled};
use super::{CreatePlan, ServicePlan};
use crate::inventory::{
    Inventory, PortClaim, Reservation, ReserveError, Site, SiteState, SwarmSite,
};
use crate::ops::docker_steps::{self, Removal, StepError};
use crate::ops::{Progress, labels, swarm_steps};
use crate::transport::docker::DockerClient;

pub(super) async fn run(
    plan: &CreatePlan,
    service: &ServicePlan,
    inventory: &mut Inventory,
    docker: &DockerClient,
    progress: &dyn Progress,
    limits: ApplyLimits,
) -> Result<CreateOutcome, CreateError> {
    let limit = limits.docker_call;
    let held = swarm_steps::published_ports(docker, limit)
        .await
        .map_err(|StepError(cause)| CreateError::Step {
            cause,
            undo: "nothing was changed".into(),
        })?;
    progress.step(&format!(
        "reserving {} on VLAN {} and port {} on swarm {}",
        plan.ip, plan.vlan, service.published_port, service.swarm
    ));
    let (site, port_row, planned_ip_taken) = reserve(plan, service, inventory, held)?;
    if port_row.published_port != service.published_port {
        progress.step(&format!(
            "port {} is in use (by another site or a service of the swarm); using {}",
            service.published_port, port_row.published_port
        ));
    }
    let mut plan = plan.clone();
    plan.ip = site.ip;
    let mut done = Done::default();
    match docker_part(
        &plan,
        service,
        port_row.published_port,
        docker,
        progress,
        limits,
        &mut done,
    )
    .await
    {
        Ok(id) => {
            match settle::wait(
                docker,
                &id,
                service,
                port_row.published_port,
                progress,
                limit,
                settle::SETTLE_LIMIT,
            )
            .await
            {
                Settled::Running => {}
                Settled::Slow(why) => progress.step(&format!(
                    "  · {why}: the service stays and the swarm keeps placing it; `fleetdeck check` reports it while it is degraded"
                )),
                Settled::Blocked { node, error } => {
                    let cause = format!(
                        "port {} is taken on node {node} by something outside the swarm ({error}): free it there, or widen the VLAN's ports",
                        port_row.published_port
                    );
                    progress.step(&format!("failed: {cause}"));
                    let undo = undo(&plan, service, inventory, docker, progress, limit, &done).await;
                    return Err(CreateError::Step { cause, undo });
                }
            }
            progress.step("recording the site as active");
            if inventory.activate_site(&plan.domain, &id)? {
                progress.step(&format!(
                    "created service {} ({} replicas) publishing port {} on swarm {}",
                    service.name, service.replicas, port_row.published_port, service.swarm
                ));
                return Ok(CreateOutcome {
                    site: Site {
                        container_id: Some(id.clone()),
                        state: SiteState::Active,
                        ..site
                    },
                    container_id: id,
                    planned_ip_taken,
                    network_created: done.network_created,
                    published_port: Some(port_row.published_port),
                });
            }
            let cause = format!(
                "the pending row of {} vanished during the create",
                plan.domain
            );
            let undo = undo(&plan, service, inventory, docker, progress, limit, &done).await;
            Err(CreateError::Step { cause, undo })
        }
        Err(StepError(cause)) => {
            progress.step(&format!("failed: {cause}"));
            let undo = undo(&plan, service, inventory, docker, progress, limit, &done).await;
            Err(CreateError::Step { cause, undo })
        }
    }
}

fn reserve(
    plan: &CreatePlan,
    service: &ServicePlan,
    inventory: &mut Inventory,
    held_ports: Vec<u16>,
) -> Result<(Site, SwarmSite, Option<Ipv4Addr>), CreateError> {
    let mut request = Reservation {
        domain: plan.domain.clone(),
        login: plan.login.clone(),
        vlan: plan.vlan,
        node: plan.node.clone(),
        image: plan.image.clone(),
        port: plan.port,
        ip: Some(plan.ip),
        held_live: Vec::new(),
    };
    let claim = PortClaim {
        swarm: service.swarm.clone(),
        service: service.name.clone(),
        range: service.ports,
        port: service.published_port,
        held_live: held_ports,
    };
    let conflict = |e: ReserveError| match e {
        ReserveError::Inventory(e) => CreateError::Inventory(e),
        other => CreateError::Conflict(other.to_string()),
    };
    match inventory.reserve_pending_service(&request, &plan.pool, &claim) {
        Ok((site, row)) => Ok((site, row, None)),
        Err(ReserveError::IpTaken { .. }) => {
            request.ip = None;
            let (site, row) = inventory
                .reserve_pending_service(&request, &plan.pool, &claim)
                .map_err(conflict)?;
            Ok((site, row, Some(plan.ip)))
        }
        Err(e) => Err(conflict(e)),
    }
}

#[derive(Default)]
struct Done {
    network_created: bool,
    /// A create call was sent: the service may exist even if the call failed.
    service_attempted: bool,
    service_id: Option<String>,
}

async fn docker_part(
    plan: &CreatePlan,
    service: &ServicePlan,
    port: u16,
    docker: &DockerClient,
    progress: &dyn Progress,
    limits: ApplyLimits,
    done: &mut Done,
) -> Result<String, StepError> {
    let limit = limits.docker_call;
    progress.step(&format!("checking image {} on {}", plan.image, plan.node));
    docker_steps::check_image(docker, &plan.image, &plan.node, limit).await?;
    progress.step(&format!(
        "making sure overlay network {} exists on swarm {}",
        plan.network.name, service.swarm
    ));
    done.network_created =
        swarm_steps::ensure_overlay(docker, &plan.network, plan.vlan, limit).await?;
    if done.network_created {
        progress.step(&format!(
            "created overlay network {} ({})",
            plan.network.name, plan.network.subnet
        ));
    }
    progress.step(&format!("creating service {}", service.name));
    done.service_attempted = true;
    let spec = swarm_steps::service_spec(plan, service, port);
    let id = swarm_steps::create_service(docker, spec, limit).await?;
    done.service_id = Some(id.clone());
    Ok(id)
}

/// Undo in reverse order; returns what the undo did, in words.
async fn undo(
    plan: &CreatePlan,
    service: &ServicePlan,
    inventory: &Inventory,
    docker: &DockerClient,
    progress: &dyn Progress,
    limit: Duration,
    done: &Done,
) -> String {
    if done.service_attempted {
        progress.step(&format!("undo: removing service {}", service.name));
        if let Removal::Unknown(why) = remove_ours(plan, service, docker, done, limit).await {
            return format!(
                "could not confirm service {} is gone ({why}); its row stays pending: remove the service (docker service rm {}) and delete the site",
                service.name, service.name
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
        "undo: releasing {} on VLAN {} and its port",
        plan.ip, plan.vlan
    ));
    super::apply::release_pending(inventory, &plan.domain, notes)
}

/// Remove the service this create made, never one it did not: by the id the engine gave,
/// else by name only when it carries this site's labels.
async fn remove_ours(
    plan: &CreatePlan,
    service: &ServicePlan,
    docker: &DockerClient,
    done: &Done,
    limit: Duration,
) -> Removal {
    if let Some(id) = &done.service_id {
        return swarm_steps::remove_service(docker, id, limit).await;
    }
    match swarm_steps::inspect_service(docker, &service.name, limit).await {
        Err(StepError(why)) => Removal::Unknown(why),
        Ok(None) => Removal::Absent,
        Ok(Some((id, found)))
            if labels::belong_to(&found, &plan.domain, &plan.login, plan.vlan) =>
        {
            swarm_steps::remove_service(docker, &id, limit).await
        }
        Ok(Some(_)) => Removal::Absent,
    }
}
