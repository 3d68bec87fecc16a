//! A private sshd in a lab host's namespaces, on its own port, with its own config made
//! from the host's (never the shared lab sshd, which other tests use): a changed host
//! key, a `MaxSessions` of the test's choosing. Killed, with its sessions, on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::lab::{Host, Lab, run_with_timeout};

pub struct PrivateSshd {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl PrivateSshd {
    /// `extra` lines replace the host's lines of the same keyword (`MaxSessions` is 10
    /// unless one sets it). `fresh_key`: generate a new host key instead of the lab
    /// host's own (a "changed" key).
    pub fn start(
        lab: &Lab,
        host: &Host,
        port: u16,
        extra: &[&str],
        fresh_key: bool,
    ) -> PrivateSshd {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = std::fs::read_to_string(&host.sshd_config).expect("lab sshd_config");
        let overridden = |key: &str| {
            extra.iter().any(|e| {
                e.split_whitespace()
                    .next()
                    .is_some_and(|k| k.eq_ignore_ascii_case(key))
            })
        };
        let mut config: Vec<String> = base
            .lines()
            .filter(|l| {
                let key = l
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                !["listenaddress", "pidfile", "hostkey", "port", "maxsessions"]
                    .contains(&key.as_str())
                    && !overridden(&key)
            })
            .map(String::from)
            .collect();
        config.push(format!("ListenAddress {}:{port}", host.ip));
        config.push(format!("PidFile {}", dir.path().join("sshd.pid").display()));
        // sshd takes a keyword's first line: the test's own MaxSessions must be the one.
        if !overridden("maxsessions") {
            config.push("MaxSessions 10".into());
        }
        let key = if fresh_key {
            let key = dir.path().join("host_ed25519");
            let made = run_with_timeout(
                Command::new("ssh-keygen")
                    .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                    .arg(&key),
                Duration::from_secs(30),
            );
            assert!(made.status.success(), "ssh-keygen: {made:?}");
            key
        } else {
            let public = &host.host_keys["ed25519"];
            PathBuf::from(public.to_string_lossy().trim_end_matches(".pub"))
        };
        config.push(format!("HostKey {}", key.display()));
        config.extend(extra.iter().map(|s| s.to_string()));
        let path = dir.path().join("sshd_config");
        std::fs::write(&path, config.join("\n") + "\n").expect("write config");
        let uts = lab.dir.join("ns").join(format!("{}.uts", host.name));
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", host.netns))
            .arg(format!("--uts={}", uts.display()))
            .args(["--", "/usr/sbin/sshd", "-D", "-f"])
            .arg(&path)
            .arg("-E")
            .arg(dir.path().join("sshd.log"))
            .spawn()
            .expect("start private sshd");
        let sshd = PrivateSshd { child, port, dir };
        sshd.wait_listening(&host.ip);
        sshd
    }

    fn wait_listening(&self, ip: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect_timeout(
            &format!("{ip}:{}", self.port).parse().expect("addr"),
            Duration::from_millis(200),
        )
        .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "private sshd on port {} did not listen",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's log (`-E`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Kill the listener and every session process it started.
    pub fn kill(&mut self) {
        let pid = self.child.id().to_string();
        let _ = run_with_timeout(
            Command::new("pkill").args(["-KILL", "-P", &pid]),
            Duration::from_secs(10),
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// known_hosts entry for this server, with the given public key file.
    pub fn known_hosts(&self, host: &Host, public_key: &Path) -> PathBuf {
        let key = std::fs::read_to_string(public_key).expect("public key");
        let mut fields = key.split_whitespace();
        let line = format!(
            "[{}]:{} {} {}\n",
            host.ip,
            self.port,
            fields.next().expect("type"),
            fields.next().expect("data")
        );
        let path = self.dir.path().join("known_hosts");
        std::fs::write(&path, line).expect("write known_hosts");
        path
    }
}

impl Drop for PrivateSshd {
    fn drop(&mut self) {
        self.kill();
    }
}
