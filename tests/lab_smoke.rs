//! Smoke tests of the lab itself (tests/lab/lab.sh): every part the other
//! integration tests rely on is really there and behaves as described.
//! Needs the lab: run through scripts/test.sh (or set FLEETDECK_LAB).

mod support;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;
use support::lab::{
    Lab, assert_failure, assert_success, defer, http_get, retry, run, ssh_raw, stderr, stdout,
};

/// Splits a command line on whitespace (for arguments without spaces).
fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// 1. Every host answers OpenSSH with strict host-key checking, and the shell
///    runs in that host's namespace (its own hostname and addresses only). The
///    isolated host is reached through its jump host.
#[test]
fn ssh_reaches_every_host_with_strict_host_keys() {
    let lab = Lab::load();
    for h in &lab.hosts {
        // The effective client config really is strict, batch, lab-only.
        let cfg = lab.ssh_with_options(&["-G"], &h.name, &[]);
        assert_success(&cfg, &format!("ssh -G {}", h.name));
        let cfg = stdout(&cfg);
        for line in [
            "stricthostkeychecking true".to_string(),
            "batchmode yes".to_string(),
            format!("hostname {}", h.ip),
            format!("userknownhostsfile {}", lab.known_hosts.display()),
        ] {
            assert!(
                cfg.lines().any(|l| l == line),
                "ssh -G {}: no {line:?} in\n{cfg}",
                h.name
            );
        }
        match &h.proxy_jump {
            Some(jump) => assert!(
                cfg.lines().any(|l| l == format!("proxyjump {jump}")),
                "{} should be reached through {jump}",
                h.name
            ),
            None => assert!(
                !cfg.lines().any(|l| l.starts_with("proxyjump ")),
                "{}",
                h.name
            ),
        }

        let out = lab.ssh(&h.name, &["hostname; ip -4 -o addr show"]);
        assert_success(&out, &format!("ssh {} hostname", h.name));
        let text = stdout(&out);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(h.hostname.as_str()),
            "hostname on {}",
            h.name
        );
        let addrs = lines.collect::<Vec<_>>().join("\n");
        for ip in &h.ips {
            assert!(
                addrs.contains(&format!("inet {ip}/")),
                "{} lacks {ip}:\n{addrs}",
                h.name
            );
        }
        for other in lab.hosts.iter().filter(|o| o.name != h.name) {
            for ip in &other.ips {
                assert!(
                    !addrs.contains(&format!("inet {ip}/")),
                    "{} shows {}'s address {ip}: wrong namespace?\n{addrs}",
                    h.name,
                    other.name
                );
            }
        }
    }
}

/// 2. The isolated host (on the second bridge only) cannot be reached from the
///    root namespace nor from a host on the first bridge only, while its jump
///    host reaches it.
#[test]
fn isolated_host_is_reachable_only_through_its_jump_host() {
    let lab = Lab::load();
    let iso = lab.isolated_host();
    let jump = iso
        .proxy_jump
        .as_deref()
        .expect("isolated host has a proxy_jump");
    let target: SocketAddr = format!("{}:{}", iso.ip, iso.ssh_port)
        .parse()
        .expect("address");

    let direct = TcpStream::connect_timeout(&target, Duration::from_secs(3));
    assert!(
        direct.is_err(),
        "root namespace connected to {target} directly: the bridges are not isolated"
    );

    let probe = format!(
        "exec 3<>/dev/tcp/{}/{} && head -c 8 <&3",
        iso.ip, iso.ssh_port
    );
    // A host on the first bridge only (none in a 2-host lab) cannot reach it either.
    if let Some(br0_only) = lab
        .hosts
        .iter()
        .find(|h| h.reachable_from_root && h.ips.len() == 1 && h.name != jump)
    {
        let out = lab.in_netns(&br0_only.name, "timeout", &["5", "bash", "-c", &probe]);
        assert_failure(&out, &format!("{} connecting to {target}", br0_only.name));
    }

    let out = lab.in_netns(jump, "timeout", &["5", "bash", "-c", &probe]);
    assert_success(&out, &format!("{jump} connecting to {target}"));
    assert!(
        stdout(&out).starts_with("SSH-2.0"),
        "no SSH banner from {target}: {}",
        stdout(&out)
    );
}

/// 3. A key that is not authorized is refused, both authorized keys work, and a
///    host key missing from (or different in) known_hosts is refused.
#[test]
fn wrong_client_key_and_unknown_host_key_are_refused() {
    let lab = Lab::load();
    let h = lab
        .hosts
        .iter()
        .find(|h| h.reachable_from_root)
        .expect("a reachable host");
    let dest = format!("{}@{}", h.user, h.ip);
    let attempt = |key: &std::path::Path, known_hosts: &std::path::Path| {
        let key = key.to_str().expect("utf-8 path");
        let kh = format!(
            "UserKnownHostsFile={}",
            known_hosts.to_str().expect("utf-8 path")
        );
        let options = [
            "BatchMode=yes",
            "ConnectTimeout=5",
            "IdentitiesOnly=yes",
            "IdentityAgent=none",
            "StrictHostKeyChecking=yes",
            "GlobalKnownHostsFile=/dev/null",
            &kh,
        ];
        let mut args = vec!["-F", "/dev/null", "-i", key];
        for o in options {
            args.extend(["-o", o]);
        }
        args.extend([dest.as_str(), "true"]);
        ssh_raw(&args)
    };

    // Controls: both authorized keys log in with the lab's known_hosts.
    assert_success(
        &attempt(&lab.client_key, &lab.known_hosts),
        "ssh with the ed25519 client key",
    );
    assert_success(
        &attempt(&lab.client_rsa_key, &lab.known_hosts),
        "ssh with the RSA client key",
    );

    let out = attempt(&lab.wrong_key, &lab.known_hosts);
    assert_failure(&out, "ssh with the unauthorized key");
    assert!(
        stderr(&out).contains("Permission denied"),
        "unexpected error: {}",
        stderr(&out)
    );

    let empty = tempfile::NamedTempFile::new().expect("temp known_hosts");
    let out = attempt(&lab.client_key, empty.path());
    assert_failure(&out, "ssh with an empty known_hosts");
    assert!(
        stderr(&out).contains("Host key verification failed"),
        "unexpected error: {}",
        stderr(&out)
    );

    // Another host's keys filed under this host's address: a changed host key.
    let other = lab
        .hosts
        .iter()
        .find(|o| o.name != h.name)
        .expect("a second host");
    let mut wrong = tempfile::NamedTempFile::new().expect("temp known_hosts");
    for pubfile in other.host_keys.values() {
        let key = std::fs::read_to_string(pubfile).expect("read host key");
        let mut fields = key.split_whitespace();
        let (kind, blob) = (
            fields.next().expect("key type"),
            fields.next().expect("key blob"),
        );
        writeln!(wrong, "{} {kind} {blob}", h.ip).expect("write known_hosts");
    }
    let out = attempt(&lab.client_key, wrong.path());
    assert_failure(&out, "ssh with another host's keys in known_hosts");
    assert!(
        stderr(&out).contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "unexpected error: {}",
        stderr(&out)
    );
}

/// 4. Every engine answers /_ping on its socket, has the test image, and
///    `docker` run over SSH on hK talks to hK's own engine.
#[test]
fn each_host_has_its_own_docker_engine() {
    let lab = Lab::load();
    for h in &lab.hosts {
        assert_eq!(lab.docker_ping(&h.name), "OK", "/_ping on {}", h.name);

        let marker = format!("fdlab.host={}", h.name);
        let out = lab.docker(
            &h.name,
            &[
                "info",
                "--format",
                "{{.Name}}|{{.DockerRootDir}}|{{json .Labels}}",
            ],
        );
        assert_success(&out, &format!("docker info on {}", h.name));
        let direct = stdout(&out);
        let expected_root = h.docker_data_root.display().to_string();
        let fields: Vec<&str> = direct.splitn(3, '|').collect();
        assert_eq!(
            fields.first(),
            Some(&h.hostname.as_str()),
            "engine name on {}",
            h.name
        );
        assert_eq!(
            fields.get(1),
            Some(&expected_root.as_str()),
            "data root on {}",
            h.name
        );
        assert!(
            direct.contains(&marker),
            "{} engine lacks label {marker}: {direct}",
            h.name
        );

        let out = lab.ssh(
            &h.name,
            &["docker info --format '{{.DockerRootDir}}|{{json .Labels}}'"],
        );
        assert_success(&out, &format!("docker over ssh on {}", h.name));
        let remote = stdout(&out);
        assert!(
            remote.starts_with(&format!("{expected_root}|")) && remote.contains(&marker),
            "docker over ssh on {} reached another engine: {remote}",
            h.name
        );

        let out = lab.docker(
            &h.name,
            &[
                "image",
                "inspect",
                "--format",
                "{{json .Config.Cmd}}",
                &lab.image,
            ],
        );
        assert_success(&out, &format!("image {} on {}", lab.image, h.name));
        assert!(
            stdout(&out).contains("fdlab-start"),
            "unexpected CMD: {}",
            stdout(&out)
        );
    }
}

/// 5. A container gets a static address on a user-defined bridge ("VLAN")
///    network and serves its page to the host's namespace.
#[test]
fn container_runs_with_static_ip_on_vlan_network() {
    let lab = Lab::load();
    let host = lab
        .hosts
        .iter()
        .find(|h| h.reachable_from_root && h.nginx.is_none() && h.dns.is_none())
        .unwrap_or(&lab.hosts[0])
        .name
        .clone();
    let (net, name, ip) = ("fdtest-vlan100", "fdtest-web", "10.2.0.10");
    let cleanup = || {
        let _ = lab.docker(&host, &["rm", "-f", name]);
        let _ = lab.docker(&host, &["network", "rm", net]);
    };
    cleanup(); // leftovers of an interrupted run
    let _guard = defer(cleanup);

    let create = format!(
        "network create --driver bridge --subnet 10.2.0.0/24 --gateway 10.2.0.254 \
         -o com.docker.network.bridge.name=fdvlan100 {net}"
    );
    assert_success(&lab.docker(&host, &words(&create)), "docker network create");
    let run_args = format!(
        "run -d --name {name} --network {net} --ip {ip} {}",
        lab.image
    );
    let out = lab.docker(&host, &words(&run_args));
    assert_success(&out, "docker run");
    let id = stdout(&out);

    let out = lab.docker(
        &host,
        &[
            "inspect",
            "--format",
            &format!("{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}"),
            name,
        ],
    );
    assert_success(&out, "docker inspect");
    assert_eq!(stdout(&out), ip, "container address");

    // The bridge exists in the host's namespace, not in the root namespace.
    assert_success(
        &lab.in_netns(&host, "ip", &["link", "show", "fdvlan100"]),
        "fdvlan100 in the host",
    );
    let root = run(Command::new("ip").args(["link", "show", "fdvlan100"]));
    assert_failure(&root, "fdvlan100 in the root namespace");

    let url = format!("http://{ip}/");
    let page = retry(Duration::from_secs(15), || {
        let out = lab.in_netns(&host, "curl", &["-sS", "--max-time", "2", &url]);
        out.status.success().then(|| stdout(&out))
    })
    .unwrap_or_else(|| panic!("no answer from {url} inside {host}"));
    assert_eq!(
        page,
        id[..12],
        "the page names the container that served it"
    );
}

/// 6. nginx answers on h1:80, dnsmasq answers for a record of its hosts file and
///    picks up a new record after SIGHUP.
#[test]
fn nginx_and_dnsmasq_answer() {
    let lab = Lab::load();
    let (_, nginx) = lab.nginx();
    let body = http_get(&nginx.listen, "/")
        .unwrap_or_else(|e| panic!("GET http://{}/: {e}", nginx.listen));
    assert!(
        body.contains("fdlab nginx"),
        "unexpected nginx page: {body:?}"
    );
    assert!(
        nginx.sites_dir.is_dir(),
        "nginx sites dir {} missing",
        nginx.sites_dir.display()
    );

    let (_, dns) = lab.dns();
    let lookup = |name: &str| {
        let out = run(Command::new("busybox").args(["nslookup", name, &dns.server]));
        stdout(&out)
    };
    let answer = lookup(&dns.test_name);
    assert!(
        answer.contains(&format!("Address: {}", dns.test_ip)),
        "{}: {answer}",
        dns.test_name
    );

    // Add a record, reload with SIGHUP, resolve it; restore the file after.
    let original = std::fs::read_to_string(&dns.hosts_file).expect("read dns hosts file");
    let pid = std::fs::read_to_string(&dns.pid_file)
        .expect("read dnsmasq pid file")
        .trim()
        .to_string();
    let hup = || run(Command::new("kill").args(["-HUP", &pid]));
    let _restore = defer(|| {
        let _ = std::fs::write(&dns.hosts_file, &original);
        let _ = hup();
    });
    let name = format!("fdtest-reload.{}", dns.domain);
    assert!(
        !lookup(&name).contains("10.77.0.124"),
        "{name} resolves before it is added"
    );
    std::fs::write(&dns.hosts_file, format!("{original}10.77.0.124 {name}\n"))
        .expect("write dns hosts file");
    assert_success(&hup(), "kill -HUP dnsmasq");
    let answer = retry(Duration::from_secs(5), || {
        let a = lookup(&name);
        a.contains("Address: 10.77.0.124").then_some(a)
    });
    assert!(
        answer.is_some(),
        "{name} not served after SIGHUP: {}",
        lookup(&name)
    );
}
