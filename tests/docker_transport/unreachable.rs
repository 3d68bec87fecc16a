//! Targets that do not answer fail within the caller's timeout, saying what failed.

use std::time::{Duration, Instant};

use fleetdeck::transport::docker::{DockerClient, DockerError, DockerTarget};

use super::support::lab::Lab;
use super::tls_target;

/// Connects, expecting a failure; returns it with the time it took.
async fn fails(target: DockerTarget, timeout: Duration) -> (DockerError, Duration) {
    let started = Instant::now();
    let err = DockerClient::connect(target, true, timeout)
        .await
        .expect_err("the target does not answer");
    let took = started.elapsed();
    assert!(
        took < timeout + Duration::from_secs(5),
        "took {took:?} with a timeout of {timeout:?}: {err}"
    );
    (err, took)
}

#[tokio::test]
async fn closed_port_on_a_lab_host_is_refused_at_once() {
    let lab = Lab::load();
    let (host, _) = lab.docker_tls();
    // h2's engine listens on 2376 only.
    let target = DockerTarget::Tcp {
        host: host.ip.clone(),
        port: 2375,
    };
    let (err, _) = fails(target, Duration::from_secs(3)).await;
    assert_eq!(
        err.to_string(),
        format!(
            "cannot connect to the Docker engine at tcp://{}:2375: Connection refused (os error 111)",
            host.ip
        )
    );
}

#[tokio::test]
async fn isolated_subnet_is_unreachable_from_the_root_namespace() {
    let lab = Lab::load();
    let iso = lab.isolated_host();
    let target = DockerTarget::Tcp {
        host: iso.ip.clone(),
        port: 2375,
    };
    // The lab's "unreachable" route answers at once.
    // "At once" is what the error says: a routing refusal, not a timeout. The time is a
    // figure, not a test (speed belongs in the benches).
    let (err, took) = fails(target, Duration::from_secs(3)).await;
    eprintln!("figure: no route to the isolated host after {took:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot connect to the Docker engine at tcp://{}:2375: No route to host (os error 113)",
            iso.ip
        )
    );
}

#[tokio::test]
async fn silent_address_times_out() {
    let lab = Lab::load();
    // An address of the lab bridge that no host has: ARP never resolves, and the kernel
    // would give up only after about 3 s.
    let target = DockerTarget::Tcp {
        host: "10.77.0.99".into(),
        port: 2375,
    };
    let _ = &lab;
    let timeout = Duration::from_secs(1);
    let (err, took) = fails(target, timeout).await;
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert_eq!(
        err.to_string(),
        "connecting to the Docker engine at tcp://10.77.0.99:2375 did not finish within 1s"
    );
}

/// Accepts connections and never says a word.
async fn silent_listener() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    port
}

#[tokio::test]
async fn silent_server_times_out_in_the_tls_handshake_and_in_http() {
    let lab = Lab::load();
    let (_, tls) = lab.docker_tls();
    let port = silent_listener().await;
    let timeout = Duration::from_millis(800);

    let mut target = tls_target(&lab, tls.ca.clone(), tls.cert.clone(), tls.key.clone());
    if let DockerTarget::Tls { host, port: p, .. } = &mut target {
        *host = "127.0.0.1".into();
        *p = port;
    }
    let (err, _) = fails(target, timeout).await;
    assert_eq!(
        err.to_string(),
        format!(
            "the TLS handshake with the Docker engine at tcp://127.0.0.1:{port} (tls) did not finish within 800ms"
        )
    );

    let target = DockerTarget::Tcp {
        host: "127.0.0.1".into(),
        port,
    };
    let (err, _) = fails(target, timeout).await;
    assert_eq!(
        err.to_string(),
        format!(
            "connecting to and asking the API version of the Docker engine at tcp://127.0.0.1:{port} did not finish within 800ms"
        )
    );
}
