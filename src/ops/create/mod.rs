//! Create a site's container (`c` in the console, `fleetdeck create`): a pure [`plan`]
//! that validates the request against the config and the inventory, then [`apply`], which
//! reserves the row, makes sure the VLAN's network exists, creates and starts the
//! container, and undoes all of it when a step fails.

mod apply;
pub mod routed;
mod service;
mod service_apply;
pub mod settle;

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;

use super::FailKind;
use crate::config::{Config, VlanConfig, check::parse_reserved};
use crate::inventory::ipam::{IpamError, Pool};
use crate::validate::{self, Invalid};

pub use apply::{ApplyLimits, CreateError, CreateOutcome, apply, short};
pub use service::{MAX_REPLICAS, ServicePlan};

/// What the admin asked for, as typed (the form or the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateRequest {
    pub login: String,
    pub vlan: String,
    pub domain: String,
    /// Empty: the VLAN's node.
    pub node: Option<String>,
    /// Empty: `[containers] image`.
    pub image: Option<String>,
    /// Empty: the first free address of the VLAN; else this one, checked the same way.
    pub ip: Option<String>,
    /// Tasks of a site on a swarm VLAN; empty: `[containers] replicas`.
    pub replicas: Option<u32>,
}

/// The Docker network a VLAN maps to on its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkSpec {
    pub name: String,
    pub bridge: String,
    pub subnet: Ipv4Net,
    pub gateway: Ipv4Addr,
}

/// Everything the create will do, shown before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatePlan {
    pub domain: String,
    pub login: String,
    pub vlan: u16,
    pub node: String,
    pub network: NetworkSpec,
    /// The address the plan allocates; apply takes the next free one if another admin
    /// took it meanwhile, and says so (unless the admin chose it: then apply refuses).
    pub ip: Ipv4Addr,
    /// The admin chose `ip` (`--ip`): never replaced by another.
    pub ip_chosen: bool,
    pub container: String,
    pub labels: BTreeMap<String, String>,
    pub image: String,
    pub port: u16,
    pub restart: &'static str,
    /// The nginx rule the site gets at the next proxy rebuild.
    pub proxy_rule: String,
    #[serde(skip)]
    pub pool: Pool,
    /// Addresses the deployed proxy file still routes to (see `routed.rs`): never taken.
    /// Filled by the caller before apply; empty when there is no proxy to ask.
    #[serde(skip)]
    pub routed: Vec<Ipv4Addr>,
    /// Set on a swarm VLAN: the site is a service, `node` is the manager asked.
    pub service: Option<ServicePlan>,
}

/// Why a request cannot become a plan. All of them are the user's to fix (exit 4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("unknown VLAN {vlan}: the config defines {known}")]
    UnknownVlan { vlan: u16, known: String },
    #[error("unknown node {0:?}: it is not a [[node]] of the config")]
    UnknownNode(String),
    #[error("node {0} has docker = \"none\": containers need a node with a Docker engine")]
    NoDocker(String),
    #[error("no image given: pass --image or set [containers] image in the config")]
    NoImage,
    #[error("domain {0} is already in the inventory")]
    DomainTaken(String),
    #[error("VLAN {vlan}: {source}")]
    Ipam {
        vlan: u16,
        #[source]
        source: IpamError,
    },
    #[error("address {ip} cannot be used on VLAN {vlan}: it {reason}")]
    IpUnavailable {
        ip: Ipv4Addr,
        vlan: u16,
        reason: &'static str,
    },
    #[error("{0}")]
    Swarm(String),
    #[error("VLAN {vlan}: {source}")]
    Ports {
        vlan: u16,
        #[source]
        source: service::PortsExhausted,
    },
    #[error("VLAN {vlan}: reserved entry {entry:?}: {reason}")]
    Reserved {
        vlan: u16,
        entry: String,
        reason: String,
    },
}

impl PlanError {
    pub fn kind(&self) -> FailKind {
        FailKind::Invalid
    }
}

/// What the inventory holds that a plan depends on.
pub struct InventoryView<'a> {
    pub domain_taken: &'a dyn Fn(&str) -> bool,
    pub used_ips: &'a dyn Fn(u16) -> HashSet<Ipv4Addr>,
    /// Published ports the inventory's swarm sites hold, by swarm name.
    pub used_ports: &'a dyn Fn(&str) -> HashSet<u16>,
}

/// The address pool of a VLAN from its config.
pub fn pool_for(vlan: &VlanConfig) -> Result<Pool, PlanError> {
    let reserved = vlan
        .reserved
        .iter()
        .map(|entry| {
            parse_reserved(entry, vlan.subnet).map_err(|reason| PlanError::Reserved {
                vlan: vlan.id,
                entry: entry.clone(),
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Pool {
        subnet: vlan.subnet,
        gateway: vlan.gateway,
        reserved,
    })
}

/// Validate the request and work out every detail of the create. Pure.
pub fn plan(
    config: &Config,
    req: &CreateRequest,
    inv: &InventoryView<'_>,
) -> Result<CreatePlan, PlanError> {
    let login = validate::login(req.login.trim())?;
    let domain = validate::domain(req.domain.trim())?;
    let vlan_id = validate::vlan_text(req.vlan.trim())?;
    let vlan = config
        .vlans
        .iter()
        .find(|v| v.id == vlan_id)
        .ok_or_else(|| PlanError::UnknownVlan {
            vlan: vlan_id,
            known: known_vlans(config),
        })?;
    let swarm = service::placement(config, req, vlan)?;
    let node_name = match (
        &swarm,
        req.node.as_deref().map(str::trim).filter(|n| !n.is_empty()),
    ) {
        (Some(s), _) => s.manager.clone(),
        (None, Some(n)) => validate::node_name(n)?,
        (None, None) => vlan.node.clone().unwrap_or_default(),
    };
    let node = config
        .nodes
        .iter()
        .find(|n| n.name == node_name)
        .ok_or_else(|| PlanError::UnknownNode(node_name.clone()))?;
    if matches!(node.docker, Some(crate::config::DockerEndpoint::None)) {
        return Err(PlanError::NoDocker(node_name));
    }
    let image = match req
        .image
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        Some(i) => validate::image(i)?,
        None => validate::image(
            config
                .containers
                .image
                .as_deref()
                .ok_or(PlanError::NoImage)?,
        )?,
    };
    if (inv.domain_taken)(&domain) {
        return Err(PlanError::DomainTaken(domain));
    }
    let pool = pool_for(vlan)?;
    let used = (inv.used_ips)(vlan_id);
    let chosen = req.ip.as_deref().map(str::trim).filter(|i| !i.is_empty());
    let ip = match chosen {
        Some(raw) => {
            let ip = validate::ip_in_subnet(raw, vlan.subnet)?;
            if let Some(reason) = pool.unavailable(ip, &used) {
                return Err(PlanError::IpUnavailable {
                    ip,
                    vlan: vlan_id,
                    reason,
                });
            }
            ip
        }
        None => pool.first_free(&used).map_err(|source| PlanError::Ipam {
            vlan: vlan_id,
            source,
        })?,
    };
    let port = config.containers.port;
    let service = match swarm {
        Some(s) => Some(service::plan(
            s,
            &domain,
            vlan,
            (inv.used_ports)(&vlan_swarm(vlan)),
        )?),
        None => None,
    };
    let proxy_rule = match &service {
        Some(s) => format!(
            "server_name {domain} → upstream of the nodes running its tasks, port {}",
            s.published_port
        ),
        None => format!("server_name {domain} → proxy_pass http://{ip}:{port}"),
    };
    Ok(CreatePlan {
        container: validate::container_name_for(&domain),
        labels: super::labels::for_site(&domain, &login, vlan_id)
            .into_iter()
            .collect(),
        proxy_rule,
        network: NetworkSpec {
            name: vlan.network_name(),
            bridge: vlan.bridge_name(),
            subnet: vlan.subnet,
            gateway: vlan.gateway,
        },
        domain,
        login,
        vlan: vlan_id,
        node: node_name,
        ip,
        ip_chosen: chosen.is_some(),
        image,
        port,
        pool,
        routed: Vec::new(),
        restart: if service.is_some() {
            "on-failure"
        } else {
            "unless-stopped"
        },
        service,
    })
}

fn vlan_swarm(vlan: &VlanConfig) -> String {
    vlan.swarm.clone().unwrap_or_default()
}

/// [`plan`] against the inventory as it is now (the CLI and the console both plan so).
pub fn plan_from_inventory(
    config: &Config,
    req: &CreateRequest,
    inventory: &crate::inventory::Inventory,
) -> Result<CreatePlan, PlanError> {
    let taken = |d: &str| inventory.site(d).map(|s| s.is_some()).unwrap_or(false);
    let used = |vlan: u16| inventory.used_ips(vlan).unwrap_or_default();
    let ports = |swarm: &str| inventory.used_ports(swarm).unwrap_or_default();
    let view = InventoryView {
        domain_taken: &taken,
        used_ips: &used,
        used_ports: &ports,
    };
    plan(config, req, &view)
}

/// The VLAN ids the config defines, as an unknown VLAN's error lists them.
pub fn known_vlans(config: &Config) -> String {
    if config.vlans.is_empty() {
        return "no VLAN: add a [[vlan]] table".into();
    }
    let ids: Vec<String> = config.vlans.iter().map(|v| v.id.to_string()).collect();
    ids.join(", ")
}

impl CreatePlan {
    /// The plan as the lines shown before confirming.
    pub fn lines(&self) -> Vec<String> {
        if let Some(service) = &self.service {
            return service::lines(self, service);
        }
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        vec![
            format!(
                "create site {} for {} on VLAN {}",
                self.domain, self.login, self.vlan
            ),
            format!("  node       {}", self.node),
            format!(
                "  network    {} (bridge {}, subnet {}, gateway {}; created if missing)",
                self.network.name, self.network.bridge, self.network.subnet, self.network.gateway
            ),
            format!(
                "  address    {}{}",
                self.ip,
                if self.ip_chosen { " (chosen)" } else { "" }
            ),
            format!("  container  {} (restart {})", self.container, self.restart),
            format!("  image      {}", self.image),
            format!("  labels     {}", labels.join(" ")),
            format!("  proxy      {}", self.proxy_rule),
        ]
    }
}

#[cfg(test)]
mod tests;
