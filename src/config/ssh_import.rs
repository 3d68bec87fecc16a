//! `fleetdeck init --from-ssh-config`: a starting list of nodes from the `Host` entries of
//! an OpenSSH client config. Only what a first config needs is read here (aliases and
//! `ProxyJump`); connecting resolves the full config later.

use std::path::Path;

/// One concrete `Host` alias, and the alias it jumps through when that is also a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedHost {
    pub alias: String,
    pub jump: Option<String>,
}

/// Aliases of `Host` lines, in file order, without wildcard or negated patterns, and
/// without duplicates.
pub fn hosts_from_text(text: &str) -> Vec<ImportedHost> {
    let mut hosts: Vec<ImportedHost> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for line in text.lines() {
        let Some((keyword, args)) = split_directive(line) else {
            continue;
        };
        match keyword.to_ascii_lowercase().as_str() {
            "host" => {
                current.clear();
                for alias in args.split_whitespace().map(unquote) {
                    if alias.contains(['*', '?', '!']) || alias.is_empty() {
                        continue;
                    }
                    match hosts.iter().position(|h| h.alias == alias) {
                        Some(i) => current.push(i),
                        None => {
                            hosts.push(ImportedHost {
                                alias: alias.to_string(),
                                jump: None,
                            });
                            current.push(hosts.len() - 1);
                        }
                    }
                }
            }
            "match" => current.clear(),
            "proxyjump" => {
                // OpenSSH keeps the first value it sees; a chain `a,b` starts at `a`.
                let first = args.split(',').next().map(unquote).unwrap_or_default();
                for &i in &current {
                    if hosts[i].jump.is_none() && !first.is_empty() && first != "none" {
                        hosts[i].jump = Some(first.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let aliases: Vec<String> = hosts.iter().map(|h| h.alias.clone()).collect();
    for host in &mut hosts {
        // A jump through something that is not itself a node stays in the ssh config.
        if host.jump.as_ref().is_some_and(|j| !aliases.contains(j)) {
            host.jump = None;
        }
    }
    hosts
}

pub fn hosts_from_file(path: &Path) -> std::io::Result<Vec<ImportedHost>> {
    Ok(hosts_from_text(&std::fs::read_to_string(path)?))
}

/// `Keyword args`, `Keyword=args` or tab-separated; comments and blank lines give `None`.
fn split_directive(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line.find(|c: char| c.is_whitespace() || c == '=')?;
    let (keyword, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
    Some((keyword, rest))
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aliases_skips_patterns_and_keeps_known_jumps() {
        let text = "\
# comment
Host bastion
    HostName 203.0.113.1
Host teemo\tteemo-alt
\tProxyJump bastion
Host *.lan !secret web?
    User admin
Host=db
  ProxyJump=elsewhere,bastion
Match host x
  ProxyJump teemo
Host teemo
";
        let hosts = hosts_from_text(text);
        let aliases: Vec<&str> = hosts.iter().map(|h| h.alias.as_str()).collect();
        assert_eq!(aliases, ["bastion", "teemo", "teemo-alt", "db"]);
        assert_eq!(hosts[1].jump.as_deref(), Some("bastion"));
        assert_eq!(hosts[2].jump.as_deref(), Some("bastion"));
        assert_eq!(hosts[0].jump, None);
        assert_eq!(hosts[3].jump, None, "jump through a non-node is dropped");
    }
}
