//! The create of a site on a swarm VLAN (README "Sites on a swarm"), the pure part: the
//! site becomes a service `fd-<domain>` with its replicas, at most one task per node, its
//! port published on a port of the VLAN's range. Pure; applied by `service_apply.rs`.

use std::collections::HashSet;

use serde::Serialize;

use super::{CreatePlan, CreateRequest, PlanError};
use crate::config::{Config, PortRange, Publish, VlanConfig};
use crate::validate;

/// The most tasks one site may ask for (a typo of 1000 would fill every node's ports).
pub const MAX_REPLICAS: u32 = 100;

/// Where a swarm VLAN's site goes, from the config and the request.
pub struct Placement {
    pub swarm: String,
    /// The manager the create talks to: the first of `[[swarm]] managers`.
    pub manager: String,
    pub replicas: u32,
    pub ports: PortRange,
    pub publish: Publish,
}

/// What the service will be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePlan {
    pub swarm: String,
    pub name: String,
    pub replicas: u32,
    pub ports: PortRange,
    /// Planned from the inventory; apply takes the next free one if it was taken meanwhile.
    pub published_port: u16,
    pub publish: Publish,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no free port left in {range} ({used} held by sites or services): widen ports or delete a site"
)]
pub struct PortsExhausted {
    pub range: PortRange,
    pub used: usize,
}

/// `None` on a node VLAN. The flags that only make sense on one kind of VLAN are refused
/// on the other, naming the flag.
pub fn placement(
    config: &Config,
    req: &CreateRequest,
    vlan: &VlanConfig,
) -> Result<Option<Placement>, PlanError> {
    let typed = |v: &Option<String>| v.as_deref().map(str::trim).is_some_and(|s| !s.is_empty());
    let Some(swarm) = &vlan.swarm else {
        if req.replicas.is_some() {
            return Err(PlanError::Swarm(format!(
                "--replicas is for a swarm VLAN; VLAN {} holds containers on node {}",
                vlan.id,
                vlan.node.as_deref().unwrap_or_default()
            )));
        }
        return Ok(None);
    };
    if typed(&req.node) {
        return Err(PlanError::Swarm(format!(
            "VLAN {} is on swarm {swarm}, which places its sites: leave out --node",
            vlan.id
        )));
    }
    if typed(&req.ip) {
        return Err(PlanError::Swarm(format!(
            "VLAN {} is on swarm {swarm}: its sites are reached by node and port, leave out --ip",
            vlan.id
        )));
    }
    let replicas = req.replicas.unwrap_or(config.containers.replicas);
    if !(1..=MAX_REPLICAS).contains(&replicas) {
        return Err(PlanError::Swarm(format!(
            "--replicas {replicas}: give 1 to {MAX_REPLICAS}"
        )));
    }
    // Both checked at load time (config/vlan_check.rs); a config built in code may not be.
    let manager = config
        .swarms
        .iter()
        .find(|s| &s.name == swarm)
        .and_then(|s| s.managers.first())
        .ok_or_else(|| {
            PlanError::Swarm(format!(
                "VLAN {}: [[swarm]] {swarm} is missing or lists no managers",
                vlan.id
            ))
        })?;
    let ports = vlan.ports.ok_or_else(|| {
        PlanError::Swarm(format!(
            "VLAN {}: a swarm VLAN needs ports = \"A-B\"",
            vlan.id
        ))
    })?;
    Ok(Some(Placement {
        swarm: swarm.clone(),
        manager: manager.clone(),
        replicas,
        ports,
        publish: vlan.publish,
    }))
}

pub fn plan(
    p: Placement,
    domain: &str,
    vlan: &VlanConfig,
    used: HashSet<u16>,
) -> Result<ServicePlan, PlanError> {
    let published_port = p.ports.first_free(&used).ok_or(PlanError::Ports {
        vlan: vlan.id,
        source: PortsExhausted {
            range: p.ports,
            used: used.iter().filter(|u| p.ports.contains(**u)).count(),
        },
    })?;
    Ok(ServicePlan {
        swarm: p.swarm,
        name: validate::service_name_for(domain),
        replicas: p.replicas,
        ports: p.ports,
        published_port,
        publish: p.publish,
    })
}

pub fn lines(plan: &CreatePlan, s: &ServicePlan) -> Vec<String> {
    let labels: Vec<String> = plan
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    vec![
        format!(
            "create site {} for {} on VLAN {} (swarm {})",
            plan.domain, plan.login, plan.vlan, s.swarm
        ),
        format!("  manager    {}", plan.node),
        format!(
            "  network    {} (overlay, attachable, subnet {}, gateway {}; created if missing)",
            plan.network.name, plan.network.subnet, plan.network.gateway
        ),
        format!("  address    {} (the site's, on the VLAN)", plan.ip),
        format!(
            "  service    {} ({} replicas, at most one per node, restart {})",
            s.name, s.replicas, plan.restart
        ),
        format!(
            "  port       {} → {} ({} mode, from {})",
            s.published_port,
            plan.port,
            s.publish.as_str(),
            s.ports
        ),
        format!("  image      {}", plan.image),
        format!("  labels     {}", labels.join(" ")),
        format!("  proxy      {}", plan.proxy_rule),
    ]
}
