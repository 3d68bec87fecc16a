use proptest::prelude::*;

use super::*;

fn ips(guest: &Guest) -> Vec<String> {
    guest.ips.iter().map(ToString::to_string).collect()
}

#[test]
fn default_columns() {
    let guests = parse_lxc_ls(fixture!("lxc/ls-fancy.txt")).expect("must succeed");
    let got: Vec<(&str, GuestState)> = guests.iter().map(|g| (g.name.as_str(), g.state)).collect();
    use GuestState::*;
    assert_eq!(
        got,
        [
            ("web", Running),
            ("db", Running),
            ("builder", Paused),
            ("backup", Stopped),
            ("new-one", Starting)
        ]
    );
    assert_eq!(ips(&guests[0]), ["10.0.3.5", "10.0.3.6", "fd42:3::5"]);
    assert_eq!(ips(&guests[1]), ["10.0.3.7"]);
    assert_eq!(ips(&guests[2]), ["10.0.3.9", "fd42:3::9", "fd42:3::10"]);
    assert!(guests[3].ips.is_empty());
    assert!(
        guests
            .iter()
            .all(|g| g.kind == GuestKind::Lxc && g.id.is_none())
    );
}

#[test]
fn chosen_columns_give_the_same_guests() {
    let chosen =
        parse_lxc_ls(fixture!("lxc/ls-fancy-name-state-ipv4-ipv6.txt")).expect("must succeed");
    let default = parse_lxc_ls(fixture!("lxc/ls-fancy.txt")).expect("must succeed");
    assert_eq!(chosen, default);
}

#[test]
fn no_containers_is_empty_output() {
    assert!(
        parse_lxc_ls(fixture!("lxc/ls-fancy-none.txt"))
            .expect("must succeed")
            .is_empty()
    );
    assert!(
        parse_lxc_ls("NAME STATE IPV4 IPV6\n")
            .expect("must succeed")
            .is_empty()
    );
}

#[test]
fn without_address_columns() {
    let guests = parse_lxc_ls("NAME STATE\nweb  RUNNING\n").expect("must succeed");
    assert_eq!(guests[0].state, GuestState::Running);
    assert!(guests[0].ips.is_empty());
}

#[test]
fn errors_name_the_line() {
    let err =
        parse_lxc_ls("NAME STATE IPV4 IPV6\nweb RUNNING 10.0.3.5\n").expect_err("must be refused");
    assert_eq!(
        err.to_string(),
        "lxc-ls -f: line 2: expected 4 columns (NAME STATE IPV4 IPV6), got 3"
    );
    let err =
        parse_lxc_ls("NAME STATE IPV4 IPV6\nweb SLEEPING - -\n").expect_err("must be refused");
    assert!(err.message.contains("SLEEPING"), "{err}");
    let err = parse_lxc_ls("NAME STATE IPV4 IPV6\nweb RUNNING 10.0.3.500 -\n")
        .expect_err("must be refused");
    assert!(err.message.contains("10.0.3.500"), "{err}");
    let err = parse_lxc_ls("web RUNNING 10.0.3.5 -\n").expect_err("must be refused");
    assert_eq!(err.line, Some(1));
    assert!(err.message.contains("header"), "{err}");
}

#[test]
fn comma_lists_stay_in_one_cell() {
    assert_eq!(cells("a b, c d"), ["a", "b, c", "d"]);
    assert_eq!(cells("a,b c"), ["a,b", "c"]);
    assert_eq!(cells("  a   b  "), ["a", "b"]);
    assert_eq!(cells("a b,"), ["a", "b,"]);
}

fn render(rows: &[(String, &str, Vec<String>, Vec<String>)]) -> String {
    let list = |ips: &Vec<String>| {
        if ips.is_empty() {
            "-".to_string()
        } else {
            ips.join(", ")
        }
    };
    let table: Vec<[String; 4]> = rows
        .iter()
        .map(|(n, s, v4, v6)| [n.clone(), s.to_string(), list(v4), list(v6)])
        .collect();
    let header = ["NAME", "STATE", "IPV4", "IPV6"].map(String::from);
    let width = |i: usize| {
        std::iter::once(&header)
            .chain(&table)
            .map(|r| r[i].len())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2), width(3)];
    std::iter::once(&header)
        .chain(&table)
        .map(|r| {
            let mut line = String::new();
            for (cell, w) in r.iter().zip(widths) {
                line.push_str(&format!("{cell:<w$} "));
            }
            line + "\n"
        })
        .collect()
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC*") {
        let _ = parse_lxc_ls(&text);
    }

    #[test]
    fn table_like_text_never_panics(text in "(NAME STATE IPV4\n)?(([a-z0-9.,-]{1,8}|RUNNING|-)[ ,]{1,3}){0,6}\n{0,3}") {
        let _ = parse_lxc_ls(&text);
    }

    #[test]
    fn round_trips(rows in proptest::collection::vec(
        ("[a-z][a-z0-9-]{0,15}",
         proptest::sample::select(vec!["RUNNING", "STOPPED", "FROZEN", "STARTING", "STOPPING", "ABORTING"]),
         proptest::collection::vec(any::<std::net::Ipv4Addr>().prop_map(|ip| ip.to_string()), 0..3),
         proptest::collection::vec(any::<std::net::Ipv6Addr>().prop_map(|ip| ip.to_string()), 0..3)),
        0..8,
    )) {
        let guests = parse_lxc_ls(&render(&rows)).expect("must succeed");
        prop_assert_eq!(guests.len(), rows.len());
        for (g, (name, state, v4, v6)) in guests.iter().zip(&rows) {
            prop_assert_eq!(&g.name, name);
            prop_assert_eq!(Some(g.state), state_from_word(state));
            let want: Vec<String> = v4.iter().chain(v6).cloned().collect();
            prop_assert_eq!(ips(g), want);
        }
    }
}
