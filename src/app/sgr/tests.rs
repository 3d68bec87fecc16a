use super::*;

fn red() -> Attrs {
    Attrs {
        fg: Some(Colour::Indexed(1)),
        ..Attrs::default()
    }
}

#[test]
fn sgr_colours_and_resets_split_the_text() {
    let runs = parse("ok \u{1b}[31mfail\u{1b}[0m done");
    assert_eq!(
        runs,
        vec![
            (Attrs::default(), "ok ".to_string()),
            (red(), "fail".to_string()),
            (Attrs::default(), " done".to_string()),
        ]
    );
    let bold_bright = parse("\u{1b}[1;92mGO\u{1b}[m");
    assert_eq!(
        bold_bright,
        vec![(
            Attrs {
                fg: Some(Colour::Indexed(10)),
                bold: true,
                ..Attrs::default()
            },
            "GO".to_string()
        )]
    );
}

#[test]
fn extended_colours_256_and_rgb() {
    let runs = parse("\u{1b}[38;5;208ma\u{1b}[48;2;1;2;3mb\u{1b}[39;49mc");
    assert_eq!(runs[0].0.fg, Some(Colour::Indexed(208)));
    assert_eq!(runs[1].0.bg, Some(Colour::Rgb(1, 2, 3)));
    assert_eq!(runs[2].0, Attrs::default());
    // Broken parameters change nothing they cannot name, and never panic.
    for odd in [
        "\u{1b}[38;5mx",
        "\u{1b}[38;2;1mx",
        "\u{1b}[38;5;999mx",
        "\u{1b}[;;;mx",
    ] {
        assert_eq!(strip(odd), "x", "{odd:?}");
    }
}

#[test]
fn every_other_escape_sequence_is_dropped() {
    let hostile = "a\u{1b}[2Jb\u{1b}]52;c;aGk=\u{1b}\\c\u{1b}[?25ld\u{1b}(Be\u{1b}";
    assert_eq!(strip(hostile), "abcde");
    assert!(parse(hostile).iter().all(|(a, _)| *a == Attrs::default()));
    assert_eq!(strip("\u{1b}]0;title never ends"), "");
    assert_eq!(
        strip("a\u{1b}]0;title\u{7}b\u{7}c"),
        "abc",
        "BEL ends an OSC"
    );
    assert_eq!(strip("x\u{1b}[31"), "x", "a cut sequence");
    assert_eq!(strip("plain"), "plain");
    assert_eq!(strip("é\u{1b}[1mü"), "éü");
}
