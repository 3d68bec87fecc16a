//! The console's theme file, for real in tmux: a typo in it stops the console before it
//! takes the screen, naming the file and the key; a valid one changes the colours drawn
//! (read back from tmux with `capture-pane -e`); `NO_COLOR` still wins over it.

mod support;

use support::tmux::Tmux;

fn start(tmux: &Tmux, config: &std::path::Path, env: &str) {
    tmux.type_line(&format!(
        "{env} XDG_STATE_HOME={} fleetdeck --config {}; echo EXIT=$?",
        tmux.home().join("state").display(),
        config.display()
    ));
}

#[test]
fn a_theme_file_changes_the_colours_and_a_typo_is_refused() {
    let tmux = Tmux::start(100, 30);
    let theme = tmux.home().join("theme.toml");
    let config = tmux.home().join("fleet.toml");
    std::fs::write(
        &config,
        format!(
            "theme = {:?}\n[inventory]\npath = {:?}\n[[node]]\nname = \"here\"\ndocker = \"none\"\n",
            theme.display().to_string(),
            tmux.home().join("inv.db").display().to_string()
        ),
    )
    .expect("config");

    std::fs::write(&theme, "gren = \"#00ff00\"\n").expect("theme");
    start(&tmux, &config, "");
    let screen = tmux.wait_for(
        |s| {
            s.lines()
                .any(|l| l.starts_with("EXIT=") && !l.contains('$'))
        },
        "the console to refuse the theme",
    );
    assert!(screen.contains("EXIT=2"), "{screen}");
    assert!(
        screen.contains("theme.toml: unknown key \"gren\""),
        "the file and the key are named:\n{screen}"
    );

    // READ-WRITE is drawn on the theme's green: 24-bit #00c853 as a background.
    std::fs::write(&theme, "green = \"#00c853\"\n").expect("theme");
    tmux.type_line("clear");
    start(&tmux, &config, "");
    tmux.wait_for(|s| s.contains("READ-WRITE"), "the console");
    let styled = tmux.screen_styled();
    assert!(
        styled.contains("48;2;0;200;83"),
        "the badge's background is the theme's green:\n{styled}"
    );
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");

    // NO_COLOR wins: no colour at all, whatever the theme says.
    tmux.type_line("clear");
    start(&tmux, &config, "NO_COLOR=1");
    tmux.wait_for(|s| s.contains("READ-WRITE"), "the console in monochrome");
    let styled = tmux.screen_styled();
    assert!(
        !styled.contains("48;2;0;200;83") && !styled.contains("[32m"),
        "no colour under NO_COLOR:\n{styled}"
    );
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
}
