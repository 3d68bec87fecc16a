//! Delete's guards, pure: whose a container is, and what the plan says.

use std::collections::BTreeMap;

use super::*;

fn site(container_id: Option<&str>) -> Site {
    Site {
        domain: "a.example".into(),
        login: "alice".into(),
        vlan: 110,
        node: Some("h1".into()),
        ip: "10.90.110.2".parse().expect("ip"),
        container_id: container_id.map(str::to_string),
        image: None,
        port: None,
        state: SiteState::Active,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn found(domain_label: Option<&str>) -> Found {
    let mut labels = BTreeMap::new();
    if let Some(d) = domain_label {
        labels.insert(labels::DOMAIN.to_string(), d.to_string());
    }
    Found {
        id: "0123456789abcdef".into(),
        name: "fd-a.example".into(),
        state: "running".into(),
        labels,
        ips: BTreeMap::new(),
    }
}

#[test]
fn only_this_domains_label_or_the_recorded_id_makes_a_container_ours() {
    let s = site(Some("0123456789abcdef"));
    for by_id in [true, false] {
        assert_eq!(judge(&s, &found(Some("a.example")), by_id), Verdict::Ours);
        assert_eq!(
            judge(&s, &found(Some("b.example")), by_id),
            Verdict::OtherDomain("b.example".into()),
            "another domain's label wins even over the recorded id"
        );
    }
    // Adopted or legacy rows point at unlabelled containers by id.
    assert_eq!(judge(&s, &found(None), true), Verdict::Ours);
    // By name only, unlabelled: not fleetdeck's.
    assert_eq!(judge(&s, &found(None), false), Verdict::Unlabelled);
}

#[test]
fn the_plan_names_a_container_it_leaves_alone() {
    let lookup = Lookup {
        ours: None,
        foreign: Some(("fd-a.example".into(), "b.example".into())),
    };
    let plan = plan_from(&site(None), "h1", &lookup);
    assert_eq!(plan.container, None);
    let lines = plan.lines();
    assert!(
        lines.contains(&"  left alone fd-a.example on h1 is labelled for b.example".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("none found on h1")),
        "{lines:?}"
    );
}

#[test]
fn guards_map_to_their_exit_kinds() {
    assert_eq!(
        DeleteError::Pending("a.example".into()).kind(),
        FailKind::Invalid
    );
    let unlabelled = DeleteError::Unlabelled {
        name: "fd-a.example".into(),
        node: "h1".into(),
    };
    assert_eq!(unlabelled.kind(), FailKind::Invalid);
    let text = unlabelled.to_string();
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(text.contains("fd-a.example on h1"), "{text}");
    let unreachable = DeleteError::Unreachable {
        node: "h1".into(),
        why: "connection refused".into(),
    };
    assert_eq!(unreachable.kind(), FailKind::Failed);
    assert!(unreachable.to_string().ends_with("nothing was changed"));
    assert_eq!(
        DeleteError::Container("removing container fd-a.example: 500".into()).kind(),
        FailKind::Failed
    );
}

#[test]
fn a_pending_row_is_refused_before_any_node_is_asked() {
    let mut inv = Inventory::open_in_memory().expect("inventory");
    let mut pending = site(None);
    pending.state = SiteState::Pending;
    inv.insert_site(&pending).expect("row");
    match site_to_delete(&inv, "a.example") {
        Err(DeleteError::Pending(d)) => assert_eq!(d, "a.example"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        site_to_delete(&inv, "b.example"),
        Err(DeleteError::NotFound(_))
    ));
}
