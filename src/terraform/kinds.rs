//! Which resource types are servers, and where each keeps its address and name
//! (README "Nodes from Terraform" lists them). Paths are dotted attribute names; `*`
//! walks every element of a list, in order. Addresses are tried in the order given:
//! public first, then private.

/// Where a server resource type keeps its address(es) and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub rtype: String,
    pub address_paths: Vec<String>,
    pub name_path: Option<String>,
}

/// (type, address paths in preference order, name path), from each provider's docs.
const KNOWN: &[(&str, &[&str], &str)] = &[
    (
        "scaleway_instance_server",
        &[
            "public_ips.*.address",
            "public_ip",
            "ipv6_address",
            "private_ips.*.address",
            "private_ip",
        ],
        "name",
    ),
    (
        "hcloud_server",
        &["ipv4_address", "ipv6_address", "network.*.ip"],
        "name",
    ),
    (
        "aws_instance",
        &["public_ip", "ipv6_addresses.*", "private_ip"],
        "tags.Name",
    ),
    (
        "digitalocean_droplet",
        &["ipv4_address", "ipv6_address", "ipv4_address_private"],
        "name",
    ),
    (
        "openstack_compute_instance_v2",
        &["access_ip_v4", "access_ip_v6", "network.*.fixed_ip_v4"],
        "name",
    ),
    (
        "libvirt_domain",
        &["network_interface.*.addresses.*"],
        "name",
    ),
    (
        "proxmox_vm_qemu",
        &["default_ipv4_address", "ssh_host"],
        "name",
    ),
    (
        "proxmox_virtual_environment_vm",
        &["ipv4_addresses.*.*", "ipv6_addresses.*.*"],
        "name",
    ),
];

/// The kind for `rtype`: a `[[terraform.map]]` entry first (it may override a known type),
/// then the built-in table.
pub fn kind_for(rtype: &str, maps: &[Kind]) -> Option<Kind> {
    if let Some(k) = maps.iter().find(|k| k.rtype == rtype) {
        return Some(k.clone());
    }
    KNOWN
        .iter()
        .find(|(t, _, _)| *t == rtype)
        .map(|(t, paths, name)| Kind {
            rtype: t.to_string(),
            address_paths: paths.iter().map(|p| p.to_string()).collect(),
            name_path: Some(name.to_string()),
        })
}

/// Every server type fleetdeck knows without a map.
pub fn known_types() -> impl Iterator<Item = &'static str> {
    KNOWN.iter().map(|(t, _, _)| *t)
}
