//! The edge of the fleet: do the sites' names resolve to the proxy, and does the deployed
//! proxy file send each name to its container?

use std::collections::BTreeSet;

use super::{Collector, short_list};
use crate::inventory::{Site, SiteState};
use crate::ops::check::nginx::{passes_to, rule_for};
use crate::ops::check::{CheckInput, DnsAnswer, DnsCheck, Kind, ProxyCheck, Severity, Target};

fn active<'a>(input: &'a CheckInput<'_>) -> impl Iterator<Item = &'a Site> {
    input.sites.iter().filter(|s| s.state == SiteState::Active)
}

fn domain_target(domain: &str) -> Target {
    Target {
        domain: Some(domain.to_string()),
        ..Target::default()
    }
}

pub(super) fn dns(input: &CheckInput<'_>, out: &mut Collector) {
    let (servers, expected, answers) = match &input.dns {
        DnsCheck::Skipped(why) => {
            out.skipped.push(format!("DNS not checked: {why}"));
            return;
        }
        DnsCheck::Checked {
            servers,
            expected,
            answers,
        } => (servers, expected, answers),
    };
    let want = expected.to_string();
    let mut failed: Vec<(String, String)> = Vec::new();
    for site in active(input) {
        let domain = site.domain.as_str();
        let answer = answers
            .get(domain)
            .cloned()
            .unwrap_or_else(|| DnsAnswer::Failed("not asked".into()));
        match answer {
            DnsAnswer::Addresses(ips) if !ips.is_empty() && ips.iter().all(|ip| ip == expected) => {
            }
            DnsAnswer::Addresses(ips) if !ips.is_empty() => {
                let got = ips
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(
                    Kind::DnsMismatch,
                    Severity::Error,
                    Some(domain),
                    None,
                    Some(want.clone()),
                    Some(got.clone()),
                    format!("{domain} resolves to {got}, not to the proxy's {want} ({servers})"),
                    domain_target(domain),
                );
            }
            DnsAnswer::Addresses(_) | DnsAnswer::NoRecord => out.push(
                Kind::DnsMissing,
                Severity::Error,
                Some(domain),
                None,
                Some(want.clone()),
                None,
                format!("{domain} has no A record on {servers}; it should point to {want}"),
                domain_target(domain),
            ),
            DnsAnswer::Failed(why) => failed.push((domain.to_string(), why)),
        }
    }
    if failed.is_empty() {
        return;
    }
    // One finding for the servers, not one per site: they are the problem.
    let total = active(input).count();
    let reasons: BTreeSet<&str> = failed.iter().map(|(_, why)| why.as_str()).collect();
    let reasons: Vec<&str> = reasons.into_iter().collect();
    let domains: Vec<String> = failed.iter().map(|(d, _)| d.clone()).collect();
    out.push(
        Kind::NodeUnreachable,
        Severity::Error,
        None,
        None,
        Some(format!("answers from {servers}")),
        Some(reasons.join("; ")),
        format!(
            "DNS servers {servers}: {} of {total} lookups failed ({}); DNS not checked for {}",
            failed.len(),
            reasons.join("; "),
            short_list(&domains)
        ),
        Target::default(),
    );
    out.unchecked.extend(domains);
}

pub(super) fn proxy(input: &CheckInput<'_>, out: &mut Collector) {
    let (node, path, rules) = match &input.proxy {
        ProxyCheck::Skipped(why) => {
            out.skipped.push(format!("proxy not checked: {why}"));
            return;
        }
        ProxyCheck::Unreachable { node, error } => {
            out.node_down(node, format!("cannot read the proxy file: {error}"));
            out.unchecked
                .extend(active(input).map(|s| s.domain.clone()));
            return;
        }
        ProxyCheck::Unreadable { node, path, error } => {
            out.push(
                Kind::ProxyMissing,
                Severity::Error,
                None,
                Some(node),
                Some(path.clone()),
                Some(error.clone()),
                format!("cannot read {path} on {node} ({error}): proxy rules not checked"),
                Target {
                    node: Some(node.clone()),
                    ..Target::default()
                },
            );
            out.unchecked
                .extend(active(input).map(|s| s.domain.clone()));
            return;
        }
        ProxyCheck::Read { node, path, rules } => (node, path, rules.as_deref()),
    };
    let port_default = input.config.containers.port;
    for site in active(input) {
        let domain = site.domain.as_str();
        let port = site.port.unwrap_or(port_default);
        let want = format!("http://{}:{port}", site.ip);
        let target = Target {
            node: Some(node.clone()),
            container: None,
            domain: Some(domain.to_string()),
        };
        let Some(rule) = rules.and_then(|r| rule_for(r, domain)) else {
            let message = match rules {
                None => format!("no rule for {domain}: {path} does not exist on {node}"),
                Some(_) => format!("no server block for {domain} in {path} on {node}"),
            };
            out.push(
                Kind::ProxyMissing,
                Severity::Error,
                Some(domain),
                Some(node),
                Some(want),
                None,
                message,
                target,
            );
            continue;
        };
        let ip = site.ip.to_string();
        if rule
            .proxy_pass
            .as_deref()
            .is_some_and(|p| passes_to(p, &ip, port))
        {
            continue;
        }
        let actual = rule
            .proxy_pass
            .clone()
            .unwrap_or_else(|| "no proxy_pass".into());
        out.push(
            Kind::ProxyStale,
            Severity::Error,
            Some(domain),
            Some(node),
            Some(want.clone()),
            Some(actual.clone()),
            format!(
                "{path}:{} sends {domain} to {actual}, not {want}: rebuild the proxy rules",
                rule.line
            ),
            target,
        );
    }
    // Rules left for sites the inventory no longer has (a delete that never reached the
    // proxy). Names that are not domains (`_`, wildcards) are not sites.
    let known: BTreeSet<&str> = input.sites.iter().map(|s| s.domain.as_str()).collect();
    for rule in rules.unwrap_or_default() {
        for name in &rule.names {
            if known.contains(name.as_str()) || crate::validate::domain(name).is_err() {
                continue;
            }
            let actual = rule
                .proxy_pass
                .clone()
                .unwrap_or_else(|| "no proxy_pass".into());
            out.push(
                Kind::ProxyStale,
                Severity::Error,
                Some(name),
                Some(node),
                Some("no rule (not in the inventory)".into()),
                Some(actual),
                format!(
                    "{path}:{} serves {name}, which the inventory does not have: rebuild the proxy rules",
                    rule.line
                ),
                Target {
                    node: Some(node.clone()),
                    container: None,
                    domain: Some(name.clone()),
                },
            );
        }
    }
}
