//! Reading a task's error for a published port held on its node by something outside the
//! swarm (README "Sites on a swarm"): the scheduler does not know such a holder, so the
//! task is placed and fails when the engine binds the port. Pure.

use super::SwarmNode;

/// Whether `error` says the node could not bind the published `port`: the userland
/// proxy's `listen tcp4 0.0.0.0:20001: bind: address already in use`, or the port
/// allocator's `Bind for 0.0.0.0:20001 failed: port is already allocated`.
pub fn port_taken(error: &str, port: u16) -> bool {
    let e = error.to_ascii_lowercase();
    let names_port = e.contains(&format!(":{port}:"))
        || e.contains(&format!(":{port} "))
        || e.ends_with(&format!(":{port}"))
        || e.contains(&format!("port {port}"));
    let taken = e.contains("address already in use") || e.contains("already allocated");
    names_port && taken
}

/// A swarm node as an error names it: `s2 (10.79.0.2)`, or its id when the manager no
/// longer lists it.
pub fn node_named(nodes: &[SwarmNode], id: &str) -> String {
    match nodes.iter().find(|n| n.id == id) {
        Some(n) if n.address.is_empty() => n.hostname.clone(),
        Some(n) => format!("{} ({})", n.hostname, n.address),
        None => format!("node id {id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engines_words_for_a_held_port_are_recognised_for_that_port_only() {
        let proxy = "starting container failed: driver failed programming external connectivity on endpoint fd-a.1.x (9f): Error starting userland proxy: listen tcp4 0.0.0.0:20001: bind: address already in use";
        let allocator = "Bind for 0.0.0.0:20001 failed: port is already allocated";
        assert!(port_taken(proxy, 20001));
        assert!(port_taken(allocator, 20001));
        assert!(
            !port_taken(proxy, 2000),
            "another port's number is a prefix"
        );
        assert!(!port_taken(proxy, 20002));
        assert!(!port_taken("No such image: fdlab/nope:1", 20001));
        assert!(!port_taken(
            "task: non-zero exit (1) after listening on :20001",
            20001
        ));
    }

    #[test]
    fn a_node_is_named_by_hostname_and_address() {
        let nodes = vec![SwarmNode {
            id: "n2".into(),
            hostname: "s2".into(),
            address: "10.79.0.2".into(),
            role: "worker".into(),
            availability: "active".into(),
            status: "ready".into(),
            leader: false,
            reachability: None,
            engine_version: None,
        }];
        assert_eq!(node_named(&nodes, "n2"), "s2 (10.79.0.2)");
        assert_eq!(node_named(&nodes, "n9"), "node id n9");
    }
}
