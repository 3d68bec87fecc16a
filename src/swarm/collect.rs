//! Asking one engine about its swarm: `/info` always; `/nodes`, `/services` and `/tasks`
//! only when it is a manager (a worker answers those with an error). GETs through the
//! client's chokepoint (ARCHITECTURE.md, "Where read-only mode is enforced"), each
//! answer bounded like the container list.

use bollard::models::{Node, Service, Task};

use super::SwarmFacts;
use super::map::{self, Info};
use crate::collect::docker::LIST_LIMIT;
use crate::transport::{DockerClient, DockerError};

/// `/info` is small; a bigger answer is a broken engine.
const INFO_LIMIT: usize = 1024 * 1024;

/// The node's swarm facts; `Ok(None)` when its engine is in no active swarm.
pub async fn collect(client: &DockerClient) -> Result<Option<SwarmFacts>, DockerError> {
    let info: Info = client.get_as("/info", INFO_LIMIT).await?;
    let Some(mut facts) = map::facts_from_info(&info) else {
        return Ok(None);
    };
    if facts.manager {
        // A manager that cannot answer (no quorum) is still a member: its membership
        // stays, the reason goes with it.
        match cluster(client, &info).await {
            Ok(state) => facts.cluster = Some(state),
            Err(e) => facts.cluster_error = Some(e.to_string()),
        }
    }
    Ok(Some(facts))
}

async fn cluster(client: &DockerClient, info: &Info) -> Result<super::ClusterState, DockerError> {
    // One after the other on the kept connection, as `collect::docker::collect`.
    let nodes: Vec<Node> = client.get_as("/nodes", LIST_LIMIT).await?;
    // `status=true` adds RunningTasks/DesiredTasks, counted by the manager itself.
    let services: Vec<Service> = client.get_as("/services?status=true", LIST_LIMIT).await?;
    let tasks: Vec<Task> = client.get_as("/tasks", LIST_LIMIT).await?;
    Ok(map::cluster(info, nodes, services, tasks))
}
