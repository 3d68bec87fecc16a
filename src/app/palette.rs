//! The `:` command palette: the line being typed (a `tui-input` buffer), completion
//! candidates for it, and parsing a line into a command. Pure; `update` runs the command
//! through the same [`Action`]s as the keys.

use tui_input::{Input, InputRequest};

use super::Action;

/// What a command's argument completes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    /// Required.
    Node,
    /// Optional: without it, the selected container.
    Container,
    /// Optional: without it, the selected container's site.
    Domain,
    /// Optional: a node or a container; without it, the selection.
    Target,
    /// Optional, typed (nothing to complete from): `:scale 3`, `:update IMAGE` on the
    /// selected service; without it, the popup asks.
    Value,
}

struct Spec {
    name: &'static str,
    arg: Arg,
    /// The key action it stands for (`node` has none).
    action: Option<Action>,
}

/// Every palette command, in the order offered.
const COMMANDS: &[Spec] = &[
    Spec {
        name: "check",
        arg: Arg::None,
        action: Some(Action::Check),
    },
    Spec {
        name: "proxy plan",
        arg: Arg::None,
        action: Some(Action::ProxyPlan),
    },
    Spec {
        name: "proxy apply",
        arg: Arg::None,
        action: Some(Action::ProxyApply),
    },
    Spec {
        name: "create",
        arg: Arg::None,
        action: Some(Action::Create),
    },
    Spec {
        name: "delete",
        arg: Arg::Domain,
        action: Some(Action::Delete),
    },
    Spec {
        name: "adopt",
        arg: Arg::Target,
        action: Some(Action::Adopt),
    },
    Spec {
        name: "node",
        arg: Arg::Node,
        action: None,
    },
    Spec {
        name: "logs",
        arg: Arg::Container,
        action: Some(Action::Logs),
    },
    Spec {
        name: "stats",
        arg: Arg::Container,
        action: Some(Action::Stats),
    },
    Spec {
        name: "shell",
        arg: Arg::Target,
        action: Some(Action::Shell),
    },
    Spec {
        name: "restart",
        arg: Arg::Container,
        action: Some(Action::Restart),
    },
    Spec {
        name: "stop",
        arg: Arg::Container,
        action: Some(Action::StopStart),
    },
    Spec {
        name: "start",
        arg: Arg::Container,
        action: Some(Action::StopStart),
    },
    // Swarm operations, on the selected service or node row.
    Spec {
        name: "scale",
        arg: Arg::Value,
        action: Some(Action::Scale),
    },
    Spec {
        name: "update",
        arg: Arg::Value,
        action: Some(Action::UpdateImage),
    },
    Spec {
        name: "rollback",
        arg: Arg::None,
        action: Some(Action::Rollback),
    },
    Spec {
        name: "drain",
        arg: Arg::None,
        action: Some(Action::DrainActivate),
    },
    Spec {
        name: "activate",
        arg: Arg::None,
        action: Some(Action::DrainActivate),
    },
    Spec {
        name: "inspect",
        arg: Arg::Target,
        action: Some(Action::Inspect),
    },
    Spec {
        name: "events",
        arg: Arg::None,
        action: Some(Action::Events),
    },
    Spec {
        name: "refresh",
        arg: Arg::None,
        action: Some(Action::Refresh),
    },
    Spec {
        name: "help",
        arg: Arg::None,
        action: Some(Action::Help),
    },
    Spec {
        name: "quit",
        arg: Arg::None,
        action: Some(Action::Quit),
    },
];

/// Names the arguments complete from, taken from the fleet on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub nodes: Vec<String>,
    /// Container names and site domains.
    pub containers: Vec<String>,
    pub domains: Vec<String>,
    /// Node names, then containers and domains.
    pub targets: Vec<String>,
}

/// A parsed palette line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Action),
    Node(String),
    Logs(Option<String>),
    Stats(Option<String>),
    Delete(Option<String>),
    /// `shell` or `inspect`, on a node or container (else the selection).
    OnTarget(Action, Option<String>),
    /// `restart`, `stop` or `start` a container (else the selected one).
    Lifecycle(crate::act::lifecycle::Verb, Option<String>),
    /// `drain` (true) or `activate` (false) the selected swarm node: one key toggles,
    /// the palette says which.
    Availability(bool),
    /// `scale N` / `update IMAGE` on the selected swarm service: the popup's value given
    /// (`Action::Scale` or `Action::UpdateImage`, and the value as typed).
    SwarmValue(Action, String),
}

#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub input: Input,
    /// Whole lines the typed text can become, for the list under the input.
    pub candidates: Vec<String>,
    /// The candidate picked with up/down; enter runs it, tab copies it into the line.
    pub picked: Option<usize>,
}

fn offered(read_only: bool) -> impl Iterator<Item = &'static Spec> {
    COMMANDS
        .iter()
        .filter(move |c| !(read_only && c.action.is_some_and(Action::mutating)))
}

/// Candidates for `typed`: command names it starts, or once a command and a space are
/// typed, that command with each argument value the rest starts. Mutating commands are
/// not offered in read-only mode.
pub fn candidates(typed: &str, names: &Names, read_only: bool) -> Vec<String> {
    let typed = typed.trim_start().trim_start_matches(':').to_lowercase();
    let mut out = Vec::new();
    for spec in offered(read_only) {
        let values = match spec.arg {
            Arg::None | Arg::Value => None,
            Arg::Node => Some(&names.nodes),
            Arg::Container => Some(&names.containers),
            Arg::Domain => Some(&names.domains),
            Arg::Target => Some(&names.targets),
        };
        let with_space = format!("{} ", spec.name);
        match (values, typed.strip_prefix(&with_space)) {
            (Some(values), Some(rest)) => out.extend(
                values
                    .iter()
                    .filter(|v| v.to_lowercase().starts_with(rest))
                    .map(|v| format!("{with_space}{v}")),
            ),
            _ if spec.name.starts_with(&typed) => out.push(spec.name.to_string()),
            _ => {}
        }
    }
    out
}

fn common_prefix(all: &[String]) -> &str {
    let Some(first) = all.first() else { return "" };
    let mut prefix = first.as_str();
    for other in &all[1..] {
        while !other.starts_with(prefix) {
            let mut chars = prefix.chars();
            chars.next_back();
            prefix = chars.as_str();
        }
    }
    prefix
}

/// Whether `name` is a command that takes an argument.
fn takes_arg(name: &str) -> bool {
    COMMANDS
        .iter()
        .any(|c| c.name == name && c.arg != Arg::None)
}

impl Palette {
    pub fn open(names: &Names, read_only: bool) -> Palette {
        Palette {
            input: Input::default(),
            candidates: candidates("", names, read_only),
            picked: None,
        }
    }

    pub fn edit(&mut self, request: InputRequest, names: &Names, read_only: bool) {
        if self.input.handle(request).is_some_and(|c| c.value) {
            self.refresh(names, read_only);
        }
    }

    fn set(&mut self, line: String, names: &Names, read_only: bool) {
        // A complete command that takes an argument gets its space, so the next tab
        // lists the values.
        let line = if takes_arg(&line) {
            format!("{line} ")
        } else {
            line
        };
        self.input = Input::new(line);
        self.refresh(names, read_only);
    }

    fn refresh(&mut self, names: &Names, read_only: bool) {
        self.candidates = candidates(self.input.value(), names, read_only);
        self.picked = None;
    }

    /// Tab: the picked candidate, else as far as every candidate agrees, else the first.
    pub fn complete(&mut self, names: &Names, read_only: bool) {
        let line = match self.picked.and_then(|i| self.candidates.get(i)) {
            Some(picked) => picked.clone(),
            None => {
                let common = common_prefix(&self.candidates);
                let typed = self.input.value().trim_start().trim_start_matches(':');
                if common.len() > typed.len() {
                    common.to_string()
                } else if let Some(first) = self.candidates.first() {
                    first.clone()
                } else {
                    return;
                }
            }
        };
        self.set(line.clone(), names, read_only);
        // The completed line stays picked when it is still a candidate, so Tab never
        // leaves the selection on a line that is gone.
        self.picked = self.candidates.iter().position(|c| *c == line);
    }

    pub fn pick(&mut self, forward: bool) {
        let n = self.candidates.len();
        if n == 0 {
            return;
        }
        self.picked = Some(match (self.picked, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        });
    }

    /// The line enter runs.
    pub fn line(&self) -> String {
        self.picked
            .and_then(|i| self.candidates.get(i).cloned())
            .unwrap_or_else(|| self.input.value().to_string())
    }
}

/// Parse a palette line. Errors say what was wrong and what to type instead.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&first, rest)) = words.split_first() else {
        return Err("empty command; tab lists the commands".into());
    };
    let first = first.to_lowercase();
    let (name, rest) = match (first.as_str(), rest) {
        ("proxy", [sub, more @ ..]) => (format!("proxy {}", sub.to_lowercase()), more),
        ("proxy", []) => return Err(":proxy needs `plan` or `apply`".into()),
        _ => (first.clone(), rest),
    };
    let Some(spec) = COMMANDS.iter().find(|c| c.name == name) else {
        return Err(format!("unknown command :{line}; tab lists the commands"));
    };
    let arg = match rest {
        [] => None,
        [one] => Some(one.to_string()),
        _ => return Err(format!(":{name} takes at most one argument")),
    };
    match (spec.arg, arg) {
        (Arg::None, Some(extra)) => Err(format!(":{name} takes no argument (got {extra:?})")),
        (Arg::None, None) if matches!(name.as_str(), "drain" | "activate") => {
            Ok(Command::Availability(name == "drain"))
        }
        (Arg::None, None) => match spec.action {
            Some(action) => Ok(Command::Run(action)),
            None => Err(format!(":{name} is not runnable")),
        },
        (Arg::Value, None) => match spec.action {
            Some(action) => Ok(Command::Run(action)),
            None => Err(format!(":{name} is not runnable")),
        },
        (Arg::Value, Some(value)) => match spec.action {
            Some(action) => Ok(Command::SwarmValue(action, value)),
            None => Err(format!(":{name} is not runnable")),
        },
        (Arg::Node, Some(node)) => Ok(Command::Node(node)),
        (Arg::Node, None) => Err(":node needs a node name; tab lists them".into()),
        (Arg::Container, arg) if spec.action == Some(Action::Logs) => Ok(Command::Logs(arg)),
        (Arg::Container, arg) if spec.action == Some(Action::Stats) => Ok(Command::Stats(arg)),
        (Arg::Container, arg) => {
            use crate::act::lifecycle::Verb;
            let verb = match name.as_str() {
                "restart" => Verb::Restart,
                "stop" => Verb::Stop,
                _ => Verb::Start,
            };
            Ok(Command::Lifecycle(verb, arg))
        }
        (Arg::Target, arg) => match spec.action {
            Some(action) => Ok(Command::OnTarget(action, arg)),
            None => Err(format!(":{name} is not runnable")),
        },
        (Arg::Domain, arg) => Ok(Command::Delete(arg)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            nodes: vec!["h1".into(), "h2".into(), "h3".into()],
            containers: vec!["fdtu-logs".into(), "fd-blog.example.org".into()],
            domains: vec!["blog.example.org".into()],
            targets: vec!["h1".into(), "fdtu-logs".into()],
        }
    }

    #[test]
    fn tab_keeps_the_completed_line_picked() {
        let mut p = Palette::open(&names(), false);
        for c in "node h".chars() {
            p.edit(InputRequest::InsertChar(c), &names(), false);
        }
        p.pick(true);
        p.pick(true);
        assert_eq!(p.line(), "node h2");
        p.complete(&names(), false);
        assert_eq!(p.input.value(), "node h2");
        assert_eq!(
            p.picked
                .and_then(|i| p.candidates.get(i))
                .map(String::as_str),
            Some("node h2"),
            "the selection stays on the completed line"
        );
        assert_eq!(p.line(), "node h2");
    }

    #[test]
    fn candidates_complete_commands_then_arguments() {
        let n = names();
        assert_eq!(candidates("pro", &n, false), ["proxy plan", "proxy apply"]);
        assert_eq!(candidates("proxy", &n, true), ["proxy plan"], "read-only");
        assert!(
            !candidates("", &n, true)
                .iter()
                .any(|c| c == "create" || c == "delete")
        );
        assert_eq!(candidates("", &n, false).len(), COMMANDS.len());
        assert_eq!(
            candidates("node ", &n, false),
            ["node h1", "node h2", "node h3"]
        );
        assert_eq!(candidates(":node H2", &n, false), ["node h2"]);
        assert_eq!(candidates("logs fdtu", &n, false), ["logs fdtu-logs"]);
        assert_eq!(candidates("zzz", &n, false), Vec::<String>::new());
    }

    #[test]
    fn tab_extends_to_the_common_part_then_takes_the_pick() {
        let n = names();
        let mut p = Palette::open(&n, false);
        for c in "no".chars() {
            p.edit(InputRequest::InsertChar(c), &n, false);
        }
        p.complete(&n, false);
        assert_eq!(
            p.input.value(),
            "node ",
            "a command with an argument gets a space"
        );
        assert_eq!(p.candidates.len(), 3);
        p.complete(&n, false);
        assert_eq!(p.input.value(), "node h", "as far as all agree");
        p.pick(true);
        p.pick(true);
        assert_eq!(p.line(), "node h2");
        p.pick(false);
        p.pick(false);
        assert_eq!(p.picked, Some(2), "picking wraps");
        p.complete(&n, false);
        assert_eq!(p.input.value(), "node h3");
        p.edit(InputRequest::DeletePrevChar, &n, false);
        assert_eq!(p.candidates, ["node h1", "node h2", "node h3"]);
    }

    #[test]
    fn lines_parse_into_commands_with_clear_errors() {
        assert_eq!(parse(":check"), Ok(Command::Run(Action::Check)));
        assert_eq!(parse("proxy plan"), Ok(Command::Run(Action::ProxyPlan)));
        assert_eq!(parse("PROXY Apply"), Ok(Command::Run(Action::ProxyApply)));
        assert_eq!(parse("node h2"), Ok(Command::Node("h2".into())));
        assert_eq!(parse("logs"), Ok(Command::Logs(None)));
        assert_eq!(parse("stats web"), Ok(Command::Stats(Some("web".into()))));
        assert_eq!(
            parse("delete a.org"),
            Ok(Command::Delete(Some("a.org".into())))
        );
        assert_eq!(parse(" quit "), Ok(Command::Run(Action::Quit)));
        assert_eq!(
            parse("shell h1"),
            Ok(Command::OnTarget(Action::Shell, Some("h1".into())))
        );
        assert_eq!(
            parse("stop web"),
            Ok(Command::Lifecycle(
                crate::act::lifecycle::Verb::Stop,
                Some("web".into())
            ))
        );
        assert_eq!(parse("events"), Ok(Command::Run(Action::Events)));
        assert_eq!(parse("scale"), Ok(Command::Run(Action::Scale)));
        assert_eq!(
            parse(":scale 3"),
            Ok(Command::SwarmValue(Action::Scale, "3".into()))
        );
        assert_eq!(
            parse("update fdlab/busybox:2"),
            Ok(Command::SwarmValue(
                Action::UpdateImage,
                "fdlab/busybox:2".into()
            ))
        );
        assert!(
            parse("scale 3 4")
                .expect_err("two")
                .contains("at most one argument")
        );
        let e = parse("fly").expect_err("unknown");
        assert!(e.contains("unknown command :fly"), "{e}");
        assert!(parse("node").expect_err("no name").contains("node name"));
        assert!(
            parse("check now")
                .expect_err("extra")
                .contains("no argument")
        );
        assert!(parse("proxy").expect_err("bare").contains("plan"));
        assert!(parse("proxy fly").expect_err("bad sub").contains("unknown"));
        assert!(parse("").is_err());
    }
}
