//! Adopt an orphan container (`fleetdeck inventory adopt`, `A` in the console): a live
//! container that no inventory row claims becomes a site. Nothing is sent to the node:
//! labels cannot be added to a live container, so the row records the container's id, and
//! check, delete and the tree find the site through it (README "Adopting a container").
//!
//! [`plan`] is pure: it takes what the engine listed and what the inventory holds, and
//! applies create's rules (validate/, the VLAN's pool, the inventory's uniqueness).
//! [`apply`] inserts the row and writes one audit row.

mod apply;

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;

use serde::Serialize;

use super::FailKind;
use super::create::{PlanError, pool_for};
use super::labels;
use crate::config::Config;
use crate::fleet::docker::ContainerInfo;
use crate::validate::{self, Invalid};

pub use apply::{AdoptError, apply, refused_params};

/// What the admin typed: both optional, labels fill the gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdoptRequest {
    pub login: Option<String>,
    pub domain: Option<String>,
}

/// The container as its engine listed it, on the node it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub node: String,
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
    /// Network name → its address there (empty when the engine gave none).
    pub networks: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

impl Candidate {
    pub fn from_info(node: &str, c: &ContainerInfo) -> Candidate {
        Candidate {
            node: node.to_string(),
            id: c.id.clone(),
            name: c.name.clone(),
            image: c.image.clone(),
            state: c.state.clone(),
            networks: c
                .networks
                .iter()
                .map(|n| (n.network.clone(), n.ip.clone().unwrap_or_default()))
                .collect(),
            labels: c.labels.clone(),
        }
    }

    /// `node/name`, the unambiguous spelling.
    pub fn qualified(&self) -> String {
        format!("{}/{}", self.node, self.name)
    }

    /// A label's value, when set and not blank.
    fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// What the inventory holds that the plan depends on.
pub struct InventoryView<'a> {
    pub domain_taken: &'a dyn Fn(&str) -> bool,
    pub used_ips: &'a dyn Fn(u16) -> HashSet<Ipv4Addr>,
    /// The domain of a row that already records this container id, if any.
    pub site_of_container: &'a dyn Fn(&str) -> Option<String>,
}

/// The row adopt will insert, shown before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdoptPlan {
    pub domain: String,
    pub login: String,
    pub vlan: u16,
    pub node: String,
    pub ip: Ipv4Addr,
    pub network: String,
    pub container_id: String,
    pub container: String,
    pub image: String,
    pub port: u16,
    /// Where login and domain came from: `label`, `flag`, or `flag = label`.
    pub login_from: &'static str,
    pub domain_from: &'static str,
}

/// Why a container cannot be adopted. All of them are the admin's to fix (exit 4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdoptPlanError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("no {what} for {container}: it has no {label} label; pass --{what}")]
    Missing {
        what: &'static str,
        label: &'static str,
        container: String,
    },
    #[error(
        "--{what} {flag:?} contradicts the container's label {label}={value:?}: labels cannot be changed on a live container, so adopt it under its label's {what} (leave out --{what})"
    )]
    Contradicts {
        what: &'static str,
        flag: String,
        label: &'static str,
        value: String,
    },
    #[error("container {container} is already recorded as site {domain}")]
    AlreadySite { container: String, domain: String },
    #[error(
        "container {container} is on {on}, none of them a VLAN network of node {node} ({vlans}): only a container on a configured VLAN's network can be a site"
    )]
    NotOnVlan {
        container: String,
        node: String,
        on: String,
        vlans: String,
    },
    #[error(
        "container {container} is on several VLAN networks ({on}); a site has one VLAN, so this one cannot be adopted as it is"
    )]
    SeveralVlans { container: String, on: String },
    #[error(
        "the container's label {label}={value:?} names no VLAN of node {node} whose network it is on"
    )]
    LabelVlan {
        label: &'static str,
        value: String,
        node: String,
    },
    #[error(
        "container {container} has no address on {network} (it is {state}): start it, then adopt it"
    )]
    NoAddress {
        container: String,
        network: String,
        state: String,
    },
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl AdoptPlanError {
    pub fn kind(&self) -> FailKind {
        FailKind::Invalid
    }
}

/// Decide the row for `c`, or why it cannot be one. Pure.
pub fn plan(
    config: &Config,
    req: &AdoptRequest,
    c: &Candidate,
    inv: &InventoryView<'_>,
) -> Result<AdoptPlan, AdoptPlanError> {
    if let Some(domain) = (inv.site_of_container)(&c.id) {
        return Err(AdoptPlanError::AlreadySite {
            container: c.qualified(),
            domain,
        });
    }
    let (login, login_from) = pick(c, "login", labels::LOGIN, req.login.as_deref())?;
    let login = validate::login(&login)?;
    let (domain, domain_from) = pick(c, "domain", labels::DOMAIN, req.domain.as_deref())?;
    let domain = validate::domain(&domain)?;
    let (vlan, network) = vlan_of(config, c)?;
    let raw_ip = c
        .networks
        .get(&network)
        .map(|ip| ip.trim())
        .filter(|ip| !ip.is_empty())
        .ok_or_else(|| AdoptPlanError::NoAddress {
            container: c.qualified(),
            network: network.clone(),
            state: c.state.clone(),
        })?;
    // The same rules as an address chosen with `create --ip`.
    let ip = validate::ip_in_subnet(raw_ip, vlan.subnet)?;
    if (inv.domain_taken)(&domain) {
        return Err(PlanError::DomainTaken(domain).into());
    }
    let pool = pool_for(vlan)?;
    if let Some(reason) = pool.unavailable(ip, &(inv.used_ips)(vlan.id)) {
        return Err(PlanError::IpUnavailable {
            ip,
            vlan: vlan.id,
            reason,
        }
        .into());
    }
    let image = validate::image(c.image.trim())?;
    Ok(AdoptPlan {
        domain,
        login,
        vlan: vlan.id,
        node: c.node.clone(),
        ip,
        network,
        container_id: c.id.clone(),
        container: c.name.clone(),
        image,
        port: config.containers.port,
        login_from,
        domain_from,
    })
}

/// The value of `what`: the flag, the label, or both when they agree. A flag that
/// contradicts a label is refused rather than preferred: the label stays on the container
/// for good, and check, delete and reconcile read it, so a row saying otherwise would be
/// reported against its own container (README "Adopting a container").
fn pick(
    c: &Candidate,
    what: &'static str,
    label: &'static str,
    flag: Option<&str>,
) -> Result<(String, &'static str), AdoptPlanError> {
    let flag = flag.map(str::trim).filter(|f| !f.is_empty());
    match (flag, c.label(label)) {
        (Some(f), Some(l)) if same(what, f, l) => Ok((f.to_string(), "flag = label")),
        (Some(f), Some(l)) => Err(AdoptPlanError::Contradicts {
            what,
            flag: f.to_string(),
            label,
            value: l.to_string(),
        }),
        (Some(f), None) => Ok((f.to_string(), "flag")),
        (None, Some(l)) => Ok((l.to_string(), "label")),
        (None, None) => Err(AdoptPlanError::Missing {
            what,
            label,
            container: c.qualified(),
        }),
    }
}

/// Domains compare as DNS names (case, final dot); logins exactly.
fn same(what: &str, a: &str, b: &str) -> bool {
    if what == "domain" {
        a.trim_end_matches('.')
            .eq_ignore_ascii_case(b.trim_end_matches('.'))
    } else {
        a == b
    }
}

/// The VLAN whose network on this node the container is on; its `fleetdeck.vlan` label,
/// when present, must name that same VLAN.
fn vlan_of<'a>(
    config: &'a Config,
    c: &Candidate,
) -> Result<(&'a crate::config::VlanConfig, String), AdoptPlanError> {
    let on_node: Vec<_> = config.vlans.iter().filter(|v| v.is_on(&c.node)).collect();
    let on: Vec<_> = on_node
        .iter()
        .filter(|v| c.networks.contains_key(&v.network_name()))
        .copied()
        .collect();
    if let Some(raw) = c.label(labels::VLAN) {
        let wanted = raw.parse::<u16>().ok();
        return on
            .iter()
            .find(|v| Some(v.id) == wanted)
            .map(|v| (*v, v.network_name()))
            .ok_or_else(|| AdoptPlanError::LabelVlan {
                label: labels::VLAN,
                value: raw.to_string(),
                node: c.node.clone(),
            });
    }
    match on.as_slice() {
        [one] => Ok((one, one.network_name())),
        [] => Err(AdoptPlanError::NotOnVlan {
            container: c.qualified(),
            node: c.node.clone(),
            on: if c.networks.is_empty() {
                "no network".into()
            } else {
                c.networks.keys().cloned().collect::<Vec<_>>().join(", ")
            },
            vlans: if on_node.is_empty() {
                "it has none in the config".into()
            } else {
                on_node
                    .iter()
                    .map(|v| format!("VLAN {} is {}", v.id, v.network_name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        }),
        several => Err(AdoptPlanError::SeveralVlans {
            container: c.qualified(),
            on: several
                .iter()
                .map(|v| v.network_name())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// [`plan`] against the inventory as it is now (the CLI and the console both plan so).
pub fn plan_from_inventory(
    config: &Config,
    req: &AdoptRequest,
    c: &Candidate,
    inventory: &crate::inventory::Inventory,
) -> Result<AdoptPlan, AdoptPlanError> {
    let sites = inventory.sites().unwrap_or_default();
    let taken = |d: &str| inventory.site(d).map(|s| s.is_some()).unwrap_or(false);
    let used = |vlan: u16| inventory.used_ips(vlan).unwrap_or_default();
    let of_container = |id: &str| {
        sites
            .iter()
            .find(|s| s.container_id.as_deref() == Some(id))
            .map(|s| s.domain.clone())
    };
    let view = InventoryView {
        domain_taken: &taken,
        used_ips: &used,
        site_of_container: &of_container,
    };
    plan(config, req, c, &view)
}

impl AdoptPlan {
    /// The plan as the lines shown before confirming.
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!(
                "adopt container {} on {} as site {} for {}",
                self.container, self.node, self.domain, self.login
            ),
            format!("  domain     {} (from {})", self.domain, self.domain_from),
            format!("  login      {} (from {})", self.login, self.login_from),
            format!(
                "  address    {} on VLAN {} (network {})",
                self.ip, self.vlan, self.network
            ),
            format!(
                "  container  {} ({}), image {}; left as it is",
                self.container,
                super::create::short(&self.container_id),
                self.image
            ),
            "  inventory  one active row; check then treats the container as this site".into(),
            format!(
                "  proxy      server_name {} → proxy_pass http://{}:{} at the next proxy rebuild",
                self.domain, self.ip, self.port
            ),
        ]
    }

    /// The audit row's parameters.
    pub fn params(&self) -> serde_json::Value {
        serde_json::json!({
            "login": self.login, "vlan": self.vlan, "node": self.node, "ip": self.ip.to_string(),
            "container": self.container, "container_id": self.container_id, "image": self.image,
        })
    }
}

#[cfg(test)]
mod tests;
