//! Where a `[[vlan]]`'s sites live: exactly one of `node` and `swarm`, and the keys only a
//! swarm VLAN takes (`ports`, `publish`). Errors are `(key, message)` for `check.rs`.

use super::{Config, Publish, VlanConfig};

pub fn placement(config: &Config, vlan: &VlanConfig) -> Result<(), (&'static str, String)> {
    match (&vlan.node, &vlan.swarm) {
        (Some(_), Some(_)) => Err((
            "swarm",
            "give either node (containers on one node) or swarm (services on a swarm), not both"
                .into(),
        )),
        (None, None) => Err((
            "node",
            "missing: give node (the node holding the VLAN's containers) or swarm (a [[swarm]] name)"
                .into(),
        )),
        (Some(node), None) => {
            if config.node(node).is_none() {
                return Err((
                    "node",
                    format!("names no node: there is no [[node]] with name = {node:?}"),
                ));
            }
            if vlan.ports.is_some() {
                return Err(("ports", "only a swarm VLAN publishes ports: remove it, or use swarm instead of node".into()));
            }
            if vlan.publish != Publish::Host {
                return Err(("publish", "only a swarm VLAN publishes ports: remove it, or use swarm instead of node".into()));
            }
            Ok(())
        }
        (None, Some(swarm)) => {
            let Some(declared) = config.swarms.iter().find(|s| &s.name == swarm) else {
                return Err((
                    "swarm",
                    format!(
                        "names no swarm: add [[swarm]] name = {swarm:?} with the managers fleetdeck asks"
                    ),
                ));
            };
            if declared.managers.is_empty() {
                return Err((
                    "swarm",
                    format!(
                        "[[swarm]] {swarm:?} lists no managers: fleetdeck creates services through one"
                    ),
                ));
            }
            if vlan.ports.is_none() {
                return Err((
                    "ports",
                    "missing: a swarm VLAN needs the range its sites' ports come from, e.g. ports = \"20000-20999\"".into(),
                ));
            }
            Ok(())
        }
    }
}
