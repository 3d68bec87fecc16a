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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        fn any_argument_survives_the_shell(args in proptest::collection::vec("[^\u{0}]{0,12}", 1..4)) {
            prop_assert_eq!(shell_roundtrip(&args), args);
        }
    }
}
