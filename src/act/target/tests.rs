use std::collections::BTreeMap;

use super::*;
use crate::inventory::SiteState;

fn container(id: &str, name: &str, domain_label: Option<&str>) -> ContainerInfo {
    let mut labels = BTreeMap::new();
    if let Some(d) = domain_label {
        labels.insert(labels::DOMAIN.to_string(), d.to_string());
    }
    ContainerInfo {
        restarts: None,
        id: id.into(),
        name: name.into(),
        image: "img".into(),
        state: "running".into(),
        status: "Up".into(),
        networks: vec![],
        labels,
        health: None,
    }
}

fn site(domain: &str, node: &str, container_id: Option<&str>) -> Site {
    Site {
        domain: domain.into(),
        login: "bob".into(),
        vlan: 100,
        node: Some(node.into()),
        ip: "10.0.0.5".parse().expect("ip"),
        container_id: container_id.map(String::from),
        image: None,
        port: None,
        state: SiteState::Active,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

fn fleet() -> Vec<NodeContainers> {
    vec![
        NodeContainers {
            node: "h1".into(),
            containers: vec![
                container("aaaa1111", "web", None),
                container("bbbb2222", "fd-blog.example.org", Some("blog.example.org")),
                container("cccc3333", "db", None),
            ],
        },
        NodeContainers {
            node: "h2".into(),
            containers: vec![
                container("aaaa9999", "web", None),
                container("dddd4444", "legacy", None),
            ],
        },
    ]
}

#[test]
fn exact_name_on_one_node() {
    let r = resolve("db", &fleet(), &[], &[]).expect("db");
    assert_eq!((r.node.as_str(), r.id.as_str()), ("h1", "cccc3333"));
}

#[test]
fn same_name_on_two_nodes_is_ambiguous_and_lists_both() {
    let err = resolve("web", &fleet(), &[], &[]).expect_err("ambiguous");
    match &err {
        ResolveError::Ambiguous { candidates, .. } => {
            assert_eq!(candidates, &["h1/web (aaaa1111)", "h2/web (aaaa9999)"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("NODE/NAME"));
}

#[test]
fn node_slash_name_disambiguates() {
    let r = resolve("h2/web", &fleet(), &[], &[]).expect("h2/web");
    assert_eq!(r.id, "aaaa9999");
}

#[test]
fn unknown_node_in_target_lists_nodes() {
    let err = resolve("h9/web", &fleet(), &[], &["h3".into()]).expect_err("no node");
    assert_eq!(
        err,
        ResolveError::UnknownNode {
            node: "h9".into(),
            known: vec!["h1".into(), "h2".into(), "h3".into()]
        }
    );
}

#[test]
fn id_prefix_resolves_when_unique_and_is_ambiguous_otherwise() {
    assert_eq!(
        resolve("dddd", &fleet(), &[], &[]).expect("prefix").name,
        "legacy"
    );
    assert!(matches!(
        resolve("aaaa", &fleet(), &[], &[]),
        Err(ResolveError::Ambiguous { .. })
    ));
}

#[test]
fn exact_name_beats_an_id_prefix_elsewhere() {
    let mut f = fleet();
    f[1].containers.push(container("abc0000", "zzz", None));
    f[0].containers.push(container("eeee5555", "abc", None));
    assert_eq!(resolve("abc", &f, &[], &[]).expect("name").id, "eeee5555");
}

#[test]
fn domain_by_label_by_row_id_and_by_derived_name_case_insensitive() {
    let f = fleet();
    let r = resolve("Blog.Example.org", &f, &[], &[]).expect("label");
    assert_eq!(r.domain.as_deref(), Some("blog.example.org"));
    let sites = [site("old.example.org", "h2", Some("dddd4444"))];
    let r = resolve("old.example.org", &f, &sites, &[]).expect("row id");
    assert_eq!(r.qualified(), "h2/legacy");
    let mut f2 = fleet();
    f2[0]
        .containers
        .push(container("ffff6666", "fd-shop.example.org", None));
    let sites = [site("shop.example.org", "h1", None)];
    let r = resolve("shop.example.org", &f2, &sites, &[]).expect("derived name");
    assert_eq!(r.id, "ffff6666");
}

#[test]
fn unknown_suggests_similar_names_and_names_unreachable_nodes() {
    let err = resolve("we", &fleet(), &[], &["h3".into()]).expect_err("unknown");
    let text = err.to_string();
    assert!(text.contains("h1/web") && text.contains("h2/web"), "{text}");
    assert!(text.contains("unreachable): h3"), "{text}");
}

#[test]
fn a_non_hex_name_is_never_an_id_prefix() {
    assert!(!is_id_prefix("web"));
    assert!(is_id_prefix("aaaa1"));
    assert!(matches!(
        resolve("leg", &fleet(), &[], &[]),
        Err(ResolveError::Unknown { .. })
    ));
}
