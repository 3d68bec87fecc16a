//! Which container a `TARGET` names: a container name, an id prefix, or a site's domain,
//! optionally `NODE/NAME`. Pure: the live container lists and the inventory are handed in,
//! so the CLI and the console resolve the same way and the rules are unit-tested.

use std::fmt;

use crate::fleet::docker::ContainerInfo;
use crate::inventory::Site;
use crate::ops::labels;

/// The containers one node's engine listed.
#[derive(Debug, Clone)]
pub struct NodeContainers {
    pub node: String,
    pub containers: Vec<ContainerInfo>,
}

/// One container, found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub node: String,
    pub id: String,
    pub name: String,
    /// The site this container serves, when the inventory or its labels say so.
    pub domain: Option<String>,
    pub state: String,
}

impl Resolved {
    /// `node/name`, the unambiguous spelling.
    pub fn qualified(&self) -> String {
        format!("{}/{}", self.node, self.name)
    }

    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// Several containers answer to the name; each is listed as `node/name (id)`.
    Ambiguous {
        target: String,
        candidates: Vec<String>,
    },
    /// Nothing answers to it; `near` lists containers whose names contain it, and
    /// `unreachable` the nodes that could not be asked.
    Unknown {
        target: String,
        near: Vec<String>,
        unreachable: Vec<String>,
    },
    /// `NODE/NAME` names a node the config does not have.
    UnknownNode { node: String, known: Vec<String> },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Ambiguous { target, candidates } => write!(
                f,
                "`{target}` names {} containers: {}; say which with NODE/NAME or a longer id",
                candidates.len(),
                candidates.join(", ")
            ),
            ResolveError::Unknown {
                target,
                near,
                unreachable,
            } => {
                write!(f, "no container, id or site domain `{target}`")?;
                if !near.is_empty() {
                    write!(f, "; similar: {}", near.join(", "))?;
                }
                if !unreachable.is_empty() {
                    write!(f, "; not asked (unreachable): {}", unreachable.join(", "))?;
                }
                Ok(())
            }
            ResolveError::UnknownNode { node, known } => write!(
                f,
                "no node `{node}` in the config; nodes: {}",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for ResolveError {}

/// How strongly a container matches: an exact name, full id or domain beats an id prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    Exact,
    Prefix,
}

/// Split `NODE/NAME`; a target without a slash is searched on every node.
pub fn split_target(target: &str) -> (Option<&str>, &str) {
    match target.split_once('/') {
        Some((node, name)) if !node.is_empty() && !name.is_empty() => (Some(node), name),
        _ => (None, target),
    }
}

/// Resolve `target` among the listed containers. `unreachable` names nodes that could not
/// be listed (they are mentioned when nothing matched, since the target may be there).
pub fn resolve(
    target: &str,
    live: &[NodeContainers],
    sites: &[Site],
    unreachable: &[String],
) -> Result<Resolved, ResolveError> {
    let (node_filter, name) = split_target(target.trim());
    let known: Vec<String> = live
        .iter()
        .map(|n| n.node.clone())
        .chain(unreachable.iter().cloned())
        .collect();
    if let Some(node) = node_filter
        && !known.iter().any(|k| k == node)
    {
        return Err(ResolveError::UnknownNode {
            node: node.to_string(),
            known,
        });
    }
    let wanted_domain = name.to_ascii_lowercase();
    let mut found: Vec<(Strength, Resolved)> = Vec::new();
    for listed in live
        .iter()
        .filter(|n| node_filter.is_none_or(|f| f == n.node))
    {
        for c in &listed.containers {
            let domain = domain_of(&listed.node, c, sites);
            let strength = if c.name == name
                || c.id == name
                || domain.as_deref() == Some(wanted_domain.as_str())
            {
                Some(Strength::Exact)
            } else if is_id_prefix(name) && c.id.starts_with(name) {
                Some(Strength::Prefix)
            } else {
                None
            };
            if let Some(strength) = strength {
                found.push((
                    strength,
                    Resolved {
                        node: listed.node.clone(),
                        id: c.id.clone(),
                        name: c.name.clone(),
                        domain,
                        state: c.state.clone(),
                    },
                ));
            }
        }
    }
    let best = found.iter().map(|(s, _)| *s).min();
    let mut best: Vec<Resolved> = found
        .into_iter()
        .filter(|(s, _)| Some(*s) == best)
        .map(|(_, r)| r)
        .collect();
    match best.len() {
        1 => Ok(best.remove(0)),
        0 => Err(ResolveError::Unknown {
            target: target.to_string(),
            near: near(name, live, node_filter),
            unreachable: unreachable
                .iter()
                .filter(|u| node_filter.is_none_or(|f| f == u.as_str()))
                .cloned()
                .collect(),
        }),
        _ => Err(ResolveError::Ambiguous {
            target: target.to_string(),
            candidates: best
                .iter()
                .map(|r| format!("{} ({})", r.qualified(), r.short_id()))
                .collect(),
        }),
    }
}

/// The site a container serves: by its label, else by the inventory row of its node that
/// records its id or its derived name.
fn domain_of(node: &str, c: &ContainerInfo, sites: &[Site]) -> Option<String> {
    if let Some(d) = c.labels.get(labels::DOMAIN) {
        return Some(d.to_ascii_lowercase());
    }
    sites
        .iter()
        .find(|s| {
            s.node.as_deref().is_none_or(|n| n == node)
                && (s.container_id.as_deref() == Some(c.id.as_str())
                    || c.name == crate::validate::container_name_for(&s.domain))
        })
        .map(|s| s.domain.clone())
}

/// Docker accepts any unique prefix of the hex id.
fn is_id_prefix(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Up to ten containers whose names contain `name`, to suggest when nothing matched.
fn near(name: &str, live: &[NodeContainers], node_filter: Option<&str>) -> Vec<String> {
    let needle = name.to_ascii_lowercase();
    live.iter()
        .filter(|n| node_filter.is_none_or(|f| f == n.node))
        .flat_map(|n| {
            n.containers
                .iter()
                .filter(|c| c.name.to_ascii_lowercase().contains(&needle))
                .map(move |c| format!("{}/{}", n.node, c.name))
        })
        .take(10)
        .collect()
}

#[cfg(test)]
mod tests;
