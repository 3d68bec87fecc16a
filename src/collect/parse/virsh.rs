//! libvirt: `virsh list --all`, `virsh domifaddr NAME` and `virsh dominfo NAME`.
//!
//! virsh translates its state words: these parsers know the English ones, so the
//! collector runs virsh with `LC_ALL=C` and an unknown word is an error that says so.

use std::net::IpAddr;

use super::{ParseError, is_rule, numbered_lines, snippet};
use crate::fleet::{Guest, GuestKind, GuestState};

const LIST: &str = "virsh list";
const DOMIFADDR: &str = "virsh domifaddr";
const DOMINFO: &str = "virsh dominfo";

/// virsh's state words (`virshDomainStateToString`), plus older spellings.
const STATES: &[(&str, GuestState)] = &[
    ("running", GuestState::Running),
    ("idle", GuestState::Blocked),
    ("blocked", GuestState::Blocked),
    ("paused", GuestState::Paused),
    ("in shutdown", GuestState::Shutdown),
    ("shutdown", GuestState::Shutdown),
    ("shut off", GuestState::Stopped),
    ("crashed", GuestState::Crashed),
    ("pmsuspended", GuestState::Suspended),
    ("dying", GuestState::Dying),
    ("no state", GuestState::Unknown),
];

/// A virsh state word (`shut off`, `running`, ...), as `list` and `dominfo` print it.
pub fn state_from_word(word: &str) -> Option<GuestState> {
    let word = word.trim();
    STATES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, s)| *s)
}

fn unknown_state(text: &str) -> String {
    format!(
        "unknown state in {} (virsh must run with LC_ALL=C: it translates states)",
        snippet(text)
    )
}

/// Parses `virsh list --all`:
///
/// ```text
///  Id   Name     State
/// -------------------------
///  1    web      running
///  -    backup   shut off
/// ```
///
/// libvirt allows spaces in names, and two states are two words, so a row is split as
/// the id, then the state matched from the end, and the name as what lies between.
pub fn parse_virsh_list(text: &str) -> Result<Vec<Guest>, ParseError> {
    let lines: Vec<(usize, &str)> = numbered_lines(text).collect();
    let mut guests = Vec::new();
    for (index, &(n, line)) in lines.iter().enumerate() {
        if is_rule(line) || (index == 0 && is_header(line, lines.get(1))) {
            continue;
        }
        guests.push(list_row(line).map_err(|m| ParseError::at(LIST, n, m))?);
    }
    Ok(guests)
}

/// The header is `Id Name State`, or any line right above the rule (a translated one).
fn is_header(line: &str, next: Option<&(usize, &str)>) -> bool {
    let first = line.split_whitespace().next().unwrap_or_default();
    first.eq_ignore_ascii_case("id") || next.is_some_and(|(_, l)| is_rule(l))
}

fn list_row(line: &str) -> Result<Guest, String> {
    let trimmed = line.trim();
    let (id, rest) = trimmed.split_once(char::is_whitespace).ok_or_else(|| {
        format!(
            "expected 3 columns (Id Name State), got 1: {}",
            snippet(trimmed)
        )
    })?;
    let id = match id {
        "-" => None,
        n => Some(
            n.parse::<u32>()
                .map_err(|_| format!("Id {} is neither a number nor `-`", snippet(n)))?,
        ),
    };
    let rest = rest.trim();
    let (name, state) = STATES
        .iter()
        .find_map(|(word, state)| {
            let name = strip_suffix_word(rest, word)?;
            Some((name, *state))
        })
        .ok_or_else(|| {
            if rest.split_whitespace().count() < 2 {
                format!(
                    "expected 3 columns (Id Name State), got 2: {}",
                    snippet(trimmed)
                )
            } else {
                unknown_state(rest)
            }
        })?;
    let mut guest = Guest::new(GuestKind::Kvm, name, state);
    guest.id = id.map(|i| i.to_string());
    Ok(guest)
}

/// `text` without the trailing word `word` (which must follow whitespace), trimmed;
/// `None` when it does not end so, or nothing is left.
fn strip_suffix_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(word.len())?;
    let (head, tail) = (text.get(..cut)?, text.get(cut..)?);
    if !tail.eq_ignore_ascii_case(word) || !head.ends_with(char::is_whitespace) {
        return None;
    }
    let head = head.trim();
    (!head.is_empty()).then_some(head)
}

/// One address of `virsh domifaddr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfaceAddress {
    /// The host-side interface (`vnet0`) or, with `--source agent`, the guest's.
    pub interface: String,
    pub mac: Option<String>,
    /// `ipv4` or `ipv6`.
    pub protocol: String,
    pub address: IpAddr,
    pub prefix: Option<u8>,
}

/// Parses `virsh domifaddr NAME`:
///
/// ```text
///  Name       MAC address          Protocol     Address
/// -------------------------------------------------------------------------------
///  vnet0      52:54:00:4b:71:0e    ipv4         192.168.122.3/24
///  -          -                    ipv6         fd00::3/64
/// ```
///
/// A `-` name and MAC repeat the row above (more addresses on the same interface).
pub fn parse_virsh_domifaddr(text: &str) -> Result<Vec<IfaceAddress>, ParseError> {
    let mut out: Vec<IfaceAddress> = Vec::new();
    for (index, (n, line)) in numbered_lines(text).enumerate() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if is_rule(line) || (index == 0 && tokens.first() == Some(&"Name")) {
            continue;
        }
        let err = |m: String| ParseError::at(DOMIFADDR, n, m);
        let [name, mac, protocol, address] = tokens.as_slice() else {
            return Err(err(format!(
                "expected 4 columns (Name MAC Protocol Address), got {}",
                tokens.len()
            )));
        };
        let (interface, mac) = match (*name, *mac) {
            ("-", "-") => {
                let prev = out
                    .last()
                    .ok_or_else(|| err("`-` name on the first row".into()))?;
                (prev.interface.clone(), prev.mac.clone())
            }
            (name, mac) => (name.to_string(), (mac != "-").then(|| mac.to_string())),
        };
        let (ip, prefix) = split_prefix(address)
            .ok_or_else(|| err(format!("address {} is not IP[/prefix]", snippet(address))))?;
        out.push(IfaceAddress {
            interface,
            mac,
            protocol: protocol.to_string(),
            address: ip,
            prefix,
        });
    }
    Ok(out)
}

/// `10.0.0.3/24` into the address and its prefix length (checked against the family).
pub(crate) fn split_prefix(text: &str) -> Option<(IpAddr, Option<u8>)> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    match prefix {
        Some(p) if p > max => None,
        _ => Some((ip, prefix)),
    }
}

/// What `virsh dominfo NAME` says about one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomInfo {
    pub id: Option<u32>,
    pub name: String,
    pub uuid: Option<String>,
    pub state: GuestState,
    pub vcpus: Option<u32>,
    pub max_memory_kib: Option<u64>,
    pub used_memory_kib: Option<u64>,
    pub persistent: Option<bool>,
    pub autostart: Option<bool>,
}

impl DomInfo {
    pub fn to_guest(&self) -> Guest {
        let mut guest = Guest::new(GuestKind::Kvm, self.name.clone(), self.state);
        guest.id = self.id.map(|i| i.to_string());
        guest.vcpus = self.vcpus;
        guest.memory_mib = self
            .used_memory_kib
            .or(self.max_memory_kib)
            .map(|k| k / 1024);
        guest
    }
}

/// Parses `virsh dominfo NAME` (`Key:   value` lines; unknown keys are ignored).
pub fn parse_virsh_dominfo(text: &str) -> Result<DomInfo, ParseError> {
    let mut info = DomInfo {
        id: None,
        name: String::new(),
        uuid: None,
        state: GuestState::Unknown,
        vcpus: None,
        max_memory_kib: None,
        used_memory_kib: None,
        persistent: None,
        autostart: None,
    };
    let (mut has_name, mut has_state) = (false, false);
    for (n, line) in numbered_lines(text) {
        let err = |m: String| ParseError::at(DOMINFO, n, m);
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| err(format!("expected `Key: value`, got {}", snippet(line))))?;
        let value = value.trim();
        let bad = |what: &str| err(format!("{key}: {} is not {what}", snippet(value)));
        match key.trim() {
            "Id" => {
                info.id = (value != "-")
                    .then(|| value.parse())
                    .transpose()
                    .map_err(|_| bad("a number or `-`"))?
            }
            "Name" => {
                has_name = true;
                info.name = value.to_string();
            }
            "UUID" => info.uuid = Some(value.to_string()),
            "State" => {
                has_state = true;
                info.state = state_from_word(value).ok_or_else(|| err(unknown_state(value)))?;
            }
            "CPU(s)" => info.vcpus = Some(value.parse().map_err(|_| bad("a number"))?),
            "Max memory" => info.max_memory_kib = kib(value).ok_or_else(|| bad("a size"))?,
            "Used memory" => info.used_memory_kib = kib(value).ok_or_else(|| bad("a size"))?,
            "Persistent" => info.persistent = Some(yes_no(value).ok_or_else(|| bad("yes or no"))?),
            "Autostart" => {
                info.autostart = Some(yes_no(value).ok_or_else(|| bad("enable or disable"))?)
            }
            _ => {}
        }
    }
    match (has_name && !info.name.is_empty(), has_state) {
        (true, true) => Ok(info),
        (false, _) => Err(ParseError::whole(DOMINFO, "no `Name:` line")),
        (_, false) => Err(ParseError::whole(DOMINFO, "no `State:` line")),
    }
}

/// `8388608 KiB` (virsh always prints KiB); `no limit` is a valid answer with no size.
/// The outer `None` means garbage.
fn kib(value: &str) -> Option<Option<u64>> {
    if value == "no limit" {
        return Some(None);
    }
    let number = value.strip_suffix("KiB").unwrap_or(value).trim();
    number.parse().ok().map(Some)
}

fn yes_no(value: &str) -> Option<bool> {
    match value {
        "yes" | "enable" => Some(true),
        "no" | "disable" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
