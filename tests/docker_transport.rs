//! The Docker transport against the lab's real engines: unix socket, plain TCP (h1),
//! mutual TLS (h2), a counting dialer standing in for SSH, read-only refusals, streams,
//! and unreachable targets. Needs the lab: run through scripts/test.sh (or set
//! FLEETDECK_LAB).

mod support;

// More tests, by theme.
#[path = "docker_transport/lab_listeners.rs"]
mod lab_listeners;
#[path = "docker_transport/streams.rs"]
mod streams;
#[path = "docker_transport/unreachable.rs"]
mod unreachable;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RemoveContainerOptions, StartContainerOptions,
};
use fleetdeck::transport::docker::{ConnectOptions, DockerClient, DockerError, DockerTarget};
use fleetdeck::transport::{BoxedStream, Dialer};
use futures::future::BoxFuture;
use support::lab::{Lab, assert_failure, assert_success, defer, stdout};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A unique container name for this test run.
fn name(purpose: &str) -> String {
    format!("fdtest-dt-{purpose}-{}", std::process::id())
}

fn unix(lab: &Lab, host: &str) -> DockerTarget {
    DockerTarget::Unix(lab.host(host).docker_socket.clone())
}

fn tls_target(lab: &Lab, ca: PathBuf, cert: PathBuf, key: PathBuf) -> DockerTarget {
    let (_, tls) = lab.docker_tls();
    DockerTarget::Tls {
        host: tls.host.clone(),
        port: tls.port,
        ca,
        cert,
        key,
    }
}

fn tcp_target(addr: &str) -> DockerTarget {
    let rest = addr.strip_prefix("tcp://").expect("tcp:// address");
    let (host, port) = rest.rsplit_once(':').expect("host:port");
    DockerTarget::Tcp {
        host: host.to_string(),
        port: port.parse().expect("port"),
    }
}

async fn container_names(client: &DockerClient) -> Vec<String> {
    let options = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    client
        .api()
        .list_containers(Some(options))
        .await
        .expect("list containers")
        .into_iter()
        .flat_map(|c| c.names.unwrap_or_default())
        .collect()
}

/// Stands in for the SSH transport: opens the engine's unix socket, counting dials.
struct CountingDialer {
    socket: PathBuf,
    dials: AtomicUsize,
}

impl CountingDialer {
    fn new(socket: PathBuf) -> Arc<CountingDialer> {
        Arc::new(CountingDialer {
            socket,
            dials: AtomicUsize::new(0),
        })
    }

    fn dials(&self) -> usize {
        self.dials.load(Ordering::SeqCst)
    }
}

impl Dialer for CountingDialer {
    fn dial(&self) -> BoxFuture<'_, io::Result<BoxedStream>> {
        self.dials.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let stream = tokio::net::UnixStream::connect(&self.socket).await?;
            Ok(Box::new(stream) as BoxedStream)
        })
    }

    fn describe(&self) -> String {
        format!("unix://{} via test dialer", self.socket.display())
    }
}

#[tokio::test]
async fn unix_socket_pings_negotiates_and_lists_containers() {
    let lab = Lab::load();
    let h = lab.host("h1");
    let client = DockerClient::connect(unix(&lab, "h1"), false, TIMEOUT)
        .await
        .expect("connect over the unix socket");
    assert_eq!(
        client.describe(),
        format!("unix://{}", h.docker_socket.display())
    );
    assert_eq!(client.api().ping().await.expect("ping"), "OK");
    let negotiated = client.api_version();
    let (major, minor) = negotiated.split_once('.').expect("x.y");
    assert!(
        (
            major.parse::<u32>().expect("major"),
            minor.parse::<u32>().expect("minor")
        ) >= (1, 41),
        "negotiated {negotiated}"
    );
    let version = client.api().version().await.expect("version");
    assert_eq!(version.api_version.as_deref(), Some(negotiated.as_str()));

    let container = name("unix");
    let _cleanup = defer(|| drop(lab.docker("h1", &["rm", "-f", &container])));
    assert_success(
        &lab.docker("h1", &["create", "--name", &container, &lab.image]),
        "docker create",
    );
    let names = container_names(&client).await;
    assert!(
        names.contains(&format!("/{container}")),
        "{container} not in {names:?}"
    );
}

#[tokio::test]
async fn plain_tcp_reaches_h1() {
    let lab = Lab::load();
    let (host, addr) = lab.docker_tcp();
    let client = DockerClient::connect(tcp_target(addr), true, TIMEOUT)
        .await
        .expect("connect over TCP");
    assert_eq!(client.describe(), addr);
    let info = client.api().info().await.expect("info");
    assert_eq!(info.name.as_deref(), Some(host.hostname.as_str()));
}

#[tokio::test]
async fn tls_with_the_lab_certificates_reaches_h2() {
    let lab = Lab::load();
    let (host, tls) = lab.docker_tls();
    let target = tls_target(&lab, tls.ca.clone(), tls.cert.clone(), tls.key.clone());
    let client = DockerClient::connect(target, true, TIMEOUT)
        .await
        .expect("connect over TLS");
    assert_eq!(client.describe(), format!("{} (tls)", tls.addr));
    let info = client.api().info().await.expect("info");
    assert_eq!(info.name.as_deref(), Some(host.hostname.as_str()));
}

#[tokio::test]
async fn tls_with_the_wrong_ca_is_refused() {
    let lab = Lab::load();
    let (_, tls) = lab.docker_tls();
    let target = tls_target(
        &lab,
        tls.wrong_ca.clone(),
        tls.cert.clone(),
        tls.key.clone(),
    );
    let err = DockerClient::connect(target, true, TIMEOUT)
        .await
        .expect_err("an engine certificate of another CA");
    assert_eq!(
        err.to_string(),
        format!(
            "TLS handshake with {}:{} failed: certificate signed by unknown authority (ca {})",
            tls.host,
            tls.port,
            tls.wrong_ca.display()
        )
    );
}

/// A TLS 1.3 engine rejects the client certificate only after the client's side of the
/// handshake is done: the refusal shows on the first request, and, depending on which
/// task runs first, as an alert on the request or as the end of the connection task.
/// Both runtime flavours, a few times each, to catch either ordering.
async fn refuses_a_client_certificate_of_another_ca() {
    let lab = Lab::load();
    let (_, tls) = lab.docker_tls();
    for _ in 0..5 {
        let target = tls_target(
            &lab,
            tls.ca.clone(),
            tls.wrong_cert.clone(),
            tls.wrong_key.clone(),
        );
        let err = DockerClient::connect(target, true, TIMEOUT)
            .await
            .expect_err("a client certificate the engine does not trust");
        assert!(matches!(err, DockerError::Tls { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "TLS handshake with {}:{} failed: ",
                tls.host, tls.port
            )) && text.contains(&format!("client certificate {}", tls.wrong_cert.display())),
            "{text}"
        );
    }
}

#[tokio::test]
async fn tls_with_a_client_certificate_of_another_ca_is_refused() {
    refuses_a_client_certificate_of_another_ca().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_client_certificate_of_another_ca_is_refused_multi_thread() {
    refuses_a_client_certificate_of_another_ca().await;
}

#[tokio::test]
async fn tls_with_a_key_that_is_not_the_certificates_is_explained() {
    let lab = Lab::load();
    let (_, tls) = lab.docker_tls();
    let target = tls_target(
        &lab,
        tls.ca.clone(),
        tls.cert.clone(),
        tls.wrong_key.clone(),
    );
    let err = DockerClient::connect(target, true, TIMEOUT)
        .await
        .expect_err("mismatched key");
    assert_eq!(
        err.to_string(),
        format!(
            "the client key {} is not usable: it does not belong to the client certificate {}",
            tls.wrong_key.display(),
            tls.cert.display()
        )
    );
}

#[tokio::test]
async fn plain_http_to_the_tls_port_is_explained() {
    let lab = Lab::load();
    let (_, tls) = lab.docker_tls();
    let target = DockerTarget::Tcp {
        host: tls.host.clone(),
        port: tls.port,
    };
    let err = DockerClient::connect(target, true, TIMEOUT)
        .await
        .expect_err("plain HTTP to a TLS listener");
    assert!(
        err.to_string().contains(
            "GET /version answered 400 Bad Request: Client sent an HTTP request to an HTTPS server"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn dialer_target_goes_through_the_dialer_and_reuses_connections() {
    let lab = Lab::load();
    let dialer = CountingDialer::new(lab.host("h1").docker_socket.clone());
    let client = DockerClient::connect(DockerTarget::Dialer(dialer.clone()), false, TIMEOUT)
        .await
        .expect("connect through the dialer");
    assert_eq!(client.describe(), dialer.describe());
    for _ in 0..5 {
        container_names(&client).await;
    }
    assert_eq!(dialer.dials(), 1, "six requests on one reused connection");

    let options = ConnectOptions {
        read_only: false,
        timeout: TIMEOUT,
        reuse_connections: false,
    };
    let dialer = CountingDialer::new(lab.host("h1").docker_socket.clone());
    let client = DockerClient::connect_with(DockerTarget::Dialer(dialer.clone()), options)
        .await
        .expect("connect through the dialer");
    for _ in 0..5 {
        container_names(&client).await;
    }
    assert_eq!(
        dialer.dials(),
        6,
        "one connection per request without reuse"
    );
}

#[tokio::test]
async fn read_only_client_lists_but_refuses_mutations_without_dialing() {
    let lab = Lab::load();
    let container = name("ro");
    let _cleanup = defer(|| drop(lab.docker("h1", &["rm", "-f", &container])));
    assert_success(
        &lab.docker("h1", &["create", "--name", &container, &lab.image]),
        "docker create",
    );
    // Without reuse, every request that is sent dials: the count shows what was sent.
    let options = ConnectOptions {
        read_only: true,
        timeout: TIMEOUT,
        reuse_connections: false,
    };
    let dialer = CountingDialer::new(lab.host("h1").docker_socket.clone());
    let client = DockerClient::connect_with(DockerTarget::Dialer(dialer.clone()), options)
        .await
        .expect("connect read-only");
    assert!(client.is_read_only());
    assert!(
        container_names(&client)
            .await
            .contains(&format!("/{container}"))
    );
    let dials = dialer.dials();

    let api = client.api();
    let created = name("ro-new");
    let results = [
        (
            "POST /containers/create".to_string(),
            api.create_container(
                Some(CreateContainerOptions {
                    name: Some(created.clone()),
                    ..Default::default()
                }),
                bollard::models::ContainerCreateBody {
                    image: Some(lab.image.clone()),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
        ),
        (
            format!("POST /containers/{container}/start"),
            api.start_container(&container, None::<StartContainerOptions>)
                .await,
        ),
        (
            format!("DELETE /containers/{container}"),
            api.remove_container(&container, None::<RemoveContainerOptions>)
                .await,
        ),
    ];
    for (call, result) in results {
        let err = DockerError::from(result.expect_err(&call));
        assert!(err.is_read_only(), "{call}: {err:?}");
        assert_eq!(
            err.to_string(),
            format!("refused in read-only mode: {call}")
        );
    }
    assert_eq!(dialer.dials(), dials, "refused calls dialed nothing");

    // And the engine saw nothing: the container is still created-not-started, and the
    // other one does not exist.
    let out = lab.docker(
        "h1",
        &["inspect", "--format", "{{.State.Status}}", &container],
    );
    assert_success(&out, "docker inspect");
    assert_eq!(stdout(&out), "created");
    assert_failure(&lab.docker("h1", &["inspect", &created]), "docker inspect");
}
