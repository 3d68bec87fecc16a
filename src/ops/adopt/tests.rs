use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;
use std::path::Path;

use super::*;

fn config() -> Config {
    let text = r#"
[[node]]
name = "teemo"
ssh = "root@10.0.0.2"
[[node]]
name = "ekko"
ssh = "root@10.0.0.3"
[containers]
image = "site:stable"
port = 8080
[[vlan]]
id = 100
node = "teemo"
subnet = "10.2.0.0/29"
gateway = "10.2.0.1"
reserved = ["10.2.0.2"]
[[vlan]]
id = 101
node = "teemo"
subnet = "10.3.0.0/24"
gateway = "10.3.0.1"
network = "front"
[[vlan]]
id = 200
node = "ekko"
subnet = "10.4.0.0/24"
gateway = "10.4.0.1"
"#;
    crate::config::load_str(text, Path::new("test.toml")).expect("config")
}

fn orphan(networks: &[(&str, &str)], labels: &[(&str, &str)]) -> Candidate {
    Candidate {
        node: "teemo".into(),
        id: "0123456789abcdef0123".into(),
        name: "legacy-web".into(),
        image: "nginx:1.27".into(),
        state: "running".into(),
        networks: networks
            .iter()
            .map(|(n, ip)| (n.to_string(), ip.to_string()))
            .collect(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn req(login: Option<&str>, domain: Option<&str>) -> AdoptRequest {
    AdoptRequest {
        login: login.map(str::to_string),
        domain: domain.map(str::to_string),
    }
}

struct Inv {
    taken: Vec<&'static str>,
    used: Vec<Ipv4Addr>,
    recorded: Option<(&'static str, &'static str)>,
}

fn empty() -> Inv {
    Inv {
        taken: vec![],
        used: vec![],
        recorded: None,
    }
}

fn plan_with(r: &AdoptRequest, c: &Candidate, inv: &Inv) -> Result<AdoptPlan, AdoptPlanError> {
    let taken: HashSet<String> = inv.taken.iter().map(|s| s.to_string()).collect();
    let used: HashSet<Ipv4Addr> = inv.used.iter().copied().collect();
    let is_taken = |d: &str| taken.contains(d);
    let used_ips = |_vlan: u16| used.clone();
    let of = |id: &str| {
        inv.recorded
            .filter(|(rid, _)| *rid == id)
            .map(|(_, d)| d.to_string())
    };
    let view = InventoryView {
        domain_taken: &is_taken,
        used_ips: &used_ips,
        site_of_container: &of,
    };
    plan(&config(), r, c, &view)
}

#[test]
fn flags_supply_what_an_unlabelled_container_lacks() {
    let c = orphan(&[("vlan100", "10.2.0.3"), ("bridge", "172.17.0.2")], &[]);
    let p = plan_with(&req(Some("alice"), Some("Shop.Example.")), &c, &empty()).expect("plan");
    assert_eq!(p.domain, "shop.example");
    assert_eq!(p.login, "alice");
    assert_eq!((p.vlan, p.network.as_str()), (100, "vlan100"));
    assert_eq!(p.ip, Ipv4Addr::new(10, 2, 0, 3));
    assert_eq!((p.node.as_str(), p.port), ("teemo", 8080));
    assert_eq!(p.container_id, c.id);
    assert_eq!((p.login_from, p.domain_from), ("flag", "flag"));
    let lines = p.lines().join("\n");
    assert!(lines.contains("adopt container legacy-web on teemo as site shop.example"));
    assert!(lines.contains("10.2.0.3 on VLAN 100 (network vlan100)"));
}

#[test]
fn labels_are_used_and_an_agreeing_flag_is_fine() {
    let labels = [
        (labels::DOMAIN, "blog.example"),
        (labels::LOGIN, "bob"),
        (labels::VLAN, "101"),
    ];
    let c = orphan(&[("front", "10.3.0.9")], &labels);
    let p = plan_with(&req(None, None), &c, &empty()).expect("plan");
    assert_eq!(
        (p.domain.as_str(), p.login.as_str(), p.vlan),
        ("blog.example", "bob", 101)
    );
    assert_eq!((p.login_from, p.domain_from), ("label", "label"));
    let p = plan_with(&req(Some("bob"), Some("BLOG.example")), &c, &empty()).expect("plan");
    assert_eq!(
        (p.login_from, p.domain_from),
        ("flag = label", "flag = label")
    );
}

#[test]
fn a_flag_contradicting_a_label_is_refused_naming_both() {
    let c = orphan(&[("vlan100", "10.2.0.3")], &[(labels::LOGIN, "bob")]);
    let err = plan_with(&req(Some("alice"), Some("a.example")), &c, &empty()).expect_err("refused");
    let text = err.to_string();
    assert!(
        matches!(err, AdoptPlanError::Contradicts { what: "login", .. }),
        "{text}"
    );
    assert!(
        text.contains("\"alice\"") && text.contains("fleetdeck.login=\"bob\""),
        "{text}"
    );
}

#[test]
fn missing_values_and_bad_ones_are_refused() {
    let c = orphan(&[("vlan100", "10.2.0.3")], &[]);
    let err = plan_with(&req(None, Some("a.example")), &c, &empty()).expect_err("no login");
    assert!(err.to_string().contains("pass --login"), "{err}");
    let err =
        plan_with(&req(Some("Bad Login"), Some("a.example")), &c, &empty()).expect_err("bad login");
    assert!(
        matches!(err, AdoptPlanError::Invalid(ref i) if i.field == "login"),
        "{err}"
    );
    let err =
        plan_with(&req(Some("alice"), Some("not a domain")), &c, &empty()).expect_err("bad domain");
    assert!(
        matches!(err, AdoptPlanError::Invalid(ref i) if i.field == "domain"),
        "{err}"
    );
}

#[test]
fn the_network_must_be_a_vlan_of_the_containers_node() {
    // ekko's VLAN network name on teemo means nothing.
    let c = orphan(&[("bridge", "172.17.0.2"), ("vlan200", "10.4.0.5")], &[]);
    let err = plan_with(&req(Some("alice"), Some("a.example")), &c, &empty()).expect_err("no vlan");
    let text = err.to_string();
    assert!(matches!(err, AdoptPlanError::NotOnVlan { .. }), "{text}");
    assert!(
        text.contains("bridge, vlan200") && text.contains("VLAN 101 is front"),
        "{text}"
    );

    let c = orphan(&[("vlan100", "10.2.0.3"), ("front", "10.3.0.3")], &[]);
    let err = plan_with(&req(Some("alice"), Some("a.example")), &c, &empty()).expect_err("two");
    assert!(matches!(err, AdoptPlanError::SeveralVlans { .. }), "{err}");
    // …unless its label says which.
    let c = orphan(
        &[("vlan100", "10.2.0.3"), ("front", "10.3.0.3")],
        &[(labels::VLAN, "101")],
    );
    let p = plan_with(&req(Some("alice"), Some("a.example")), &c, &empty()).expect("plan");
    assert_eq!((p.vlan, p.ip), (101, Ipv4Addr::new(10, 3, 0, 3)));
    // A label naming a VLAN it is not on is refused.
    let c = orphan(&[("vlan100", "10.2.0.3")], &[(labels::VLAN, "101")]);
    let err = plan_with(&req(Some("alice"), Some("a.example")), &c, &empty()).expect_err("label");
    assert!(matches!(err, AdoptPlanError::LabelVlan { .. }), "{err}");
}

#[test]
fn the_address_follows_creates_rules() {
    let r = req(Some("alice"), Some("a.example"));
    let taken = Inv {
        used: vec![Ipv4Addr::new(10, 2, 0, 3)],
        ..empty()
    };
    let c = orphan(&[("vlan100", "10.2.0.3")], &[]);
    let err = plan_with(&r, &c, &taken).expect_err("ip taken");
    assert!(
        err.to_string().contains("already a site's address"),
        "{err}"
    );
    for (ip, why) in [
        ("10.2.0.1", "gateway"),
        ("10.2.0.2", "reserved"),
        ("10.9.9.9", "10.2.0.0/29"),
    ] {
        let c = orphan(&[("vlan100", ip)], &[]);
        let err = plan_with(&r, &c, &empty()).expect_err(ip);
        assert!(err.to_string().contains(why), "{ip}: {err}");
    }
    let mut stopped = orphan(&[("vlan100", "")], &[]);
    stopped.state = "exited".into();
    let err = plan_with(&r, &stopped, &empty()).expect_err("no address");
    assert!(err.to_string().contains("start it"), "{err}");
}

#[test]
fn a_taken_domain_or_a_recorded_container_is_refused() {
    let c = orphan(&[("vlan100", "10.2.0.3")], &[]);
    let inv = Inv {
        taken: vec!["a.example"],
        ..empty()
    };
    let err = plan_with(&req(Some("alice"), Some("a.example")), &c, &inv).expect_err("taken");
    assert!(
        matches!(err, AdoptPlanError::Plan(PlanError::DomainTaken(_))),
        "{err}"
    );
    let inv = Inv {
        recorded: Some(("0123456789abcdef0123", "old.example")),
        ..empty()
    };
    let err = plan_with(&req(Some("alice"), Some("a.example")), &c, &inv).expect_err("site");
    assert!(
        err.to_string()
            .contains("already recorded as site old.example"),
        "{err}"
    );
}

#[test]
fn apply_records_one_row_and_a_clash_since_the_plan_is_a_conflict() {
    let mut inv = crate::inventory::Inventory::open_in_memory().expect("inventory");
    let actor = crate::actor::Actor {
        user: "tester".into(),
        origin: "local".into(),
    };
    let c = orphan(&[("vlan100", "10.2.0.3")], &[]);
    let p = plan_with(&req(Some("alice"), Some("a.example")), &c, &empty()).expect("plan");
    let site = apply(&p, &mut inv, &actor).expect("recorded");
    assert_eq!(site.container_id.as_deref(), Some(c.id.as_str()));
    assert_eq!(site.state, crate::inventory::SiteState::Active);
    // Another admin took the address meanwhile: the same plan under another domain.
    let mut late = p.clone();
    late.domain = "b.example".into();
    let err = apply(&late, &mut inv, &actor).expect_err("address taken");
    assert!(matches!(err, AdoptError::Conflict(_)), "{err}");
    assert_eq!(err.kind(), FailKind::Invalid);
    assert_eq!(inv.sites().expect("sites").len(), 1);
    let rows = inv.audit(10).expect("audit");
    let seen: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(seen, vec![("adopt", "failed"), ("adopt", "ok")]);
}
