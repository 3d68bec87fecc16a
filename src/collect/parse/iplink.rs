//! Bridges from iproute2's JSON: `ip -j -d link show` (every link: bridges by their
//! `linkinfo.info_kind`, ports by their `master`) and `ip -j addr show` (addresses).

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::Value;

use super::{ParseError, json_error, snippet};
use crate::fleet::{Bridge, BridgePort, LinkState, PortKind};

const LINK: &str = "ip -j -d link show";
const ADDR: &str = "ip -j addr show";

/// One network interface of `ip -j -d link show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub ifname: String,
    /// `linkinfo.info_kind`: `bridge`, `veth`, `tun`, `vxlan`...; `None` for physical NICs
    /// and loopback.
    pub kind: Option<String>,
    /// For `tun` links, `tun` or `tap` (`linkinfo.info_data.type`).
    pub tun_type: Option<String>,
    /// The bridge (or bond) it is enslaved to.
    pub master: Option<String>,
    pub state: LinkState,
}

/// One interface of `ip -j addr show` with its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub ifname: String,
    pub addrs: Vec<IfAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfAddr {
    pub local: IpAddr,
    pub prefixlen: u8,
    /// `global`, `host`, `link`...
    pub scope: Option<String>,
}

impl IfAddr {
    /// `10.2.0.254/24`.
    pub fn cidr(&self) -> String {
        format!("{}/{}", self.local, self.prefixlen)
    }
}

#[derive(Deserialize)]
struct RawLink {
    ifname: Option<String>,
    operstate: Option<String>,
    master: Option<String>,
    linkinfo: Option<RawLinkInfo>,
}

#[derive(Deserialize)]
struct RawLinkInfo {
    info_kind: Option<String>,
    info_data: Option<Value>,
}

#[derive(Deserialize)]
struct RawInterface {
    ifname: Option<String>,
    #[serde(default)]
    addr_info: Vec<RawAddr>,
}

#[derive(Deserialize)]
struct RawAddr {
    local: Option<String>,
    prefixlen: Option<u8>,
    scope: Option<String>,
}

/// Parses `ip -j [-d] link show [...]`. Objects without `ifname` are skipped: some
/// iproute2 versions print `{}` for links they cannot describe.
pub fn parse_links(text: &str) -> Result<Vec<Link>, ParseError> {
    let raw: Vec<RawLink> = json_array(LINK, text)?;
    Ok(raw
        .into_iter()
        .filter_map(|l| {
            let info = l.linkinfo;
            let tun_type = info
                .as_ref()
                .and_then(|i| i.info_data.as_ref())
                .and_then(|d| d.get("type"))
                .and_then(Value::as_str)
                .map(String::from);
            Some(Link {
                ifname: l.ifname?,
                kind: info.and_then(|i| i.info_kind),
                tun_type,
                master: l.master,
                state: link_state(l.operstate.as_deref()),
            })
        })
        .collect())
}

/// Parses `ip -j addr show [...]`. Address entries without `local` (some peer and
/// multicast entries) are skipped, as are objects without `ifname`.
pub fn parse_addrs(text: &str) -> Result<Vec<Interface>, ParseError> {
    let raw: Vec<RawInterface> = json_array(ADDR, text)?;
    let mut out = Vec::new();
    for (i, iface) in raw.into_iter().enumerate() {
        let Some(ifname) = iface.ifname else { continue };
        let mut addrs = Vec::new();
        for a in iface.addr_info {
            let (Some(local), Some(prefixlen)) = (a.local, a.prefixlen) else {
                continue;
            };
            let bad = |what: String| {
                ParseError::whole(ADDR, format!("interface #{} ({ifname}): {what}", i + 1))
            };
            let ip: IpAddr = local
                .parse()
                .map_err(|_| bad(format!("local {} is not an IP address", snippet(&local))))?;
            if prefixlen > if ip.is_ipv4() { 32 } else { 128 } {
                return Err(bad(format!(
                    "prefix length {prefixlen} is too long for {ip}"
                )));
            }
            addrs.push(IfAddr {
                local: ip,
                prefixlen,
                scope: a.scope,
            });
        }
        out.push(Interface { ifname, addrs });
    }
    Ok(out)
}

/// The bridges of a node with their ports and addresses, from the full
/// `ip -j -d link show` (not only `type bridge`: the ports are other links) and
/// `ip -j addr show`. IPv6 link-local addresses are left out: every bridge has one and
/// they say nothing about the fleet.
pub fn parse_bridges(links_json: &str, addrs_json: &str) -> Result<Vec<Bridge>, ParseError> {
    let links = parse_links(links_json)?;
    let addrs = parse_addrs(addrs_json)?;
    Ok(links
        .iter()
        .filter(|l| l.kind.as_deref() == Some("bridge"))
        .map(|bridge| Bridge {
            name: bridge.ifname.clone(),
            addresses: addrs
                .iter()
                .filter(|i| i.ifname == bridge.ifname)
                .flat_map(|i| &i.addrs)
                .filter(|a| a.scope.as_deref() != Some("link"))
                .map(IfAddr::cidr)
                .collect(),
            ports: links
                .iter()
                .filter(|l| l.master.as_deref() == Some(bridge.ifname.as_str()))
                .map(|l| BridgePort {
                    name: l.ifname.clone(),
                    kind: port_kind(l),
                    state: l.state,
                })
                .collect(),
            state: bridge.state,
        })
        .collect())
}

fn port_kind(link: &Link) -> PortKind {
    match link.kind.as_deref() {
        Some("veth") => PortKind::Veth,
        // Only Ethernet-like links can join a bridge, so a tun-driver port is a tap
        // unless the driver says otherwise.
        Some("tun") if link.tun_type.as_deref() == Some("tun") => PortKind::Tun,
        Some("tun") => PortKind::Tap,
        Some(kind) => PortKind::Other(kind.to_string()),
        // Xen's netback registers no link kind; its interfaces are named vifDOMID.N.
        None if link.ifname.starts_with("vif") => PortKind::Vif,
        None => PortKind::Physical,
    }
}

fn link_state(operstate: Option<&str>) -> LinkState {
    match operstate {
        Some("UP") => LinkState::Up,
        Some("DOWN") => LinkState::Down,
        Some("LOWERLAYERDOWN") => LinkState::LowerLayerDown,
        Some("DORMANT") => LinkState::Dormant,
        Some("TESTING") => LinkState::Testing,
        Some("NOTPRESENT") => LinkState::NotPresent,
        _ => LinkState::Unknown,
    }
}

/// A JSON array of `T`; empty output (old iproute2 with nothing to show) is none.
fn json_array<T: for<'de> Deserialize<'de>>(
    format: &'static str,
    text: &str,
) -> Result<Vec<T>, ParseError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(text).map_err(|e| json_error(format, &e))
}

#[cfg(test)]
mod tests;
