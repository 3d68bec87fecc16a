use proptest::prelude::*;

use super::*;

fn names(guests: &[Guest]) -> Vec<&str> {
    guests.iter().map(|g| g.name.as_str()).collect()
}

#[test]
fn xl_list_every_flag() {
    let guests = parse_xl_list(fixture!("xl/list.txt")).expect("must succeed");
    assert_eq!(
        names(&guests),
        [
            "Domain-0", "teemo", "ryze", "annie", "zed", "karma", "(null)"
        ]
    );
    let states: Vec<GuestState> = guests.iter().map(|g| g.state).collect();
    use GuestState::*;
    assert_eq!(
        states,
        [Running, Blocked, Paused, Running, Shutdown, Crashed, Dying]
    );
    let teemo = &guests[1];
    assert_eq!(teemo.kind, GuestKind::Xen);
    assert_eq!(teemo.id.as_deref(), Some("1"));
    assert_eq!(teemo.memory_mib, Some(4096));
    assert_eq!(teemo.vcpus, Some(2));
    assert!(guests[0].is_control_domain());
    assert!(!teemo.is_control_domain());
}

#[test]
fn xl_list_verbose_columns_are_ignored() {
    let guests = parse_xl_list(fixture!("xl/list-verbose.txt")).expect("must succeed");
    assert_eq!(names(&guests), ["Domain-0", "teemo"]);
    assert_eq!(guests[1].state, GuestState::Blocked);
}

#[test]
fn xl_list_dom0_only_and_empty() {
    let guests = parse_xl_list(fixture!("xl/list-dom0-only.txt")).expect("must succeed");
    assert_eq!(guests.len(), 1);
    assert!(guests[0].is_control_domain());
    assert_eq!(guests[0].memory_mib, Some(16384));
    assert!(parse_xl_list("").expect("must succeed").is_empty());
    assert!(
        parse_xl_list("Name ID Mem VCPUs\tState\tTime(s)\n\n")
            .expect("must succeed")
            .is_empty()
    );
}

#[test]
fn xl_list_name_with_spaces() {
    let text = "Name ID Mem VCPUs State Time(s)\nmy guest 2   12 1024 2 -b---- 10.0\n";
    let guests = parse_xl_list(text).expect("must succeed");
    assert_eq!(guests[0].name, "my guest 2");
    assert_eq!(guests[0].id.as_deref(), Some("12"));
}

#[test]
fn xl_list_garbage_names_the_line() {
    let text = "Name ID Mem VCPUs State Time(s)\nDomain-0 0 2048 4 r----- 1.0\nteemo 1\n";
    let err = parse_xl_list(text).expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "xl list: line 3: expected 6 columns (Name ID Mem VCPUs State Time(s)), got 2"
    );
    let err = parse_xl_list("teemo 1 2048 2 -x---- 3.0\n").expect_err("must be refused");
    assert_eq!(err.line, Some(1));
    assert!(err.message.contains("no `ID Mem VCPUs State"), "{err}");
    // A header anywhere but first is garbage.
    assert!(
        parse_xl_list("Domain-0 0 2048 4 r----- 1.0\nName ID Mem VCPUs State Time(s)\n").is_err()
    );
}

#[test]
fn flags_map_to_states() {
    use GuestState::*;
    for (flags, state) in [
        ("r-----", Running),
        ("-b----", Blocked),
        ("rb----", Running),
        ("--p---", Paused),
        ("-bp---", Paused),
        ("---s--", Shutdown),
        ("---sc-", Crashed),
        ("----c-", Crashed),
        ("-----d", Dying),
        ("------", Running),
    ] {
        assert_eq!(state_from_flags(flags), Some(state), "{flags}");
    }
    for bad in ["", "r", "rrrrrr", "b-----", "r------", "------x", "ŕ-----"] {
        assert_eq!(state_from_flags(bad), None, "{bad}");
    }
}

#[test]
fn xl_list_long_json() {
    let domains = parse_xl_list_long(fixture!("xl/list-long.json")).expect("must succeed");
    assert_eq!(domains.len(), 3);
    let dom0 = &domains[0];
    assert_eq!((dom0.domid, dom0.name.as_str()), (0, "Domain-0"));
    assert_eq!(dom0.memory_mib, Some(2048));
    assert_eq!(dom0.vcpus, None);
    let teemo = &domains[1];
    assert_eq!(teemo.domid, 1);
    assert_eq!(
        teemo.uuid.as_deref(),
        Some("6e3b2a4c-1c4f-4c5e-9a51-0f2f6b7d9e10")
    );
    assert_eq!(teemo.memory_mib, Some(4096));
    assert_eq!(teemo.vcpus, Some(2));
    let ips: Vec<String> = teemo.ips.iter().map(ToString::to_string).collect();
    assert_eq!(ips, ["10.2.0.1", "192.168.50.11", "fd00:50::11"]);
    assert_eq!(teemo.bridges, ["br0", "Summoners"]);
    assert!(domains[2].ips.is_empty());
    assert_eq!(domains[2].bridges, ["br0"]);
}

#[test]
fn xl_list_long_errors() {
    let err =
        parse_xl_list_long("(domain (domid 0) (name Domain-0))").expect_err("must be refused");
    assert!(err.message.contains("output_format"), "{err}");
    let err =
        parse_xl_list_long("[\n  {\"domid\": 1,\n  \"config\": }\n]").expect_err("must be refused");
    assert_eq!(err.line, Some(3), "{err}");
    assert!(
        err.to_string()
            .starts_with("xl list -l: line 3: invalid JSON"),
        "{err}"
    );
    let err = parse_xl_list_long(r#"[{"domid": 1, "config": {"c_info": {}}}]"#)
        .expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "xl list -l: domain #1: no `config.c_info.name`"
    );
    let err = parse_xl_list_long(r#"[{"domid": -1}]"#).expect_err("must be refused");
    assert!(err.message.contains("domid"));
    let bad_ip =
        r#"[{"domid": 2, "config": {"c_info": {"name": "x"}, "nics": [{"ip": "10.0.0.300"}]}}]"#;
    assert!(
        parse_xl_list_long(bad_ip)
            .expect_err("must be refused")
            .message
            .contains("10.0.0.300")
    );
    assert!(parse_xl_list_long("42").is_err());
    assert!(parse_xl_list_long("").expect("must succeed").is_empty());
    // A single object (`xl list -l NAME` of some versions).
    let one = parse_xl_list_long(r#"{"domid": 4, "config": {"c_info": {"name": "solo"}}}"#)
        .expect("must succeed");
    assert_eq!(one[0].name, "solo");
}

#[test]
fn details_fill_what_the_list_lacks() {
    let mut guests = parse_xl_list(fixture!("xl/list.txt")).expect("must succeed");
    let details = parse_xl_list_long(fixture!("xl/list-long.json")).expect("must succeed");
    apply_xl_details(&mut guests, &details);
    assert_eq!(guests[1].ips.len(), 3);
    assert!(guests[0].ips.is_empty());
    // What xl list said wins over the config.
    assert_eq!(guests[1].memory_mib, Some(4096));
}

fn render_row(name: &str, id: u32, mem: u64, vcpus: u32, flags: &str, time: f64) -> String {
    format!("{name:<40} {id:>5} {mem:>5} {vcpus:>5}     {flags}  {time:>8.1}\n")
}

proptest! {
    #[test]
    fn xl_list_never_panics(text in "\\PC*") {
        let _ = parse_xl_list(&text);
    }

    #[test]
    fn xl_list_tables_never_panic(text in "(([a-z0-9-]{1,8}|[rbpscd-]{6}|[0-9.]{1,6})[ \t]{1,3}){0,8}\n{0,2}") {
        let _ = parse_xl_list(&text);
    }

    #[test]
    fn xl_list_long_never_panics(text in "\\PC*") {
        let _ = parse_xl_list_long(&text);
    }

    #[test]
    fn xl_list_round_trips(rows in proptest::collection::vec(
        ("[A-Za-z][A-Za-z0-9_.-]{0,30}", 0u32..5000, 0u64..1_000_000, 1u32..256,
         proptest::sample::select(vec!["r-----", "-b----", "--p---", "---s--", "---sc-", "-----d", "------"]),
         0.0f64..1e7),
        0..10,
    )) {
        let mut text = String::from("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
        for (name, id, mem, vcpus, flags, time) in &rows {
            text.push_str(&render_row(name, *id, *mem, *vcpus, flags, *time));
        }
        let guests = parse_xl_list(&text).expect("must succeed");
        prop_assert_eq!(guests.len(), rows.len());
        for (g, (name, id, mem, vcpus, flags, _)) in guests.iter().zip(&rows) {
            prop_assert_eq!(&g.name, name);
            prop_assert_eq!(g.id.clone(), Some(id.to_string()));
            prop_assert_eq!(g.memory_mib, Some(*mem));
            prop_assert_eq!(g.vcpus, Some(*vcpus));
            prop_assert_eq!(Some(g.state), state_from_flags(flags));
        }
    }
}
