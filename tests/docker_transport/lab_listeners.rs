//! The lab pieces these tests (and the SSH transport's) rely on, checked with standard
//! clients: the engines' TCP and TLS listeners with curl, and which sshd allows
//! unix-socket forwarding with OpenSSH's `-L local.sock:remote.sock`.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::support::lab::{Lab, assert_failure, assert_success, defer, retry, run, stdout};

#[test]
fn engines_answer_on_tcp_and_on_tls_with_client_certificates_only() {
    let lab = Lab::load();
    let (_, addr) = lab.docker_tcp();
    let url = format!("{}/_ping", addr.replacen("tcp://", "http://", 1));
    let out = run(Command::new("curl").args(["-sS", "--max-time", "5", &url]));
    assert_success(&out, "curl over plain TCP");
    assert_eq!(stdout(&out), "OK");

    let (_, tls) = lab.docker_tls();
    let url = format!("{}/_ping", tls.addr.replacen("tcp://", "https://", 1));
    let curl = |ca: &std::path::Path, client: Option<(&std::path::Path, &std::path::Path)>| {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--max-time", "5", "--cacert"]).arg(ca);
        if let Some((cert, key)) = client {
            cmd.arg("--cert").arg(cert).arg("--key").arg(key);
        }
        run(cmd.arg(&url))
    };
    let out = curl(&tls.ca, Some((&tls.cert, &tls.key)));
    assert_success(&out, "curl with the lab certificates");
    assert_eq!(stdout(&out), "OK");
    assert_failure(&curl(&tls.ca, None), "curl without a client certificate");
    assert_failure(
        &curl(&tls.ca, Some((&tls.wrong_cert, &tls.wrong_key))),
        "curl with a client certificate of another CA",
    );
    assert_failure(
        &curl(&tls.wrong_ca, Some((&tls.cert, &tls.key))),
        "curl trusting another CA",
    );
}

#[test]
fn sshd_allows_unix_socket_forwarding_as_lab_json_says() {
    let lab = Lab::load();
    let hosts: Vec<_> = lab.hosts.iter().filter(|h| h.reachable_from_root).collect();
    assert!(
        hosts.iter().any(|h| !h.ssh_streamlocal),
        "no reachable host refuses unix-socket forwarding"
    );
    for h in hosts {
        let dir = tempfile::tempdir().expect("tempdir");
        let local = dir.path().join("fwd.sock");
        let forward = format!("{}:{}", local.display(), h.docker_socket.display());
        let mut child = Command::new("ssh")
            .env_remove("SSH_AUTH_SOCK")
            .arg("-F")
            .arg(&lab.ssh_config)
            .args([
                "-N",
                "-o",
                "ExitOnForwardFailure=yes",
                "-L",
                &forward,
                &h.name,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ssh -L");
        let pid = child.id();
        let _stop = defer(move || {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        });
        assert!(
            retry(Duration::from_secs(10), || local.exists().then_some(())).is_some(),
            "ssh -L {forward} {} did not create the local socket",
            h.name
        );
        let out = run(Command::new("curl")
            .args(["-sS", "--max-time", "5", "--unix-socket"])
            .arg(&local)
            .arg("http://docker/_ping"));
        if h.ssh_streamlocal {
            assert_success(&out, &format!("docker ping through ssh -L on {}", h.name));
            assert_eq!(stdout(&out), "OK");
        } else {
            assert_failure(&out, &format!("docker ping through ssh -L on {}", h.name));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
