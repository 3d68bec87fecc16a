//! Reading a node's Docker engine into the model's `fleet::docker` types: containers in
//! every state with their networks, IPs and labels, and the networks themselves. Live
//! changes come from `/events`; the poll is the safety net.

use bollard::models::{ContainerSummary, EventMessage, EventMessageTypeEnum, Network};
use tokio::sync::mpsc;

use super::health;
use crate::fleet::docker::{ContainerInfo, ContainerNet, DockerFacts, NetworkInfo};
use crate::transport::{DockerClient, DockerError};

pub mod restarts;

pub use restarts::RestartCache;

/// The largest container or network list accepted from an engine: thousands of
/// containers take a few MiB; more is a hostile or broken engine, refused as an error of
/// that node ("sent more than N bytes").
pub const LIST_LIMIT: usize = 32 * 1024 * 1024;

/// Every container of the engine, in every state, sorted by name (what `check` needs),
/// without restart counts.
pub async fn containers(client: &DockerClient) -> Result<Vec<ContainerInfo>, DockerError> {
    let listed: Vec<ContainerSummary> = client.get_as("/containers/json?all=1", LIST_LIMIT).await?;
    let mut containers: Vec<ContainerInfo> = listed.into_iter().map(container_from).collect();
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(containers)
}

/// Containers (with their restart counts, as far as `restarts` knows them or can learn
/// them within [`restarts::BUDGET`]) and networks.
pub async fn collect(
    client: &DockerClient,
    restarts: &mut RestartCache,
) -> Result<DockerFacts, DockerError> {
    // One after the other on the client's kept connection: asked at once, the second
    // would need a connection of its own, and through SSH that can mean starting
    // `docker system dial-stdio` on the node again.
    let mut containers = containers(client).await?;
    let networks: Vec<Network> = client.get_as("/networks", LIST_LIMIT).await?;
    restarts::refresh(client, restarts, &mut containers, restarts::BUDGET).await;
    let mut facts = DockerFacts {
        containers,
        networks: networks.into_iter().map(network_from).collect(),
    };
    facts.networks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(facts)
}

pub fn container_from(s: ContainerSummary) -> ContainerInfo {
    let name = s
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default();
    let mut networks: Vec<ContainerNet> = s
        .network_settings
        .and_then(|ns| ns.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(network, endpoint)| ContainerNet {
            network,
            ip: endpoint.ip_address.filter(|ip| !ip.is_empty()),
        })
        .collect();
    networks.sort_by(|a, b| a.network.cmp(&b.network));
    let status = s.status.unwrap_or_default();
    ContainerInfo {
        id: s.id.unwrap_or_default(),
        name,
        image: s.image.unwrap_or_default(),
        state: s.state.map(|st| st.to_string()).unwrap_or_default(),
        health: health::of_summary(&status, s.health.as_ref()),
        status,
        networks,
        labels: s.labels.unwrap_or_default().into_iter().collect(),
        restarts: None,
    }
}

pub fn network_from(n: Network) -> NetworkInfo {
    let id = n.id.unwrap_or_default();
    let name = n.name.unwrap_or_default();
    let driver = n.driver.unwrap_or_default();
    let options = n.options.unwrap_or_default();
    let bridge = match driver.as_str() {
        "bridge" => Some(
            options
                .get("com.docker.network.bridge.name")
                .cloned()
                .unwrap_or_else(|| {
                    // Docker names the bridge of a user network br-<first 12 of the id>.
                    format!("br-{}", id.get(..12).unwrap_or(&id))
                }),
        ),
        _ => None,
    };
    let configs = n.ipam.and_then(|i| i.config).unwrap_or_default();
    NetworkInfo {
        subnets: configs.iter().filter_map(|c| c.subnet.clone()).collect(),
        gateways: configs.iter().filter_map(|c| c.gateway.clone()).collect(),
        id,
        name,
        driver,
        bridge,
    }
}

/// The `kind` of the change sent once the event stream is open: re-list to cover the gap.
pub const SUBSCRIBED: &str = "subscribed";

/// Something changed on the engine that the fleet model should pick up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerChange {
    pub kind: &'static str,
    pub action: String,
    pub id: String,
}

fn change_from(event: EventMessage) -> Option<DockerChange> {
    let kind = match event.typ? {
        EventMessageTypeEnum::CONTAINER => "container",
        EventMessageTypeEnum::NETWORK => "network",
        _ => return None,
    };
    let action = event.action.unwrap_or_default();
    // exec_* fire constantly (every healthcheck probe is an exec) and change nothing the
    // tree shows. `health_status: ...` is kept: the engine sends it only when the health
    // changes, and the tree shows the health.
    if action.starts_with("exec_") || action == "top" {
        return None;
    }
    Some(DockerChange {
        kind,
        action,
        id: event.actor.and_then(|a| a.id).unwrap_or_default(),
    })
}

/// Follow the engine's event stream until it ends or fails, sending every container or
/// network change. The caller re-polls on a change and restarts the watch when it ends.
pub async fn watch(
    client: &DockerClient,
    tx: mpsc::Sender<DockerChange>,
) -> Result<(), DockerError> {
    // `filters={"type":["container","network"]}`, percent-encoded. Read line by line
    // with a bound: a hostile engine's endless event cannot fill memory.
    let path = "/events?filters=%7B%22type%22%3A%5B%22container%22%2C%22network%22%5D%7D";
    let mut events = client.json_lines(path).await?;
    // The engine now sends every change; one made between the caller's last listing and
    // this moment has no event, so the caller lists once more (a container that exits
    // right after `docker run` would otherwise show running until the next listing).
    let subscribed = DockerChange {
        kind: SUBSCRIBED,
        action: String::new(),
        id: String::new(),
    };
    if tx.send(subscribed).await.is_err() {
        return Ok(());
    }
    while let Some(event) = events.next::<EventMessage>().await {
        let event = event?;
        if let Some(change) = change_from(event)
            && tx.send(change).await.is_err()
        {
            // Nobody listens any more.
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bollard::models::{
        ContainerSummaryNetworkSettings, ContainerSummaryStateEnum, EndpointSettings, EventActor,
        Ipam, IpamConfig,
    };

    use super::*;
    use crate::fleet::docker::ContainerHealth;

    #[test]
    fn summaries_become_containers_with_sorted_networks() {
        let summary = ContainerSummary {
            id: Some("abc123".into()),
            names: Some(vec!["/fd-blog.example.org".into()]),
            image: Some("fdlab/busybox:latest".into()),
            state: Some(ContainerSummaryStateEnum::RUNNING),
            status: Some("Up 2 minutes".into()),
            labels: Some(HashMap::from([(
                crate::contract::label::DOMAIN.into(),
                "blog.example.org".into(),
            )])),
            network_settings: Some(ContainerSummaryNetworkSettings {
                networks: Some(HashMap::from([
                    (
                        "vlan100".to_string(),
                        EndpointSettings {
                            ip_address: Some("10.2.0.10".into()),
                            ..Default::default()
                        },
                    ),
                    (
                        "bridge".to_string(),
                        EndpointSettings {
                            ip_address: Some(String::new()),
                            ..Default::default()
                        },
                    ),
                ])),
            }),
            ..Default::default()
        };
        let c = container_from(summary);
        assert_eq!(c.name, "fd-blog.example.org");
        assert_eq!(c.state, "running");
        assert_eq!(
            c.networks[0],
            ContainerNet {
                network: "bridge".into(),
                ip: None
            }
        );
        assert_eq!(c.networks[1].ip.as_deref(), Some("10.2.0.10"));
        assert_eq!(c.labels["fleetdeck.domain"], "blog.example.org");
        assert_eq!(c.health, None, "no healthcheck");
        let empty = container_from(ContainerSummary::default());
        assert_eq!((empty.name.as_str(), empty.state.as_str()), ("", ""));
    }

    #[test]
    fn the_health_comes_with_the_listing() {
        let summary = |status: &str| ContainerSummary {
            state: Some(ContainerSummaryStateEnum::RUNNING),
            status: Some(status.into()),
            ..Default::default()
        };
        let sick = container_from(summary("Up 12 seconds (unhealthy)"));
        assert_eq!(sick.health, Some(ContainerHealth::Unhealthy));
        assert_eq!(
            sick.status, "Up 12 seconds (unhealthy)",
            "status kept as is"
        );
        assert_eq!(
            container_from(summary("Up 1 second (health: starting)")).health,
            Some(ContainerHealth::Starting)
        );
    }

    #[test]
    fn bridge_networks_name_their_linux_bridge() {
        let named = Network {
            id: Some("0123456789abcdef".into()),
            name: Some("vlan100".into()),
            driver: Some("bridge".into()),
            options: Some(HashMap::from([(
                "com.docker.network.bridge.name".into(),
                "fdvlan100".into(),
            )])),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some("10.2.0.0/24".into()),
                    gateway: Some("10.2.0.254".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let n = network_from(named);
        assert_eq!(n.bridge.as_deref(), Some("fdvlan100"));
        assert_eq!(
            (n.subnets.as_slice(), n.gateways.as_slice()),
            (
                &["10.2.0.0/24".to_string()][..],
                &["10.2.0.254".to_string()][..]
            )
        );
        let unnamed = network_from(Network {
            id: Some("0123456789abcdef".into()),
            driver: Some("bridge".into()),
            ..Default::default()
        });
        assert_eq!(unnamed.bridge.as_deref(), Some("br-0123456789ab"));
        let host = network_from(Network {
            driver: Some("host".into()),
            ..Default::default()
        });
        assert_eq!(host.bridge, None);
    }

    #[test]
    fn only_meaningful_events_are_changes() {
        let event = |typ, action: &str| EventMessage {
            typ: Some(typ),
            action: Some(action.into()),
            actor: Some(EventActor {
                id: Some("abc".into()),
                attributes: None,
            }),
            ..Default::default()
        };
        assert_eq!(
            change_from(event(EventMessageTypeEnum::CONTAINER, "start")),
            Some(DockerChange {
                kind: "container",
                action: "start".into(),
                id: "abc".into()
            })
        );
        assert!(change_from(event(EventMessageTypeEnum::NETWORK, "connect")).is_some());
        assert!(change_from(event(EventMessageTypeEnum::CONTAINER, "exec_start: sh")).is_none());
        assert!(
            change_from(event(
                EventMessageTypeEnum::CONTAINER,
                "health_status: unhealthy"
            ))
            .is_some(),
            "a health change shows in the tree"
        );
        assert!(change_from(event(EventMessageTypeEnum::IMAGE, "pull")).is_none());
    }
}
