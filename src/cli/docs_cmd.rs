//! `fleetdeck completions SHELL` and `fleetdeck man`: both generated from the clap
//! definitions in `cli/mod.rs`, so a new flag shows up in them without anyone remembering.

use clap::{Arg, ArgAction, CommandFactory, ValueEnum};
use roff::{Roff, bold, roman};

use super::manual::SECTIONS;
use super::{Cli, Code, Failure};

/// The shells whose completion scripts are shipped (clap_complete knows more; these are
/// the ones the tests run through a real shell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// The completion script for `shell`.
pub fn completions(shell: CompletionShell) -> Vec<u8> {
    let generator = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "fleetdeck", &mut out);
    out
}

/// The man page, roff: clap_mangen's name, synopsis, description and global options,
/// then one subsection per command (clap_mangen would point at `fleetdeck-tree(1)` pages
/// that are not shipped), then the sections the long help carries too.
pub fn man_page() -> Result<Vec<u8>, Failure> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone()).manual("fleetdeck manual");
    let mut out = Vec::new();
    let rendered = man
        .render_title(&mut out)
        .and_then(|_| man.render_name_section(&mut out))
        .and_then(|_| man.render_synopsis_section(&mut out))
        .and_then(|_| man.render_description_section(&mut out))
        .and_then(|_| man.render_options_section(&mut out));
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for (path, sub) in commands(&cmd, "fleetdeck") {
        command_entry(&mut roff, &path, sub);
    }
    for section in SECTIONS {
        roff.control("SH", [section.title]);
        for (term, text) in section.entries {
            roff.control("TP", []);
            roff.text([bold(*term)]);
            roff.text([roman(*text)]);
        }
    }
    rendered
        .and_then(|_| roff.to_writer(&mut out))
        .and_then(|_| man.render_version_section(&mut out))
        .map_err(|e| Failure::new(Code::Failed, format!("cannot render the man page: {e}")))?;
    Ok(out)
}

/// Every command worth a subsection, depth first, with its full name: the leaves, and
/// the parents that take arguments of their own (`audit`).
fn commands<'a>(cmd: &'a clap::Command, path: &str) -> Vec<(String, &'a clap::Command)> {
    let mut found = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{path} {}", sub.get_name());
        if !sub.has_subcommands() || own_args(sub).next().is_some() {
            found.push((name.clone(), sub));
        }
        found.extend(commands(sub, &name));
    }
    found
}

/// A command's own arguments: not the global ones every command takes.
fn own_args(cmd: &clap::Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments()
        .filter(|a| !a.is_global_set() && !a.is_hide_set())
}

fn command_entry(roff: &mut Roff, path: &str, cmd: &clap::Command) {
    roff.control("SS", [path]);
    roff.text([bold(synopsis(path, cmd))]);
    if let Some(about) = cmd.get_long_about().or_else(|| cmd.get_about()) {
        roff.control("PP", []);
        roff.text([roman(about.to_string())]);
    }
    for arg in own_args(cmd) {
        roff.control("TP", []);
        roff.text([bold(arg_label(arg, true))]);
        let mut help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if let Some(default) = arg.get_default_values().first() {
            help.push_str(&format!(" [default: {}]", default.to_string_lossy()));
        }
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        if takes_value(arg) && !values.is_empty() {
            help.push_str(&format!(" [one of: {}]", values.join(", ")));
        }
        roff.text([roman(help)]);
    }
}

/// `fleetdeck proxy plan [--exit-code]`: every argument spelt out, as the README writes it.
fn synopsis(path: &str, cmd: &clap::Command) -> String {
    let mut line = path.to_string();
    for arg in own_args(cmd) {
        let label = arg_label(arg, false);
        let shown = if arg.is_last_set() {
            format!("[-- {label}...]")
        } else if arg.is_required_set() {
            label
        } else {
            format!("[{label}]")
        };
        line.push(' ');
        line.push_str(&shown);
    }
    if cmd.has_subcommands() {
        line.push_str(" [COMMAND]");
    }
    line
}

/// `--node N`, `--yes`, `TARGET`; `-y, --yes` with `short`.
fn arg_label(arg: &Arg, short: bool) -> String {
    let value = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map(|n| n.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    match (arg.get_long(), arg.get_short().filter(|_| short)) {
        (None, None) => value,
        (long, short) => {
            let mut names = Vec::new();
            if let Some(s) = short {
                names.push(format!("-{s}"));
            }
            if let Some(l) = long {
                names.push(format!("--{l}"));
            }
            if takes_value(arg) {
                format!("{} {value}", names.join(", "))
            } else {
                names.join(", ")
            }
        }
    }
}

/// Flags (`--yes`) list no values: clap gives them `true` and `false`.
fn takes_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}
