//! The one place an argument list becomes a shell command line. SSH runs commands through
//! the remote user's shell, so every argument is quoted here and nowhere else.

/// Quote one argument for a POSIX shell. Plain words stay as they are; anything else is
/// wrapped in single quotes, with embedded single quotes written as `'\''`.
pub fn quote_arg(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        return arg.to_string();
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('\'');
    for c in arg.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A command line from an argument list, each argument quoted.
pub fn command_line<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|a| quote_arg(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The argument list of a line [`command_line`] wrote, or `None` when `line` is anything
/// else (other quoting, an operator, a variable...). Only the exact output of
/// `command_line` is accepted, so a line read back this way runs exactly these arguments:
/// the lab tests use it to check what reached a node's shell.
pub fn split_command_line(line: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut chars = line.chars().peekable();
    while chars.peek().is_some() {
        let mut arg = String::new();
        loop {
            match chars.next() {
                None => break,
                Some(' ') => break,
                Some('\'') => loop {
                    match chars.next()? {
                        '\'' => break,
                        c => arg.push(c),
                    }
                },
                Some('\\') => arg.push(chars.next().filter(|c| *c == '\'')?),
                Some(c) => arg.push(c),
            }
        }
        args.push(arg);
    }
    (!args.is_empty() && command_line(&args) == line).then_some(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoted_lines_read_back_and_nothing_else_does() {
        let args = [
            "docker",
            "ps",
            "--format={{json .}}",
            "it's",
            "",
            "$(id)",
            "a\nb",
        ];
        let line = command_line(&args);
        assert_eq!(
            split_command_line(&line),
            Some(args.iter().map(|s| s.to_string()).collect())
        );
        for other in [
            "",
            "ls  -l",
            "ls; reboot",
            "ls $(id)",
            "ls \"x\"",
            "'ls' -l",
            "ls 'unterminated",
            "ls \\x",
            "ls >/tmp/x",
            " ls",
            "ls ",
        ] {
            assert_eq!(split_command_line(other), None, "{other:?}");
        }
    }

    #[test]
    fn plain_words_stay_plain_and_the_rest_is_quoted() {
        assert_eq!(
            command_line(&["docker", "ps", "-a", "--format={{json .}}"]),
            "docker ps -a '--format={{json .}}'"
        );
        assert_eq!(quote_arg(""), "''");
        assert_eq!(quote_arg("a b"), "'a b'");
        assert_eq!(quote_arg("it's"), "'it'\\''s'");
        assert_eq!(quote_arg("$(reboot)"), "'$(reboot)'");
        assert_eq!(quote_arg("x;y"), "'x;y'");
        assert_eq!(quote_arg("line\nbreak"), "'line\nbreak'");
        assert_eq!(quote_arg("10.2.0.1"), "10.2.0.1");
    }

    /// What a real POSIX shell makes of the quoted line is exactly the argument list.
    fn shell_roundtrip(args: &[String]) -> Vec<String> {
        let line = format!("printf '%s\\0' {}", command_line(args));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .output()
            .expect("sh");
        assert!(out.status.success(), "sh failed on {line:?}");
        let text = String::from_utf8(out.stdout).expect("utf8");
        text.split('\0').map(String::from).collect::<Vec<_>>()[..args.len()].to_vec()
    }

    #[test]
    fn hostile_arguments_reach_the_program_unchanged() {
        let args: Vec<String> = [
            "plain",
            "",
            "with space",
            "it's",
            "\"dq\"",
            "$HOME",
            "`id`",
            "$(id)",
            "a;b&&c||d",
            "x\ny",
            "*",
            "~root",
            "--",
            "-e",
            "\\",
            "é漢字",
            "!event",
            "#comment",
            "a|b>c<d",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(shell_roundtrip(&args), args);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_quoted_line_reads_back(args in proptest::collection::vec("\\PC{0,12}", 1..5)) {
            prop_assert_eq!(split_command_line(&command_line(&args)), Some(args));
        }

        #[test]
        fn any_argument_survives_the_shell(args in proptest::collection::vec("[^\u{0}]{0,12}", 1..4)) {
            prop_assert_eq!(shell_roundtrip(&args), args);
        }
    }
}
