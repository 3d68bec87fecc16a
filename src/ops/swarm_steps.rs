//! The Docker calls of a swarm site's create and delete (README "Sites on a swarm"), made
//! on a manager: the VLAN's overlay network, the service, and the ports the swarm's
//! services already publish. Each bounded and turned into one line, as `docker_steps`.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    EndpointSpec, EndpointSpecModeEnum, NetworkAttachmentConfig, NetworkCreateRequest, ServiceSpec,
    ServiceSpecMode, ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec, TaskSpecPlacement,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};
use bollard::query_parameters::{ListNodesOptions, ListServicesOptions, ListTasksOptions};

use super::create::{CreatePlan, NetworkSpec, ServicePlan};
use super::docker_steps::{
    Removal, StepError, bounded, describe, matching_subnet, network_subnets, status,
};
use crate::config::Publish;
use crate::swarm::{SwarmNode, SwarmTask, map};
use crate::transport::docker::DockerClient;

/// Make sure the VLAN's overlay network exists on the swarm (subnet and gateway from the
/// VLAN, attachable so a hand-run container can join it to debug). `Ok(true)` when this
/// call created it.
pub async fn ensure_overlay(
    client: &DockerClient,
    net: &NetworkSpec,
    vlan: u16,
    limit: Duration,
) -> Result<bool, StepError> {
    if let Some(subnets) = network_subnets(client, &net.name, limit).await? {
        return matching_subnet(net, vlan, &subnets).map(|()| false);
    }
    let request = NetworkCreateRequest {
        driver: Some("overlay".into()),
        scope: Some("swarm".into()),
        attachable: Some(true),
        ..super::docker_steps::vlan_network_request(net, vlan)
    };
    match bounded(
        limit,
        "creating the overlay network",
        client.api().create_network(request),
    )
    .await?
    {
        Ok(_) => Ok(true),
        Err(e) => Err(StepError(format!(
            "creating overlay network {}: {}",
            net.name,
            describe(e)
        ))),
    }
}

/// Every port the swarm's services publish now (host or ingress mode), fleetdeck's or not.
pub async fn published_ports(
    client: &DockerClient,
    limit: Duration,
) -> Result<Vec<u16>, StepError> {
    let listed = bounded(
        limit,
        "listing the services",
        client.api().list_services(None::<ListServicesOptions>),
    )
    .await?
    .map_err(|e| StepError(format!("listing the swarm's services: {}", describe(e))))?;
    Ok(listed
        .iter()
        .filter_map(|s| s.endpoint.as_ref()?.ports.as_ref())
        .flatten()
        .filter_map(|p| u16::try_from(p.published_port?).ok())
        .collect())
}

/// The service spec of a plan. Pure.
pub fn service_spec(plan: &CreatePlan, service: &ServicePlan, port: u16) -> ServiceSpec {
    let labels: HashMap<String, String> = plan.labels.clone().into_iter().collect();
    let (endpoint_mode, publish_mode) = match service.publish {
        // Host-mode ports need no routing mesh; `dnsrr` keeps the service off IPVS, which
        // a VIP needs and small VMs often lack (the lab's kernel does).
        Publish::Host => (
            EndpointSpecModeEnum::DNSRR,
            EndpointPortConfigPublishModeEnum::HOST,
        ),
        Publish::Ingress => (
            EndpointSpecModeEnum::VIP,
            EndpointPortConfigPublishModeEnum::INGRESS,
        ),
    };
    ServiceSpec {
        name: Some(service.name.clone()),
        labels: Some(labels),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(plan.image.clone()),
                ..Default::default()
            }),
            restart_policy: Some(TaskSpecRestartPolicy {
                condition: Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE),
                ..Default::default()
            }),
            // Two tasks on one node would both want the node's port.
            placement: Some(TaskSpecPlacement {
                max_replicas: Some(1),
                ..Default::default()
            }),
            networks: Some(vec![NetworkAttachmentConfig {
                target: Some(plan.network.name.clone()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(i64::from(service.replicas)),
            }),
            ..Default::default()
        }),
        endpoint_spec: Some(EndpointSpec {
            mode: Some(endpoint_mode),
            ports: Some(vec![EndpointPortConfig {
                protocol: Some(EndpointPortConfigProtocolEnum::TCP),
                target_port: Some(i64::from(plan.port)),
                published_port: Some(i64::from(port)),
                publish_mode: Some(publish_mode),
                ..Default::default()
            }]),
        }),
        ..Default::default()
    }
}

/// Create the service; returns its id.
pub async fn create_service(
    client: &DockerClient,
    spec: ServiceSpec,
    limit: Duration,
) -> Result<String, StepError> {
    let name = spec.name.clone().unwrap_or_default();
    let created = bounded(
        limit,
        "creating the service",
        client.api().create_service(spec, None),
    )
    .await?
    .map_err(|e| StepError(format!("creating service {name}: {}", describe(e))))?;
    created
        .id
        .ok_or_else(|| StepError(format!("creating service {name}: the engine gave no id")))
}

/// A service as the manager sees it: id and labels; `Ok(None)` when there is none.
pub async fn inspect_service(
    client: &DockerClient,
    name_or_id: &str,
    limit: Duration,
) -> Result<Option<(String, HashMap<String, String>)>, StepError> {
    match bounded(
        limit,
        "inspecting the service",
        client.api().inspect_service(name_or_id, None),
    )
    .await?
    {
        Ok(s) => Ok(Some((
            s.id.unwrap_or_default(),
            s.spec.and_then(|sp| sp.labels).unwrap_or_default(),
        ))),
        Err(e) if status(&e) == Some(404) => Ok(None),
        Err(e) => Err(StepError(format!(
            "inspecting service {name_or_id}: {}",
            describe(e)
        ))),
    }
}

/// Remove a service; the swarm then stops its tasks on every node.
pub async fn remove_service(client: &DockerClient, name_or_id: &str, limit: Duration) -> Removal {
    match bounded(
        limit,
        "removing the service",
        client.api().delete_service(name_or_id),
    )
    .await
    {
        Err(StepError(why)) => Removal::Unknown(why),
        Ok(Ok(())) => Removal::Removed,
        Ok(Err(e)) if status(&e) == Some(404) => Removal::Absent,
        Ok(Err(e)) => Removal::Unknown(describe(e)),
    }
}

/// Every task of one service, history included (a task that failed and was replaced is
/// where the engine says why).
pub async fn service_tasks(
    client: &DockerClient,
    service_id: &str,
    limit: Duration,
) -> Result<Vec<SwarmTask>, StepError> {
    let options = ListTasksOptions {
        filters: Some(HashMap::from([(
            "service".to_string(),
            vec![service_id.to_string()],
        )])),
    };
    let listed = bounded(
        limit,
        "listing the service's tasks",
        client.api().list_tasks(Some(options)),
    )
    .await?
    .map_err(|e| StepError(format!("listing the tasks: {}", describe(e))))?;
    Ok(listed.into_iter().map(map::task).collect())
}

/// The swarm's nodes, to name the one a task ran on.
pub async fn swarm_nodes(
    client: &DockerClient,
    limit: Duration,
) -> Result<Vec<SwarmNode>, StepError> {
    let listed = bounded(
        limit,
        "listing the swarm's nodes",
        client.api().list_nodes(None::<ListNodesOptions>),
    )
    .await?
    .map_err(|e| StepError(format!("listing the swarm's nodes: {}", describe(e))))?;
    Ok(map::nodes(listed))
}
