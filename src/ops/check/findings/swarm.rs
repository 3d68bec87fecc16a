//! `service_degraded`: a service of a declared swarm runs fewer tasks than it wants, as
//! its manager counts them (README "Docker Swarm"). A swarm no manager answered for is
//! a skipped check, said why.

use super::{CheckInput, Collector, Finding, Kind, Severity, Target};

pub(super) fn degraded(input: &CheckInput<'_>, out: &mut Collector) {
    for (name, read) in &input.swarms {
        let (manager, cluster) = match read {
            Ok(found) => found,
            Err(why) => {
                out.skipped.push(format!("swarm {name} not checked: {why}"));
                continue;
            }
        };
        for s in &cluster.services {
            if s.running >= s.desired {
                continue;
            }
            // Why, when a task says: the newest error among its current tasks.
            let why = s
                .tasks
                .iter()
                .filter_map(|t| t.error.as_deref())
                .next_back()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            let message = format!(
                "service {} of swarm {name}: {} of {} running{why}",
                s.name,
                s.running,
                crate::plural::plural(s.desired as usize, "task", "tasks")
            );
            out.push(
                Finding::new(Kind::ServiceDegraded, Severity::Error, message)
                    .node(manager.as_str())
                    .domain(s.labels.get(super::LABEL_DOMAIN).map(String::as_str))
                    .expected(format!("{} running", s.desired))
                    .actual(format!("{} running", s.running))
                    .target(Target {
                        node: Some(manager.clone()),
                        ..Target::default()
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::{ClusterState, SwarmService, SwarmTask};

    fn service(name: &str, running: u64, desired: u64, error: Option<&str>) -> SwarmService {
        SwarmService {
            id: format!("id-{name}"),
            name: name.into(),
            mode: "replicated".into(),
            running,
            desired,
            image: "img".into(),
            ports: Vec::new(),
            update_state: None,
            labels: Default::default(),
            tasks: vec![SwarmTask {
                id: "t".into(),
                slot: Some(1),
                node_id: None,
                state: "pending".into(),
                desired_state: "running".into(),
                error: error.map(str::to_string),
                created_at: None,
            }],
            failed: Vec::new(),
        }
    }

    #[test]
    fn fewer_running_than_desired_is_a_finding_and_an_unread_swarm_is_skipped() {
        let config = crate::config::Config::builtin_default();
        let cluster = ClusterState {
            spec_name: "default".into(),
            nodes: Vec::new(),
            services: vec![
                service("ok", 2, 2, None),
                service("web", 1, 3, Some("no suitable node")),
                service("scaled-to-zero", 0, 0, None),
            ],
        };
        let input = CheckInput {
            config: &config,
            sites: &[],
            nodes: Default::default(),
            dns: crate::ops::check::DnsCheck::Skipped(String::new()),
            proxy: crate::ops::check::ProxyCheck::Skipped(String::new()),
            reached: Default::default(),
            hosts: Default::default(),
            swarm_sites: Vec::new(),
            upstreams: None,
            swarms: [
                ("prod".to_string(), Ok(("alpha".to_string(), cluster))),
                (
                    "lost".to_string(),
                    Err("alpha: connection refused".to_string()),
                ),
            ]
            .into(),
        };
        let mut out = Collector::default();
        degraded(&input, &mut out);
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert_eq!(f.kind.as_str(), "service_degraded");
        assert_eq!(f.node.as_deref(), Some("alpha"));
        assert_eq!(
            f.message,
            "service web of swarm prod: 1 of 3 tasks running (no suitable node)"
        );
        assert_eq!(
            (f.expected.as_deref(), f.actual.as_deref()),
            (Some("3 running"), Some("1 running"))
        );
        assert_eq!(
            out.skipped,
            ["swarm lost not checked: alpha: connection refused"]
        );
    }
}
