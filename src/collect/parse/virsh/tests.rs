use proptest::prelude::*;

use super::*;

#[test]
fn list_all_every_state() {
    let guests = parse_virsh_list(fixture!("virsh/list-all.txt")).expect("must succeed");
    let got: Vec<(Option<&str>, &str, GuestState)> = guests
        .iter()
        .map(|g| (g.id.as_deref(), g.name.as_str(), g.state))
        .collect();
    use GuestState::*;
    assert_eq!(
        got,
        [
            (Some("1"), "web", Running),
            (Some("2"), "db-primary", Paused),
            (Some("5"), "mail.example.org", Blocked),
            (Some("7"), "build_runner", Shutdown),
            (Some("9"), "legacy", Crashed),
            (Some("12"), "laptop-sim", Suspended),
            (None, "backup", Stopped),
            (None, "win 10 test", Stopped),
        ]
    );
    assert!(
        guests
            .iter()
            .all(|g| g.kind == GuestKind::Kvm && g.ips.is_empty())
    );
}

#[test]
fn list_all_old_layout_and_long_names() {
    let guests = parse_virsh_list(fixture!("virsh/list-all-old.txt")).expect("must succeed");
    assert_eq!(guests.len(), 3);
    assert_eq!(
        guests[1].name,
        "a-very-long-domain-name-beyond-thirty-chars"
    );
    assert_eq!(guests[1].state, GuestState::Stopped);
}

#[test]
fn list_all_empty() {
    assert!(
        parse_virsh_list(fixture!("virsh/list-all-empty.txt"))
            .expect("must succeed")
            .is_empty()
    );
    assert!(parse_virsh_list("").expect("must succeed").is_empty());
}

#[test]
fn list_errors_name_the_line() {
    let text =
        " Id   Name   State\n------------------\n 1    web    running\n x    db     running\n";
    let err = parse_virsh_list(text).expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "virsh list: line 4: Id \"x\" is neither a number nor `-`"
    );
    let err = parse_virsh_list(" Id Name State\n---\n 1 web\n").expect_err("must be refused");
    assert_eq!(err.line, Some(3));
    assert!(err.message.contains("got 2"), "{err}");
    let err = parse_virsh_list(" 1 web\n").expect_err("must be refused");
    assert!(err.message.contains("got 2"), "{err}");
    let err = parse_virsh_list(" 7\n").expect_err("must be refused");
    assert!(err.message.contains("got 1"), "{err}");
}

#[test]
fn translated_states_say_to_use_the_c_locale() {
    // virsh under LANG=fr_FR.UTF-8.
    let text = " ID   Nom   État\n--------------------\n 1    web   en cours d’exécution\n";
    let err = parse_virsh_list(text).expect_err("must be refused");
    assert_eq!(err.line, Some(3));
    assert!(err.message.contains("LC_ALL=C"), "{err}");
}

#[test]
fn state_words() {
    assert_eq!(state_from_word("shut off"), Some(GuestState::Stopped));
    assert_eq!(state_from_word(" Running "), Some(GuestState::Running));
    assert_eq!(state_from_word("no state"), Some(GuestState::Unknown));
    assert_eq!(state_from_word("shutoff"), None);
}

#[test]
fn domifaddr_with_continuation_rows() {
    let addrs = parse_virsh_domifaddr(fixture!("virsh/domifaddr.txt")).expect("must succeed");
    type Row<'a> = (&'a str, Option<&'a str>, &'a str, String, Option<u8>);
    let got: Vec<Row> = addrs
        .iter()
        .map(|a| {
            (
                a.interface.as_str(),
                a.mac.as_deref(),
                a.protocol.as_str(),
                a.address.to_string(),
                a.prefix,
            )
        })
        .collect();
    let mac0 = Some("52:54:00:4b:71:0e");
    assert_eq!(
        got,
        [
            ("vnet0", mac0, "ipv4", "192.168.122.3".into(), Some(24)),
            ("vnet0", mac0, "ipv4", "192.168.122.30".into(), Some(24)),
            ("vnet0", mac0, "ipv6", "fd00:122::3".into(), Some(64)),
            (
                "vnet1",
                Some("52:54:00:9a:10:22"),
                "ipv4",
                "10.2.0.7".into(),
                Some(24)
            ),
        ]
    );
    assert!(
        parse_virsh_domifaddr(fixture!("virsh/domifaddr-none.txt"))
            .expect("must succeed")
            .is_empty()
    );
}

#[test]
fn domifaddr_errors() {
    let head = " Name  MAC address  Protocol  Address\n-----\n";
    let err = parse_virsh_domifaddr(&format!("{head} -  -  ipv4  10.0.0.1/24\n"))
        .expect_err("must be refused");
    assert_eq!(err.line, Some(3));
    let err = parse_virsh_domifaddr(&format!(
        "{head} vnet0 52:54:00:00:00:01 ipv4 10.0.0.1/33\n"
    ))
    .expect_err("must be refused");
    assert!(err.message.contains("10.0.0.1/33"), "{err}");
    let err = parse_virsh_domifaddr(&format!("{head} vnet0 52:54:00:00:00:01 ipv4\n"))
        .expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "virsh domifaddr: line 3: expected 4 columns (Name MAC Protocol Address), got 3"
    );
}

#[test]
fn prefixes_are_checked_against_the_family() {
    assert!(split_prefix("fd00::1/128").is_some());
    assert!(split_prefix("fd00::1/129").is_none());
    assert!(split_prefix("10.0.0.1/32").is_some());
    assert!(split_prefix("10.0.0.1/").is_none());
    assert_eq!(split_prefix("10.0.0.1").map(|p| p.1), Some(None));
}

#[test]
fn dominfo_running_and_shut_off() {
    let info = parse_virsh_dominfo(fixture!("virsh/dominfo-running.txt")).expect("must succeed");
    assert_eq!(info.id, Some(5));
    assert_eq!(info.name, "mail.example.org");
    assert_eq!(info.state, GuestState::Running);
    assert_eq!(info.vcpus, Some(4));
    assert_eq!(info.used_memory_kib, Some(4_194_304));
    assert_eq!(info.persistent, Some(true));
    assert_eq!(info.autostart, Some(true));
    let guest = info.to_guest();
    assert_eq!(
        (guest.memory_mib, guest.id.as_deref()),
        (Some(4096), Some("5"))
    );

    let info = parse_virsh_dominfo(fixture!("virsh/dominfo-shutoff.txt")).expect("must succeed");
    assert_eq!(info.id, None);
    assert_eq!(info.state, GuestState::Stopped);
    assert_eq!(info.autostart, Some(false));
}

#[test]
fn dominfo_errors() {
    let err =
        parse_virsh_dominfo("Id: 1\nName: web\nState running\n").expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "virsh dominfo: line 3: expected `Key: value`, got \"State running\""
    );
    let err = parse_virsh_dominfo("Id: 1\nState: running\n").expect_err("must be refused");
    assert_eq!(err.to_string(), "virsh dominfo: no `Name:` line");
    assert!(parse_virsh_dominfo("Name: web\n").is_err());
    assert!(parse_virsh_dominfo("Name: web\nState: running\nCPU(s): two\n").is_err());
    let info = parse_virsh_dominfo("Name: web\nState: running\nMax memory: no limit\n")
        .expect("must succeed");
    assert_eq!(info.max_memory_kib, None);
}

/// virsh ≥ 5 layout: a leading space, columns padded to their widest cell, 3 spaces apart.
fn render_list(rows: &[(Option<u32>, String, &str)]) -> String {
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.0.map_or("-".into(), |i| i.to_string()))
        .collect();
    let w_id = ids.iter().map(String::len).chain([2]).max().unwrap_or(2);
    let w_name = rows
        .iter()
        .map(|r| r.1.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut out = format!(" {:<w_id$}   {:<w_name$}   State\n", "Id", "Name");
    out.push_str(&"-".repeat(w_id + w_name + 12));
    out.push('\n');
    for (id, (_, name, state)) in ids.iter().zip(rows) {
        out.push_str(&format!(" {id:<w_id$}   {name:<w_name$}   {state}\n"));
    }
    out.push('\n');
    out
}

proptest! {
    #[test]
    fn list_never_panics(text in "\\PC*") {
        let _ = parse_virsh_list(&text);
    }

    #[test]
    fn list_like_text_never_panics(text in "( {0,2}(-|[0-9]{1,3}|Id) {1,4}[a-z ]{0,12}(shut off|running|in shutdown|x)?\n){0,6}") {
        let _ = parse_virsh_list(&text);
    }

    #[test]
    fn domifaddr_never_panics(text in "\\PC*") {
        let _ = parse_virsh_domifaddr(&text);
    }

    #[test]
    fn dominfo_never_panics(text in "\\PC*") {
        let _ = parse_virsh_dominfo(&text);
    }

    #[test]
    fn list_round_trips(rows in proptest::collection::vec(
        (proptest::option::of(1u32..100_000),
         "[A-Za-z0-9_][A-Za-z0-9_.+-]{0,20}( [A-Za-z0-9_.+-]{1,8}){0,2}",
         proptest::sample::select(STATES.iter().map(|(w, _)| *w).collect::<Vec<_>>())),
        0..12,
    )) {
        let text = render_list(&rows);
        let guests = parse_virsh_list(&text).expect("must succeed");
        prop_assert_eq!(guests.len(), rows.len());
        for (g, (id, name, state)) in guests.iter().zip(&rows) {
            prop_assert_eq!(g.id.clone(), id.map(|i| i.to_string()));
            prop_assert_eq!(&g.name, name);
            prop_assert_eq!(Some(g.state), state_from_word(state));
        }
    }
}
