//! The edge of the fleet: do the sites' names resolve to the proxy, and does the deployed
//! proxy file send each name to its container?

use std::collections::BTreeSet;

use super::{Collector, short_list};
use crate::inventory::{Site, SiteState};
use crate::ops::check::nginx::{passes_to, rule_for};
use crate::ops::check::{
    CheckInput, DnsAnswer, DnsCheck, Finding, Kind, ProxyCheck, Severity, Target,
};

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
                    Finding::new(
                        Kind::DnsMismatch,
                        Severity::Error,
                        format!(
                            "{domain} resolves to {got}, not to the proxy's {want} ({servers})"
                        ),
                    )
                    .domain(domain)
                    .expected(want.clone())
                    .actual(got.clone())
                    .target(domain_target(domain)),
                );
            }
            DnsAnswer::Addresses(_) | DnsAnswer::NoRecord => out.push(
                Finding::new(
                    Kind::DnsMissing,
                    Severity::Error,
                    format!("{domain} has no A record on {servers}; it should point to {want}"),
                )
                .domain(domain)
                .expected(want.clone())
                .target(domain_target(domain)),
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
        Finding::new(
            Kind::NodeUnreachable,
            Severity::Error,
            format!(
                "DNS servers {servers}: {} of {} failed ({}); DNS not checked for {}",
                failed.len(),
                crate::plural::plural(total, "lookup", "lookups"),
                reasons.join("; "),
                short_list(&domains)
            ),
        )
        .expected(format!("answers from {servers}"))
        .actual(reasons.join("; "))
        .target(Target::default()),
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
                Finding::new(
                    Kind::ProxyMissing,
                    Severity::Error,
                    format!("cannot read {path} on {node} ({error}): proxy rules not checked"),
                )
                .node(node.as_str())
                .expected(path.clone())
                .actual(error.clone())
                .target(Target {
                    node: Some(node.clone()),
                    ..Target::default()
                }),
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
        // A swarm site passes to its upstream (README "Sites on a swarm").
        let swarm = input.swarm_sites.iter().find(|s| s.domain == domain);
        let want = match swarm {
            Some(s) => format!("http://{}", s.service),
            None => format!("http://{}:{port}", site.ip),
        };
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
                Finding::new(Kind::ProxyMissing, Severity::Error, message)
                    .domain(domain)
                    .node(node.as_str())
                    .expected(want)
                    .target(target),
            );
            continue;
        };
        let ip = site.ip.to_string();
        let passes = |p: &str| match swarm {
            Some(_) => p.trim_end_matches('/') == want,
            None => passes_to(p, &ip, port),
        };
        if rule.proxy_pass.as_deref().is_some_and(passes) {
            continue;
        }
        let actual = rule
            .proxy_pass
            .clone()
            .unwrap_or_else(|| "no proxy_pass".into());
        out.push(
            Finding::new(
                Kind::ProxyStale,
                Severity::Error,
                format!(
                    "{path}:{} sends {domain} to {actual}, not {want}: rebuild the proxy rules",
                    rule.line
                ),
            )
            .domain(domain)
            .node(node.as_str())
            .expected(want.clone())
            .actual(actual.clone())
            .target(target),
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
            let message = format!(
                "{path}:{} serves {name}, which the inventory does not have: rebuild the proxy rules",
                rule.line
            );
            out.push(
                Finding::new(Kind::ProxyStale, Severity::Error, message)
                    .domain(name.as_str())
                    .node(node.as_str())
                    .expected("no rule (not in the inventory)".to_string())
                    .actual(actual)
                    .target(Target {
                        node: Some(node.clone()),
                        container: None,
                        domain: Some(name.clone()),
                    }),
            );
        }
    }
}
