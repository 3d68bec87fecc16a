//! Start-up reconciliation of a swarm site's pending row (README "Sites on a swarm"): its
//! create was cut short. The service is adopted when the manager has it with this site's
//! labels; with no service the row (and its port) goes; anything else leaves it pending.

use std::time::Duration;

use super::docker_steps::StepError;
use super::reconcile::{Resolution, settle_left};
use super::{labels, swarm_steps};
use crate::config::Config;
use crate::inventory::{Inventory, InventoryError, Site, SwarmSite};
use crate::transport::docker::DockerClient;

/// What the manager's answer means for the row. Pure.
pub fn decide(
    site: &Site,
    found: Option<&(String, std::collections::HashMap<String, String>)>,
) -> Option<Result<String, String>> {
    match found {
        None => None,
        Some((id, l)) if labels::belong_to(l, &site.domain, &site.login, site.vlan) => {
            Some(Ok(id.clone()))
        }
        Some(_) => Some(Err(
            "a service of that name exists without this site's labels: remove it or the site by hand".into(),
        )),
    }
}

pub(super) async fn resolve<F, Fut>(
    config: &Config,
    inventory: &Inventory,
    docker_for: &F,
    site: &Site,
    row: &SwarmSite,
    limit: Duration,
) -> Result<Resolution, InventoryError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<DockerClient, String>>,
{
    let Some(manager) = config
        .swarms
        .iter()
        .find(|s| s.name == row.swarm)
        .and_then(|s| s.managers.first())
        .cloned()
    else {
        return Ok(Resolution::Left {
            why: format!("swarm {} has no manager in the config", row.swarm),
        });
    };
    let client = match docker_for(manager.clone()).await {
        Ok(c) => c,
        Err(e) => {
            return Ok(Resolution::Left {
                why: format!("manager {manager}: {e}"),
            });
        }
    };
    let look = || swarm_steps::inspect_service(&client, &row.service, limit);
    let mut found = match look().await {
        Ok(f) => f,
        Err(StepError(e)) => {
            return Ok(Resolution::Left {
                why: format!("manager {manager}: {e}"),
            });
        }
    };
    let wait = settle_left(site, time::OffsetDateTime::now_utc());
    if found.is_none() && !wait.is_zero() {
        // A create killed just after sending its request may still be completed.
        tokio::time::sleep(wait).await;
        found = match look().await {
            Ok(f) => f,
            Err(StepError(e)) => {
                return Ok(Resolution::Left {
                    why: format!("manager {manager}: {e}"),
                });
            }
        };
    }
    Ok(match decide(site, found.as_ref()) {
        Some(Ok(id)) => {
            inventory.activate_site(&site.domain, &id)?;
            Resolution::Adopted {
                container_id: id,
                note: None,
            }
        }
        Some(Err(why)) => Resolution::Left { why },
        None => {
            inventory.delete_pending_site(&site.domain)?;
            Resolution::Removed {
                why: format!("no service {} on swarm {}", row.service, row.swarm),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    fn site() -> crate::inventory::Site {
        crate::inventory::Site {
            domain: "a.example".into(),
            login: "alice".into(),
            vlan: 300,
            node: None,
            ip: "10.30.0.2".parse().expect("ip"),
            container_id: None,
            image: None,
            port: Some(80),
            state: crate::inventory::SiteState::Pending,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn a_labelled_service_is_adopted_a_foreign_one_left_none_removes_the_row() {
        let ours: HashMap<String, String> = crate::ops::labels::for_site("a.example", "alice", 300);
        assert_eq!(
            super::decide(&site(), Some(&("id1".into(), ours))),
            Some(Ok("id1".into()))
        );
        let foreign = HashMap::from([("x".to_string(), "y".to_string())]);
        assert!(matches!(
            super::decide(&site(), Some(&("id2".into(), foreign))),
            Some(Err(_))
        ));
        assert_eq!(super::decide(&site(), None), None);
    }
}
