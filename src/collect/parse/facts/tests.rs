use proptest::prelude::*;

use super::*;

#[test]
fn os_release_debian() {
    let os = parse_os_release(fixture!("facts/os-release-debian12.txt")).expect("must succeed");
    assert_eq!(
        os.pretty_name().as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)")
    );
    assert_eq!(os.get("ID"), Some("debian"));
    assert_eq!(os.get("VERSION_CODENAME"), Some("bookworm"));
    assert_eq!(os.vars.len(), 9);
}

#[test]
fn os_release_quoting() {
    let os = parse_os_release(fixture!("facts/os-release-quoting.txt")).expect("must succeed");
    assert_eq!(os.get("NAME"), Some("Fleet OS"));
    assert_eq!(os.get("VERSION"), Some("2.1 \"Bastion\" $HOME"));
    assert_eq!(os.get("ID_LIKE"), Some("debian ubuntu"));
    assert_eq!(os.get("EMPTY"), Some(""));
    // No PRETTY_NAME: NAME and VERSION.
    assert_eq!(
        os.pretty_name().as_deref(),
        Some("Fleet OS 2.1 \"Bastion\" $HOME")
    );
    assert_eq!(OsRelease::default().pretty_name(), None);
}

#[test]
fn os_release_errors() {
    let err = parse_os_release("ID=debian\nthis is not it\n").expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "/etc/os-release: line 2: expected KEY=value, got \"this is not it\""
    );
    assert!(parse_os_release("NAME=\"Debian\n").is_err());
    assert!(parse_os_release("NAME=\"Debian\" trailing\n").is_err());
    assert!(parse_os_release("BAD KEY=x\n").is_err());
    assert!(parse_os_release("=x\n").is_err());
    assert_eq!(
        parse_os_release("").expect("must succeed"),
        OsRelease::default()
    );
}

#[test]
fn uptime_loadavg_uname() {
    assert_eq!(
        parse_uptime(fixture!("facts/proc-uptime.txt")).expect("must succeed"),
        2654
    );
    assert_eq!(
        parse_loadavg(fixture!("facts/proc-loadavg.txt")).expect("must succeed"),
        [3.48, 3.68, 3.47]
    );
    let uname = parse_uname(fixture!("facts/uname-srm.txt")).expect("must succeed");
    assert_eq!(uname.release, "6.1.0-18-amd64");
    assert_eq!(uname.machine, "x86_64");
    assert_eq!(uname.to_string(), "Linux 6.1.0-18-amd64 x86_64");
}

#[test]
fn one_line_facts_reject_garbage() {
    assert_eq!(
        parse_uptime("").expect_err("must be refused").to_string(),
        "/proc/uptime: empty output"
    );
    assert!(parse_uptime("-5 1\n").is_err());
    assert!(parse_uptime("NaN 1\n").is_err());
    assert!(parse_uptime("inf 1\n").is_err());
    assert_eq!(parse_uptime("12.9\n").expect("must succeed"), 12);
    assert_eq!(
        parse_uptime("1 2\n3 4\n")
            .expect_err("must be refused")
            .to_string(),
        "/proc/uptime: line 2: expected one line, got more: \"3 4\""
    );
    assert!(parse_loadavg("0.1 0.2\n").is_err());
    assert!(parse_loadavg("0.1 0.2 x 1/2 3\n").is_err());
    assert!(parse_loadavg("0.1 0.2 0.3 12 3\n").is_err());
    assert_eq!(
        parse_loadavg("0.1 0.2 0.3\n").expect("must succeed"),
        [0.1, 0.2, 0.3]
    );
    assert!(parse_uname("Linux 6.1\n").is_err());
    assert!(parse_uname("Linux 6.1 x86_64 GNU/Linux\n").is_err());
}

#[test]
fn hostnames() {
    assert_eq!(parse_hostname("hyper1\n").expect("must succeed"), "hyper1");
    assert_eq!(
        parse_hostname("  web-1.example.org \n").expect("must succeed"),
        "web-1.example.org"
    );
    assert!(parse_hostname("two words\n").is_err());
    assert!(parse_hostname("\n").is_err());
    assert!(parse_hostname("a\nb\n").is_err());
    assert!(parse_hostname("bad$(name)\n").is_err());
}

proptest! {
    #[test]
    fn never_panic(text in "\\PC*") {
        let _ = parse_os_release(&text);
        let _ = parse_uptime(&text);
        let _ = parse_loadavg(&text);
        let _ = parse_uname(&text);
        let _ = parse_hostname(&text);
    }

    #[test]
    fn os_release_like_text_never_panics(text in "([A-Z_]{0,4}=?[\"'\\\\]?[a-z \\\\\"']{0,8}[\"']?\n){0,5}") {
        let _ = parse_os_release(&text);
    }

    #[test]
    fn os_release_round_trips(vars in proptest::collection::vec(("[A-Z][A-Z0-9_]{0,12}", "[ -~]{0,20}"), 0..8)) {
        let mut text = String::new();
        for (key, value) in &vars {
            let escaped: String = value.chars().flat_map(|c| match c {
                '"' | '\\' | '$' | '`' => vec!['\\', c],
                c => vec![c],
            }).collect();
            text.push_str(&format!("{key}=\"{escaped}\"\n"));
        }
        let os = parse_os_release(&text).expect("must succeed");
        let got: Vec<(String, String)> = os.vars;
        prop_assert_eq!(got, vars);
    }

    #[test]
    fn loadavg_round_trips(a in 0.0f64..1000.0, b in 0.0f64..1000.0, c in 0.0f64..1000.0, run in 0u32..100, total in 0u32..100_000) {
        let text = format!("{a:.2} {b:.2} {c:.2} {run}/{total} 12345\n");
        let got = parse_loadavg(&text).expect("must succeed");
        for (g, want) in got.iter().zip([a, b, c]) {
            prop_assert!((g - want).abs() < 0.006);
        }
    }
}
