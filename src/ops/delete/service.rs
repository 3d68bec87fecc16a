//! Deleting a swarm site (README "Sites on a swarm"): its service goes (the swarm stops
//! every task), then its row, which frees its address and its port.

use std::time::Duration;

use serde::Serialize;

use super::{DeleteError, DeletePlan};
use crate::config::Config;
use crate::inventory::{Site, SwarmSite};
use crate::ops::docker_steps::{Removal, StepError};
use crate::ops::{Progress, labels, swarm_steps};
use crate::transport::docker::DockerClient;

/// The service a delete removes; `id` is `None` when it is already gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceGone {
    pub name: String,
    pub swarm: String,
    pub published_port: u16,
    pub id: Option<String>,
}

impl ServiceGone {
    pub fn line(&self, manager: &str) -> String {
        match &self.id {
            Some(id) => format!(
                "  service    {} ({}) on swarm {} via {manager}, port {}: removed with its tasks",
                self.name,
                crate::ops::create::short(id),
                self.swarm,
                self.published_port
            ),
            None => format!(
                "  service    {} not found on swarm {} (already gone); port {} is freed",
                self.name, self.swarm, self.published_port
            ),
        }
    }
}

/// Ask the swarm's first manager about the site's service.
pub(super) async fn plan<F, Fut>(
    config: &Config,
    site: &Site,
    row: &SwarmSite,
    docker_for: F,
    limit: Duration,
) -> Result<DeletePlan, DeleteError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<DockerClient, String>>,
{
    let manager = config
        .swarms
        .iter()
        .find(|s| s.name == row.swarm)
        .and_then(|s| s.managers.first())
        .cloned()
        .ok_or_else(|| DeleteError::NoNode {
            domain: site.domain.clone(),
            vlan: site.vlan,
        })?;
    let client = docker_for(manager.clone())
        .await
        .map_err(|why| DeleteError::Unreachable {
            node: manager.clone(),
            why,
        })?;
    let found = swarm_steps::inspect_service(&client, &row.service, limit)
        .await
        .map_err(|StepError(why)| DeleteError::Unreachable {
            node: manager.clone(),
            why,
        })?;
    let id = match found {
        None => None,
        Some((id, found)) if labels::belong_to(&found, &site.domain, &site.login, site.vlan) => {
            Some(id)
        }
        // Same name, not this site's labels: fleetdeck did not make it, never removed.
        Some(_) => {
            return Err(DeleteError::Unlabelled {
                name: row.service.clone(),
                node: manager,
            });
        }
    };
    Ok(DeletePlan {
        domain: site.domain.clone(),
        node: manager,
        ip: site.ip.to_string(),
        container: None,
        proxy_rule: true,
        left_alone: None,
        service: Some(ServiceGone {
            name: row.service.clone(),
            swarm: row.swarm.clone(),
            published_port: row.published_port,
            id,
        }),
    })
}

pub(super) async fn remove(
    s: &ServiceGone,
    manager: &str,
    docker: &DockerClient,
    progress: &dyn Progress,
    limit: Duration,
) -> Result<(), DeleteError> {
    let Some(id) = &s.id else {
        return Ok(());
    };
    progress.step(&format!(
        "removing service {} on swarm {} (via {manager})",
        s.name, s.swarm
    ));
    match swarm_steps::remove_service(docker, id, limit).await {
        Removal::Removed | Removal::Absent => Ok(()),
        Removal::Unknown(why) => Err(DeleteError::Container(format!(
            "removing service {}: {why}",
            s.name
        ))),
    }
}
