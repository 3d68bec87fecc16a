//! `[[vlan]]`: a subnet whose sites live on one node (containers on a bridge network) or
//! on a Docker Swarm (services on an overlay network, README "Sites on a swarm").

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VlanConfig {
    pub id: u16,
    /// The node whose engine holds the VLAN's containers; exactly one of `node`, `swarm`.
    pub node: Option<String>,
    /// The `[[swarm]]` whose services hold the VLAN's sites.
    pub swarm: Option<String>,
    pub subnet: Ipv4Net,
    pub gateway: Ipv4Addr,
    /// Addresses never allocated: single IPs, `a.b.c.d-a.b.c.e` ranges or CIDR blocks.
    #[serde(default)]
    pub reserved: Vec<String>,
    /// Linux bridge the Docker network uses; defaults to `fdvlan<id>`.
    pub bridge: Option<String>,
    /// Docker network name; defaults to `vlan<id>`.
    pub network: Option<String>,
    /// Swarm VLANs: the ports sites are published on, one per site, on every node that
    /// runs one of its tasks.
    pub ports: Option<PortRange>,
    /// Swarm VLANs: how the port is published (host mode unless the kernel has IPVS).
    #[serde(default)]
    pub publish: Publish,
}

impl VlanConfig {
    pub fn bridge_name(&self) -> String {
        self.bridge
            .clone()
            .unwrap_or_else(|| format!("fdvlan{}", self.id))
    }

    pub fn network_name(&self) -> String {
        self.network
            .clone()
            .unwrap_or_else(|| format!("vlan{}", self.id))
    }

    /// The node of a node VLAN; `None` on a swarm VLAN.
    pub fn node_name(&self) -> Option<&str> {
        self.node.as_deref()
    }

    pub fn is_on(&self, node: &str) -> bool {
        self.node.as_deref() == Some(node)
    }
}

/// `publish`: host mode (each task's node listens on the port itself) works everywhere;
/// ingress needs the routing mesh, hence IPVS in the kernel.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Publish {
    #[default]
    Host,
    Ingress,
}

impl Publish {
    pub fn as_str(self) -> &'static str {
        match self {
            Publish::Host => "host",
            Publish::Ingress => "ingress",
        }
    }
}

/// `ports = "20000-20999"`: inclusive, both ends between 1 and 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub fn contains(&self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }

    /// The lowest port of the range not in `used`.
    pub fn first_free(&self, used: &std::collections::HashSet<u16>) -> Option<u16> {
        (self.first..=self.last).find(|p| !used.contains(p))
    }

    pub fn len(&self) -> usize {
        usize::from(self.last - self.first) + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl From<PortRange> for String {
    fn from(r: PortRange) -> String {
        r.to_string()
    }
}

impl TryFrom<String> for PortRange {
    type Error = String;

    fn try_from(raw: String) -> Result<PortRange, String> {
        let bad = || format!("ports {raw:?} must be FIRST-LAST, two ports from 1 to 65535");
        let (a, b) = raw.trim().split_once('-').ok_or_else(bad)?;
        let first: u16 = a.trim().parse().map_err(|_| bad())?;
        let last: u16 = b.trim().parse().map_err(|_| bad())?;
        if first == 0 || last == 0 {
            return Err(bad());
        }
        if first > last {
            return Err(format!("ports {raw:?}: the first port is above the last"));
        }
        Ok(PortRange { first, last })
    }
}

#[cfg(test)]
mod tests {
    use super::PortRange;

    #[test]
    fn a_range_is_two_ports_in_order() {
        let r = PortRange::try_from("20000-20999".to_string()).expect("range");
        assert_eq!((r.first, r.last, r.len()), (20000, 20999, 1000));
        assert!(r.contains(20000) && r.contains(20999) && !r.contains(21000));
        assert_eq!(r.to_string(), "20000-20999");
        for bad in ["20000", "0-10", "10-70000", "b-c", "30-20", ""] {
            assert!(PortRange::try_from(bad.to_string()).is_err(), "{bad}");
        }
        let used = std::collections::HashSet::from([20000, 20001]);
        assert_eq!(r.first_free(&used), Some(20002));
        let one = PortRange::try_from("5-5".to_string()).expect("one");
        assert_eq!(one.first_free(&std::collections::HashSet::from([5])), None);
    }
}
