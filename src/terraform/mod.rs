//! Nodes from Terraform state (README "Nodes from Terraform"). `state` reads a state
//! file or `terraform show -json` output into instances, `kinds` knows where server types
//! keep their address, and [`candidates`] turns instances into named nodes. All pure;
//! `source` is the shell that reads the file or runs `terraform show`.

pub mod expand;
pub mod kinds;
pub mod source;
pub mod state;

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde_json::Value;

pub use kinds::Kind;
pub use state::{Instance, StateError, parse};

/// A server found in the state, ready to become a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    /// The name before it was made unique: a `[[node]]` of that name is the same server.
    pub wanted: String,
    /// An IP address, or a host name when a mapped attribute holds one.
    pub host: String,
    /// The resource address (`module.web.hcloud_server.app["eu"]`).
    pub resource: String,
    /// Terraform will replace it at the next apply; it is still a running server now.
    pub tainted: bool,
}

/// A server resource that yields no node, and why (the value itself is never included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub resource: String,
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
}

/// Which resources to read: `include` patterns (none = all) minus `exclude` ones, on
/// resource addresses, `*` and `?` as wildcards.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    pub include: &'a [String],
    pub exclude: &'a [String],
}

impl Filter<'_> {
    pub fn admits(&self, address: &str) -> bool {
        let hit = |p: &String| crate::sshcfg::pattern::match_pattern(address, p);
        (self.include.is_empty() || self.include.iter().any(hit)) && !self.exclude.iter().any(hit)
    }
}

/// Nodes from `instances`. `taken` holds the names already in use (configured nodes and
/// earlier states); new names are added to it, so every name stays unique.
pub fn candidates(
    instances: &[Instance],
    maps: &[Kind],
    filter: &Filter<'_>,
    taken: &mut BTreeSet<String>,
) -> Reading {
    let mut reading = Reading::default();
    for inst in instances {
        let Some(kind) = kinds::kind_for(&inst.rtype, maps) else {
            continue; // not a server: networks, volumes, DNS records…
        };
        if !filter.admits(&inst.address) {
            continue;
        }
        let host = match address_of(inst, &kind) {
            Ok(host) => host,
            Err(why) => {
                reading.skipped.push(Skipped {
                    resource: inst.address.clone(),
                    why,
                });
                continue;
            }
        };
        let wanted = kind
            .name_path
            .as_deref()
            .filter(|p| !is_sensitive(inst, p))
            .and_then(|p| strings_at(&inst.values, p).into_iter().next())
            .map(|s| node_name(&s))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| name_from_address(&inst.address));
        let name = unique(&wanted, taken);
        reading.candidates.push(Candidate {
            name,
            wanted,
            host,
            resource: inst.address.clone(),
            tainted: inst.tainted,
        });
    }
    reading
}

fn is_sensitive(inst: &Instance, path: &str) -> bool {
    let top = path.split('.').next().unwrap_or(path);
    inst.sensitive.contains(top)
}

/// The first usable address along the kind's paths. Loopback, link-local and unspecified
/// addresses are passed over (a guest agent reports `127.0.0.1` first).
fn address_of(inst: &Instance, kind: &Kind) -> Result<String, String> {
    let mut hidden = false;
    for path in &kind.address_paths {
        if is_sensitive(inst, path) {
            hidden = true;
            continue;
        }
        if let Some(found) = strings_at(&inst.values, path)
            .into_iter()
            .find(|s| usable_host(s))
        {
            // Addresses may carry a prefix length (`10.0.0.5/24` in some providers).
            return Ok(found.split('/').next().unwrap_or(&found).to_string());
        }
    }
    let tried = kind.address_paths.join(", ");
    Err(if hidden {
        format!(
            "no address: {tried} are empty, unknown or sensitive (sensitive values are not read)"
        )
    } else {
        format!("no address: {tried} are empty or unknown (not applied yet?)")
    })
}

fn usable_host(s: &str) -> bool {
    // Addresses may carry a prefix length (`10.0.0.5/24` in some providers).
    let bare = s.split('/').next().unwrap_or(s);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => !(v4.is_loopback() || v4.is_link_local() || v4.is_unspecified()),
        Ok(IpAddr::V6(v6)) => {
            !(v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
        Err(_) => crate::validate::domain(bare).is_ok() && bare == s,
    }
}

/// Strings found along a dotted path; `*` walks every element of a list or map.
pub fn strings_at(value: &Value, path: &str) -> Vec<String> {
    let mut here = vec![value];
    for step in path.split('.') {
        let mut next = Vec::new();
        for v in here {
            match (step, v) {
                ("*", Value::Array(a)) => next.extend(a.iter()),
                ("*", Value::Object(o)) => next.extend(o.values()),
                (key, Value::Object(o)) => next.extend(o.get(key)),
                (idx, Value::Array(a)) => {
                    next.extend(idx.parse::<usize>().ok().and_then(|i| a.get(i)))
                }
                _ => {}
            }
        }
        here = next;
    }
    here.into_iter()
        .filter_map(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A valid node name (README: letters, digits, `_.-`, a letter or digit first, 63 at most).
pub fn node_name(raw: &str) -> String {
    let mut mapped = String::new();
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() || "_.-".contains(c) {
            c
        } else {
            '-'
        };
        // One dash for a run of spaces and signs: `web server #1` → `web-server-1`.
        if !(c == '-' && mapped.ends_with('-')) {
            mapped.push(c);
        }
    }
    let trimmed = mapped.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let mut out: String = trimmed.chars().take(63).collect();
    while out.ends_with(['-', '.', '_']) {
        out.pop();
    }
    out
}

/// `web` for `aws_instance.web`, `web-0` for `[0]`, `web-eu` for `["eu"]`: the resource
/// name and its key; modules are left out to keep names short (uniqueness adds `-2`).
fn name_from_address(address: &str) -> String {
    // Only a key at the very end is the instance's; earlier ones belong to modules.
    let (base, key) = match address.rfind('[').filter(|_| address.ends_with(']')) {
        Some(i) => (&address[..i], address[i..].trim_matches(['[', ']', '"'])),
        None => (address, ""),
    };
    let name = base.rsplit('.').next().unwrap_or(base);
    let joined = if key.is_empty() {
        name.to_string()
    } else {
        format!("{name}-{key}")
    };
    let valid = node_name(&joined);
    if valid.is_empty() {
        "tf-node".into()
    } else {
        valid
    }
}

fn unique(wanted: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = wanted.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("-{n}");
        let keep = 63usize.saturating_sub(suffix.len());
        name = format!("{}{suffix}", &wanted[..wanted.len().min(keep)]);
        n += 1;
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests;
