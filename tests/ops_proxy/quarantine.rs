//! A deleted site's address is not handed to a new site while the deployed proxy still
//! routes the old domain to it: delete a site and create another at once, without a proxy
//! apply in between; after the apply the address is free again.

use crate::harness::{Proxy, apply_ok, code, nginx_lock, text};

const VLAN: u16 = 126;

fn ip_of(p: &Proxy, domain: &str) -> String {
    p.inventory()
        .site(domain)
        .expect("read")
        .unwrap_or_else(|| panic!("no row for {domain}"))
        .ip
        .to_string()
}

fn created(p: &Proxy, domain: &str) {
    let vlan = VLAN.to_string();
    let out = p.run(&[
        "create", "--login", "bob", "--vlan", &vlan, "--domain", domain, "--yes",
    ]);
    let (o, e) = text(&out);
    assert_eq!(code(&out), 0, "create {domain}:\n{o}\n{e}");
}

#[test]
fn an_address_the_deployed_proxy_still_routes_to_is_not_reused() {
    let _nginx = nginx_lock();
    let p = Proxy::new("quarantine");
    p.write_config(
        "config.toml",
        &format!(
            "[containers]\nimage = {:?}\n[[vlan]]\nid = {VLAN}\nnode = \"h1\"\nsubnet = \"10.90.{VLAN}.0/24\"\n\
             gateway = \"10.90.{VLAN}.1\"\nbridge = \"fdtp{VLAN}\"\nnetwork = \"fdtp-vlan{VLAN}\"\n",
            p.lab.image
        ),
    );
    let (a, b, c) = (
        "fdtp-q-a.example.test",
        "fdtp-q-b.example.test",
        "fdtp-q-c.example.test",
    );
    let lab = crate::support::lab::Lab::load();
    let _cleanup = crate::support::lab::defer(move || {
        for d in [a, b, c] {
            let _ = lab.docker("h1", &["rm", "-f", &format!("fd-{d}")]);
        }
        let _ = lab.docker("h1", &["network", "rm", &format!("fdtp-vlan{VLAN}")]);
    });

    created(&p, a);
    let first = ip_of(&p, a);
    assert_eq!(first, format!("10.90.{VLAN}.2"));
    apply_ok(&p);
    let out = p.run(&["delete", a, "--yes"]);
    assert_eq!(code(&out), 0, "delete: {:?}", text(&out));

    // No proxy apply: the deployed file still sends a's traffic to .2.
    created(&p, b);
    assert_ne!(
        ip_of(&p, b),
        first,
        "b got the address a's rule still points at"
    );

    // Chosen with --ip, it is refused the same way, and nothing is made.
    let vlan = VLAN.to_string();
    let out = p.run(&[
        "create", "--login", "bob", "--vlan", &vlan, "--domain", c, "--ip", &first, "--yes",
    ]);
    let (o, e) = text(&out);
    assert_eq!(code(&out), 4, "create --ip {first}:\n{o}\n{e}");
    assert!(e.contains("the deployed proxy still routes"), "{e}");
    assert!(
        crate::support::lab::Lab::load()
            .docker("h1", &["inspect", &format!("fd-{c}")])
            .status
            .code()
            != Some(0),
        "no container for {c}"
    );

    // Once the apply drops a's rule, .2 is free again.
    apply_ok(&p);
    created(&p, c);
    assert_eq!(ip_of(&p, c), first);
    for d in [b, c] {
        let out = p.run(&["delete", d, "--yes"]);
        assert_eq!(code(&out), 0, "delete {d}: {:?}", text(&out));
    }
}
