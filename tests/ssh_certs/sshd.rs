//! A private sshd on a free 127.0.0.1 port for certificate tests, and an SSH CA made
//! with ssh-keygen. Every process runs under `timeout`; the sshd stops on drop.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use fleetdeck::transport::ssh::SshNode;
use fleetdeck::transport::ssh::target::{ClientConfig, route_for};

pub fn run(program: &str, args: &[&str]) {
    let out = Command::new("timeout")
        .arg("30")
        .arg(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} (openssh-client) must be installed: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn keygen(path: &Path) {
    let p = path.display().to_string();
    run(
        "ssh-keygen",
        &["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", &p],
    );
}

/// Sign `key.pub` with the CA `ca` into `key-cert.pub`: `host` for a host certificate,
/// `principals` comma-separated, `validity` as ssh-keygen's `-V`.
pub fn sign(ca: &Path, key: &Path, host: bool, principals: &str, validity: &str) -> PathBuf {
    sign_with(ca, key, host, principals, validity, &[])
}

/// As [`sign`], with more ssh-keygen arguments (`-z SERIAL`, `-t ssh-rsa`).
pub fn sign_with(
    ca: &Path,
    key: &Path,
    host: bool,
    principals: &str,
    validity: &str,
    extra: &[&str],
) -> PathBuf {
    let (ca, public) = (ca.display().to_string(), format!("{}.pub", key.display()));
    let mut args = extra.to_vec();
    args.extend([
        "-q",
        "-s",
        &ca,
        "-I",
        "fleetdeck-test",
        "-n",
        principals,
        "-V",
        validity,
    ]);
    if host {
        args.push("-h");
    }
    args.push(&public);
    run("ssh-keygen", &args);
    PathBuf::from(format!("{}-cert.pub", key.display()))
}

pub fn whoami() -> String {
    let uid = rustix::process::getuid().as_raw();
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    fleetdeck::actor::passwd_entry(&passwd, uid)
        .expect("passwd entry")
        .0
}

/// One directory: a user CA `user_ca`, a host CA `host_ca`, a client key `client`, the
/// host key `host_ed25519`; then one sshd started from it with extra config lines.
pub struct Lab {
    pub dir: tempfile::TempDir,
}

impl Lab {
    pub fn new() -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["user_ca", "host_ca", "other_ca", "client", "host_ed25519"] {
            keygen(&dir.path().join(name));
        }
        Lab { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `name` holding `text` (a known_hosts file, a copied certificate).
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    pub fn public(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(&format!("{name}.pub")))
            .expect("public key")
            .trim()
            .to_string()
    }
}

pub struct Sshd {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl Sshd {
    /// sshd with the host key, the host certificate when `host_cert`, users' keys
    /// accepted only when signed by `user_ca` (no authorized_keys at all).
    pub fn start(lab: &Lab, tag: &str, host_cert: Option<&Path>) -> Sshd {
        let d = lab.dir.path();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cert_line = host_cert
            .map(|p| format!("HostCertificate {}\n", p.display()))
            .unwrap_or_default();
        let config = format!(
            "ListenAddress 127.0.0.1:{port}\nHostKey {d}/host_ed25519\n{cert_line}\
             PidFile {d}/sshd_{tag}.pid\nAuthorizedKeysFile none\n\
             TrustedUserCAKeys {d}/user_ca.pub\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nUseDNS no\nAllowUsers {user}\nLogLevel VERBOSE\n",
            d = d.display(),
            user = whoami()
        );
        let conf = lab.write(&format!("sshd_{tag}.conf"), &config);
        let log = lab.path(&format!("sshd_{tag}.log"));
        let child = Command::new("timeout")
            .args(["300", "/usr/sbin/sshd", "-D", "-e", "-f"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("/usr/sbin/sshd (openssh-server) must be installed");
        let sshd = Sshd { child, port, log };
        // Ready when it accepts a connection; a bounded number of tries, not a deadline.
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return sshd;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("sshd never listened: {}", sshd.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `[127.0.0.1]:PORT`, the known_hosts name.
    pub fn name(&self) -> String {
        format!("[127.0.0.1]:{}", self.port)
    }

    /// A node reaching this sshd through an ssh_config `Host target` block: the client
    /// key, `known_hosts` as its only known_hosts file, no agent, plus `extra` lines.
    pub fn node(&self, lab: &Lab, known_hosts: &Path, extra: &str) -> Arc<SshNode> {
        self.node_with(lab, known_hosts, "client", "none", extra)
    }

    /// As `node`, with the identity file `identity` of the lab and `IdentityAgent agent`.
    pub fn node_with(
        &self,
        lab: &Lab,
        known_hosts: &Path,
        identity: &str,
        agent: &str,
        extra: &str,
    ) -> Arc<SshNode> {
        let ssh_config = format!(
            "Host target\n  HostName 127.0.0.1\n  Port {}\n  User {}\n  IdentityFile {}\n\
             \x20 IdentitiesOnly yes\n  IdentityAgent {agent}\n  GlobalKnownHostsFile none\n\
             \x20 UserKnownHostsFile {}\n{extra}",
            self.port,
            whoami(),
            lab.path(identity).display(),
            known_hosts.display()
        );
        let cfg = lab.write("ssh_config", &ssh_config);
        let text = format!(
            "[ssh]\nconfig = {:?}\nconnect_timeout_secs = 10\n[[node]]\nname = \"n\"\nssh = \"target\"\n",
            cfg.display().to_string()
        );
        let config = fleetdeck::config::load_str(&text, Path::new("t.toml")).expect("config");
        let client = ClientConfig::load(config.ssh.config.as_deref()).expect("ssh config");
        let route = route_for(&config, &config.nodes[0], &client).expect("route");
        SshNode::new("n", route)
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

/// A private ssh-agent on a socket of the lab's directory, killed on drop.
pub struct Agent {
    child: Child,
    pub socket: PathBuf,
}

impl Agent {
    pub fn start(lab: &Lab) -> Agent {
        let socket = lab.path("agent.sock");
        let child = Command::new("timeout")
            .args(["300", "ssh-agent", "-D", "-a"])
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent (openssh-client) must be installed");
        let agent = Agent { child, socket };
        // Ready when its socket exists; a bounded number of tries.
        for _ in 0..200 {
            if agent.socket.exists() {
                return agent;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("ssh-agent never made {}", agent.socket.display());
    }

    /// `ssh-add KEY` (which adds `KEY-cert.pub` too, when `with_cert`).
    pub fn add(&self, key: &Path, with_cert: bool) {
        let out = Command::new("timeout")
            .arg("30")
            .arg("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .output()
            .expect("ssh-add");
        assert!(
            out.status.success(),
            "ssh-add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            said.contains("Certificate added"),
            with_cert,
            "ssh-add: {said}"
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let _ = self.child.wait();
    }
}
