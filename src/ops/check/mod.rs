//! `check`: do the inventory, the live containers, DNS and the proxy agree? (the README's contracts)
//!
//! [`gather`] reads everything once, in parallel (one Docker listing per node, one read of
//! the proxy file, bounded concurrent DNS queries); [`findings::evaluate`] is pure and
//! turns what was read into findings; [`report`] prints them. Nothing here writes.

pub mod dns;
pub mod findings;
pub mod gather;
pub mod nginx;
pub mod nginx_upstreams;
pub mod report;

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use crate::config::Config;
use crate::fleet::docker::ContainerInfo;
use crate::inventory::Site;

pub use findings::evaluate;
pub use gather::read_swarms as read_swarm_states;
pub use nginx::ProxyRule;

/// The finding kinds of the README's contracts, in the order the text report groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    NodeUnreachable,
    MissingContainer,
    ContainerStopped,
    ContainerUnhealthy,
    IpMismatch,
    DuplicateIp,
    OrphanContainer,
    DnsMissing,
    DnsMismatch,
    ProxyMissing,
    ProxyStale,
    TerraformUnreachable,
    TerraformAddressChanged,
    TerraformUndeclared,
    ServiceDegraded,
    ServiceMissing,
    UpstreamStale,
    PortConflict,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NodeUnreachable => "node_unreachable",
            Kind::MissingContainer => "missing_container",
            Kind::ContainerStopped => "container_stopped",
            Kind::ContainerUnhealthy => "container_unhealthy",
            Kind::IpMismatch => "ip_mismatch",
            Kind::DuplicateIp => "duplicate_ip",
            Kind::OrphanContainer => "orphan_container",
            Kind::DnsMissing => "dns_missing",
            Kind::DnsMismatch => "dns_mismatch",
            Kind::ProxyMissing => "proxy_missing",
            Kind::ProxyStale => "proxy_stale",
            Kind::TerraformUnreachable => "terraform_unreachable",
            Kind::TerraformAddressChanged => "terraform_address_changed",
            Kind::TerraformUndeclared => "terraform_undeclared",
            Kind::ServiceDegraded => "service_degraded",
            Kind::ServiceMissing => "service_missing",
            Kind::UpstreamStale => "upstream_stale",
            Kind::PortConflict => "port_conflict",
        }
    }
}

/// How urgent a finding is. Errors: a site is (or may be) unreachable for its users, or
/// could not be checked. Warnings: something to tidy that does not break a running site
/// by itself (a stopped container is usually a deliberate stop; an orphan is clutter; a
/// failing healthcheck never is deliberate, so an error).
/// Info: reported, never counted as a problem (a create in flight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// What the console jumps to when a finding is selected: a node, and on it a container
/// (by name) or a site (by domain). Not part of the JSON contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub node: Option<String>,
    pub container: Option<String>,
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    pub domain: Option<String>,
    pub node: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: String,
    #[serde(skip)]
    pub target: Target,
}

impl Finding {
    /// A finding about nothing in particular yet; the builders below say what it is about.
    pub fn new(kind: Kind, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            kind,
            severity,
            domain: None,
            node: None,
            expected: None,
            actual: None,
            message: message.into(),
            target: Target::default(),
        }
    }

    pub fn domain<'a>(mut self, domain: impl Into<Option<&'a str>>) -> Finding {
        self.domain = domain.into().map(str::to_string);
        self
    }

    pub fn node<'a>(mut self, node: impl Into<Option<&'a str>>) -> Finding {
        self.node = node.into().map(str::to_string);
        self
    }

    pub fn expected(mut self, expected: impl Into<Option<String>>) -> Finding {
        self.expected = expected.into();
        self
    }

    pub fn actual(mut self, actual: impl Into<Option<String>>) -> Finding {
        self.actual = actual.into();
        self
    }

    pub fn target(mut self, target: Target) -> Finding {
        self.target = target;
        self
    }
}

/// `summary` of the README's contracts. `sites`: inventory rows. `ok`: active sites fully checked
/// with no finding about them. `problems`: findings of severity error or warning (so
/// `check` exits 1 exactly when it is not 0). `unreachable`: sites that could not be fully
/// checked because their node, the proxy node or the DNS servers did not answer; they are
/// never counted as ok. Pending rows (a create in flight) are in `sites` only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub sites: usize,
    pub ok: usize,
    pub problems: usize,
    pub unreachable: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub summary: Summary,
    /// Sorted by kind, then domain, node and message.
    pub findings: Vec<Finding>,
    /// Checks that were not run and why ("DNS not checked: no [dns] section").
    pub skipped: Vec<String>,
}

/// One node's containers, or why they could not be listed.
pub type NodeContainers = Result<Vec<ContainerInfo>, String>;

/// What one domain resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsAnswer {
    Addresses(Vec<IpAddr>),
    /// NXDOMAIN, or the name exists without an A record.
    NoRecord,
    /// The servers did not answer, or answered with an error (SERVFAIL, REFUSED...).
    Failed(String),
}

/// The DNS side of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsCheck {
    /// Not checked, and why.
    Skipped(String),
    Checked {
        /// The servers asked, for messages ("10.77.0.1:53").
        servers: String,
        expected: IpAddr,
        answers: BTreeMap<String, DnsAnswer>,
    },
}

/// The proxy side of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyCheck {
    /// Not checked, and why.
    Skipped(String),
    /// The proxy node could not be reached to read the file.
    Unreachable { node: String, error: String },
    /// The node answered but the file could not be read (permissions...).
    Unreadable {
        node: String,
        path: String,
        error: String,
    },
    /// The file as deployed; `None` when it does not exist (no rule at all).
    Read {
        node: String,
        path: String,
        rules: Option<Vec<ProxyRule>>,
    },
}

/// Everything [`evaluate`] needs, read beforehand by [`gather`].
#[derive(Debug, Clone)]
pub struct CheckInput<'a> {
    pub config: &'a Config,
    pub sites: &'a [Site],
    /// Containers of every node that hosts a VLAN or a site.
    pub nodes: BTreeMap<String, NodeContainers>,
    pub dns: DnsCheck,
    pub proxy: ProxyCheck,
    /// Nodes a Terraform state declares that `nodes` does not read: reached over SSH,
    /// or why not (README "Nodes from Terraform").
    pub reached: BTreeMap<String, Result<(), String>>,
    /// The HostName each SSH node's `ssh` resolves to through the ssh_config (`sshcfg`,
    /// as `ssh -G`): an alias is compared by where it leads (`terraform_address_changed`).
    pub hosts: BTreeMap<String, String>,
    /// Each `[[swarm]]`: the manager that answered and its cluster state, or why none did.
    pub swarms: BTreeMap<String, SwarmRead>,
    /// The inventory's swarm sites (README "Sites on a swarm").
    pub swarm_sites: Vec<crate::inventory::SwarmSite>,
    /// The deployed proxy file's `upstream` blocks (name → live servers), when it was read.
    pub upstreams: Option<BTreeMap<String, Vec<String>>>,
}

/// One `[[swarm]]` as `gather` read it: `(manager node, cluster)` or why not.
pub type SwarmRead = Result<(String, crate::swarm::ClusterState), String>;
