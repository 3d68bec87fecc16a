use proptest::prelude::*;

use super::*;

fn bridges() -> Vec<Bridge> {
    parse_bridges(fixture!("ip/link-detail.json"), fixture!("ip/addr.json")).expect("must succeed")
}

fn ports(bridge: &Bridge) -> Vec<(&str, &str, LinkState)> {
    bridge
        .ports
        .iter()
        .map(|p| (p.name.as_str(), p.kind.as_str(), p.state))
        .collect()
}

#[test]
fn bridges_with_ports_and_addresses() {
    let bridges = bridges();
    let names: Vec<&str> = bridges.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["br0", "Summoners", "docker0"]);

    let br0 = &bridges[0];
    assert_eq!(br0.state, LinkState::Up);
    assert_eq!(
        br0.addresses,
        ["10.2.0.254/24", "10.2.1.254/24", "fd00:2::fe/64"]
    );
    use LinkState::*;
    assert_eq!(
        ports(br0),
        [
            ("eno1", "physical", Up),
            ("vif1.0", "vif", Up),
            ("vnet3", "tap", Unknown),
            ("veth5f2a1c9", "veth", Up),
        ]
    );

    let summoners = &bridges[1];
    assert_eq!(summoners.addresses, ["192.168.50.1/24"]);
    assert_eq!(
        ports(summoners),
        [
            ("vif1.1", "vif", Up),
            ("tap0", "tap", Up),
            ("vx100", "vxlan", Unknown)
        ]
    );

    let docker0 = &bridges[2];
    assert_eq!(docker0.state, LinkState::Down);
    assert!(docker0.ports.is_empty());
    assert_eq!(docker0.addresses, ["172.17.0.1/16"]);
}

#[test]
fn bond_slaves_are_not_bridge_ports() {
    assert!(
        bridges()
            .iter()
            .all(|b| b.ports.iter().all(|p| p.name != "eno3"))
    );
}

#[test]
fn links_and_addresses_alone() {
    let links = parse_links(fixture!("ip/link-detail.json")).expect("must succeed");
    assert_eq!(links.len(), 14);
    let tap = links
        .iter()
        .find(|l| l.ifname == "tap0")
        .expect("must succeed");
    assert_eq!(tap.kind.as_deref(), Some("tun"));
    assert_eq!(tap.tun_type.as_deref(), Some("tap"));
    assert_eq!(tap.master.as_deref(), Some("Summoners"));

    let addrs = parse_addrs(fixture!("ip/addr.json")).expect("must succeed");
    // The `{}` object is skipped.
    assert_eq!(addrs.len(), 5);
    let lo = &addrs[0];
    let cidrs: Vec<String> = lo.addrs.iter().map(IfAddr::cidr).collect();
    assert_eq!(cidrs, ["127.0.0.1/8", "::1/128"]);
    assert_eq!(lo.addrs[0].scope.as_deref(), Some("host"));
}

#[test]
fn empty_outputs() {
    assert!(parse_bridges("[]", "[]").expect("must succeed").is_empty());
    assert!(parse_bridges("", "").expect("must succeed").is_empty());
    assert!(parse_links("[ ]\n").expect("must succeed").is_empty());
}

#[test]
fn a_tun_port_says_so() {
    let links = r#"[{"ifname":"br9","operstate":"UP","linkinfo":{"info_kind":"bridge"}},
        {"ifname":"odd","master":"br9","operstate":"UP","linkinfo":{"info_kind":"tun","info_data":{"type":"tun"}}},
        {"ifname":"t1","master":"br9","linkinfo":{"info_kind":"tun"}}]"#;
    let bridges = parse_bridges(links, "[]").expect("must succeed");
    assert_eq!(
        ports(&bridges[0]),
        [
            ("odd", "tun", LinkState::Up),
            ("t1", "tap", LinkState::Unknown)
        ]
    );
}

#[test]
fn garbage_is_an_error_with_a_line() {
    let err = parse_links("[{\"ifname\": \"lo\"},\n{\"ifname\": 3}]").expect_err("must be refused");
    assert_eq!(err.line, Some(2));
    assert!(
        err.to_string()
            .starts_with("ip -j -d link show: line 2: invalid JSON"),
        "{err}"
    );
    let err = parse_addrs("Device \"br7\" does not exist.\n").expect_err("must be refused");
    assert_eq!(err.format, "ip -j addr show");
    let err = parse_addrs(r#"[{"ifname":"x","addr_info":[{"local":"10.0.0.999","prefixlen":8}]}]"#)
        .expect_err("must be refused");
    assert!(err.message.contains("10.0.0.999"), "{err}");
    assert!(parse_bridges("{}", "[]").is_err());
}

proptest! {
    #[test]
    fn never_panics(links in "\\PC*", addrs in "\\PC*") {
        let _ = parse_bridges(&links, &addrs);
        let _ = parse_addrs(&addrs);
    }

    #[test]
    fn json_shaped_input_never_panics(
        names in proptest::collection::vec("[a-z0-9.]{0,6}", 0..6),
        masters in proptest::collection::vec(proptest::option::of("[a-z0-9]{0,3}"), 0..6),
        kinds in proptest::collection::vec(proptest::option::of("bridge|veth|tun|vxlan|"), 0..6),
    ) {
        let links: Vec<serde_json::Value> = names.iter().enumerate().map(|(i, n)| {
            let mut v = serde_json::json!({"ifname": n, "operstate": "UP"});
            if let Some(Some(m)) = masters.get(i) { v["master"] = m.clone().into(); }
            if let Some(Some(k)) = kinds.get(i) { v["linkinfo"] = serde_json::json!({"info_kind": k}); }
            v
        }).collect();
        let text = serde_json::Value::Array(links).to_string();
        prop_assert!(parse_bridges(&text, "[]").is_ok());
    }
}
