//! `fleetdeck check` against the lab: a clean fleet first, then every finding kind
//! produced by a real out-of-band change (docker rm/stop, an address moved, a dnsmasq
//! record removed or changed, the proxy file edited by hand, sshd stopped). Needs the lab
//! (FLEETDECK_LAB).

mod support;

#[path = "ops_check/fixture.rs"]
mod fixture;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use fixture::{Fixture, Vlan, exclusive, findings, row, shared, summary};
use support::lab::{assert_success, defer, retry, run};

#[test]
fn container_changes_out_of_band() {
    let _fleet = shared();
    let fx = Fixture::new(
        "ct",
        vec![
            Vlan {
                id: 130,
                host: "h1",
                net: "10.90.130",
            },
            Vlan {
                id: 131,
                host: "h2",
                net: "10.90.131",
            },
        ],
        "",
    );
    let a = fx.site("a", 130, 10);
    let b = fx.site("b", 130, 11);
    let c = fx.site("c", 130, 12);
    let d = fx.site("d", 130, 13);
    let e = fx.site("e", 131, 10);

    let (code, doc) = fx.check(&[]);
    assert_eq!((code, summary(&doc)), (0, [5, 5, 0, 0]), "{doc:#}");
    assert_eq!(doc["findings"], serde_json::json!([]));
    let (code, text) = fx.check_text();
    assert_eq!(code, 0);
    assert!(text.contains("DNS not checked: no [dns] section"), "{text}");
    assert!(
        text.contains("proxy not checked: no [proxy] section"),
        "{text}"
    );
    assert!(
        text.ends_with("5 sites: 5 ok, 0 problems, 0 unreachable\n"),
        "{text}"
    );

    fx.docker("h1", &["rm", "-f", &format!("fd-{a}")]);
    fx.docker("h1", &["stop", "-t", "1", &format!("fd-{b}")]);
    fx.move_ip(&c, 130, "10.90.130.99");
    // A container fleetdeck made, whose row is gone.
    let orphan = fx.domain("orphan");
    fx.container(&orphan, 130, "10.90.130.50");

    let (code, doc) = fx.check(&[]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        findings(&doc),
        vec![
            row([
                "missing_container",
                "error",
                &a,
                "h1",
                &format!("fd-{a}"),
                "-"
            ]),
            row([
                "container_stopped",
                "warning",
                &b,
                "h1",
                "running",
                "exited"
            ]),
            row([
                "ip_mismatch",
                "error",
                &c,
                "h1",
                "10.90.130.12",
                "10.90.130.99"
            ]),
            row([
                "orphan_container",
                "warning",
                &orphan,
                "h1",
                "an inventory row",
                &format!("fd-{orphan}")
            ]),
        ],
        "{doc:#}"
    );
    assert_eq!(summary(&doc), [5, 2, 4, 0], "{doc:#}");
    assert_eq!(
        doc["findings"][2]["message"],
        format!(
            "container fd-{c} on h1 has 10.90.130.99 on fdtc130; the inventory says 10.90.130.12"
        )
    );
    // Read-only mode sees the same (Docker's status text ages, so not the messages).
    let (code_ro, doc_ro) = fx.check(&["--read-only"]);
    assert_eq!(
        (code_ro, findings(&doc_ro), summary(&doc_ro)),
        (1, findings(&doc), summary(&doc))
    );
    let (_, text) = fx.check_text();
    assert!(text.contains("missing_container (1)\n  error   "), "{text}");
    assert!(!text.contains(&d), "d is fine: {text}");
    assert!(!text.contains(&e), "e is fine: {text}");
    assert!(
        text.ends_with("5 sites: 2 ok, 4 problems, 0 unreachable\n"),
        "{text}"
    );
}

#[test]
fn duplicate_addresses_in_the_inventory_and_among_containers() {
    let _fleet = shared();
    // Two VLANs with one subnet, on two hosts: the proxy cannot tell their addresses apart.
    let fx = Fixture::new(
        "dup",
        vec![
            Vlan {
                id: 132,
                host: "h1",
                net: "10.90.132",
            },
            Vlan {
                id: 133,
                host: "h2",
                net: "10.90.132",
            },
        ],
        "",
    );
    let x = fx.site("x", 132, 10);
    let y = fx.site("y", 133, 11);
    let (code, doc) = fx.check(&[]);
    assert_eq!((code, summary(&doc)), (0, [2, 2, 0, 0]), "{doc:#}");

    // y's container is moved onto x's address: the rows still differ, the containers clash.
    fx.move_ip(&y, 133, "10.90.132.10");
    let (code, doc) = fx.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&doc),
        vec![
            row([
                "ip_mismatch",
                "error",
                &y,
                "h2",
                "10.90.132.11",
                "10.90.132.10"
            ]),
            row([
                "duplicate_ip",
                "error",
                &x,
                "h1",
                "an address of its own",
                "10.90.132.10"
            ]),
            row([
                "duplicate_ip",
                "error",
                &y,
                "h2",
                "an address of its own",
                "10.90.132.10"
            ]),
        ],
        "{doc:#}"
    );
    assert_eq!(summary(&doc), [2, 0, 3, 0]);

    // Two rows given one address (different VLANs, so the table's UNIQUE(vlan, ip) allows it).
    fx.move_ip(&y, 133, "10.90.132.11");
    let p = fx.site("p", 132, 20);
    let q = fx.site("q", 133, 20);
    let (code, doc) = fx.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&doc),
        vec![
            row([
                "duplicate_ip",
                "error",
                &p,
                "h1",
                "an address of its own",
                "10.90.132.20"
            ]),
            row([
                "duplicate_ip",
                "error",
                &q,
                "h2",
                "an address of its own",
                "10.90.132.20"
            ]),
        ],
        "the clash is reported once, from the inventory: {doc:#}"
    );
    assert_eq!(
        doc["findings"][0]["message"],
        format!("the inventory gives 10.90.132.20 to {p} and to {q} (VLAN 133)")
    );
    assert_eq!(summary(&doc), [4, 2, 2, 0]);
}

fn dns_and_proxy_tables(fx_tag: &str, servers: &str, lab: &support::lab::Lab) -> String {
    let (_, nginx) = lab.nginx();
    format!(
        "[dns]\nservers = [{servers:?}]\nexpect = \"10.77.0.1\"\n\
         [proxy]\nnode = \"h1\"\npath = {:?}\n",
        nginx
            .prefix
            .join(format!("fdtc-{fx_tag}.conf"))
            .display()
            .to_string()
    )
}

#[test]
fn dns_records_removed_changed_and_a_server_that_does_not_answer() {
    let _fleet = shared();
    let lab = support::lab::Lab::load();
    let fx = Fixture::new(
        "dns",
        vec![Vlan {
            id: 134,
            host: "h1",
            net: "10.90.134",
        }],
        &dns_and_proxy_tables("dns", "10.77.0.1", &lab),
    );
    let names: Vec<String> = ["f1", "f2", "f3"]
        .iter()
        .zip(10..)
        .map(|(n, last)| fx.site(n, 134, last))
        .collect();
    for name in &names {
        fx.dns(name, Some("10.77.0.1"));
    }
    let vlan = fx.vlan(134);
    fx.write_proxy(&[
        (&names[0], &vlan.ip(10)),
        (&names[1], &vlan.ip(11)),
        (&names[2], &vlan.ip(12)),
    ]);
    // Everything agrees: containers, DNS and proxy.
    let (code, doc) = fx.check(&[]);
    assert_eq!((code, summary(&doc)), (0, [3, 3, 0, 0]), "{doc:#}");
    let (_, text) = fx.check_text();
    assert!(!text.contains("not checked"), "{text}");

    fx.dns(&names[0], None);
    fx.dns(&names[1], Some("10.77.0.99"));
    let (code, doc) = fx.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&doc),
        vec![
            row(["dns_missing", "error", &names[0], "-", "10.77.0.1", "-"]),
            row([
                "dns_mismatch",
                "error",
                &names[1],
                "-",
                "10.77.0.1",
                "10.77.0.99"
            ]),
        ],
        "{doc:#}"
    );
    assert_eq!(summary(&doc), [3, 1, 2, 0]);

    // Nothing listens on this port: one finding for the server, every site unchecked.
    fx.write_config(&dns_and_proxy_tables("dns", "10.77.0.1:5399", &lab));
    let started = Instant::now();
    let (code, doc) = fx.check(&[]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(
        f.len(),
        1,
        "one finding for the server, not one per site: {doc:#}"
    );
    assert_eq!(
        &f[0][..5],
        &row([
            "node_unreachable",
            "error",
            "-",
            "-",
            "answers from 10.77.0.1:5399",
            "-"
        ])[..5]
    );
    assert_ne!(f[0][5], "-", "the failure is named: {doc:#}");
    assert_eq!(summary(&doc), [3, 0, 1, 3], "{doc:#}");
}

#[test]
fn proxy_file_edited_by_hand() {
    let _fleet = shared();
    let lab = support::lab::Lab::load();
    let (_, nginx) = lab.nginx();
    let path = nginx.prefix.join("fdtc-px.conf").display().to_string();
    let fx = Fixture::new(
        "px",
        vec![Vlan {
            id: 135,
            host: "h1",
            net: "10.90.135",
        }],
        &format!("[proxy]\nnode = \"h1\"\npath = {path:?}\n"),
    );
    let g1 = fx.site("g1", 135, 10);
    let g2 = fx.site("g2", 135, 11);
    let g3 = fx.site("g3", 135, 12);
    fx.write_proxy(&[
        (&g1, "10.90.135.10"),
        (&g2, "10.90.135.11"),
        (&g3, "10.90.135.12"),
    ]);
    let (code, doc) = fx.check(&["--read-only"]);
    assert_eq!((code, summary(&doc)), (0, [3, 3, 0, 0]), "{doc:#}");

    // By hand: g1's block deleted, g2 sent elsewhere, a block for a site long gone.
    let gone = fx.domain("gone");
    fx.write_proxy(&[
        (&g2, "10.90.135.77"),
        (&g3, "10.90.135.12"),
        (&gone, "10.90.135.40"),
    ]);
    let (code, doc) = fx.check(&["--read-only"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&doc),
        vec![
            row([
                "proxy_missing",
                "error",
                &g1,
                "h1",
                "http://10.90.135.10:80",
                "-"
            ]),
            row([
                "proxy_stale",
                "error",
                &g2,
                "h1",
                "http://10.90.135.11:80",
                "http://10.90.135.77:80"
            ]),
            row([
                "proxy_stale",
                "error",
                &gone,
                "h1",
                "no rule (not in the inventory)",
                "http://10.90.135.40:80"
            ]),
        ],
        "{doc:#}"
    );
    assert_eq!(summary(&doc), [3, 1, 3, 0]);
    assert_eq!(
        doc["findings"][1]["message"],
        format!(
            "{path}:1 sends {g2} to http://10.90.135.77:80, not http://10.90.135.11:80: rebuild the proxy rules"
        )
    );

    // The file removed: every rule is missing.
    std::fs::remove_file(fx.proxy_path()).expect("remove proxy file");
    let (code, doc) = fx.check(&[]);
    assert_eq!((code, summary(&doc)), (1, [3, 0, 3, 0]), "{doc:#}");
    assert!(
        findings(&doc).iter().all(|f| f[0] == "proxy_missing"),
        "{doc:#}"
    );
}

/// Whether `addr` answers with an SSH banner.
fn ssh_answers(addr: &str) -> bool {
    let Ok(sock) = addr.parse() else { return false };
    let Ok(mut s) = TcpStream::connect_timeout(&sock, Duration::from_secs(1)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut banner = [0u8; 4];
    let ok = s.read_exact(&mut banner).is_ok() && &banner == b"SSH-";
    let _ = s.write_all(b"SSH-2.0-fdtc-probe\r\n");
    ok
}

#[test]
fn a_node_whose_sshd_is_stopped_is_unreachable_and_its_sites_unchecked() {
    // Nobody else in this binary talks to the lab while h2 has no sshd.
    let _fleet = exclusive();
    let fx = Fixture::new(
        "un",
        vec![
            Vlan {
                id: 136,
                host: "h1",
                net: "10.90.136",
            },
            Vlan {
                id: 137,
                host: "h2",
                net: "10.90.137",
            },
        ],
        "",
    );
    let u1 = fx.site("u1", 136, 10);
    fx.site("u2", 137, 10);
    fx.site("u3", 137, 11);
    let (code, doc) = fx.check(&[]);
    assert_eq!((code, summary(&doc)), (0, [3, 3, 0, 0]), "{doc:#}");

    let h2 = fx.lab.host("h2").clone();
    let pid_file = fx.lab.dir.join("run/h2-sshd.pid");
    let uts = fx.lab.dir.join("ns/h2.uts");
    assert!(uts.exists(), "no UTS namespace file {}", uts.display());
    let addr = format!("{}:{}", h2.ip, h2.ssh_port);
    // Restart it exactly as tests/lab/ssh.sh does, whatever happens below.
    let restart = defer(|| {
        if ssh_answers(&addr) {
            return;
        }
        let mut start = Command::new("nsenter");
        start
            .arg(format!("--net=/run/netns/{}", h2.netns))
            .arg(format!("--uts={}", uts.display()))
            .arg("--")
            .arg("/usr/sbin/sshd")
            .arg("-f")
            .arg(&h2.sshd_config)
            .arg("-E")
            .arg(&h2.sshd_log);
        assert_success(&run(&mut start), "restart sshd on h2");
        assert!(
            retry(Duration::from_secs(10), || ssh_answers(&addr).then_some(())).is_some(),
            "sshd on h2 does not answer again"
        );
    });
    let pid = std::fs::read_to_string(&pid_file).expect("h2 sshd pid file");
    assert_success(
        &run(Command::new("kill").args(["-TERM", pid.trim()])),
        "stop sshd on h2",
    );
    assert!(
        retry(Duration::from_secs(10), || (!ssh_answers(&addr))
            .then_some(()))
        .is_some(),
        "sshd on h2 still answers"
    );

    let started = Instant::now();
    let (code, doc) = fx.check(&[]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(
        &f[0][..4],
        &row(["node_unreachable", "error", "-", "h2", "-", "-"])[..4]
    );
    let message = doc["findings"][0]["message"].as_str().expect("message");
    assert!(message.starts_with("h2 unreachable: "), "{message}");
    assert!(
        message.ends_with(&format!(
            "2 sites not checked: {}, {}",
            fx.domain("u2"),
            fx.domain("u3")
        )),
        "{message}"
    );
    // u1 on h1 is still checked and ok; h2's sites are unchecked, never ok.
    assert_eq!(summary(&doc), [3, 1, 1, 2], "{doc:#}");
    assert!(!message.contains(&u1));

    drop(restart);
    let (code, doc) = fx.check(&[]);
    assert_eq!(
        (code, summary(&doc)),
        (0, [3, 3, 0, 0]),
        "after sshd is back: {doc:#}"
    );
}
