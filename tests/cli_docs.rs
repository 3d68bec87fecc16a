//! `fleetdeck completions bash|zsh|fish`, `fleetdeck man` and the long help: the scripts are
//! accepted by the real shells and complete the real subcommands, the man page renders
//! without a single groff warning, and every flag and subcommand says what it does.
//! No lab needed.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use clap::CommandFactory;
use fleetdeck::cli::Cli;

const SUBCOMMANDS: &[&str] = &[
    "tree",
    "master",
    "check",
    "create",
    "delete",
    "inventory",
    "audit",
    "ssh",
    "exec",
    "start",
    "stop",
    "restart",
    "inspect",
    "events",
    "init",
    "config",
    "proxy",
    "completions",
    "man",
];

fn fleetdeck(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .args(args)
        .env("HOME", home.path())
        .env_remove("XDG_STATE_HOME")
        .output()
        .expect("run fleetdeck");
    assert!(out.status.success(), "fleetdeck {args:?}: {out:?}");
    // Printing a script or a page is no event worth a log file.
    assert!(
        !home.path().join(".local/state").exists(),
        "fleetdeck {args:?} created the state directory"
    );
    out
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(fleetdeck(args).stdout).expect("utf-8")
}

/// Run `program args` with `input` on stdin; fails the test when the program is missing.
fn run_with_stdin(program: &str, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} is needed (scripts/deps.sh installs it): {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn script_file(shell: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("fleetdeck.{shell}"));
    std::fs::write(&path, stdout(&["completions", shell])).expect("write script");
    (dir, path)
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

#[test]
fn bash_completion_parses_and_completes_subcommands() {
    let (_dir, path) = script_file("bash");
    let check = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash");
    assert!(check.status.success(), "bash -n: {check:?}");
    // Ask the completion function itself, as bash would on `fleetdeck <TAB>`.
    let complete = |line: &[&str]| {
        let words_array = line
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let script = format!(
            "source {}; COMP_WORDS=({words_array}); COMP_CWORD={}; COMP_LINE='{}'; \
             COMP_POINT=${{#COMP_LINE}}; _fleetdeck fleetdeck '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display(),
            line.len() - 1,
            line.join(" "),
            line[line.len() - 1],
            line[line.len().saturating_sub(2)],
        );
        let out = Command::new("bash")
            .args(["--norc", "-c", &script])
            .output()
            .expect("bash");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = complete(&["fleetdeck", ""]);
    for sub in SUBCOMMANDS {
        assert!(words(&top).contains(sub), "{sub} missing from: {top}");
    }
    let audit = complete(&["fleetdeck", "audit", ""]);
    for sub in ["verify", "replay", "--json", "--limit"] {
        assert!(words(&audit).contains(&sub), "{sub} missing from: {audit}");
    }
    let shells = complete(&["fleetdeck", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(
            words(&shells).contains(&shell),
            "{shell} missing from: {shells}"
        );
    }
    assert!(!words(&shells).contains(&"powershell"), "{shells}");
}

#[test]
fn zsh_completion_parses_and_names_every_subcommand() {
    let (_dir, path) = script_file("zsh");
    let check = Command::new("zsh")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("zsh is needed (scripts/deps.sh installs it): {e}"));
    assert!(check.status.success(), "zsh -n: {check:?}");
    let script = std::fs::read_to_string(&path).expect("script");
    assert!(script.starts_with("#compdef fleetdeck"), "{script}");
    for sub in SUBCOMMANDS
        .iter()
        .chain(&["verify", "replay", "plan", "apply"])
    {
        assert!(
            script.contains(&format!("'{sub}:")),
            "{sub} has no completion entry"
        );
    }
    // Loaded for real by compinit's autoload, the function is defined.
    let dir = path.parent().expect("dir");
    std::fs::rename(&path, dir.join("_fleetdeck")).expect("rename");
    let out = Command::new("zsh")
        .args(["-f", "-c"])
        .arg(format!(
            "fpath=({} $fpath); autoload -Uz compinit && compinit -u -D && autoload -Uz _fleetdeck && \
             whence -w _fleetdeck",
            dir.display()
        ))
        .output()
        .expect("zsh");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("_fleetdeck: function"),
        "{out:?}"
    );
}

#[test]
fn fish_completion_parses_and_completes_subcommands() {
    let (_dir, path) = script_file("fish");
    let check = Command::new("fish")
        .arg("--no-execute")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("fish is needed (scripts/deps.sh installs it): {e}"));
    assert!(check.status.success(), "fish --no-execute: {check:?}");
    let complete = |line: &str| {
        let out = Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!("source {}; complete -C '{line}'", path.display()))
            .output()
            .expect("fish");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    let top = complete("fleetdeck ");
    for sub in SUBCOMMANDS {
        assert!(top.iter().any(|c| c == sub), "{sub} missing from {top:?}");
    }
    let audit = complete("fleetdeck audit ");
    for sub in ["verify", "replay"] {
        assert!(
            audit.iter().any(|c| c == sub),
            "{sub} missing from {audit:?}"
        );
    }
    assert!(complete("fleetdeck tree --").iter().any(|c| c == "--json"));
}

#[test]
fn man_page_renders_without_warnings_and_carries_the_sections() {
    let page = stdout(&["man"]);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    let groff = run_with_stdin("groff", &["-man", "-Tutf8", "-ww", "-z"], &page);
    assert!(groff.status.success(), "groff: {groff:?}");
    assert!(
        groff.stderr.is_empty(),
        "groff warnings:\n{}",
        String::from_utf8_lossy(&groff.stderr)
    );
    let man = Command::new("man")
        .args(["--warnings", "-l", "-"])
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(page.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap_or_else(|e| panic!("man is needed (scripts/deps.sh installs man-db): {e}"));
    assert!(man.status.success(), "man: {man:?}");
    assert!(
        man.stderr.is_empty(),
        "man warnings:\n{}",
        String::from_utf8_lossy(&man.stderr)
    );
    let text = String::from_utf8_lossy(&man.stdout);
    for heading in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "COMMANDS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
    ] {
        assert!(
            text.lines().any(|l| l == heading),
            "{heading} missing:\n{text}"
        );
    }
    for needle in [
        "fleetdeck audit replay ID [--raw]",
        "fleetdeck proxy plan [--exit-code]",
        "FLEETDECK_READ_ONLY",
        "SUDO_USER",
        "/etc/fleetdeck/policy.toml",
        "master-ID.sock",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
}

#[test]
fn long_help_has_exit_status_environment_and_files() {
    let help = stdout(&["--help"]);
    for needle in [
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "FLEETDECK_CONFIG",
        "FLEETDECK_READ_ONLY",
        "FLEETDECK_LOG",
        "DOCKER_HOST",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "SSH_AUTH_SOCK",
        "NO_COLOR",
        "SUDO_USER",
        "/etc/fleetdeck/config.toml",
        "/etc/fleetdeck/policy.toml",
        "inventory.db",
        "fleetdeck.log",
        "sessions/",
        "master-ID.sock",
    ] {
        assert!(help.contains(needle), "{needle} missing:\n{help}");
    }
    for code in 0..=5 {
        assert!(
            help.lines().any(|l| l.trim() == code.to_string()),
            "exit {code}"
        );
    }
    // The short help stays short.
    assert!(!stdout(&["-h"]).contains("ENVIRONMENT"));
}

#[test]
fn every_subcommand_and_argument_has_help() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            let name = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() {
                missing.push(name.clone());
            }
            walk(sub, &name, missing);
        }
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut missing = Vec::new();
    walk(&cmd, "fleetdeck", &mut missing);
    assert!(missing.is_empty(), "without help text: {missing:?}");
}
