use proptest::prelude::*;

use super::*;

const RENDERED: &str = "\
# fleetdeck proxy rules (generated)
server {
    listen 80;
    server_name a.example.org;
    location / {
        proxy_pass http://10.2.0.10:80;
        proxy_set_header Host $host;
    }
}

server {
    listen 80;
    server_name b.example.org;
    location / {
        proxy_pass http://10.2.0.11:8080;
    }
}
";

#[test]
fn rendered_blocks_give_name_and_target() {
    let rules = parse(RENDERED);
    assert_eq!(
        rules,
        vec![
            ProxyRule {
                names: vec!["a.example.org".into()],
                proxy_pass: Some("http://10.2.0.10:80".into()),
                line: 2,
            },
            ProxyRule {
                names: vec!["b.example.org".into()],
                proxy_pass: Some("http://10.2.0.11:8080".into()),
                line: 11,
            },
        ]
    );
    assert_eq!(rule_for(&rules, "B.example.org.").map(|r| r.line), Some(11));
    assert_eq!(rule_for(&rules, "c.example.org"), None);
}

#[test]
fn comments_quotes_several_names_and_nested_blocks() {
    let text = r#"
http {
  # server { server_name commented.example.org; }
  upstream pool { server 10.0.0.1:80; }
  server { # trailing comment
    server_name "quoted.example.org" www.Quoted.example.org. ;
    server_name extra.example.org;
    location /static { proxy_pass http://10.9.9.9:81; }
    location / {
      if ($http_x) { return 403; }
      proxy_pass   http://10.0.0.5:80/ ;
    }
    location /api { proxy_pass http://10.9.9.8:82; }
  }
}
"#;
    let rules = parse(text);
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(
        rules[0].names,
        vec![
            "quoted.example.org",
            "www.quoted.example.org",
            "extra.example.org"
        ]
    );
    assert_eq!(
        rules[0].proxy_pass.as_deref(),
        Some("http://10.0.0.5:80/"),
        "location / wins over the locations around it"
    );
    assert_eq!(rules[0].line, 5);
}

#[test]
fn without_location_root_the_first_proxy_pass_counts() {
    let rules = parse(
        "server { server_name x.example.org; location /a { proxy_pass http://1.1.1.1:1; } location /b { proxy_pass http://2.2.2.2:2; } }",
    );
    assert_eq!(rules[0].proxy_pass.as_deref(), Some("http://1.1.1.1:1"));
    let none = parse("server { server_name y.example.org; location / { return 200; } }");
    assert_eq!(none[0].proxy_pass, None);
}

#[test]
fn hand_broken_files_still_yield_what_is_visible() {
    // A deleted closing brace, a stray one, an unterminated quote.
    let text = "}\nserver {\n server_name a.example.org;\n location / { proxy_pass http://10.0.0.1:80;\n\
                server {\n server_name b.example.org;\n proxy_pass \"http://10.0.0.2:80";
    let rules = parse(text);
    let names: Vec<&str> = rules
        .iter()
        .flat_map(|r| &r.names)
        .map(String::as_str)
        .collect();
    assert_eq!(names, vec!["a.example.org", "b.example.org"]);
    assert_eq!(rules[0].proxy_pass.as_deref(), Some("http://10.0.0.1:80"));
    assert!(parse("").is_empty());
    assert!(parse("server_name a.example.org; proxy_pass http://x;").is_empty());
}

#[test]
fn passes_to_compares_scheme_address_and_port() {
    assert!(passes_to("http://10.0.0.1:80", "10.0.0.1", 80));
    assert!(passes_to("http://10.0.0.1:80/", "10.0.0.1", 80));
    assert!(passes_to("http://10.0.0.1", "10.0.0.1", 80));
    assert!(!passes_to("http://10.0.0.1", "10.0.0.1", 8080));
    assert!(!passes_to("http://10.0.0.1:81", "10.0.0.1", 80));
    assert!(!passes_to("http://10.0.0.12:80", "10.0.0.1", 80));
    assert!(!passes_to("https://10.0.0.1:80", "10.0.0.1", 80));
    assert!(!passes_to("http://10.0.0.1:80/app", "10.0.0.1", 80));
    assert!(!passes_to("http://10.0.0.1:x", "10.0.0.1", 80));
}

proptest! {
    #[test]
    fn never_panics_on_any_text(text in any::<String>()) {
        let rules = parse(&text);
        prop_assert!(rules.len() <= text.len());
    }

    #[test]
    fn never_panics_on_nginx_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("server".to_string()), Just("{".to_string()), Just("}".to_string()),
                Just(";".to_string()), Just("server_name".to_string()),
                Just("proxy_pass".to_string()), Just("location".to_string()),
                Just("/".to_string()), Just("#".to_string()), Just("\"".to_string()),
                Just("'".to_string()), Just("\\".to_string()), Just("\n".to_string()),
                "[a-z0-9.:/]{1,12}",
            ],
            0..60,
        )
    ) {
        let text = parts.join(" ");
        for rule in parse(&text) {
            for name in &rule.names {
                prop_assert!(!name.is_empty());
            }
        }
    }
}

/// The round trip: what `proxy apply` writes (the built-in template, rendered from the
/// inventory by the same function) read back by this reader finds every active site with
/// its backend, and nothing else.
mod round_trip {
    use proptest::prelude::*;

    use super::super::{parse, passes_to, rule_for};
    use crate::inventory::{Site, SiteState};
    use crate::ops::proxy::{TemplateSource, render};

    fn site(domain: &str, ip: &str, port: Option<u16>, state: SiteState) -> Site {
        Site {
            domain: domain.into(),
            login: "alice".into(),
            vlan: 120,
            node: Some("h1".into()),
            ip: ip.parse().expect("ip"),
            container_id: None,
            image: None,
            port,
            state,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn assert_round_trip(sites: &[Site], default_port: u16, listen: &str) {
        let text = render(&TemplateSource::builtin(), sites, default_port, listen).expect("render");
        let rules = parse(&text);
        let active: Vec<&Site> = sites
            .iter()
            .filter(|s| s.state == SiteState::Active)
            .collect();
        assert_eq!(
            rules.len(),
            active.len(),
            "one block per active site:\n{text}"
        );
        for s in &active {
            let rule = rule_for(&rules, &s.domain)
                .unwrap_or_else(|| panic!("{} not found in:\n{text}", s.domain));
            let pass = rule.proxy_pass.as_deref().expect("proxy_pass");
            let port = s.port.unwrap_or(default_port);
            assert!(
                passes_to(pass, &s.ip.to_string(), port),
                "{}: {pass} is not {}:{port}",
                s.domain,
                s.ip
            );
        }
        for s in sites.iter().filter(|s| s.state == SiteState::Pending) {
            assert!(
                rule_for(&rules, &s.domain).is_none(),
                "{} is pending",
                s.domain
            );
        }
    }

    #[test]
    fn the_builtin_templates_output_is_read_back_whole() {
        let sites = [
            site("a.example.org", "10.90.120.10", None, SiteState::Active),
            site(
                "b-2.example.org",
                "10.90.120.11",
                Some(8080),
                SiteState::Active,
            ),
            site(
                "xn--bcher-kva.example",
                "10.90.121.2",
                Some(80),
                SiteState::Active,
            ),
            site(
                "pending.example.org",
                "10.90.120.12",
                None,
                SiteState::Pending,
            ),
            site(
                "z.example.org",
                "10.90.120.254",
                Some(65535),
                SiteState::Active,
            ),
        ];
        for listen in ["80", "10.77.0.1:8080", "[::]:80"] {
            assert_round_trip(&sites, 80, listen);
        }
        assert_round_trip(&sites, 3000, "80");
        assert_round_trip(&[], 80, "80");
    }

    fn sites_strategy() -> impl Strategy<Value = Vec<Site>> {
        prop::collection::btree_map(
            "[a-z][a-z0-9-]{0,12}[a-z0-9]\\.[a-z]{2,6}",
            (1u8..=254, prop::option::of(1u16..=65535), any::<bool>()),
            0..20,
        )
        .prop_map(|m| {
            m.into_iter()
                .map(|(domain, (host, port, active))| {
                    let state = if active {
                        SiteState::Active
                    } else {
                        SiteState::Pending
                    };
                    site(&domain, &format!("10.90.120.{host}"), port, state)
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn any_inventory_round_trips(sites in sites_strategy(), port in 1u16..=65535) {
            assert_round_trip(&sites, port, "80");
        }
    }
}
