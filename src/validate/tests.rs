use super::*;
use proptest::prelude::*;

#[test]
fn domains_accepted_and_lowercased() {
    let cases = [
        ("blog.example.org", "blog.example.org"),
        ("Blog.Example.ORG", "blog.example.org"),
        ("a-b.c0.io", "a-b.c0.io"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("site.example.org.", "site.example.org"),
        ("1password.com", "1password.com"),
    ];
    for (input, want) in cases {
        assert_eq!(domain(input).as_deref(), Ok(want), "input {input:?}");
    }
}

#[test]
fn domains_rejected_with_reason() {
    let long_label = format!("{}.org", "a".repeat(64));
    let long_name = format!("{}.org", ["abcdefghij"; 25].join("."));
    let cases: [(&str, &str); 11] = [
        ("", "is empty"),
        ("localhost", "at least two labels"),
        ("a..b", "empty label"),
        ("-a.org", "starts or ends with '-'"),
        ("a-.org", "starts or ends with '-'"),
        ("a_b.org", "contains '_'"),
        ("x.org; rm -rf /", "contains ';'"),
        ("a.b\nc.org", "contains '\\n'"),
        ("café.fr", "contains 'é'"),
        (&long_label, "longer than 63"),
        ("10.0.0.1", "all-numeric"),
    ];
    for (input, reason) in cases {
        let err = domain(input).expect_err(input);
        assert!(err.to_string().contains(reason), "{input:?}: {err}");
    }
    let err = domain(&long_name).expect_err("too long");
    assert!(err.to_string().contains("limit is 253"), "{err}");
}

#[test]
fn logins() {
    assert_eq!(login("alice").as_deref(), Ok("alice"));
    assert_eq!(login("bob_2-x").as_deref(), Ok("bob_2-x"));
    for bad in ["", "Alice", "2bob", "a b", "a$(id)", "a'b", &"a".repeat(33)] {
        assert!(login(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn vlans() {
    assert_eq!(vlan_id(1), Ok(1));
    assert_eq!(vlan_id(4094), Ok(4094));
    for bad in [0, 4095, -1, 70000] {
        let err = vlan_id(bad).expect_err("out of range");
        assert!(err.to_string().contains("between 1 and 4094"));
    }
    assert_eq!(vlan_text(" 100 "), Ok(100));
    assert!(vlan_text("ten").is_err());
}

#[test]
fn ips_in_subnet() {
    let net: Ipv4Net = "10.2.0.0/24".parse().expect("net");
    assert_eq!(
        ip_in_subnet("10.2.0.5", net),
        Ok(Ipv4Addr::new(10, 2, 0, 5))
    );
    assert!(ip_in_subnet("10.3.0.5", net).is_err());
    assert!(ip_in_subnet("10.2.0.0", net).is_err());
    assert!(ip_in_subnet("10.2.0.255", net).is_err());
    assert!(ip_in_subnet("10.2.0", net).is_err());
    assert!(ip_in_subnet("::1", net).is_err());
}

#[test]
fn names() {
    assert!(container_name("fd-blog.example.org").is_ok());
    assert!(node_name("teemo").is_ok());
    assert!(node_name("hyper_1.lan").is_ok());
    for bad in ["", "-x", ".x", "a b", "a/b", "a;b", "é"] {
        assert!(node_name(bad).is_err(), "{bad:?}");
        assert!(container_name(bad).is_err(), "{bad:?}");
    }
    assert!(node_name(&"n".repeat(64)).is_err());
}

#[test]
fn container_names_from_distinct_domains_are_distinct() {
    assert_ne!(container_name_for("a-b.c"), container_name_for("a.b-c"));
    let name = container_name_for("blog.example.org");
    assert_eq!(container_name(&name).as_deref(), Ok("fd-blog.example.org"));
}

#[test]
fn long_values_are_shortened_in_messages() {
    let err = domain(&"x".repeat(5000)).expect_err("too long");
    assert!(err.to_string().len() < 200, "{}", err);
}

proptest! {
    #[test]
    fn accepted_domains_are_safe_and_stable(s in "\\PC{0,80}") {
        if let Ok(d) = domain(&s) {
            prop_assert!(d.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'));
            prop_assert_eq!(domain(&d), Ok(d.clone()));
            prop_assert!(container_name(&container_name_for(&d)).is_ok());
        }
    }

    #[test]
    fn accepted_logins_carry_no_shell_metacharacters(s in "\\PC{0,40}") {
        if let Ok(l) = login(&s) {
            prop_assert!(l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        }
    }

    #[test]
    fn generated_valid_domains_pass(labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 1..5), tld in "[a-z]{2,6}") {
        let d = format!("{}.{}", labels.join("."), tld);
        prop_assert_eq!(domain(&d), Ok(d.clone()));
    }
}

#[test]
fn images() {
    for ok in [
        "fdlab/busybox:latest",
        "nginx",
        "registry.example.org:5000/team/site:stable",
        "alpine@sha256:0123abcd",
    ] {
        assert!(super::image(ok).is_ok(), "{ok} should be accepted");
    }
    for bad in [
        "",
        "busybox; rm -rf /",
        "$(id)",
        "a b",
        "Busybox",
        "-busybox",
        "busybox:",
        "a//b",
        "x\ny",
    ] {
        let err = super::image(bad).expect_err(bad);
        assert_eq!(err.field, "image");
    }
    assert!(super::image(&"a".repeat(256)).is_err());
}

#[test]
fn printable_escapes_what_could_drive_a_terminal() {
    assert!(matches!(
        printable("plain café"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert_eq!(printable("a\nb\tc"), "a\\nb\\tc");
    assert_eq!(printable("x\u{1b}]0;t\u{7}"), "x\\u{1b}]0;t\\u{7}");
    assert_eq!(printable("evil\u{202e}txt"), "evil\\u{202e}txt");
    assert_eq!(printable("del\u{7f}"), "del\\u{7f}");
}
