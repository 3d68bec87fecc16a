//! Access to the test lab built by `tests/lab/lab.sh up` (see DESIGN.md §5).
//!
//! The lab is described by the JSON file named in `FLEETDECK_LAB`
//! (`<labdir>/lab.json`). Tests that need the lab call [`Lab::load`], which
//! panics when the lab is missing: such tests fail loudly, they never skip.
//! Run them through `scripts/test.sh`, which builds the lab first.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// Environment variable naming the lab description file.
pub const LAB_ENV: &str = "FLEETDECK_LAB";

/// Default limit for one external command (ssh, docker, nsenter ...).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The whole lab, as written by `lab.sh` into `lab.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Lab {
    pub version: u32,
    /// Lab directory (everything of the lab lives below it).
    pub dir: PathBuf,
    /// The root namespace's address on the lab bridge (where tests run).
    pub bridge_ip: String,
    pub bridges: Vec<Bridge>,
    /// known_hosts with every host key of every host (names and addresses).
    pub known_hosts: PathBuf,
    /// OpenSSH client config with a `Host hK` block per host.
    pub ssh_config: PathBuf,
    pub authorized_keys: PathBuf,
    /// Authorized ed25519 client key (private key path; `.pub` next to it).
    pub client_key: PathBuf,
    /// Authorized RSA client key.
    pub client_rsa_key: PathBuf,
    /// A client key that is NOT authorized anywhere.
    pub wrong_key: PathBuf,
    /// Test image present on every engine (`fdlab/busybox:latest`).
    pub image: String,
    /// docker CLI matching the engines.
    pub docker_cli: PathBuf,
    /// Storage driver the engines use (`overlay2` or `vfs`).
    pub storage_driver: String,
    pub hosts: Vec<Host>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Bridge {
    pub name: String,
    pub subnet: String,
    /// Address of the root namespace on this bridge, if any.
    pub root_ip: Option<String>,
}

/// One lab host: a network namespace with sshd and dockerd.
#[derive(Debug, Clone, Deserialize)]
pub struct Host {
    /// Name and ssh_config alias: `h1`, `h2`, ...
    pub name: String,
    /// What `hostname` prints on the host.
    pub hostname: String,
    /// Network namespace (`/run/netns/<netns>`).
    pub netns: String,
    /// Primary address (the one in ssh_config's HostName).
    pub ip: String,
    /// All lab addresses of the host.
    pub ips: Vec<String>,
    pub ssh_port: u16,
    pub user: String,
    /// Jump host needed to reach this host (`Some("h1")` for the isolated host).
    pub proxy_jump: Option<String>,
    /// Whether the root namespace can connect to `ip` directly.
    pub reachable_from_root: bool,
    pub dir: PathBuf,
    pub docker_socket: PathBuf,
    /// `unix://<docker_socket>`
    pub docker_host: String,
    pub docker_data_root: PathBuf,
    pub docker_exec_root: PathBuf,
    pub dockerd_log: PathBuf,
    /// Plain-TCP Docker API listener, `tcp://<ip>:2375` (h1 only).
    #[serde(default)]
    pub docker_tcp: Option<String>,
    /// Mutual-TLS Docker API listener (h2 only, in a lab of three hosts or more).
    #[serde(default)]
    pub docker_tls: Option<DockerTls>,
    /// Whether this host's sshd allows unix-socket forwarding (`false` on h2, where
    /// `AllowStreamLocalForwarding no`).
    #[serde(default = "default_true")]
    pub ssh_streamlocal: bool,
    pub sshd_config: PathBuf,
    pub sshd_log: PathBuf,
    /// Public host key files by type (`ed25519`, `rsa`, `ecdsa`).
    pub host_keys: BTreeMap<String, PathBuf>,
    pub nginx: Option<Nginx>,
    pub dns: Option<Dns>,
}

fn default_true() -> bool {
    true
}

/// `dockerd --tlsverify` listener and the certificates to talk to it (fresh per lab run).
#[derive(Debug, Clone, Deserialize)]
pub struct DockerTls {
    /// `tcp://<ip>:2376`
    pub addr: String,
    pub host: String,
    pub port: u16,
    /// DNS name in the server certificate besides its IP address.
    pub server_name: String,
    /// The lab CA, the client certificate it signed, and that certificate's key.
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// An unrelated CA, and a client certificate + key signed by it.
    pub wrong_ca: PathBuf,
    pub wrong_cert: PathBuf,
    pub wrong_key: PathBuf,
}

/// nginx running in the host's namespace.
#[derive(Debug, Clone, Deserialize)]
pub struct Nginx {
    /// `ip:port`
    pub listen: String,
    pub ip: String,
    pub port: u16,
    /// nginx `-p` prefix (ends with `/`).
    pub prefix: PathBuf,
    /// nginx `-c` config.
    pub conf: PathBuf,
    /// Directory whose `*.conf` files are included inside `http {}`.
    pub sites_dir: PathBuf,
    pub pid_file: PathBuf,
    pub error_log: PathBuf,
    pub access_log: PathBuf,
}

/// dnsmasq running in the host's namespace (never forwards upstream).
#[derive(Debug, Clone, Deserialize)]
pub struct Dns {
    pub server: String,
    pub port: u16,
    pub domain: String,
    /// addn-hosts file: edit it, then SIGHUP the pid in `pid_file`.
    pub hosts_file: PathBuf,
    pub conf: PathBuf,
    pub pid_file: PathBuf,
    pub log: PathBuf,
    /// A record present from the start.
    pub test_name: String,
    pub test_ip: String,
}

impl Lab {
    /// Reads the lab description named by `FLEETDECK_LAB`. Panics (never skips)
    /// when it is not set or unreadable.
    pub fn load() -> Lab {
        let path = match std::env::var_os(LAB_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => panic!(
                "{LAB_ENV} is not set: run the tests through scripts/test.sh, which builds the lab \
                 (or: tests/lab/lab.sh up && export {LAB_ENV}=/tmp/fleetdeck-lab/lab.json)"
            ),
        };
        Lab::from_file(&path)
    }

    /// Reads a lab description file. Panics with a clear message on failure.
    pub fn from_file(path: &Path) -> Lab {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            panic!(
                "cannot read the lab description {} ({e}): is the lab up? \
                 run the tests through scripts/test.sh, which builds the lab",
                path.display()
            )
        });
        let lab: Lab = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("invalid lab description {}: {e}", path.display()));
        assert!(
            !lab.hosts.is_empty(),
            "lab description {} lists no hosts",
            path.display()
        );
        lab
    }

    /// The host named `name` (`h1`, ...). Panics if there is none.
    /// A fleetdeck config over the lab: `top` (top-level keys), an `[ssh]` table using the
    /// lab's ssh_config, one `[[node]]` per host reached by its alias (Docker through SSH,
    /// the isolated host behind h1), then `tables`.
    pub fn fleet_config(&self, top: &str, tables: &str) -> String {
        let mut text = format!(
            "{top}\n[ssh]\nconfig = {:?}\nconnect_timeout_secs = 3\n",
            self.ssh_config.display().to_string()
        );
        for host in &self.hosts {
            text.push_str(&format!(
                "[[node]]\nname = {:?}\nssh = {:?}\ndocker = \"ssh\"\ndocker_socket = {:?}\n",
                host.name,
                host.name,
                host.docker_socket.display().to_string()
            ));
            if !host.reachable_from_root {
                text.push_str("jump = \"h1\"\n");
            }
        }
        text.push_str(tables);
        text
    }

    pub fn host(&self, name: &str) -> &Host {
        self.hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("the lab has no host {name:?}"))
    }

    /// The host running nginx, with its nginx facts.
    pub fn nginx(&self) -> (&Host, &Nginx) {
        self.hosts
            .iter()
            .find_map(|h| h.nginx.as_ref().map(|n| (h, n)))
            .expect("the lab runs no nginx (was it started with --no-nginx?)")
    }

    /// The host running dnsmasq, with its DNS facts.
    pub fn dns(&self) -> (&Host, &Dns) {
        self.hosts
            .iter()
            .find_map(|h| h.dns.as_ref().map(|d| (h, d)))
            .expect("the lab runs no dnsmasq (was it started with --no-dns?)")
    }

    /// The host whose engine listens on plain TCP, with its `tcp://ip:port`.
    pub fn docker_tcp(&self) -> (&Host, &str) {
        self.hosts
            .iter()
            .find_map(|h| h.docker_tcp.as_deref().map(|a| (h, a)))
            .expect(
                "no lab host has docker_tcp: rebuild the lab with this tree's tests/lab/lab.sh up",
            )
    }

    /// The host whose engine listens with mutual TLS, with its listener and certificates.
    pub fn docker_tls(&self) -> (&Host, &DockerTls) {
        self.hosts
            .iter()
            .find_map(|h| h.docker_tls.as_ref().map(|t| (h, t)))
            .expect(
                "no lab host has docker_tls: rebuild the lab with this tree's tests/lab/lab.sh up \
                 (with at least 3 hosts)",
            )
    }

    /// The host reachable only through a jump host.
    pub fn isolated_host(&self) -> &Host {
        self.hosts
            .iter()
            .find(|h| !h.reachable_from_root)
            .expect("the lab has no host isolated from the root namespace")
    }

    /// `ssh -F <ssh_config> <host> <args...>` with OpenSSH's client. Remote
    /// arguments are joined with spaces and run by the remote shell.
    pub fn ssh(&self, host: &str, args: &[&str]) -> Output {
        self.ssh_with_options(&[], host, args)
    }

    /// Like [`Lab::ssh`], with extra client options before the destination
    /// (e.g. `["-o", "ConnectTimeout=2"]`).
    pub fn ssh_with_options(&self, options: &[&str], host: &str, args: &[&str]) -> Output {
        let mut cmd = ssh_base();
        cmd.arg("-F").arg(&self.ssh_config);
        cmd.args(options).arg(host).args(args);
        run(&mut cmd)
    }

    /// The docker CLI against `host`'s engine: `docker -H unix://<socket> <args...>`.
    pub fn docker(&self, host: &str, args: &[&str]) -> Output {
        let h = self.host(host);
        let mut cmd = Command::new(&self.docker_cli);
        cmd.env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .arg("-H")
            .arg(&h.docker_host)
            .args(args);
        run(&mut cmd)
    }

    /// Runs `cmd args...` inside `host`'s network namespace
    /// (`nsenter --net=/run/netns/<netns>`).
    pub fn in_netns(&self, host: &str, cmd: &str, args: &[&str]) -> Output {
        let h = self.host(host);
        let mut c = Command::new("nsenter");
        c.arg(format!("--net=/run/netns/{}", h.netns))
            .arg("--")
            .arg(cmd)
            .args(args);
        run(&mut c)
    }

    /// `GET /_ping` on `host`'s engine socket; returns the response body.
    pub fn docker_ping(&self, host: &str) -> String {
        let h = self.host(host);
        let mut s = UnixStream::connect(&h.docker_socket)
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", h.docker_socket.display()));
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set_read_timeout");
        http_exchange(&mut s, "docker", "/_ping")
            .unwrap_or_else(|e| panic!("GET /_ping on {}: {e}", h.docker_socket.display()))
    }
}

/// `ssh` with no agent and no environment surprises.
fn ssh_base() -> Command {
    let mut cmd = Command::new("ssh");
    cmd.env_remove("SSH_AUTH_SOCK");
    cmd
}

/// Runs `ssh <args...>` exactly as given (no lab config), e.g. with `-F /dev/null`.
pub fn ssh_raw(args: &[&str]) -> Output {
    run(ssh_base().args(args))
}

/// Runs a command with stdin closed, capturing output, killing it after
/// [`COMMAND_TIMEOUT`]. Panics if it cannot be started or times out.
pub fn run(cmd: &mut Command) -> Output {
    run_with_timeout(cmd, COMMAND_TIMEOUT)
}

pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Output {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let status: ExitStatus = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} did not finish within {timeout:?}");
            }
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    };
    Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

/// Panics with the command's output unless it succeeded.
pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Panics with the command's output unless it failed.
pub fn assert_failure(out: &Output, what: &str) {
    assert!(
        !out.status.success(),
        "{what} unexpectedly succeeded:\n--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Trimmed stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Trimmed stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// Plain HTTP/1.0 GET over TCP (lab addresses only); returns the body.
pub fn http_get(addr: &str, path: &str) -> std::io::Result<String> {
    let sock: SocketAddr = addr.parse().map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{addr}: {e}"))
    })?;
    let mut s = TcpStream::connect_timeout(&sock, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    http_exchange(&mut s, addr, path)
}

/// Sends `GET path` and returns the body; errors unless the status is 200.
fn http_exchange<S: Read + Write>(s: &mut S, host: &str, path: &str) -> std::io::Result<String> {
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    let status = head.lines().next().unwrap_or("");
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(std::io::Error::other(format!(
            "GET {path}: unexpected status {status:?}"
        )));
    }
    Ok(body.to_string())
}

/// Retries `f` every 100 ms until it returns `Some` or `timeout` passes.
pub fn retry<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs a closure when dropped (cleanup that must happen even when an
/// assertion panics).
pub struct Defer<F: FnMut()>(F);

impl<F: FnMut()> Drop for Defer<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// `let _guard = defer(|| cleanup());`
pub fn defer<F: FnMut()>(f: F) -> Defer<F> {
    Defer(f)
}
