//! Xen: `xl list` (the state flags) and `xl list -l` (the JSON domain configs, for
//! memory, vCPUs and the `ip=` of each vif, Xen's only record of a guest's address).

use std::net::IpAddr;

use serde_json::Value;

use super::{ParseError, json_error, numbered_lines, snippet};
use crate::fleet::{Guest, GuestKind, GuestState};

const LIST: &str = "xl list";
const LONG: &str = "xl list -l";

/// Parses `xl list`:
///
/// ```text
/// Name                                        ID   Mem VCPUs   State   Time(s)
/// Domain-0                                     0  2048     4     r-----    1234.5
/// teemo                                        1  4096     2     -b----     321.0
/// ```
///
/// Domain-0 is returned too (id `0`, see [`Guest::is_control_domain`]). Columns after
/// `Time(s)` (`-v`, `-c`, ...) are ignored.
pub fn parse_xl_list(text: &str) -> Result<Vec<Guest>, ParseError> {
    let mut guests = Vec::new();
    for (index, (n, line)) in numbered_lines(text).enumerate() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if index == 0 && tokens.first() == Some(&"Name") {
            continue;
        }
        guests.push(parse_row(&tokens).map_err(|m| ParseError::at(LIST, n, m))?);
    }
    Ok(guests)
}

fn parse_row(tokens: &[&str]) -> Result<Guest, String> {
    if tokens.len() < 6 {
        return Err(format!(
            "expected 6 columns (Name ID Mem VCPUs State Time(s)), got {}",
            tokens.len()
        ));
    }
    // A name may hold spaces, so the numeric columns are found from their shape: the
    // first place where three integers are followed by a state flag word and a time.
    let found = (1..tokens.len()).find_map(|i| row_columns(tokens, i).map(|c| (i, c)));
    let Some((at, (id, mem, vcpus, state))) = found else {
        return Err(format!(
            "no `ID Mem VCPUs State Time(s)` columns in {}",
            snippet(&tokens.join(" "))
        ));
    };
    let name = tokens.get(..at).unwrap_or_default().join(" ");
    let mut guest = Guest::new(GuestKind::Xen, name, state);
    guest.id = Some(id.to_string());
    guest.memory_mib = Some(mem);
    guest.vcpus = Some(vcpus);
    Ok(guest)
}

fn row_columns(tokens: &[&str], i: usize) -> Option<(u32, u64, u32, GuestState)> {
    let id = tokens.get(i)?.parse().ok()?;
    let mem = tokens.get(i + 1)?.parse().ok()?;
    let vcpus = tokens.get(i + 2)?.parse().ok()?;
    let state = state_from_flags(tokens.get(i + 3)?)?;
    tokens.get(i + 4)?.parse::<f64>().ok()?;
    Some((id, mem, vcpus, state))
}

/// `xl` shows six flag positions, `rbpscd`, each a letter or `-`.
pub fn state_from_flags(flags: &str) -> Option<GuestState> {
    const LETTERS: [char; 6] = ['r', 'b', 'p', 's', 'c', 'd'];
    let chars: Vec<char> = flags.chars().collect();
    if chars.len() != LETTERS.len() {
        return None;
    }
    let mut set = [false; 6];
    for (k, (c, letter)) in chars.iter().zip(LETTERS).enumerate() {
        match *c {
            '-' => {}
            c if c == letter => {
                if let Some(slot) = set.get_mut(k) {
                    *slot = true;
                }
            }
            _ => return None,
        }
    }
    let has = |k: usize| set.get(k).copied().unwrap_or(false);
    // The gravest flag wins: a crashed or dying domain may still show `r` or `b`.
    Some(if has(4) {
        GuestState::Crashed
    } else if has(5) {
        GuestState::Dying
    } else if has(3) {
        GuestState::Shutdown
    } else if has(2) {
        GuestState::Paused
    } else if has(1) && !has(0) {
        GuestState::Blocked
    } else {
        // `r`, or no flag at all: runnable and waiting for a physical CPU.
        GuestState::Running
    })
}

/// What `xl list -l` adds to `xl list` for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlDomain {
    pub domid: u32,
    pub name: String,
    pub uuid: Option<String>,
    pub memory_mib: Option<u64>,
    pub vcpus: Option<u32>,
    /// The `ip=` of the domain's vifs (what the vif scripts route or filter on).
    pub ips: Vec<IpAddr>,
    /// The bridges its vifs are attached to.
    pub bridges: Vec<String>,
}

/// Parses `xl list -l` in its JSON form (the default since Xen 4.2; an `xl.conf` with
/// `output_format="sxp"` gives S-expressions, refused here with a message saying so).
pub fn parse_xl_list_long(text: &str) -> Result<Vec<XlDomain>, ParseError> {
    if text.trim_start().starts_with('(') {
        return Err(ParseError::whole(
            LONG,
            "S-expression output; set output_format=\"json\" in /etc/xen/xl.conf",
        ));
    }
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(LONG, &e))?;
    let items = match value {
        Value::Array(items) => items,
        // `xl list -l NAME` of some versions prints the one object alone.
        one @ Value::Object(_) => vec![one],
        _ => return Err(ParseError::whole(LONG, "expected a JSON array of domains")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            domain(item).map_err(|m| ParseError::whole(LONG, format!("domain #{}: {m}", i + 1)))
        })
        .collect()
}

fn domain(item: &Value) -> Result<XlDomain, String> {
    let domid = item
        .get("domid")
        .and_then(Value::as_u64)
        .and_then(|d| u32::try_from(d).ok())
        .ok_or("no integer `domid`")?;
    let config = item.get("config").ok_or("no `config`")?;
    let c_info = config.get("c_info");
    let name = c_info
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .ok_or("no `config.c_info.name`")?
        .to_string();
    let uuid = c_info
        .and_then(|c| c.get("uuid"))
        .and_then(Value::as_str)
        .map(String::from);
    let b_info = config.get("b_info");
    // libxl prints "use the default" as the all-ones value; that is no size.
    let kib = |key: &str| {
        b_info
            .and_then(|b| b.get(key))
            .and_then(Value::as_u64)
            .filter(|&v| v > 0 && v < i64::MAX as u64)
    };
    let memory_mib = kib("target_memkb")
        .or_else(|| kib("max_memkb"))
        .map(|k| k / 1024);
    let vcpus = b_info
        .and_then(|b| b.get("max_vcpus"))
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok());
    let mut ips = Vec::new();
    let mut bridges = Vec::new();
    let nics = config.get("nics").and_then(Value::as_array);
    for nic in nics.into_iter().flatten() {
        if let Some(list) = nic.get("ip").and_then(Value::as_str) {
            // Several addresses are separated by spaces; a prefix length may follow.
            for word in list.split([' ', ',']).filter(|w| !w.is_empty()) {
                let addr = word.split('/').next().unwrap_or(word);
                let ip = addr.parse().map_err(|_| {
                    format!("{name}: vif ip {} is not an IP address", snippet(word))
                })?;
                ips.push(ip);
            }
        }
        if let Some(bridge) = nic.get("bridge").and_then(Value::as_str)
            && !bridges.iter().any(|b| b == bridge)
        {
            bridges.push(bridge.to_string());
        }
    }
    Ok(XlDomain {
        domid,
        name,
        uuid,
        memory_mib,
        vcpus,
        ips,
        bridges,
    })
}

/// Fills in, from `xl list -l`, what `xl list` lacks: the vif addresses, and memory and
/// vCPUs where missing. Matched by name, since a rebooted domain gets a new domid
/// between the two commands but keeps its name and config.
pub fn apply_xl_details(guests: &mut [Guest], details: &[XlDomain]) {
    for guest in guests.iter_mut().filter(|g| g.kind == GuestKind::Xen) {
        let Some(d) = details.iter().find(|d| d.name == guest.name) else {
            continue;
        };
        if guest.ips.is_empty() {
            guest.ips = d.ips.clone();
        }
        guest.memory_mib = guest.memory_mib.or(d.memory_mib);
        guest.vcpus = guest.vcpus.or(d.vcpus);
    }
}

#[cfg(test)]
mod tests;
