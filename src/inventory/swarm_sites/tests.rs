use super::*;
use crate::inventory::ipam;

fn reservation(domain: &str) -> Reservation {
    Reservation {
        domain: domain.into(),
        login: "alice".into(),
        vlan: 300,
        node: "manager-ignored".into(),
        image: "site:1".into(),
        port: 80,
        ip: None,
        held_live: Vec::new(),
    }
}

fn pool() -> ipam::Pool {
    ipam::Pool {
        subnet: "10.30.0.0/24".parse().expect("subnet"),
        gateway: "10.30.0.1".parse().expect("gw"),
        reserved: vec![],
    }
}

fn claim(port: u16, held: &[u16]) -> PortClaim {
    PortClaim {
        swarm: "lab".into(),
        service: "fd-x".into(),
        range: PortRange::try_from("20000-20002".to_string()).expect("range"),
        port,
        held_live: held.to_vec(),
    }
}

#[test]
fn each_site_gets_its_own_port_and_the_row_has_no_node() {
    let mut inv = Inventory::open_in_memory().expect("inv");
    let (a, pa) = inv
        .reserve_pending_service(&reservation("a.example"), &pool(), &claim(20000, &[]))
        .expect("a");
    assert_eq!(a.node, None, "the swarm places it");
    assert_eq!(pa.published_port, 20000);
    // Planned 20000 again (a stale plan): the next free one is taken instead.
    let (_, pb) = inv
        .reserve_pending_service(&reservation("b.example"), &pool(), &claim(20000, &[]))
        .expect("b");
    assert_eq!(pb.published_port, 20001);
    assert_eq!(
        inv.used_ports("lab").expect("used"),
        HashSet::from([20000, 20001])
    );
    assert!(inv.used_ports("other").expect("used").is_empty());
    assert_eq!(inv.swarm_site("b.example").expect("read"), Some(pb));
}

#[test]
fn a_port_a_live_service_publishes_is_skipped_and_exhaustion_leaves_nothing() {
    let mut inv = Inventory::open_in_memory().expect("inv");
    let (_, p) = inv
        .reserve_pending_service(
            &reservation("a.example"),
            &pool(),
            &claim(20000, &[20000, 20001]),
        )
        .expect("a");
    assert_eq!(p.published_port, 20002);
    let err = inv
        .reserve_pending_service(
            &reservation("b.example"),
            &pool(),
            &claim(20000, &[20000, 20001]),
        )
        .expect_err("full");
    assert!(matches!(err, ReserveError::PortsExhausted { .. }), "{err}");
    assert!(err.to_string().contains("20000-20002"), "{err}");
    // The site row of the failed reservation went with its transaction.
    assert_eq!(inv.site("b.example").expect("read"), None);
    assert_eq!(inv.sites().expect("sites").len(), 1);
}

#[test]
fn deleting_the_site_frees_its_port() {
    let mut inv = Inventory::open_in_memory().expect("inv");
    inv.reserve_pending_service(&reservation("a.example"), &pool(), &claim(20001, &[]))
        .expect("a");
    assert!(inv.delete_pending_site("a.example").expect("delete"));
    assert!(inv.swarm_sites().expect("rows").is_empty());
    assert!(inv.used_ports("lab").expect("used").is_empty());
}

#[test]
fn the_index_refuses_a_second_row_on_one_port() {
    let mut inv = Inventory::open_in_memory().expect("inv");
    inv.reserve_pending_service(&reservation("a.example"), &pool(), &claim(20000, &[]))
        .expect("a");
    inv.reserve_pending_service(&reservation("b.example"), &pool(), &claim(20001, &[]))
        .expect("b");
    let clash = inv.conn().execute(
        "UPDATE swarm_sites SET published_port = 20000 WHERE domain = 'b.example'",
        [],
    );
    assert!(clash.is_err(), "two sites on one port of one swarm");
}
