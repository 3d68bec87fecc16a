//! Docker through SSH, wired the way the console wires it: links built from a config,
//! a stream-local channel where sshd allows it, `docker system dial-stdio` where it
//! doesn't (the lab's h2), through a jump node, and read-only mode on top.

mod support;

use std::path::Path;
use std::time::Duration;

use bollard::query_parameters::{CreateContainerOptionsBuilder, ListContainersOptionsBuilder};
use fleetdeck::transport::links::build_links;
use support::lab::Lab;

fn lab_config(lab: &Lab, read_only: bool) -> fleetdeck::config::Config {
    let text = lab.fleet_config(&format!("read_only = {read_only}"), "");
    fleetdeck::config::load_str(&text, Path::new("lab.toml")).expect("lab config")
}

#[tokio::test]
async fn every_lab_engine_answers_through_ssh() {
    let lab = Lab::load();
    let config = lab_config(&lab, false);
    let links = build_links(&config, false).expect("links");
    for host in &lab.hosts {
        let link = &links[&host.name];
        let client = link
            .docker_client(Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", host.name));
        let version: f64 = client.api_version().parse().expect("version");
        assert!(version >= 1.41, "{}: API {version}", host.name);
        let info = client.api().info().await.expect("info");
        assert_eq!(
            info.name.as_deref(),
            Some(host.hostname.as_str()),
            "{} reached another engine",
            host.name
        );
        let options = ListContainersOptionsBuilder::default().all(true).build();
        client
            .api()
            .list_containers(Some(options))
            .await
            .expect("list");
        let note = link.docker_note();
        if host.name == "h2" {
            assert!(
                note.as_deref().is_some_and(|n| n.contains("dial-stdio")),
                "h2 refuses stream-local: {note:?}"
            );
            assert!(
                client.describe().contains("dial-stdio"),
                "{}",
                client.describe()
            );
        } else {
            assert_eq!(note, None, "{}", host.name);
        }
    }
    let h3 = &links[&lab.isolated_host().name];
    assert!(h3.reach.contains(" via "), "{}", h3.reach);
}

#[tokio::test]
async fn read_only_links_refuse_docker_writes_over_ssh() {
    let lab = Lab::load();
    let config = lab_config(&lab, true);
    let links = build_links(&config, true).expect("links");
    let client = links["h1"]
        .docker_client(Duration::from_secs(10))
        .await
        .expect("client");
    assert!(client.is_read_only());
    client.api().ping().await.expect("GET passes");
    let name = format!("fdtest-ro-{}", std::process::id());
    let options = CreateContainerOptionsBuilder::default().name(&name).build();
    let body = bollard::models::ContainerCreateBody {
        image: Some(lab.image.clone()),
        ..Default::default()
    };
    let err = client
        .api()
        .create_container(Some(options), body)
        .await
        .expect_err("POST refused");
    assert!(err.to_string().contains("read-only mode"), "{err}");
    let listed = lab.docker(
        "h1",
        &["ps", "-a", "--filter", &format!("name={name}"), "-q"],
    );
    assert!(
        String::from_utf8_lossy(&listed.stdout).trim().is_empty(),
        "the container was created"
    );
}
