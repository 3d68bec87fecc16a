//! Domain types the collectors fill in. They serialize to the words of the README's contracts
//! (`tree --json`) where they overlap: guest `name` and `state`, bridge `name`,
//! `addresses` and `ports`.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Which hypervisor runs a guest (the words match the config's `hypervisor` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestKind {
    Xen,
    Kvm,
    Lxc,
}

impl GuestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GuestKind::Xen => "xen",
            GuestKind::Kvm => "kvm",
            GuestKind::Lxc => "lxc",
        }
    }
}

/// A guest's state, one vocabulary for Xen flags, libvirt states and LXC states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestState {
    /// On a CPU or ready to run.
    Running,
    /// Waiting for I/O or idle (Xen `b`, virsh `idle`/`blocked`).
    Blocked,
    /// Paused by the admin (Xen `p`, virsh `paused`, LXC `FROZEN`).
    Paused,
    /// Suspended to RAM by the guest (virsh `pmsuspended`).
    Suspended,
    /// Being started (LXC `STARTING`).
    Starting,
    /// Shutting down or shut down but not yet gone (Xen `s`, virsh `in shutdown`).
    Shutdown,
    /// Defined but not running (virsh `shut off`, LXC `STOPPED`).
    Stopped,
    /// Crashed (Xen `c`, virsh `crashed`).
    Crashed,
    /// Being torn down (Xen `d`, LXC `ABORTING`).
    Dying,
    /// The tool said it does not know (virsh `no state`).
    Unknown,
}

impl GuestState {
    /// The word used in JSON and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            GuestState::Running => "running",
            GuestState::Blocked => "blocked",
            GuestState::Paused => "paused",
            GuestState::Suspended => "suspended",
            GuestState::Starting => "starting",
            GuestState::Shutdown => "shutdown",
            GuestState::Stopped => "stopped",
            GuestState::Crashed => "crashed",
            GuestState::Dying => "dying",
            GuestState::Unknown => "unknown",
        }
    }

    /// Whether the guest uses CPU and memory right now (a blocked guest is up, just idle).
    pub fn is_up(self) -> bool {
        matches!(
            self,
            GuestState::Running | GuestState::Blocked | GuestState::Paused | GuestState::Starting
        )
    }
}

impl fmt::Display for GuestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A virtual machine or system container on a hypervisor node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    pub name: String,
    pub state: GuestState,
    pub ips: Vec<IpAddr>,
    pub kind: GuestKind,
    /// The hypervisor's id while it runs (Xen domid, libvirt id); `None` when stopped.
    pub id: Option<String>,
    pub memory_mib: Option<u64>,
    pub vcpus: Option<u32>,
}

impl Guest {
    /// A guest with only what every listing shows; details are filled in later.
    pub fn new(kind: GuestKind, name: impl Into<String>, state: GuestState) -> Guest {
        Guest {
            name: name.into(),
            state,
            ips: Vec::new(),
            kind,
            id: None,
            memory_mib: None,
            vcpus: None,
        }
    }

    /// Xen's control domain (domid 0, `Domain-0`) is the hypervisor itself, not a guest:
    /// the tree shows it as the node, so callers skip it.
    pub fn is_control_domain(&self) -> bool {
        self.kind == GuestKind::Xen && self.id.as_deref() == Some("0")
    }
}

/// An interface's operational state (RFC 2863, as `ip` prints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Up,
    Down,
    LowerLayerDown,
    Dormant,
    Testing,
    NotPresent,
    /// Also what drivers without carrier reporting (loopback, tun, bridges without
    /// ports) show, so it does not mean broken.
    Unknown,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Up => "up",
            LinkState::Down => "down",
            LinkState::LowerLayerDown => "lower_layer_down",
            LinkState::Dormant => "dormant",
            LinkState::Testing => "testing",
            LinkState::NotPresent => "not_present",
            LinkState::Unknown => "unknown",
        }
    }
}

/// What kind of interface a bridge port is. Serialized as one word; kinds fleetdeck
/// has no name for keep the kernel's `info_kind` (`vxlan`, `bond`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum PortKind {
    /// One end of a veth pair (Docker and LXC containers).
    Veth,
    /// A tap device (KVM guests, Xen HVM emulated NICs).
    Tap,
    /// A tun device (layer 3; unusual on a bridge).
    Tun,
    /// A Xen netback interface (`vifDOMID.N`).
    Vif,
    /// A physical NIC (no link kind).
    Physical,
    Other(String),
}

impl PortKind {
    pub fn as_str(&self) -> &str {
        match self {
            PortKind::Veth => "veth",
            PortKind::Tap => "tap",
            PortKind::Tun => "tun",
            PortKind::Vif => "vif",
            PortKind::Physical => "physical",
            PortKind::Other(kind) => kind,
        }
    }
}

impl From<PortKind> for String {
    fn from(kind: PortKind) -> String {
        kind.as_str().to_string()
    }
}

impl From<String> for PortKind {
    fn from(word: String) -> PortKind {
        match word.as_str() {
            "veth" => PortKind::Veth,
            "tap" => PortKind::Tap,
            "tun" => PortKind::Tun,
            "vif" => PortKind::Vif,
            "physical" => PortKind::Physical,
            _ => PortKind::Other(word),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgePort {
    pub name: String,
    pub kind: PortKind,
    pub state: LinkState,
}

/// A Linux bridge with its addresses (CIDR, e.g. `10.2.0.254/24`) and its ports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    pub name: String,
    pub addresses: Vec<String>,
    pub ports: Vec<BridgePort>,
    pub state: LinkState,
}

/// A listening TCP socket as `ss` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListeningSocket {
    /// The local address without port: `0.0.0.0`, `::`, `127.0.0.1`, or `*` (any family).
    pub addr: String,
    /// The interface the socket is bound to (`127.0.0.53%lo` gives `lo`).
    pub scope: Option<String>,
    pub port: u16,
    /// The first owning process (`ss` shows the command name, at most 15 characters).
    pub process: Option<String>,
    pub pid: Option<u32>,
}

impl ListeningSocket {
    /// The address as an IP; `None` for `*`.
    pub fn ip(&self) -> Option<IpAddr> {
        self.addr.parse().ok()
    }

    /// Whether it listens on every address of its family.
    pub fn is_wildcard(&self) -> bool {
        self.ip().is_none_or(|ip| ip.is_unspecified())
    }
}

/// Which way an SSH forward goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForwardKind {
    /// `LocalForward` / `-L`: listens on the client.
    Local,
    /// `RemoteForward` / `-R`: listens on the server.
    Remote,
}

/// Where a forward listens: an optional bind address (`None` means ssh's default,
/// loopback unless `GatewayPorts`) and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListenSpec {
    pub host: Option<String>,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HostPort {
    pub host: String,
    pub port: u16,
}

/// A `LocalForward` or `RemoteForward` of an OpenSSH client config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshForward {
    pub kind: ForwardKind,
    /// The `Host` alias whose block declares it.
    pub host_alias: String,
    pub listen: ListenSpec,
    /// `None` for a `RemoteForward` with only a port: a dynamic (SOCKS) forward.
    pub target: Option<HostPort>,
    /// Line in the config file, for messages.
    pub line: usize,
}

/// Facts about a node's operating system; each is `None` when its command failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeFacts {
    pub hostname: Option<String>,
    /// `PRETTY_NAME` of `/etc/os-release`.
    pub os: Option<String>,
    /// `uname -srm`, e.g. `Linux 6.1.0-18-amd64 x86_64`.
    pub kernel: Option<String>,
    pub uptime_secs: Option<u64>,
    /// Load averages over 1, 5 and 15 minutes.
    pub load: Option<[f64; 3]>,
}

/// One process as `pgrep -a` prints it. The command line is argv joined by spaces, so
/// an argument holding a space cannot be told apart from two arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessLine {
    pub pid: u32,
    pub cmdline: String,
}

impl ProcessLine {
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.cmdline.split_whitespace()
    }

    /// The program's file name (`/usr/bin/autossh` gives `autossh`).
    pub fn program(&self) -> Option<&str> {
        let first = self.args().next()?;
        first.rsplit('/').next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guests_serialize_to_the_tree_json_words() {
        let mut guest = Guest::new(GuestKind::Xen, "teemo", GuestState::Blocked);
        guest.ips.push(IpAddr::from([10, 2, 0, 1]));
        let json = serde_json::to_value(&guest).expect("serializes");
        assert_eq!(json["name"], "teemo");
        assert_eq!(json["state"], "blocked");
        assert_eq!(json["kind"], "xen");
        assert_eq!(json["ips"][0], "10.2.0.1");
        let back: Guest = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, guest);
    }

    #[test]
    fn state_words_match_serde() {
        use GuestState::*;
        for state in [
            Running, Blocked, Paused, Suspended, Starting, Shutdown, Stopped, Crashed, Dying,
            Unknown,
        ] {
            let json = serde_json::to_value(state).expect("serializes");
            assert_eq!(json, state.as_str());
        }
        for state in [
            LinkState::Up,
            LinkState::LowerLayerDown,
            LinkState::NotPresent,
        ] {
            assert_eq!(
                serde_json::to_value(state).expect("serializes"),
                state.as_str()
            );
        }
    }

    #[test]
    fn port_kinds_are_one_word() {
        for kind in [
            PortKind::Veth,
            PortKind::Tap,
            PortKind::Vif,
            PortKind::Other("vxlan".into()),
        ] {
            let json = serde_json::to_value(&kind).expect("serializes");
            assert_eq!(json, kind.as_str());
            assert_eq!(
                serde_json::from_value::<PortKind>(json).expect("deserializes"),
                kind
            );
        }
    }

    #[test]
    fn process_program_and_wildcards() {
        let p = ProcessLine {
            pid: 1,
            cmdline: "/usr/lib/autossh/autossh -M 0 central".into(),
        };
        assert_eq!(p.program(), Some("autossh"));
        let any = |addr: &str| ListeningSocket {
            addr: addr.into(),
            scope: None,
            port: 22,
            process: None,
            pid: None,
        };
        assert!(any("*").is_wildcard() && any("::").is_wildcard() && any("0.0.0.0").is_wildcard());
        assert!(!any("127.0.0.1").is_wildcard());
    }
}
