//! Access to the test lab built by `tests/lab/lab.sh up` (see tests/lab/README.md).
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
    /// An authorized client key only the hardening tests use, so that their sessions can
    /// be told apart in `commands.log` (see [`Lab::audit_key_id`]). `None` in a lab made
    /// before the command log existed.
    #[serde(default)]
    pub audit_key: Option<PathBuf>,
    /// Every sshd's ForceCommand (`<labdir>/bin/fdlab-cmdlog`, from tests/lab/fdlab-cmdlog).
    #[serde(default)]
    pub cmdlog: Option<PathBuf>,
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
    /// One line per SSH session (time, host, key, the exact command), written by the
    /// sshd's ForceCommand; read it with [`crate::support::audit`].
    #[serde(default)]
    pub commands_log: Option<PathBuf>,
    /// Prepended to PATH of every SSH session on the host (empty unless a test installs
    /// a fake tool there: [`Lab::fake_tool`]).
    #[serde(default)]
    pub fakebin: Option<PathBuf>,
    /// dockerd's `--config-file` (`"debug": true`: every API call is logged).
    #[serde(default)]
    pub daemon_json: Option<PathBuf>,
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

    /// A fleetdeck config over the lab: `top` (top-level keys), an `[ssh]` table using the
    /// lab's ssh_config, one `[[node]]` per host reached by its alias (Docker through SSH,
    /// the isolated host behind h1), then `tables`.
    pub fn fleet_config(&self, top: &str, tables: &str) -> String {
        self.fleet_config_with(&self.ssh_config, top, tables)
    }

    /// [`Lab::fleet_config`] with another OpenSSH client config (e.g. the one of
    /// [`Lab::audit_ssh_config`]).
    pub fn fleet_config_with(&self, ssh_config: &Path, top: &str, tables: &str) -> String {
        let mut text = format!(
            "{top}\n[ssh]\nconfig = {:?}\nconnect_timeout_secs = 3\n",
            ssh_config.display().to_string()
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

    /// The host named `name` (`h1`, ...). Panics if there is none.
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
    run_with_input(cmd, None, timeout)
}

/// Like [`run_with_timeout`], with `input` written to the command's stdin (then closed);
/// `None`: stdin closed from the start.
pub fn run_with_input(cmd: &mut Command, input: Option<&[u8]>, timeout: Duration) -> Output {
    let what = format!("{cmd:?}");
    let stdin = if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let mut child = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let writer = input.map(|data| {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let data = data.to_vec();
        // A command that exits without reading all of it closes the pipe: not an error here.
        std::thread::spawn(move || drop(pipe.write_all(&data)))
    });
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
    if let Some(w) = writer {
        let _ = w.join();
    }
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

// ---- the command log, fake tools and daemon restarts (hardening tests) ----

const REBUILD: &str = "rebuild the lab with this tree's tests/lab/lab.sh up (or apply it live: \
                       tests/lab/lab.sh instrument)";

impl Host {
    /// `<dir>/commands.log`; panics when the lab predates the command log.
    pub fn commands_log(&self) -> &Path {
        self.commands_log
            .as_deref()
            .unwrap_or_else(|| panic!("lab host {} has no commands_log: {REBUILD}", self.name))
    }

    /// `<dir>/fakebin`; panics when the lab predates it.
    pub fn fakebin(&self) -> &Path {
        self.fakebin
            .as_deref()
            .unwrap_or_else(|| panic!("lab host {} has no fakebin: {REBUILD}", self.name))
    }
}

impl Lab {
    /// The private key only the hardening tests use.
    pub fn audit_key(&self) -> &Path {
        self.audit_key
            .as_deref()
            .unwrap_or_else(|| panic!("the lab has no audit_key: {REBUILD}"))
    }

    /// How `commands.log` names sessions authenticated with [`Lab::audit_key`]: the last
    /// 16 characters of the base64 public key.
    pub fn audit_key_id(&self) -> String {
        let public = self.audit_key().with_extension("pub");
        let text = std::fs::read_to_string(&public)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", public.display()));
        key_id(&text).unwrap_or_else(|| panic!("{} is not a public key", public.display()))
    }

    /// Writes `<dir>/ssh_config`: the lab's client config with [`Lab::audit_key`] as the
    /// identity of every host, and returns its path.
    pub fn audit_ssh_config(&self, dir: &Path) -> PathBuf {
        let text = std::fs::read_to_string(&self.ssh_config)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", self.ssh_config.display()));
        let ours = text.replace(
            &self.client_key.display().to_string(),
            &self.audit_key().display().to_string(),
        );
        assert_ne!(
            ours, text,
            "the lab ssh_config names no IdentityFile to replace"
        );
        let path = dir.join("ssh_config");
        std::fs::write(&path, ours).expect("write the audit ssh_config");
        path
    }

    /// `tests/lab/lab.sh ARGS...` against this lab (e.g. `["stop", "sshd", "h3"]`).
    pub fn lab_sh(&self, args: &[&str]) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/lab.sh");
        let mut cmd = Command::new("bash");
        cmd.arg(script)
            .args(args)
            .env("FLEETDECK_LAB_DIR", &self.dir);
        run_with_timeout(&mut cmd, Duration::from_secs(120))
    }

    /// Stops `service` (`sshd`, with every session it serves, or `dockerd`) on `host`.
    pub fn stop_service(&self, service: &str, host: &str) {
        let out = self.lab_sh(&["stop", service, host]);
        assert_success(&out, &format!("lab.sh stop {service} {host}"));
    }

    /// Starts `service` on `host` exactly as `lab.sh up` does, and waits until it answers
    /// (a no-op when it runs). Use it in a `defer` after [`Lab::stop_service`].
    pub fn start_service(&self, service: &str, host: &str) {
        let out = self.lab_sh(&["start", service, host]);
        assert_success(&out, &format!("lab.sh start {service} {host}"));
    }

    /// [`Lab::start_service`] for cleanup guards: never panics (a panic while a failed test
    /// unwinds would abort), says on stderr when the service did not come back.
    pub fn restore_service(&self, service: &str, host: &str) {
        let out = self.lab_sh(&["start", service, host]);
        if !out.status.success() {
            eprintln!(
                "WARNING: could not restart {service} on {host}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Puts an executable `tool` in `host`'s fakebin that runs `script` (POSIX sh) for
    /// sessions authenticated with [`Lab::audit_key`] only; every other session (other
    /// tests sharing the lab) gets the real tool. Removed when the guard drops.
    pub fn fake_tool(&self, host: &str, tool: &str, script: &str) -> FakeTool {
        assert!(
            tool.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "fake tool name {tool:?}"
        );
        let path = self.host(host).fakebin().join(tool);
        let text = format!(
            "#!/bin/sh\n# fake {tool} installed by a fleetdeck test (client_audit sessions only)\n\
             if [ \"$FDLAB_SSH_KEY\" != \"{id}\" ]; then\n  PATH=\"$FDLAB_REAL_PATH\"\n  export PATH\n  exec {tool} \"$@\"\nfi\n{script}\n",
            id = self.audit_key_id()
        );
        let tmp = path.with_extension("fdtmp");
        std::fs::write(&tmp, text).expect("write fake tool");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::rename(&tmp, &path).expect("install fake tool");
        FakeTool { path }
    }
}

/// A fake tool in a host's fakebin; removed on drop.
pub struct FakeTool {
    path: PathBuf,
}

impl Drop for FakeTool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The id `fdlab-cmdlog` logs for a public key line (`type base64 [comment]`).
pub fn key_id(public_key_line: &str) -> Option<String> {
    let blob = public_key_line.split_whitespace().nth(1)?;
    let start = blob.len().checked_sub(16)?;
    Some(blob[start..].to_string())
}

/// The name of the user running the tests (the audit trail's actor is the real uid's name).
pub fn real_user_name() -> String {
    let out = run_with_timeout(Command::new("id").arg("-un"), COMMAND_TIMEOUT);
    assert_success(&out, "id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
