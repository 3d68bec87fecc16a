//! The master, like the console, keeps a node's last-known containers when its engine
//! stops answering while its host still does: `tree` through the master shows them,
//! marked stale "as of" the last answer, instead of a node with nothing running. The
//! engine is h1's real one behind a proxy written for the test that can be frozen (the
//! lab's daemons are shared and never stopped).

mod support;

use std::time::Duration;

use support::fleet::{RunningMaster, TestFleet, tree_node};
use support::freezer::Freezer;
use support::lab::{Lab, assert_success, defer, retry};

fn container_names(node: &serde_json::Value) -> Vec<String> {
    node["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_master_keeps_last_known_containers_of_a_silent_engine() {
    let lab = Lab::load();
    let (freezer, h1) = Freezer::before_docker_tcp(&lab);
    let web = "fdtm-stale-web";
    let _ = lab.docker(&h1, &["rm", "-f", web]);
    assert_success(
        &lab.docker(
            &h1,
            &["run", "-d", "--name", web, &lab.image, "sleep", "3600"],
        ),
        "docker run on h1",
    );
    let fleet = TestFleet::new(lab, "fdtm-stale-");
    let _cleanup = defer(|| {
        let _ = fleet.lab.docker(&h1, &["rm", "-f", web]);
    });
    fleet.write_config(
        "c.toml",
        &format!(
            "refresh_secs = 2\n[inventory]\npath = {:?}\n",
            fleet.path("inv.db").display().to_string()
        ),
        &format!(
            "[[node]]\nname = \"mstall\"\ndocker = \"tcp://127.0.0.1:{}\"\n",
            freezer.port
        ),
    );
    let master = RunningMaster::start(&fleet, "c.toml");
    let doc = master.tree(&fleet, "c.toml");
    let node = tree_node(&doc, "mstall");
    assert_eq!(node["stale"], false, "{node}");
    assert!(
        container_names(node).iter().any(|n| n == web),
        "the proxied engine's container: {node}"
    );

    freezer.freeze(true);
    // The master answers from what it holds: while the poll waits on the frozen engine,
    // the held data ages first ("no answer for Ns"), then the poll ends and says why.
    let stale = retry(Duration::from_secs(90), || {
        let doc = master.tree(&fleet, "c.toml");
        let node = tree_node(&doc, "mstall").clone();
        let engine = node["stale_reason"]
            .as_str()
            .is_some_and(|r| r.contains("engine not answering"));
        (node["stale"] == true && engine).then_some(node)
    })
    .expect("the master never said mstall's engine is not answering");
    assert_eq!(stale["status"], "up", "its host answers: {stale}");
    assert!(
        container_names(&stale).iter().any(|n| n == web),
        "its last-known containers are kept: {stale}"
    );
    assert!(stale["data_as_of"].is_string(), "{stale}");
    assert!(
        stale["stale_reason"]
            .as_str()
            .is_some_and(|r| r.contains("engine not answering")),
        "{stale}"
    );

    freezer.freeze(false);
    let back = retry(Duration::from_secs(90), || {
        let doc = master.tree(&fleet, "c.toml");
        let node = tree_node(&doc, "mstall").clone();
        (node["stale"] == false).then_some(node)
    });
    assert!(back.is_some(), "mstall fresh again once its engine answers");
}
