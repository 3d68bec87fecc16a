//! Median latency of `GET /containers/json` through the Docker transport, against the
//! lab (tests/lab/lab.sh up; FLEETDECK_LAB=<labdir>/lab.json), for each target kind,
//! with and without connection reuse.
//!
//!     cargo run --release --example docker_latency [-- N]     (N requests each, default 50)

#[path = "../tests/support/lab.rs"]
mod lab;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::query_parameters::ListContainersOptions;
use fleetdeck::transport::docker::{ConnectOptions, DockerClient, DockerTarget};
use fleetdeck::transport::{BoxedStream, Dialer};
use futures::future::BoxFuture;

/// The lab's h1 socket through a [`Dialer`], as the SSH transport would hand it over.
struct SocketDialer(PathBuf);

impl Dialer for SocketDialer {
    fn dial(&self) -> BoxFuture<'_, io::Result<BoxedStream>> {
        Box::pin(async move {
            let stream = tokio::net::UnixStream::connect(&self.0).await?;
            Ok(Box::new(stream) as BoxedStream)
        })
    }

    fn describe(&self) -> String {
        format!("unix://{} via a dialer", self.0.display())
    }
}

fn targets(lab: &lab::Lab) -> Vec<(&'static str, DockerTarget)> {
    let h1 = lab.host("h1");
    let (_, tcp) = lab.docker_tcp();
    let (host, port) = tcp
        .trim_start_matches("tcp://")
        .rsplit_once(':')
        .expect("tcp://host:port");
    let (_, tls) = lab.docker_tls();
    vec![
        ("unix", DockerTarget::Unix(h1.docker_socket.clone())),
        (
            "tcp",
            DockerTarget::Tcp {
                host: host.to_string(),
                port: port.parse().expect("port"),
            },
        ),
        (
            "tls",
            DockerTarget::Tls {
                host: tls.host.clone(),
                port: tls.port,
                ca: tls.ca.clone(),
                cert: tls.cert.clone(),
                key: tls.key.clone(),
            },
        ),
        (
            "dialer",
            DockerTarget::Dialer(Arc::new(SocketDialer(h1.docker_socket.clone()))),
        ),
    ]
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 50,
    };
    let lab = lab::Lab::load();
    println!("GET /containers/json?all=true, {n} requests per row (after one warm-up)");
    println!(
        "{:<8} {:<6} {:>10} {:>10} {:>10} {:>12}",
        "target", "reuse", "median", "p90", "min", "connections"
    );
    for reuse in [true, false] {
        for (kind, target) in targets(&lab) {
            let options = ConnectOptions {
                read_only: true,
                timeout: Duration::from_secs(5),
                reuse_connections: reuse,
            };
            let client = DockerClient::connect_with(target, options).await?;
            let list = || {
                client.api().list_containers(Some(ListContainersOptions {
                    all: true,
                    ..Default::default()
                }))
            };
            list().await?;
            let before = client.connections_opened();
            let mut times = Vec::with_capacity(n);
            for _ in 0..n {
                let started = Instant::now();
                list().await?;
                times.push(started.elapsed());
            }
            times.sort();
            println!(
                "{:<8} {:<6} {:>10.3?} {:>10.3?} {:>10.3?} {:>12}",
                kind,
                if reuse { "yes" } else { "no" },
                quantile(&times, 0.5),
                quantile(&times, 0.9),
                times[0],
                client.connections_opened() - before
            );
        }
    }
    Ok(())
}
