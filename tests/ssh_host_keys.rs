//! Host keys as OpenSSH picks and trusts them, against a private sshd on 127.0.0.1 (no
//! lab): a host known only by its ECDSA or RSA key is verified (the algorithms asked
//! for follow known_hosts), HostKeyAlias is the name looked up, a node's own
//! UserKnownHostsFile narrows trust, and ProxyCommand carries the connection. Routes
//! come from an ssh_config file through fleetdeck's resolver, as nodes get them.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fleetdeck::transport::exec::RemoteCommand;
use fleetdeck::transport::ssh::target::{ClientConfig, route_for};
use fleetdeck::transport::ssh::{SshError, SshNode};

/// An sshd with ed25519, ECDSA and RSA host keys on a free loopback port, bounded by
/// `timeout` and stopped on drop.
struct Sshd {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn keygen(kind: &str, path: &Path) {
    let ok = Command::new("timeout")
        .args([
            "30",
            "ssh-keygen",
            "-q",
            "-t",
            kind,
            "-N",
            "",
            "-C",
            "",
            "-f",
        ])
        .arg(path)
        .status()
        .expect("ssh-keygen (openssh-client) must be installed")
        .success();
    assert!(ok, "ssh-keygen -t {kind} failed");
}

impl Sshd {
    fn start() -> Sshd {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for kind in ["ed25519", "ecdsa", "rsa"] {
            keygen(kind, &d.join(format!("host_{kind}")));
        }
        keygen("ed25519", &d.join("client"));
        std::fs::copy(d.join("client.pub"), d.join("authorized_keys")).expect("authorized_keys");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let user = whoami();
        let config = format!(
            "ListenAddress 127.0.0.1:{port}\nHostKey {d}/host_ed25519\nHostKey {d}/host_ecdsa\n\
             HostKey {d}/host_rsa\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nUseDNS no\n\
             AllowUsers {user}\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).expect("sshd_config");
        let child = Command::new("timeout")
            .args(["300", "/usr/sbin/sshd", "-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("sshd.log")).expect("log"))
            .spawn()
            .expect("/usr/sbin/sshd (openssh-server) must be installed");
        let sshd = Sshd { child, port, dir };
        // Ready when it accepts a connection; a bounded number of tries, not a deadline.
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return sshd;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("sshd never listened: {}", sshd.log());
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("sshd.log")).unwrap_or_default()
    }

    /// A known_hosts file holding only the host key of `kind`, under `name`.
    fn known_hosts(&self, file: &str, name: &str, kind: &str) -> PathBuf {
        let key = std::fs::read_to_string(self.path(&format!("host_{kind}.pub"))).expect("key");
        let mut fields = key.split_whitespace();
        let line = format!(
            "{name} {} {}\n",
            fields.next().expect("type"),
            fields.next().expect("data")
        );
        let path = self.path(file);
        std::fs::write(&path, line).expect("known_hosts");
        path
    }

    /// A fleetdeck config with one node `n` reaching alias `target` of `ssh_config`.
    fn node(&self, ssh_config: &str) -> std::sync::Arc<SshNode> {
        let cfg = self.path("ssh_config");
        std::fs::write(&cfg, ssh_config).expect("ssh_config");
        let text = format!(
            "[ssh]\nconfig = {:?}\nconnect_timeout_secs = 10\n[[node]]\nname = \"n\"\nssh = \"target\"\n",
            cfg.display().to_string()
        );
        let config = fleetdeck::config::load_str(&text, Path::new("t.toml")).expect("config");
        let client = ClientConfig::load(config.ssh.config.as_deref()).expect("ssh config");
        let route = route_for(&config, &config.nodes[0], &client).expect("route");
        SshNode::new("n", route)
    }

    /// The `Host target` block reaching this sshd, plus `extra` lines.
    fn target_block(&self, extra: &str) -> String {
        format!(
            "Host target\n  HostName 127.0.0.1\n  Port {}\n  User {}\n  IdentityFile {}\n\
             \x20 IdentitiesOnly yes\n  GlobalKnownHostsFile none\n{extra}",
            self.port,
            whoami(),
            self.path("client").display()
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // `timeout` passes SIGTERM on to sshd.
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let _ = self.child.wait();
    }
}

fn whoami() -> String {
    let uid = rustix::process::getuid().as_raw();
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    fleetdeck::actor::passwd_entry(&passwd, uid)
        .expect("passwd entry")
        .0
}

async fn hostname_over(node: &SshNode) -> Result<String, SshError> {
    node.session().await?;
    let out = node
        .exec(&RemoteCommand::new(["echo", "reached"]))
        .await
        .expect("exec over a logged-in session");
    Ok(out.stdout_text().trim().to_string())
}

#[tokio::test]
async fn a_host_known_only_by_ecdsa_or_rsa_is_verified_not_called_changed() {
    let sshd = Sshd::start();
    for kind in ["ecdsa", "rsa", "ed25519"] {
        let name = format!("[127.0.0.1]:{}", sshd.port);
        let kh = sshd.known_hosts(&format!("kh_{kind}"), &name, kind);
        let node =
            sshd.node(&sshd.target_block(&format!("  UserKnownHostsFile {}\n", kh.display())));
        let got = hostname_over(&node).await;
        assert_eq!(
            got.as_deref().map_err(ToString::to_string),
            Ok("reached"),
            "known by {kind} only; sshd: {}",
            sshd.log()
        );
    }
}

#[tokio::test]
async fn host_key_alias_is_the_name_looked_up() {
    let sshd = Sshd::start();
    let kh = sshd.known_hosts("kh_alias", "fleet-alias", "ecdsa");
    let node = sshd.node(&sshd.target_block(&format!(
        "  UserKnownHostsFile {}\n  HostKeyAlias Fleet-Alias\n",
        kh.display()
    )));
    assert_eq!(
        hostname_over(&node).await.expect("alias trusted"),
        "reached"
    );
    // Without the alias the same file knows nothing about 127.0.0.1.
    let node = sshd.node(&sshd.target_block(&format!("  UserKnownHostsFile {}\n", kh.display())));
    let err = hostname_over(&node).await.expect_err("unknown");
    assert!(matches!(err, SshError::UnknownHostKey { .. }), "{err}");
}

#[tokio::test]
async fn a_node_user_known_hosts_file_narrows_trust() {
    let sshd = Sshd::start();
    let name = format!("[127.0.0.1]:{}", sshd.port);
    let good = sshd.known_hosts("kh_good", &name, "ed25519");
    let empty = sshd.path("kh_empty");
    std::fs::write(&empty, "").expect("write");
    // The key is only in a file this node's UserKnownHostsFile does not name.
    let node =
        sshd.node(&sshd.target_block(&format!("  UserKnownHostsFile {}\n", empty.display())));
    let err = hostname_over(&node).await.expect_err("refused");
    assert!(matches!(err, SshError::UnknownHostKey { .. }), "{err}");
    assert!(
        !err.to_string().contains(&good.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn proxy_command_carries_the_connection() {
    let sshd = Sshd::start();
    let name = "[127.0.0.1]:".to_string() + &sshd.port.to_string();
    let kh = sshd.known_hosts("kh_pc", &name, "ecdsa");
    let node = sshd.node(&sshd.target_block(&format!(
        "  UserKnownHostsFile {}\n  ProxyCommand busybox nc %h %p\n",
        kh.display()
    )));
    assert!(
        node.describe()
            .contains("ProxyCommand \"busybox nc 127.0.0.1"),
        "{}",
        node.describe()
    );
    assert_eq!(hostname_over(&node).await.expect("through nc"), "reached");
}
