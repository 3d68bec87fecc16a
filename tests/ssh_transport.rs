//! The SSH transport against the lab's real sshd servers: authentication, host keys,
//! jump hosts, connection reuse, bounded channels, failures and recovery, and the Docker
//! socket through SSH.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetdeck::transport::exec::{Exec, RemoteCommand};
use fleetdeck::transport::ssh::node::SshDockerDialer;
use fleetdeck::transport::ssh::{Hop, Route, SshError, SshNode};
use fleetdeck::transport::stream::Dialer;
use support::lab::{Host, Lab};
use support::private_sshd::PrivateSshd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn hop(host: &Host, port: u16, identities: &[&Path]) -> Hop {
    Hop::new(
        &host.name,
        &host.ips[0],
        port,
        "root",
        identities.iter().map(|p| p.to_path_buf()).collect(),
        Vec::new(),
    )
}

/// A direct route to `target`, trusting `known_hosts` for it.
fn route(mut target: Hop, known_hosts: &Path) -> Route {
    target.known_hosts = vec![known_hosts.to_path_buf()];
    Route {
        jumps: Vec::new(),
        target,
        proxy_command: None,
        agent: None,
        connect_timeout: Duration::from_secs(5),
        keepalive: Duration::from_secs(1),
    }
}

fn cmd(argv: &[&str]) -> RemoteCommand {
    RemoteCommand::new(argv.iter().copied())
}

async fn run_text(node: &SshNode, argv: &[&str]) -> String {
    let out = node
        .exec(&cmd(argv))
        .await
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    assert!(out.success(), "{argv:?} failed: {}", out.stderr_tail());
    out.stdout_text().trim().to_string()
}

#[tokio::test]
async fn ed25519_key_runs_commands_on_the_right_host() {
    let lab = Lab::load();
    let h1 = lab.host("h1");
    let node = SshNode::new(
        "h1",
        route(hop(h1, 22, &[&lab.client_key]), &lab.known_hosts),
    );
    assert_eq!(run_text(&node, &["hostname"]).await, "h1");
    let addrs = run_text(&node, &["ip", "-4", "-o", "addr", "show"]).await;
    assert!(addrs.contains(&h1.ip), "{addrs}");
    // Arguments arrive exactly as given, shell metacharacters included.
    let echoed = run_text(&node, &["printf", "%s|", "$(id)", "a b", "it's", "`x`;y"]).await;
    assert_eq!(echoed, "$(id)|a b|it's|`x`;y|");
    let input = node
        .exec(&cmd(&["cat"]).with_stdin(b"through stdin".to_vec()))
        .await
        .expect("stdin");
    assert_eq!(input.stdout, b"through stdin");
    let failing = node
        .exec(&cmd(&["sh", "-c", "echo oops >&2; exit 3"]))
        .await
        .expect("runs");
    assert_eq!(failing.status, Some(3));
    assert_eq!(failing.stderr_tail(), "oops");
}

#[tokio::test]
async fn rsa_key_logs_in_with_sha2_signatures() {
    let lab = Lab::load();
    let h2 = lab.host("h2");
    // Debian 12's sshd no longer accepts SHA-1 RSA signatures: success means SHA-2.
    let node = SshNode::new(
        "h2",
        route(hop(h2, 22, &[&lab.client_rsa_key]), &lab.known_hosts),
    );
    assert_eq!(run_text(&node, &["hostname"]).await, "h2");
}

/// An ssh-agent for one test, holding the lab's client key.
struct Agent {
    child: Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn start(key: &Path) -> Agent {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent (openssh-client) must be installed");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !socket.exists() {
            assert!(
                Instant::now() < deadline,
                "ssh-agent did not create its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let added = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &socket)
            .output()
            .expect("ssh-add");
        assert!(
            added.status.success(),
            "ssh-add: {}",
            String::from_utf8_lossy(&added.stderr)
        );
        Agent {
            child,
            socket,
            _dir: dir,
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn agent_key_is_used_first() {
    let lab = Lab::load();
    let agent = Agent::start(&lab.client_key);
    let h1 = lab.host("h1");
    // The only identity file is the unauthorized one: success can only come from the agent.
    let mut r = route(hop(h1, 22, &[&lab.wrong_key]), &lab.known_hosts);
    r.agent = Some(agent.socket.clone());
    let node = SshNode::new("h1", r);
    assert_eq!(run_text(&node, &["hostname"]).await, "h1");
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_named() {
    let lab = Lab::load();
    let h1 = lab.host("h1");
    let node = SshNode::new(
        "h1",
        route(hop(h1, 22, &[&lab.wrong_key]), &lab.known_hosts),
    );
    let err = node
        .session()
        .await
        .err()
        .expect("wrong key must be refused");
    let text = err.to_string();
    assert!(matches!(err, SshError::Auth { .. }), "{text}");
    assert!(
        text.contains(&lab.wrong_key.display().to_string()),
        "{text}"
    );
}

#[tokio::test]
async fn an_encrypted_key_is_reported_as_such() {
    let lab = Lab::load();
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("locked");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "secret", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let node = SshNode::new(
        "h1",
        route(hop(lab.host("h1"), 22, &[&key]), &lab.known_hosts),
    );
    let text = node.session().await.err().expect("refused").to_string();
    assert!(text.contains("is encrypted"), "{text}");
}

#[tokio::test]
async fn an_unknown_host_is_refused_naming_fingerprint_and_file() {
    let lab = Lab::load();
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("known_hosts");
    std::fs::write(&empty, "").expect("write");
    let h1 = lab.host("h1");
    let node = SshNode::new("h1", route(hop(h1, 22, &[&lab.client_key]), &empty));
    let err = node.session().await.err().expect("unknown host refused");
    let text = err.to_string();
    assert!(matches!(err, SshError::UnknownHostKey { .. }), "{text}");
    assert!(text.contains("SHA256:"), "{text}");
    assert!(text.contains(&empty.display().to_string()), "{text}");
    assert!(text.contains(&h1.ip), "{text}");
}

#[tokio::test]
async fn a_changed_host_key_is_refused_loudly_with_file_and_line() {
    let lab = Lab::load();
    let h2 = lab.host("h2");
    // The server has a freshly generated key; known_hosts still holds the old one.
    let sshd = PrivateSshd::start(&lab, h2, 2201, &[], true);
    let known = sshd.known_hosts(h2, &h2.host_keys["ed25519"]);
    let node = SshNode::new("h2", route(hop(h2, 2201, &[&lab.client_key]), &known));
    let err = node.session().await.err().expect("changed key refused");
    let text = err.to_string();
    assert!(
        matches!(err, SshError::ChangedHostKey { line: 1, .. }),
        "{text}"
    );
    assert!(text.contains("HOST KEY CHANGED"), "{text}");
    assert!(text.contains(&format!("{}:1", known.display())), "{text}");
}

#[tokio::test]
async fn proxyjump_reaches_a_host_only_the_jump_host_sees() {
    let lab = Lab::load();
    let h1 = lab.host("h1");
    let h3 = lab.isolated_host();
    assert!(!h3.reachable_from_root);
    let mut r = route(hop(h3, 22, &[&lab.client_key]), &lab.known_hosts);
    let mut jump = hop(h1, 22, &[&lab.client_key]);
    jump.known_hosts = vec![lab.known_hosts.clone()];
    r.jumps = vec![jump];
    let node = SshNode::new(&h3.name, r);
    assert_eq!(run_text(&node, &["hostname"]).await, h3.name);

    // The same through fleetdeck's config and the lab's ssh_config (ProxyJump h1).
    let text = format!(
        "[ssh]\nconfig = {:?}\n[[node]]\nname = {:?}\nssh = {:?}\n",
        lab.ssh_config.display().to_string(),
        h3.name,
        h3.name
    );
    let config = fleetdeck::config::load_str(&text, Path::new("lab.toml")).expect("config");
    let client = fleetdeck::transport::ssh::ClientConfig::load(config.ssh.config.as_deref())
        .expect("ssh config");
    let resolved = fleetdeck::transport::ssh::target::route_for(&config, &config.nodes[0], &client)
        .expect("route");
    assert_eq!(resolved.jumps.len(), 1, "{}", resolved.describe());
    assert!(
        resolved.target.known_hosts.contains(&lab.known_hosts),
        "{:?}",
        resolved.target.known_hosts
    );
    let node = SshNode::new(&h3.name, resolved);
    assert_eq!(run_text(&node, &["hostname"]).await, h3.name);
}

fn accepted_logins(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("Accepted publickey")
        .count()
}

#[tokio::test]
async fn one_connection_serves_many_commands_and_channels_are_bounded() {
    let lab = Lab::load();
    let h2 = lab.host("h2");
    // MaxSessions 10 here: without fleetdeck's own bound, 40 parallel commands on one
    // connection would be refused by the server.
    let sshd = PrivateSshd::start(&lab, h2, 2202, &[], false);
    let known = sshd.known_hosts(h2, &h2.host_keys["ed25519"]);
    let node = SshNode::new("h2", route(hop(h2, 2202, &[&lab.client_key]), &known));
    let log = sshd.dir.path().join("sshd.log");
    for _ in 0..10 {
        assert_eq!(run_text(&node, &["hostname"]).await, "h2");
    }
    let runs = (0..40).map(|i| {
        let node = node.clone();
        async move {
            let out = node
                .exec(&cmd(&["sh", "-c", &format!("sleep 0.1; echo {i}")]))
                .await;
            out.map(|o| o.stdout_text().trim().to_string())
        }
    });
    let results = futures::future::join_all(runs).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result.expect("parallel command"), i.to_string());
    }
    assert_eq!(
        accepted_logins(&log),
        1,
        "every command must reuse the one connection"
    );
}

#[tokio::test]
async fn sshd_killed_mid_session_fails_fast_and_reconnects_when_back() {
    let lab = Lab::load();
    let h2 = lab.host("h2");
    let mut sshd = PrivateSshd::start(&lab, h2, 2203, &[], false);
    let known = sshd.known_hosts(h2, &h2.host_keys["ed25519"]);
    let node = SshNode::new("h2", route(hop(h2, 2203, &[&lab.client_key]), &known));
    assert_eq!(run_text(&node, &["hostname"]).await, "h2");

    sshd.kill();
    let started = Instant::now();
    let slow = cmd(&["sleep", "1"]).with_timeout(Duration::from_secs(5));
    let err = node.exec(&slow).await.expect_err("server is gone");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    // While the server is away, calls fail at once instead of queueing connects.
    let again = Instant::now();
    let err2 = node.exec(&cmd(&["true"])).await.expect_err("still down");
    assert!(again.elapsed() < Duration::from_secs(6), "{err} / {err2}");

    let _revived = {
        // Same port, same key: the server is back.
        let back = PrivateSshd::start(&lab, h2, 2203, &[], false);
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            match node.exec(&cmd(&["hostname"])).await {
                Ok(out) if out.success() => break,
                other => {
                    assert!(Instant::now() < deadline, "never reconnected: {other:?}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        back
    };
}

#[tokio::test]
async fn a_blackholed_host_times_out_without_holding_up_others() {
    let lab = Lab::load();
    let h2 = lab.host("h2");
    let h1 = lab.host("h1");
    let sshd = PrivateSshd::start(&lab, h2, 2204, &[], false);
    let known = sshd.known_hosts(h2, &h2.host_keys["ed25519"]);
    let mut r = route(hop(h2, 2204, &[&lab.client_key]), &known);
    r.connect_timeout = Duration::from_secs(2);
    let dark = SshNode::new("h2-dark", r);
    // Drop every packet to that port inside h2's namespace; removed on the way out.
    let rule = [
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "2204",
        "-j",
        "DROP",
        "-m",
        "comment",
        "--comment",
        "fdlab-test",
    ];
    let iptables = |op: &str| {
        Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", h2.netns))
            .args(["iptables", op])
            .args(rule)
            .status()
            .expect("iptables")
    };
    assert!(iptables("-I").success(), "could not add the DROP rule");
    let _undo = support::lab::defer(|| {
        let _ = iptables("-D");
    });
    let bright = SshNode::new(
        "h1",
        route(hop(h1, 22, &[&lab.client_key]), &lab.known_hosts),
    );
    let started = Instant::now();
    let host_cmd = cmd(&["hostname"]);
    let ((dark_result, dark_done), (bright_result, bright_done)) = tokio::join!(
        async { (dark.exec(&host_cmd).await, Instant::now()) },
        async { (bright.exec(&host_cmd).await, Instant::now()) }
    );
    let err = dark_result.expect_err("blackholed host must fail");
    assert!(matches!(err, SshError::Timeout { .. }), "{err}");
    // Only a bound against a hang: the connect timeout itself is what the error says.
    let took = dark_done - started;
    eprintln!("figure: the blackholed connect gave up after {took:?}");
    assert!(took < Duration::from_secs(60), "timeout took {took:?}");
    assert_eq!(
        bright_result.expect("h1 unaffected").stdout_text().trim(),
        "h1"
    );
    // Not held up: h1 answered before the dark host's timeout, whatever the machine's speed.
    assert!(
        bright_done < dark_done,
        "h1 waited for the dark host ({:?} vs {:?})",
        bright_done - started,
        took
    );
}

async fn ping_over(stream: &mut fleetdeck::transport::BoxedStream) -> String {
    stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .await
        .expect("write");
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply))
        .await
        .expect("reply in time")
        .expect("read");
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn docker_socket_through_ssh_streamlocal_and_dial_stdio_fallback() {
    let lab = Lab::load();
    let h1 = lab.host("h1");
    let node = SshNode::new(
        "h1",
        route(hop(h1, 22, &[&lab.client_key]), &lab.known_hosts),
    );
    let dialer = SshDockerDialer::new(node, h1.docker_socket.display().to_string());
    let mut stream = dialer.dial().await.expect("stream-local channel");
    let reply = ping_over(&mut stream).await;
    assert!(
        reply.starts_with("HTTP/1.0 200") && reply.ends_with("OK"),
        "{reply}"
    );
    assert_eq!(dialer.note(), None);

    // A server that refuses stream-local forwarding: the dialer falls back to
    // `docker system dial-stdio`, and says so.
    let h2 = lab.host("h2");
    let sshd = PrivateSshd::start(&lab, h2, 2205, &["AllowStreamLocalForwarding no"], false);
    let known = sshd.known_hosts(h2, &h2.host_keys["ed25519"]);
    let node = SshNode::new("h2", route(hop(h2, 2205, &[&lab.client_key]), &known));
    let dialer = SshDockerDialer::new(node, h2.docker_socket.display().to_string());
    let mut stream = dialer.dial().await.expect("dial-stdio fallback");
    let reply = ping_over(&mut stream).await;
    assert!(reply.contains("200 OK") && reply.ends_with("OK"), "{reply}");
    assert!(
        dialer.note().is_some_and(|n| n.contains("dial-stdio")),
        "{:?}",
        dialer.note()
    );
    assert!(
        dialer.describe().contains("dial-stdio"),
        "{}",
        dialer.describe()
    );
}

#[tokio::test]
async fn read_only_guard_holds_over_ssh() {
    let lab = Lab::load();
    let h1 = lab.host("h1");
    let node = SshNode::new(
        "h1",
        route(hop(h1, 22, &[&lab.client_key]), &lab.known_hosts),
    );
    let guarded = fleetdeck::transport::exec::guarded(node as Arc<dyn Exec>, true);
    let marker = format!("/tmp/fdtest-readonly-{}", std::process::id());
    let out = guarded
        .run(&cmd(&["hostname"]))
        .await
        .expect("read-only command");
    assert_eq!(out.stdout_text().trim(), "h1");
    let err = guarded
        .run(&cmd(&["touch", &marker]))
        .await
        .expect_err("write refused");
    assert!(err.to_string().contains("read-only mode"), "{err}");
    assert!(!Path::new(&marker).exists(), "the refused command ran");
}

#[tokio::test]
async fn nodes_behind_a_jump_node_share_its_connection() {
    let lab = Lab::load();
    let h1 = lab.host("h1");
    let h3 = lab.isolated_host();
    let sshd = PrivateSshd::start(&lab, h1, 2206, &[], false);
    let known = sshd.known_hosts(h1, &h1.host_keys["ed25519"]);
    let bastion = SshNode::new("h1", route(hop(h1, 2206, &[&lab.client_key]), &known));
    let behind = SshNode::new_via(
        &h3.name,
        route(hop(h3, 22, &[&lab.client_key]), &lab.known_hosts),
        Some(bastion.clone()),
    );
    assert_eq!(run_text(&bastion, &["hostname"]).await, "h1");
    assert_eq!(run_text(&behind, &["hostname"]).await, h3.name);
    assert_eq!(run_text(&behind, &["hostname"]).await, h3.name);
    assert!(behind.describe().contains(" via "), "{}", behind.describe());
    let log = sshd.dir.path().join("sshd.log");
    assert_eq!(
        accepted_logins(&log),
        1,
        "the jump node's one connection carries the node behind it"
    );
}
