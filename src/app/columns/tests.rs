use super::*;

fn names(cols: &Columns) -> Vec<Column> {
    cols.iter().map(|(c, _)| *c).collect()
}

fn total(cols: &Columns) -> usize {
    cols.iter().map(|(_, w)| w).sum::<usize>() + cols.len().saturating_sub(1)
}

/// Site containers as the lab makes them: `fd-site00.example.org` under a node.
const SITES: Want = Want {
    name: 27,
    ip: 15,
    domain: 18,
    image: 20,
};

#[test]
fn columns_give_way_image_first_then_health_restarts_domain_ip() {
    use Column::*;
    let at = |width, flat| names(&layout(width, flat, SITES));
    assert_eq!(
        at(200, false),
        [Name, State, Restarts, Ip, Domain, Health, Image]
    );
    // 80 columns less the borders: image and health gone; the domain, which had cut
    // the name to its minimum already, gives the restart count its four cells.
    assert_eq!(at(78, false), [Name, State, Restarts, Ip, Domain]);
    assert_eq!(
        layout(78, false, SITES),
        [
            (Name, 24),
            (State, 18),
            (Restarts, 3),
            (Ip, 15),
            (Domain, 14)
        ]
    );
    // The table's share of 160 columns beside the details: health gone (an unhealthy
    // container says so in its state cell).
    assert_eq!(at(94, false), [Name, State, Restarts, Ip, Domain]);
    assert_eq!(at(60, false), [Name, State, Ip]);
    assert_eq!(at(40, false), [Name, State]);
    assert_eq!(at(10, false), [Name, State], "never less");
    assert_eq!(at(78, true), [Name, Node, State, Ip]);
    // Short addresses leave the name whole at 80 columns: the count never cuts it.
    let lab = Want { ip: 10, ..SITES };
    assert_eq!(
        layout(78, false, lab),
        [
            (Name, 27),
            (State, 18),
            (Restarts, 3),
            (Ip, 10),
            (Domain, 16)
        ]
    );
    // Long names take spare room only up to their length.
    let long = Want { name: 60, ..SITES };
    assert_eq!(layout(300, false, long)[0], (Name, 60));
    assert_eq!(layout(78, false, long)[0], (Name, 24), "the domain first");
    assert_eq!(
        layout(60, false, long)[0],
        (Name, 25),
        "room no column took"
    );
    // A domain already at its least leaves no room for the count.
    let short = Want {
        domain: 12,
        ..SITES
    };
    assert_eq!(
        names(&layout(75, false, short)),
        [Name, State, Ip, Domain],
        "{:?}",
        layout(75, false, short)
    );
}

#[test]
fn the_restarts_column_is_rst_until_restarts_fits_whole() {
    let width_of = |cols: &Columns| {
        cols.iter()
            .find(|(c, _)| *c == Column::Restarts)
            .map(|(_, w)| *w)
    };
    assert_eq!(width_of(&layout(78, false, SITES)), Some(3));
    assert_eq!(width_of(&layout(158, false, SITES)), Some(8));
    assert_eq!(Column::Restarts.title_in(3), "RST");
    assert_eq!(Column::Restarts.title_in(8), "RESTARTS");
    assert_eq!(
        Column::State.title_in(3),
        "STATE",
        "others keep their title"
    );
    // Every width from narrow to wide: RST or RESTARTS, never a stretched RST.
    for width in 40..200 {
        let w = width_of(&layout(width, false, SITES));
        assert!(matches!(w, None | Some(3) | Some(8..)), "{width}: {w:?}");
    }
}

#[test]
fn restart_counts_are_right_aligned_and_unknown_is_a_dash() {
    assert_eq!(restarts_cell(Some(0), 3), "  0");
    assert_eq!(restarts_cell(Some(42), 3), " 42");
    assert_eq!(restarts_cell(Some(999), 3), "999");
    assert_eq!(restarts_cell(Some(1000), 3), "1k+");
    assert_eq!(restarts_cell(Some(123_456), 8), "  123456");
    assert_eq!(restarts_cell(None, 3), "  -");
}

#[test]
fn columns_fill_the_width_exactly_when_they_fit() {
    for width in [43, 50, 78, 86, 118, 158, 300] {
        for flat in [false, true] {
            let cols = layout(width, flat, SITES);
            assert_eq!(total(&cols), width, "{width} {flat}: {cols:?}");
        }
    }
    let wide = layout(300, false, Want::default());
    assert_eq!(wide[0], (Column::Name, NAME_MIN), "nothing wants more");
}

#[test]
fn fit_cuts_with_an_ellipsis_and_pads() {
    assert_eq!(fit("web", 6, "…"), "web   ");
    assert_eq!(fit("fd-site00.example.org", 10, "…"), "fd-site00…");
    assert_eq!(fit("fd-site00.example.org", 10, "..."), "fd-site...");
    assert_eq!(fit("abc", 1, "..."), ".");
    assert_eq!(fit("abc", 0, "…"), "");
}

#[test]
fn docker_status_lines_give_exit_code_and_age() {
    let cases = [
        ("Up 3 hours", None, Some(3 * 3600)),
        ("Up 12 seconds (unhealthy)", None, Some(12)),
        ("Up 2 minutes (Paused)", None, Some(120)),
        ("Up About an hour (health: starting)", None, Some(3600)),
        ("Up Less than a second", None, Some(0)),
        ("Exited (3) 2 minutes ago", Some(3), Some(120)),
        ("Exited (137) About a minute ago", Some(137), Some(60)),
        ("Exited (0) 3 weeks ago", Some(0), Some(21 * 86_400)),
        ("Restarting (1) 5 seconds ago", Some(1), Some(5)),
        ("Exited (-1) 1 second ago", Some(-1), Some(1)),
        ("Created", None, None),
        ("Removal In Progress", None, None),
        ("", None, None),
        ("Up soon", None, None),
        ("Exited (x", None, None),
    ];
    for (line, exit_code, age_secs) in cases {
        assert_eq!(
            parse_status(line),
            Status {
                exit_code,
                age_secs
            },
            "{line:?}"
        );
    }
}

#[test]
fn state_cells_read_like_the_issue() {
    let s = parse_status("Exited (3) 2 minutes ago");
    assert_eq!(state_cell("exited", &s), "exited (3) 2m");
    assert_eq!(
        state_cell("running", &parse_status("Up 3 hours")),
        "running 3h"
    );
    assert_eq!(state_cell("created", &parse_status("Created")), "created");
    assert_eq!(short_age(59), "59s");
    assert_eq!(short_age(86_400 * 20), "2w");
    assert_eq!(short_age(86_400 * 800), "2y");
    assert_eq!(plural(1, "port", "ports"), "1 port");
    assert_eq!(plural(0, "port", "ports"), "0 ports");
}
