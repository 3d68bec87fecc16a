//! The Docker calls of create, delete and reconcile, each bounded by a timeout and each
//! turning the engine's answer into one line an operator can act on.

use std::collections::HashMap;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, Ipam, IpamConfig,
    NetworkCreateRequest, NetworkingConfig, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{CreateContainerOptions, RemoveContainerOptions};

use super::create::{CreatePlan, NetworkSpec};
use crate::transport::docker::{DockerClient, DockerError};

/// A failed Docker step, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError(pub String);

/// What a call that may not have reached the engine ended as.
pub enum Removal {
    Removed,
    /// There was nothing to remove.
    Absent,
    /// Unknown: the engine did not answer. The container may still exist.
    Unknown(String),
}

pub(super) fn status(err: &BollardError) -> Option<u16> {
    match err {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// One line for an engine error: its own message when it sent one.
pub(super) fn describe(err: BollardError) -> String {
    match err {
        BollardError::DockerResponseServerError { message, .. } => message,
        other => DockerError::from(other).to_string(),
    }
}

pub(super) async fn bounded<T>(
    limit: Duration,
    what: &str,
    call: impl Future<Output = Result<T, BollardError>>,
) -> Result<Result<T, BollardError>, StepError> {
    tokio::time::timeout(limit, call).await.map_err(|_| {
        StepError(format!(
            "{what}: no answer from the engine within {}s",
            limit.as_secs()
        ))
    })
}

/// The image must already be on the node: fleetdeck never pulls (fleets here often have
/// no registry access, and a pull would make a create take minutes).
pub async fn check_image(
    client: &DockerClient,
    image: &str,
    node: &str,
    limit: Duration,
) -> Result<(), StepError> {
    match bounded(
        limit,
        "checking the image",
        client.api().inspect_image(image),
    )
    .await?
    {
        Ok(_) => Ok(()),
        Err(e) if status(&e) == Some(404) => Err(StepError(format!(
            "image {image} is not on node {node}: load or pull it there first (fleetdeck never pulls)"
        ))),
        Err(e) => Err(StepError(format!(
            "checking image {image} on {node}: {}",
            describe(e)
        ))),
    }
}

/// A VLAN's network as the engine is asked to create it, whatever its driver: its name,
/// the VLAN's subnet and gateway, the VLAN label.
pub fn vlan_network_request(net: &NetworkSpec, vlan: u16) -> NetworkCreateRequest {
    NetworkCreateRequest {
        name: net.name.clone(),
        ipam: Some(Ipam {
            driver: Some("default".into()),
            config: Some(vec![IpamConfig {
                subnet: Some(net.subnet.to_string()),
                gateway: Some(net.gateway.to_string()),
                ..Default::default()
            }]),
            options: None,
        }),
        labels: Some(HashMap::from([(
            super::labels::VLAN.to_string(),
            vlan.to_string(),
        )])),
        ..Default::default()
    }
}

/// Make sure the VLAN's network exists with the configured subnet. `Ok(true)` when this
/// call created it (so an undo removes it again).
pub async fn ensure_network(
    client: &DockerClient,
    net: &NetworkSpec,
    vlan: u16,
    limit: Duration,
) -> Result<bool, StepError> {
    if let Some(subnets) = network_subnets(client, &net.name, limit).await? {
        return matching_subnet(net, vlan, &subnets).map(|()| false);
    }
    let request = NetworkCreateRequest {
        driver: Some("bridge".into()),
        options: Some(HashMap::from([(
            "com.docker.network.bridge.name".to_string(),
            net.bridge.clone(),
        )])),
        ..vlan_network_request(net, vlan)
    };
    let created = bounded(
        limit,
        "creating the network",
        client.api().create_network(request),
    )
    .await?;
    match created {
        Ok(_) => Ok(true),
        Err(e) => {
            // Another admin's create may be making it at this moment (the engine then
            // says the pool overlaps before the name is visible): that one will do.
            for _ in 0..10 {
                if let Some(subnets) = network_subnets(client, &net.name, limit).await? {
                    return matching_subnet(net, vlan, &subnets).map(|()| false);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(StepError(format!(
                "creating network {}: {}",
                net.name,
                describe(e)
            )))
        }
    }
}

/// The subnets of a network, or `None` when there is no such network.
pub(super) async fn network_subnets(
    client: &DockerClient,
    name: &str,
    limit: Duration,
) -> Result<Option<Vec<String>>, StepError> {
    match bounded(
        limit,
        "inspecting the network",
        client.api().inspect_network(name, None),
    )
    .await?
    {
        Ok(found) => Ok(Some(
            found
                .ipam
                .and_then(|i| i.config)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| c.subnet)
                .collect(),
        )),
        Err(e) if status(&e) == Some(404) => Ok(None),
        Err(e) => Err(StepError(format!(
            "inspecting network {name}: {}",
            describe(e)
        ))),
    }
}

pub(super) fn matching_subnet(
    net: &NetworkSpec,
    vlan: u16,
    subnets: &[String],
) -> Result<(), StepError> {
    let want = net.subnet.to_string();
    if subnets.contains(&want) {
        return Ok(());
    }
    let have = if subnets.is_empty() {
        "none".to_string()
    } else {
        subnets.join(", ")
    };
    Err(StepError(format!(
        "network {} exists with subnet {have} but VLAN {vlan} says {want}: fix the config or the network",
        net.name
    )))
}

/// Create the container with its static address and labels; returns its id.
pub async fn create_container(
    client: &DockerClient,
    plan: &CreatePlan,
    limit: Duration,
) -> Result<String, StepError> {
    let endpoint = EndpointSettings {
        ipam_config: Some(EndpointIpamConfig {
            ipv4_address: Some(plan.ip.to_string()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let body = ContainerCreateBody {
        image: Some(plan.image.clone()),
        labels: Some(plan.labels.clone().into_iter().collect()),
        host_config: Some(HostConfig {
            network_mode: Some(plan.network.name.clone()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(plan.network.name.clone(), endpoint)])),
        }),
        ..Default::default()
    };
    let options = CreateContainerOptions {
        name: Some(plan.container.clone()),
        ..Default::default()
    };
    match bounded(
        limit,
        "creating the container",
        client.api().create_container(Some(options), body),
    )
    .await?
    {
        Ok(created) => Ok(created.id),
        Err(e) if status(&e) == Some(409) => Err(StepError(format!(
            "a container named {} already exists on {} and is not this site's: remove it or pick another domain",
            plan.container, plan.node
        ))),
        Err(e) => Err(StepError(format!(
            "creating container {}: {}",
            plan.container,
            describe(e)
        ))),
    }
}

pub async fn start_container(
    client: &DockerClient,
    id: &str,
    name: &str,
    limit: Duration,
) -> Result<(), StepError> {
    match bounded(
        limit,
        "starting the container",
        client.api().start_container(id, None),
    )
    .await?
    {
        Ok(()) => Ok(()),
        Err(e) => Err(StepError(format!(
            "starting container {name}: {}",
            describe(e)
        ))),
    }
}

/// Force-remove a container by name or id (undo, delete, reconcile).
pub async fn remove_container(client: &DockerClient, name: &str, limit: Duration) -> Removal {
    let options = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    match bounded(
        limit,
        "removing the container",
        client.api().remove_container(name, Some(options)),
    )
    .await
    {
        Err(StepError(e)) => Removal::Unknown(e),
        Ok(Ok(())) => Removal::Removed,
        Ok(Err(e)) if status(&e) == Some(404) => Removal::Absent,
        Ok(Err(e)) => Removal::Unknown(format!("removing container {name}: {}", describe(e))),
    }
}

/// Remove a network this create made, if nothing else joined it meanwhile.
pub async fn remove_network_if_unused(
    client: &DockerClient,
    name: &str,
    limit: Duration,
) -> Result<(), StepError> {
    match bounded(
        limit,
        "removing the network",
        client.api().remove_network(name),
    )
    .await?
    {
        Ok(()) => Ok(()),
        Err(e) if status(&e) == Some(404) => Ok(()),
        Err(e) => Err(StepError(format!(
            "removing network {name}: {}",
            describe(e)
        ))),
    }
}

/// A site's container as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    pub name: String,
    /// `created`, `running`, `exited`...
    pub state: String,
    pub labels: std::collections::BTreeMap<String, String>,
    /// Address on each network it is attached to.
    pub ips: std::collections::BTreeMap<String, String>,
}

/// Look a container up by name or id. `Ok(None)` when the engine says there is none.
pub async fn inspect(
    client: &DockerClient,
    name_or_id: &str,
    limit: Duration,
) -> Result<Option<Found>, StepError> {
    match bounded(
        limit,
        "inspecting the container",
        client.api().inspect_container(name_or_id, None),
    )
    .await?
    {
        Ok(c) => {
            let config = c.config.unwrap_or_default();
            let ips = c
                .network_settings
                .and_then(|n| n.networks)
                .unwrap_or_default()
                .into_iter()
                .map(|(net, ep)| (net, ep.ip_address.unwrap_or_default()))
                .collect();
            Ok(Some(Found {
                id: c.id.unwrap_or_default(),
                name: c
                    .name
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_string(),
                state: c
                    .state
                    .and_then(|s| s.status)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "unknown".into()),
                labels: config.labels.unwrap_or_default().into_iter().collect(),
                ips,
            }))
        }
        Err(e) if status(&e) == Some(404) => Ok(None),
        Err(e) => Err(StepError(format!(
            "inspecting container {name_or_id}: {}",
            describe(e)
        ))),
    }
}

/// Stop (giving the site `grace` to exit) and remove a container.
pub async fn stop_and_remove(
    client: &DockerClient,
    name: &str,
    grace: Duration,
    limit: Duration,
) -> Removal {
    let options = bollard::query_parameters::StopContainerOptions {
        t: Some(i32::try_from(grace.as_secs()).unwrap_or(10)),
        signal: None,
    };
    // A stop that fails or times out is not fatal: the forced remove below kills it.
    let _ = bounded(
        limit + grace,
        "stopping the container",
        client.api().stop_container(name, Some(options)),
    )
    .await;
    remove_container(client, name, limit).await
}
