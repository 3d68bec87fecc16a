//! Several read commands in one remote session. OpenSSH servers take on the order of a
//! hundred milliseconds to start each session, one after the other on a connection, so a
//! poll of a dozen facts costs a dozen of those when run one by one, and one when batched.
//! Each command stays an argument list quoted in `quote`; between them the login shell
//! prints a marker carrying the exit status.

use super::exec::{Output, RemoteCommand};

/// Record separator, then a tag: cannot appear in the text the parsers accept.
const MARK: &[u8] = b"\x1eFDX";

/// What follows each command of a batch: no stdin, then the marker with its status.
const AFTER_EACH: &str = " </dev/null; printf '\\036FDX%s\\036\\n' \"$?\"";

/// The command line that runs `cmds` in order in a POSIX login shell.
pub fn batch_line(cmds: &[RemoteCommand]) -> String {
    cmds.iter()
        .map(|c| format!("{}{AFTER_EACH}", c.remote_line()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The commands' remote lines of a line [`batch_line`] wrote, or `None` when `line` is
/// not a batch. Quoting keeps the separator out of any argument (its quotes would be
/// escaped), so the split is exact; callers still check each part.
pub fn batch_parts(line: &str) -> Option<Vec<&str>> {
    let body = line.strip_suffix(AFTER_EACH)?;
    let separator = format!("{AFTER_EACH}; ");
    Some(body.split(separator.as_str()).collect())
}

/// Cut the batch's stdout back into one output per command. A command whose marker is
/// missing (the session died mid-batch) gets `None`.
pub fn split_batch(stdout: &[u8], stderr: &[u8], count: usize) -> Vec<Option<Output>> {
    let mut out = Vec::with_capacity(count);
    let mut rest = stdout;
    for _ in 0..count {
        let Some(at) = find(rest, MARK) else {
            out.push(None);
            rest = &[];
            continue;
        };
        let body = &rest[..at];
        let after = &rest[at + MARK.len()..];
        let end = after.iter().position(|b| *b == 0x1e).unwrap_or(after.len());
        let status = std::str::from_utf8(&after[..end])
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok());
        out.push(Some(Output {
            status,
            stdout: body.to_vec(),
            // stderr is one stream for the whole batch; every command sees all of it, and
            // only failures show it.
            stderr: stderr.to_vec(),
        }));
        rest = after.get(end + 1..).unwrap_or(&[]);
        if rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(argv: &[&str]) -> RemoteCommand {
        RemoteCommand::new(argv.iter().copied())
    }

    /// Run the line with a real POSIX shell, as the remote login shell would.
    fn run(cmds: &[RemoteCommand]) -> Vec<Option<Output>> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(batch_line(cmds))
            .output()
            .expect("sh");
        split_batch(&out.stdout, &out.stderr, cmds.len())
    }

    #[test]
    fn outputs_and_statuses_come_back_in_order() {
        let cmds = [
            cmd(&["printf", "%s\\n", "one", "two"]),
            cmd(&["printf", "no newline"]),
            cmd(&["sh", "-c", "echo oops >&2; exit 3"]),
            cmd(&["printf", ""]),
            cmd(&["printf", "%s", "$(id) 'quoted' `x`"]),
        ];
        let outs = run(&cmds);
        let outs: Vec<Output> = outs.into_iter().map(|o| o.expect("marker")).collect();
        assert_eq!(outs[0].stdout, b"one\ntwo\n");
        assert_eq!(outs[0].status, Some(0));
        assert_eq!(outs[1].stdout, b"no newline");
        assert_eq!(outs[2].status, Some(3));
        assert!(String::from_utf8_lossy(&outs[2].stderr).contains("oops"));
        assert_eq!(outs[3].stdout, b"");
        assert_eq!(outs[4].stdout, b"$(id) 'quoted' `x`");
    }

    #[test]
    fn commands_cannot_read_the_rest_of_the_batch() {
        let outs = run(&[cmd(&["cat"]), cmd(&["printf", "after"])]);
        assert_eq!(outs[0].as_ref().map(|o| o.stdout.len()), Some(0));
        assert_eq!(
            outs[1].as_ref().map(|o| o.stdout.as_slice()),
            Some(&b"after"[..])
        );
    }

    #[test]
    fn a_batch_line_splits_back_into_its_commands() {
        let cmds = [
            cmd(&["hostname"]),
            cmd(&["printf", "%s", "; printf '\\036FDX%s\\036\\n' \"$?\"; x"]),
            cmd(&["ip", "-j", "addr", "show"]),
        ];
        let line = batch_line(&cmds);
        let parts = batch_parts(&line).expect("a batch");
        let wanted: Vec<String> = cmds.iter().map(RemoteCommand::remote_line).collect();
        assert_eq!(parts, wanted);
        assert_eq!(batch_parts("env LC_ALL=C hostname"), None);
    }

    #[test]
    fn a_cut_batch_leaves_the_missing_commands_empty() {
        let outs = split_batch(b"first\x1eFDX0\x1e\nsecond partial", b"", 3);
        assert_eq!(
            outs[0].as_ref().map(|o| o.stdout.as_slice()),
            Some(&b"first"[..])
        );
        assert!(outs[1].is_none());
        assert!(outs[2].is_none());
    }
}
