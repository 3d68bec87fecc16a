//! The configuration file: its TOML model (the README's contracts), loading with file/line/key
//! errors, semantic checks, and the built-in default used when no file exists.

pub mod check;
mod endpoint;
mod load;
pub mod paths;
pub mod policy;
pub mod ssh_import;
mod vlan;
mod vlan_check;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use endpoint::{DockerEndpoint, SshTarget};
pub use load::{ConfigError, LoadedConfig, Source, load, load_str};
pub use vlan::{PortRange, Publish, VlanConfig};

/// Seconds between two polls of a node when the config says nothing.
pub const DEFAULT_REFRESH_SECS: u64 = 5;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub read_only: bool,
    #[serde(default = "default_refresh_secs")]
    pub refresh_secs: u64,
    /// Console mouse support (click a tree row to select it, wheel to scroll). Off by
    /// default: mouse reporting gets in the way of selecting text in the terminal.
    #[serde(default)]
    pub mouse: bool,
    /// The console's theme file (colours by name; see README, "Themes"). Unset: the
    /// user's `theme.toml` beside their config, when there is one.
    #[serde(default)]
    pub theme: Option<PathBuf>,
    #[serde(default)]
    pub inventory: InventoryConfig,
    #[serde(default)]
    pub ssh: SshConfig,
    #[serde(default)]
    pub audit: AuditConfig,
    #[serde(default, rename = "node")]
    pub nodes: Vec<NodeConfig>,
    #[serde(default, rename = "vlan")]
    pub vlans: Vec<VlanConfig>,
    #[serde(default)]
    pub containers: ContainersConfig,
    #[serde(default)]
    pub proxy: Option<ProxyConfig>,
    #[serde(default)]
    pub dns: Option<DnsConfig>,
    #[serde(default, rename = "tunnel")]
    pub tunnels: Vec<TunnelConfig>,
    /// Terraform states whose servers become nodes (README "Nodes from Terraform").
    #[serde(default, rename = "terraform")]
    pub terraform: Vec<TerraformConfig>,
    #[serde(default)]
    pub check: CheckConfig,
    /// Docker Swarms by name (README "Docker Swarm"); optional: swarms are found
    /// from the engines anyway, this names them and says whose view to show.
    #[serde(default, rename = "swarm")]
    pub swarms: Vec<SwarmConfig>,
    /// Where each node came from, filled when the states are read (`config::load`); not a
    /// key of the file. Absent means the `[[node]]` list alone.
    #[serde(skip)]
    pub origins: std::collections::BTreeMap<String, NodeOrigin>,
    /// `[[terraform]]` names whose state could not be read at load time (their nodes are
    /// missing, so "declared nowhere" cannot be judged).
    #[serde(skip)]
    pub terraform_unread: Vec<String>,
    /// Key overrides, `action = ["key", ...]`; checked when the console starts (a bad
    /// entry is a warning there, not an error here).
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

fn default_refresh_secs() -> u64 {
    DEFAULT_REFRESH_SECS
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InventoryConfig {
    /// SQLite file; defaults to `<data dir>/fleetdeck/inventory.db`.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Record the output of interactive sessions (asciicast v2, owner-only files
    /// referenced from their audit rows). Keystrokes are never recorded.
    #[serde(default = "default_true")]
    pub record_sessions: bool,
    /// Where recordings go; defaults to `<state dir>/fleetdeck/sessions`.
    #[serde(default)]
    pub sessions_dir: Option<PathBuf>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            record_sessions: true,
            sessions_dir: None,
        }
    }
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SshConfig {
    /// OpenSSH client config to resolve aliases from; defaults to `~/.ssh/config`.
    pub config: Option<PathBuf>,
    /// Extra known_hosts file, read after the user's own.
    pub known_hosts: Option<PathBuf>,
    #[serde(default)]
    pub identities: Vec<PathBuf>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    #[serde(default = "default_keepalive")]
    pub keepalive_secs: u64,
    /// SSH connections being set up at once, over the whole fleet (README "A thousand
    /// hosts"): a cold start of hundreds of nodes must not swamp this machine or a
    /// shared network path.
    #[serde(default = "default_max_connecting")]
    pub max_connecting: usize,
    /// SSH connections being set up at once through one jump host, kept under sshd's
    /// `MaxStartups` (10:30:100 by default, refusing at random from the 10th).
    #[serde(default = "default_max_connecting_per_jump")]
    pub max_connecting_per_jump: usize,
}

fn default_connect_timeout() -> u64 {
    10
}
fn default_keepalive() -> u64 {
    30
}
fn default_max_connecting() -> usize {
    64
}
fn default_max_connecting_per_jump() -> usize {
    8
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            config: None,
            known_hosts: None,
            identities: Vec::new(),
            connect_timeout_secs: default_connect_timeout(),
            keepalive_secs: default_keepalive(),
            max_connecting: default_max_connecting(),
            max_connecting_per_jump: default_max_connecting_per_jump(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Hypervisor {
    Xen,
    Kvm,
    Lxc,
    #[default]
    None,
}

impl Hypervisor {
    pub fn as_str(self) -> &'static str {
        match self {
            Hypervisor::Xen => "xen",
            Hypervisor::Kvm => "kvm",
            Hypervisor::Lxc => "lxc",
            Hypervisor::None => "none",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub name: String,
    /// `user@host:port` or an alias of the ssh config; absent means this machine.
    pub ssh: Option<String>,
    /// Name of the node to jump through.
    pub jump: Option<String>,
    #[serde(default)]
    pub hypervisor: Hypervisor,
    pub libvirt_uri: Option<String>,
    /// `ssh`, `unix:///path`, `tcp://host:port` or `none`; see [`NodeConfig::docker_endpoint`].
    pub docker: Option<DockerEndpoint>,
    pub docker_socket: Option<PathBuf>,
    pub tls: Option<TlsConfig>,
    pub parent: Option<String>,
    pub public_ip: Option<IpAddr>,
}

pub const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";
pub const DEFAULT_LIBVIRT_URI: &str = "qemu:///system";

impl NodeConfig {
    /// A node reached over SSH talks to its Docker engine through that connection unless
    /// told otherwise; a local node uses the default socket.
    pub fn docker_endpoint(&self) -> DockerEndpoint {
        match (&self.docker, &self.ssh) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, Some(_)) => DockerEndpoint::Ssh,
            (None, None) => DockerEndpoint::Unix(PathBuf::from(DEFAULT_DOCKER_SOCKET)),
        }
    }

    pub fn docker_socket(&self) -> PathBuf {
        self.docker_socket
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DOCKER_SOCKET))
    }

    pub fn libvirt_uri(&self) -> &str {
        self.libvirt_uri.as_deref().unwrap_or(DEFAULT_LIBVIRT_URI)
    }

    pub fn is_local(&self) -> bool {
        self.ssh.is_none()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContainersConfig {
    /// Image for new containers when `--image` is not given.
    pub image: Option<String>,
    /// Port the site listens on inside its container; the proxy forwards to it.
    #[serde(default = "default_port")]
    pub port: u16,
    /// Tasks of a site on a swarm VLAN when `create --replicas` is not given.
    #[serde(default = "default_replicas")]
    pub replicas: u32,
}

fn default_port() -> u16 {
    80
}
fn default_replicas() -> u32 {
    2
}

impl Default for ContainersConfig {
    fn default() -> Self {
        ContainersConfig {
            image: None,
            port: default_port(),
            replicas: default_replicas(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProxyConfig {
    pub node: String,
    #[serde(default = "default_proxy_path")]
    pub path: PathBuf,
    /// minijinja template; defaults to the one embedded from `assets/nginx/`.
    pub template: Option<PathBuf>,
    /// What each server block's `listen` says: a port, or `address:port` when the proxy's
    /// nginx already listens on a specific address (nginx then never matches a block that
    /// listens on the wildcard for that address's connections).
    #[serde(default = "default_proxy_listen")]
    pub listen: String,
    #[serde(default = "default_test_cmd")]
    pub test_cmd: Vec<String>,
    #[serde(default = "default_reload_cmd")]
    pub reload_cmd: Vec<String>,
}

fn default_proxy_path() -> PathBuf {
    PathBuf::from("/etc/nginx/sites-enabled/fleetdeck.conf")
}
fn default_proxy_listen() -> String {
    "80".into()
}
fn default_test_cmd() -> Vec<String> {
    vec!["nginx".into(), "-t".into()]
}
fn default_reload_cmd() -> Vec<String> {
    vec!["nginx".into(), "-s".into(), "reload".into()]
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DnsConfig {
    /// Resolvers to ask, `ip` or `ip:port`.
    pub servers: Vec<String>,
    /// Address every site's name must resolve to; defaults to the proxy node's `public_ip`.
    pub expect: Option<IpAddr>,
}

impl DnsConfig {
    /// Servers as socket addresses (port 53 when none is given); checked at load time.
    pub fn server_addrs(&self) -> Vec<SocketAddr> {
        self.servers
            .iter()
            .filter_map(|s| parse_dns_server(s))
            .collect()
    }
}

pub(crate) fn parse_dns_server(raw: &str) -> Option<SocketAddr> {
    raw.parse::<SocketAddr>()
        .ok()
        .or_else(|| raw.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)))
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TunnelKind {
    Remote,
    Local,
}

/// `[[swarm]]`: a name for the swarm these nodes manage.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SwarmConfig {
    pub name: String,
    /// Node names of the swarm's managers, in the order their view is preferred.
    #[serde(default)]
    pub managers: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TunnelConfig {
    pub name: String,
    /// Node that runs the ssh/autossh process.
    pub node: String,
    pub kind: TunnelKind,
    /// `[host:]port` where the tunnel listens.
    pub listen: String,
    /// `host:port` the tunnel forwards to.
    pub target: String,
    /// Node at the other end of the ssh connection.
    pub via: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TerraformConfig {
    /// Names the state in `source` (`terraform:<name>`) and in messages.
    pub name: String,
    /// A working directory: fleetdeck runs `terraform show -json` there.
    pub dir: Option<PathBuf>,
    /// A state file (format version 4), read directly.
    pub state: Option<PathBuf>,
    pub ssh_user: Option<String>,
    pub jump: Option<String>,
    pub docker: Option<DockerEndpoint>,
    #[serde(default)]
    pub hypervisor: Hypervisor,
    /// Resource address patterns (`*`, `?`); none means every server resource.
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default, rename = "map")]
    pub maps: Vec<TerraformMap>,
}

/// A resource type fleetdeck does not know, and where its address and name are.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TerraformMap {
    #[serde(rename = "type")]
    pub rtype: String,
    /// Dotted attribute path; `*` walks a list (`network.*.ip`).
    pub address_attr: String,
    pub name_attr: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Report configured nodes that no Terraform state declares.
    #[serde(default)]
    pub terraform_undeclared: bool,
}

/// Where a node of the running config came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOrigin {
    /// `terraform:<name>` of the state that declares it.
    pub state: String,
    /// Its resource address in that state.
    pub resource: String,
    pub address: String,
    pub tainted: bool,
    /// A `[[node]]` has the same address: the configured node is the one shown.
    pub configured: bool,
}

impl NodeOrigin {
    /// The tree's `source`: `config` when a `[[node]]` exists, else the state.
    pub fn source(&self) -> &str {
        if self.configured {
            "config"
        } else {
            &self.state
        }
    }
}

impl Config {
    /// The configuration used when no file exists: this machine alone, as node `local`.
    pub fn builtin_default() -> Config {
        Config {
            read_only: false,
            refresh_secs: DEFAULT_REFRESH_SECS,
            mouse: false,
            theme: None,
            inventory: InventoryConfig::default(),
            ssh: SshConfig::default(),
            audit: AuditConfig::default(),
            nodes: vec![NodeConfig {
                name: "local".into(),
                ssh: None,
                jump: None,
                hypervisor: Hypervisor::None,
                libvirt_uri: None,
                // Resolved from DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH when the
                // transports are built, as the docker CLI does.
                docker: None,
                docker_socket: None,
                tls: None,
                parent: None,
                public_ip: None,
            }],
            vlans: Vec::new(),
            containers: ContainersConfig::default(),
            proxy: None,
            dns: None,
            tunnels: Vec::new(),
            terraform: Vec::new(),
            check: CheckConfig::default(),
            swarms: Vec::new(),
            origins: Default::default(),
            terraform_unread: Vec::new(),
            keys: Default::default(),
        }
    }

    pub fn node(&self, name: &str) -> Option<&NodeConfig> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// Whether a declared tunnel starts on `node` (its ssh processes are then looked for).
    pub fn is_tunnel_origin(&self, node: &str) -> bool {
        self.tunnels.iter().any(|t| t.node == node)
    }

    pub fn vlan(&self, id: u16) -> Option<&VlanConfig> {
        self.vlans.iter().find(|v| v.id == id)
    }
}

#[cfg(test)]
mod tests;
