use super::*;
use crate::fleet::snapshot::NodeSnapshot;

fn doc() -> TreeDoc {
    let config = crate::config::load_str(
        "[[node]]\nname = \"hyper\"\n[[node]]\nname = \"vm\"\nparent = \"hyper\"\n",
        std::path::Path::new("t.toml"),
    )
    .expect("config");
    let mut up = NodeSnapshot::unknown("hyper");
    up.status = NodeStatus::Up;
    crate::fleet::tree::build(&config, &[up], &[], String::new())
}

fn container(
    name: &str,
    state: &str,
    status: &str,
    health: Option<ContainerHealth>,
) -> TreeContainer {
    TreeContainer {
        id: format!("id-{name}"),
        name: name.into(),
        image: "img".into(),
        state: state.into(),
        status: status.into(),
        health,
        restarts: None,
        ip: None,
        network: None,
        domain: Some(format!("{name}.example.org")),
        login: None,
        vlan: Some(if name.len().is_multiple_of(2) {
            100
        } else {
            200
        }),
    }
}

/// hyper holds: a crash loop, a finished job, a healthy web, a sick one; vm holds one.
fn busy_doc() -> TreeDoc {
    let mut doc = doc();
    doc.nodes[0].containers = vec![
        container("api", "restarting", "Restarting (1) 5 seconds ago", None),
        container("batch", "exited", "Exited (0) 3 hours ago", None),
        container("crashy", "exited", "Exited (3) 2 minutes ago", None),
        container(
            "sick",
            "running",
            "Up 1 hour",
            Some(ContainerHealth::Unhealthy),
        ),
        container(
            "web",
            "running",
            "Up 3 days",
            Some(ContainerHealth::Healthy),
        ),
    ];
    doc.nodes[1].status = NodeStatus::Up;
    doc.nodes[1].containers = vec![container("db", "running", "Up 2 minutes", None)];
    doc
}

fn names(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

fn shaped(doc: &TreeDoc, order: Order, flat: bool, filter: &str) -> Vec<Row> {
    let collapsed = HashSet::new();
    let shape = Shape {
        collapsed: &collapsed,
        order,
        flat,
    };
    filtered(arrange(doc, &shape), filter)
}

#[test]
fn children_nest_and_collapse_hides_them() {
    let all = rows(&doc(), &HashSet::new());
    let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["node/hyper", "node/vm"]);
    assert_eq!((all[0].depth, all[1].depth), (0, 1));
    assert!(all[0].expandable);
    assert_eq!(all[1].health, Health::Unknown, "vm was never polled");
    let folded = rows(&doc(), &HashSet::from(["node/hyper".to_string()]));
    assert_eq!(folded.len(), 1);
    assert!(folded[0].collapsed);
    assert_eq!(folded[0].summary, "1 node", "what the fold hides");
}

#[test]
fn crashes_exits_and_healthchecks_have_their_own_health() {
    let all = rows(&busy_doc(), &HashSet::new());
    let looks: Vec<(&str, &str, Health, &str)> = all
        .iter()
        .filter_map(|r| {
            Some((
                r.name.as_str(),
                r.state.as_str(),
                r.health,
                r.cells.as_ref()?.state.as_str(),
            ))
        })
        .collect();
    assert_eq!(
        looks,
        [
            ("api", "restarting", Health::Crashed, "restarting (1) 5s"),
            ("batch", "exited", Health::Done, "exited (0) 3h"),
            ("crashy", "exited", Health::Crashed, "exited (3) 2m"),
            ("sick", "unhealthy", Health::Unhealthy, "unhealthy 1h"),
            ("web", "running", Health::Good, "running 3d"),
            ("db", "running", Health::Good, "running 2m"),
        ]
    );
    let hyper = &all[0];
    assert_eq!(hyper.summary, "2/5 running, 3 crashed");
    let c = all[1].cells.as_deref().expect("cells");
    assert_eq!(
        (c.health.as_str(), c.exit_code, c.vlan),
        ("-", Some(1), Some(200))
    );
    // An exited container whose status line is unknown stays a plain stop.
    let mut doc = busy_doc();
    doc.nodes[0].containers = vec![container("gone", "exited", "", None)];
    assert_eq!(rows(&doc, &HashSet::new())[1].health, Health::Bad);
}

#[test]
fn orders_sort_containers_within_their_node() {
    let doc = busy_doc();
    let order = |o| names(&shaped(&doc, o, false, "")).join(" ");
    assert_eq!(order(Order::Name), "hyper api batch crashy sick web vm db");
    assert_eq!(order(Order::State), "hyper batch crashy api web sick vm db");
    assert_eq!(order(Order::Age), "hyper api crashy sick batch web vm db");
    assert_eq!(
        order(Order::Problems),
        "hyper api crashy sick web batch vm db"
    );
    let mut o = Order::Name;
    let labels: Vec<&str> = (0..5)
        .map(|_| {
            o = o.next();
            o.label()
        })
        .collect();
    assert_eq!(
        labels,
        ["state", "age", "problems first", "restarts", "name"]
    );
}

#[test]
fn the_flat_view_lists_every_container_across_nodes() {
    let doc = busy_doc();
    let flat = shaped(&doc, Order::Name, true, "");
    assert_eq!(
        names(&flat),
        ["api", "batch", "crashy", "db", "sick", "web"]
    );
    assert!(
        flat.iter()
            .all(|r| r.depth == 0 && r.kind == RowKind::Container)
    );
    assert_eq!(flat[3].node, "vm");
    assert_eq!(
        flat[3].id, "node/vm/container/id-db",
        "the same id as in the tree"
    );
    let problems = shaped(&doc, Order::Problems, true, "");
    assert_eq!(names(&problems)[..3], ["api", "crashy", "sick"]);
}

#[test]
fn filter_terms_narrow_by_node_state_vlan_and_domain() {
    let doc = busy_doc();
    let f = |filter: &str| names(&shaped(&doc, Order::Name, false, filter)).join(" ");
    assert_eq!(f("node:vm"), "hyper vm db", "vm nests under hyper");
    assert_eq!(f("state:exited"), "hyper batch crashy");
    assert_eq!(f("state:crashed"), "hyper api crashy sick");
    assert_eq!(f("vlan:100"), "hyper crashy sick vm db");
    assert_eq!(f("domain:web."), "hyper web");
    assert_eq!(
        f("STATE:exited node:HYPER cr"),
        "hyper crashy",
        "terms and words combine"
    );
    assert_eq!(f("vlan:x"), "");
    assert_eq!(f("unknown:term"), "", "an unknown key is a word");
    let flat = |filter: &str| names(&shaped(&doc, Order::Name, true, filter)).join(" ");
    assert_eq!(flat("node:vm"), "db");
}

#[test]
fn a_failing_healthcheck_is_its_own_word_and_health() {
    let mut doc = doc();
    doc.nodes[0].containers = vec![
        container("sick", "running", "", Some(ContainerHealth::Unhealthy)),
        container("booting", "running", "", Some(ContainerHealth::Starting)),
        container("fine", "running", "", Some(ContainerHealth::Healthy)),
        container("plain", "running", "", None),
        container("gone", "exited", "", None),
    ];
    let all = rows(&doc, &HashSet::new());
    let looks: Vec<(&str, &str, Health)> = all
        .iter()
        .filter(|r| r.kind == RowKind::Container)
        .map(|r| (r.name.as_str(), r.state.as_str(), r.health))
        .collect();
    assert_eq!(
        looks,
        [
            ("booting", "starting", Health::Warn),
            ("fine", "running", Health::Good),
            ("gone", "exited", Health::Bad),
            ("plain", "running", Health::Good),
            ("sick", "unhealthy", Health::Unhealthy),
        ]
    );
    assert_eq!(names(&filtered(all, "unhealthy")), ["hyper", "sick"]);
}

fn row(id: &str, depth: usize, name: &str) -> Row {
    Row {
        id: id.into(),
        depth,
        kind: if depth == 0 {
            RowKind::Node
        } else {
            RowKind::Container
        },
        name: name.into(),
        state: "running".into(),
        extra: String::new(),
        health: Health::Good,
        expandable: false,
        collapsed: false,
        node: String::new(),
        cells: None,
        summary: String::new(),
    }
}

#[test]
fn filter_keeps_matches_and_their_ancestors_only() {
    let all = vec![
        row("a", 0, "hyper"),
        row("a/x", 1, "web"),
        row("b", 1, "vm"),
        row("b/y", 2, "blog.example.org"),
        row("b/z", 2, "shop"),
        row("c", 0, "garen"),
        row("c/w", 1, "db"),
    ];
    let names = |rows: Vec<Row>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(filtered(all.clone(), "BLOG")),
        ["hyper", "vm", "blog.example.org"]
    );
    assert_eq!(names(filtered(all.clone(), "garen")), ["garen"]);
    assert_eq!(
        names(filtered(all.clone(), "running")).len(),
        7,
        "state words match too"
    );
    assert_eq!(names(filtered(all.clone(), "nothing")).len(), 0);
    assert_eq!(filtered(all.clone(), "  ").len(), 7);
    // A match deep in one subtree keeps its own parent even when a later sibling
    // subtree also matches.
    let tricky = vec![
        row("n", 0, "n"),
        row("p", 1, "p"),
        row("q", 2, "hit"),
        row("s", 2, "s"),
        row("t", 1, "hit"),
    ];
    assert_eq!(names(filtered(tricky, "hit")), ["n", "p", "hit", "hit"]);
}

#[test]
fn a_broken_parent_loop_shows_every_node_once() {
    // a runs a guest with b's address and b one with a's: the tree breaks the loop
    // (`fleet/tree/stale_tests.rs`), and each node is still one row.
    let config = crate::config::load_str(
        "[[node]]\nname = \"a\"\nssh = \"root@10.0.0.1\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"b\"\nssh = \"root@10.0.0.2\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"c\"\nssh = \"root@10.0.0.3\"\nparent = \"b\"\n",
        std::path::Path::new("t.toml"),
    )
    .expect("config");
    let running = |name: &str, guest_ip: &str| {
        let mut s = NodeSnapshot::unknown(name);
        s.status = NodeStatus::Up;
        let mut vm = crate::fleet::model::Guest::new(
            crate::fleet::model::GuestKind::Kvm,
            format!("{name}-vm"),
            crate::fleet::model::GuestState::Running,
        );
        vm.ips = vec![guest_ip.parse().expect("ip")];
        s.guests = vec![vm];
        s
    };
    let mut c = NodeSnapshot::unknown("c");
    c.status = NodeStatus::Up;
    let snaps = [running("a", "10.0.0.2"), running("b", "10.0.0.1"), c];
    let doc = crate::fleet::tree::build(&config, &snaps, &[], String::new());
    assert_eq!(doc.nodes[0].children, ["b"], "the loop was there to break");
    let nodes: Vec<String> = rows(&doc, &Default::default())
        .into_iter()
        .filter(|r| r.kind == RowKind::Node)
        .map(|r| r.id)
        .collect();
    assert_eq!(nodes, ["node/a", "node/b", "node/c"]);
}
