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
