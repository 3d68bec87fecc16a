//! `local_target_from_env` and `target_for_node`, with fake variables and nodes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{DockerEndpoint, Hypervisor, NodeConfig, TlsConfig};
use crate::transport::docker::{DockerError, DockerTarget, local_target_from_env, target_for_node};

use super::fake::FakeEngine;

fn from_env(pairs: &[(&str, &str)]) -> Result<DockerTarget, DockerError> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    local_target_from_env(|name| vars.get(name).cloned())
}

fn debug(target: Result<DockerTarget, DockerError>) -> String {
    match target {
        Ok(t) => format!("{t:?}"),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn docker_host_unset_or_empty_is_the_default_socket() {
    let default = r#"Unix("/var/run/docker.sock")"#;
    assert_eq!(debug(from_env(&[])), default);
    assert_eq!(debug(from_env(&[("DOCKER_HOST", "")])), default);
    // TLS variables do not apply to a unix socket, as with the docker CLI.
    assert_eq!(debug(from_env(&[("DOCKER_TLS_VERIFY", "1")])), default);
    assert_eq!(
        debug(from_env(&[(
            "DOCKER_HOST",
            "unix:///run/user/1000/docker.sock"
        )])),
        r#"Unix("/run/user/1000/docker.sock")"#
    );
}

#[test]
fn tcp_is_plain_unless_tls_verify_is_set_and_non_empty() {
    assert_eq!(
        debug(from_env(&[("DOCKER_HOST", "tcp://10.2.0.3:2375")])),
        r#"Tcp { host: "10.2.0.3", port: 2375 }"#
    );
    assert_eq!(
        debug(from_env(&[
            ("DOCKER_HOST", "tcp://10.2.0.3:2375/"),
            ("DOCKER_TLS_VERIFY", "")
        ])),
        r#"Tcp { host: "10.2.0.3", port: 2375 }"#
    );
    // No port: 2375 in plain TCP, 2376 with TLS (the docker CLI's defaults).
    assert_eq!(
        debug(from_env(&[("DOCKER_HOST", "tcp://garen")])),
        r#"Tcp { host: "garen", port: 2375 }"#
    );
    assert_eq!(
        debug(from_env(&[
            ("DOCKER_HOST", "tcp://[fd00::3]"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/etc/fleetdeck/garen"),
        ])),
        r#"Tls { host: "fd00::3", port: 2376, ca: "/etc/fleetdeck/garen/ca.pem", cert: "/etc/fleetdeck/garen/cert.pem", key: "/etc/fleetdeck/garen/key.pem" }"#
    );
}

#[test]
fn tls_certificates_default_to_home_docker() {
    assert_eq!(
        debug(from_env(&[
            ("DOCKER_HOST", "tcp://10.2.0.3:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("HOME", "/home/admin"),
        ])),
        r#"Tls { host: "10.2.0.3", port: 2376, ca: "/home/admin/.docker/ca.pem", cert: "/home/admin/.docker/cert.pem", key: "/home/admin/.docker/key.pem" }"#
    );
    // DOCKER_TLS alone still verifies the engine.
    assert!(
        debug(from_env(&[
            ("DOCKER_HOST", "tcp://10.2.0.3:2376"),
            ("DOCKER_TLS", "1"),
            ("HOME", "/root"),
        ]))
        .starts_with("Tls {")
    );
    assert_eq!(
        debug(from_env(&[
            ("DOCKER_HOST", "tcp://10.2.0.3:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
        ])),
        "error: DOCKER_CERT_PATH=\"\": unset, and HOME is unset too, so ~/.docker cannot be found"
    );
}

#[test]
fn unusable_docker_hosts_are_explained() {
    for (value, reason) in [
        ("ssh://root@teemo", "ssh:// is not used for the local node"),
        ("unix://docker.sock", "the socket path must be absolute"),
        ("npipe:////./pipe/docker_engine", "expected unix:///path"),
        ("tcp://10.2.0.3:http", "\"http\" is not a port number"),
        ("tcp://:2375", "expected tcp://host:port"),
        ("tcp://[fd00::3", "unclosed '['"),
    ] {
        let text = debug(from_env(&[("DOCKER_HOST", value)]));
        assert!(
            text.starts_with(&format!("error: DOCKER_HOST={value:?}: ")) && text.contains(reason),
            "{value}: {text}"
        );
    }
}

fn node(docker: Option<&str>, ssh: Option<&str>, tls: bool) -> NodeConfig {
    NodeConfig {
        name: "garen".into(),
        ssh: ssh.map(Into::into),
        jump: None,
        hypervisor: Hypervisor::None,
        libvirt_uri: None,
        docker: docker.map(|d| d.parse::<DockerEndpoint>().expect("endpoint")),
        docker_socket: None,
        tls: tls.then(|| TlsConfig {
            ca: PathBuf::from("/etc/fd/ca.pem"),
            cert: PathBuf::from("/etc/fd/cert.pem"),
            key: PathBuf::from("/etc/fd/key.pem"),
        }),
        parent: None,
        public_ip: None,
    }
}

#[test]
fn node_endpoints_become_targets() {
    let dialer: Arc<dyn crate::transport::Dialer> = Arc::new(FakeEngine::new("1.41"));
    let target =
        |n: &NodeConfig, d: Option<Arc<dyn crate::transport::Dialer>>| debug(target_for_node(n, d));
    assert_eq!(
        target(&node(None, None, false), None),
        r#"Unix("/var/run/docker.sock")"#
    );
    assert_eq!(
        target(
            &node(Some("unix:///srv/docker.sock"), Some("root@garen"), false),
            None
        ),
        r#"Unix("/srv/docker.sock")"#
    );
    assert_eq!(
        target(&node(Some("tcp://10.2.0.3:2375"), None, false), None),
        r#"Tcp { host: "10.2.0.3", port: 2375 }"#
    );
    assert_eq!(
        target(&node(Some("tcp://10.2.0.3:2376"), None, true), None),
        r#"Tls { host: "10.2.0.3", port: 2376, ca: "/etc/fd/ca.pem", cert: "/etc/fd/cert.pem", key: "/etc/fd/key.pem" }"#
    );
    assert_eq!(
        target(&node(None, Some("root@garen"), false), Some(dialer.clone())),
        r#"Dialer("fake engine")"#
    );
    assert_eq!(
        target(&node(Some("ssh"), Some("root@garen"), false), None),
        "error: node garen has docker = \"ssh\" but no SSH connection was provided to reach its docker_socket"
    );
    assert_eq!(
        target(&node(Some("none"), Some("root@garen"), false), Some(dialer)),
        "error: node garen has docker = none"
    );
}
