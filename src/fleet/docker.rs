//! What a node's Docker engine holds, as the model keeps it: containers in every state
//! with their networks, IPs, labels and health, and the networks themselves. Plain data:
//! `collect::docker` fills it from the engine (ARCHITECTURE.md "Layers"). The field
//! names and their order are the `tree --json` and master protocol shape.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerNet {
    pub network: String,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    pub image: String,
    /// Docker's word: created, running, paused, restarting, exited, removing, dead.
    pub state: String,
    /// Docker's human status, e.g. "Up 3 hours".
    pub status: String,
    /// What its healthcheck says; `None` without a healthcheck (or when not running).
    pub health: Option<ContainerHealth>,
    pub networks: Vec<ContainerNet>,
    pub labels: BTreeMap<String, String>,
    /// How often the engine restarted it (`RestartCount` of its inspect; the list has
    /// none): `None` until asked, or when the engine did not answer
    /// (`collect/docker/restarts.rs`).
    pub restarts: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkInfo {
    pub id: String,
    pub name: String,
    pub driver: String,
    /// The Linux bridge behind a `bridge` network.
    pub bridge: Option<String>,
    pub subnets: Vec<String>,
    pub gateways: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DockerFacts {
    pub containers: Vec<ContainerInfo>,
    pub networks: Vec<NetworkInfo>,
}

/// What the healthcheck last concluded. A container without a healthcheck has none
/// (`Option::None` where it is held), so `null` in `tree --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerHealth {
    Healthy,
    Unhealthy,
    /// Inside the start period, or no probe has concluded yet.
    Starting,
}

impl ContainerHealth {
    /// The word used in JSON and on screen (Docker's own).
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerHealth::Healthy => "healthy",
            ContainerHealth::Unhealthy => "unhealthy",
            ContainerHealth::Starting => "starting",
        }
    }
}

#[cfg(test)]
impl ContainerInfo {
    /// A running container `name` with id `id-<name>` and nothing else, for unit tests.
    pub fn running_for_test(name: &str) -> ContainerInfo {
        ContainerInfo {
            id: format!("id-{name}"),
            name: name.to_string(),
            image: "img".into(),
            state: "running".into(),
            status: String::new(),
            health: None,
            networks: Vec::new(),
            labels: Default::default(),
            restarts: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_words_match_serde() {
        use ContainerHealth::*;
        for h in [Healthy, Unhealthy, Starting] {
            assert_eq!(serde_json::to_value(h).expect("serializes"), h.as_str());
        }
    }

    /// The shape `tree --json` and the master's protocol carry: field names in this
    /// order. A change here is a change of contract.
    #[test]
    fn container_fields_in_contract_order() {
        let mut c = ContainerInfo::running_for_test("fd-a.lab");
        c.health = Some(ContainerHealth::Starting);
        c.networks.push(ContainerNet {
            network: "vlan110".into(),
            ip: None,
        });
        let facts = DockerFacts {
            containers: vec![c],
            networks: vec![NetworkInfo {
                id: "n1".into(),
                name: "vlan110".into(),
                driver: "bridge".into(),
                bridge: Some("br-n1".into()),
                subnets: vec!["10.0.110.0/24".into()],
                gateways: Vec::new(),
            }],
        };
        assert_eq!(
            serde_json::to_string(&facts).expect("serializes"),
            concat!(
                r#"{"containers":[{"id":"id-fd-a.lab","name":"fd-a.lab","image":"img","#,
                r#""state":"running","status":"","health":"starting","#,
                r#""networks":[{"network":"vlan110","ip":null}],"labels":{},"restarts":null}],"#,
                r#""networks":[{"id":"n1","name":"vlan110","driver":"bridge","bridge":"br-n1","#,
                r#""subnets":["10.0.110.0/24"],"gateways":[]}]}"#
            )
        );
    }
}
