//! What the lab's hosts saw during a test: the commands every sshd ran (its ForceCommand
//! writes `commands.log`) and the API calls every dockerd served (debug logging writes
//! `Calling METHOD /path` to `dockerd.log`). [`Watch::start`] records where every log ends;
//! [`Watch::seen`] reads what was appended since, so a test judges only its own window.
//!
//! The lab is shared with tests running at the same time: SSH sessions are attributed by
//! the client key (sessions with [`Lab::audit_key`] are the test's own), Docker calls
//! cannot be (dockerd does not log who called), so a Docker window should be kept short.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::lab::Lab;

/// One SSH session as `fdlab-cmdlog` logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub host: String,
    /// Last 16 characters of the client's public key (see `Lab::audit_key_id`), or `-`.
    pub key: String,
    /// The exact command the client sent; `None` for an interactive shell.
    pub command: Option<String>,
}

/// One Docker API call (`Calling GET /v1.41/containers/json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerCall {
    pub host: String,
    pub method: String,
    pub path: String,
}

/// Everything the lab's hosts logged in a window.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub sessions: Vec<Session>,
    pub docker_calls: Vec<DockerCall>,
    /// Every dockerd log line of the window (POST bodies show as `form data: {...}`).
    pub docker_lines: Vec<String>,
    /// The id of the lab's audit key (sessions with it are the test's own).
    pub own_key: String,
}

impl Seen {
    /// The sessions opened with the audit key (the test's own).
    pub fn own_sessions(&self) -> Vec<&Session> {
        self.sessions
            .iter()
            .filter(|s| s.key == self.own_key)
            .collect()
    }
}

struct Mark {
    host: String,
    commands: (PathBuf, u64),
    dockerd: (PathBuf, u64),
}

/// Where every host's logs ended when the window opened.
pub struct Watch {
    marks: Vec<Mark>,
    audit_key_id: String,
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()))
        .len()
}

/// The complete lines appended to `path` after `from`.
fn lines_since(path: &Path, from: u64) -> Vec<String> {
    let mut f =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    f.seek(SeekFrom::Start(from)).expect("seek");
    let mut raw = Vec::new();
    f.read_to_end(&mut raw).expect("read log");
    // A line being written right now has no newline yet: it belongs to the next window.
    let complete = raw.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
    String::from_utf8_lossy(&raw[..complete])
        .lines()
        .map(str::to_string)
        .collect()
}

impl Watch {
    /// Marks the end of every host's command log and dockerd log.
    pub fn start(lab: &Lab) -> Watch {
        let marks = lab
            .hosts
            .iter()
            .map(|h| Mark {
                host: h.name.clone(),
                commands: (h.commands_log().to_path_buf(), size(h.commands_log())),
                dockerd: (h.dockerd_log.clone(), size(&h.dockerd_log)),
            })
            .collect();
        Watch {
            marks,
            audit_key_id: lab.audit_key_id(),
        }
    }

    /// What every host logged since [`Watch::start`].
    pub fn seen(&self) -> Seen {
        let mut seen = Seen {
            own_key: self.audit_key_id.clone(),
            ..Seen::default()
        };
        for mark in &self.marks {
            for line in lines_since(&mark.commands.0, mark.commands.1) {
                let session = parse_session(&line)
                    .unwrap_or_else(|| panic!("unreadable commands.log line: {line:?}"));
                seen.sessions.push(session);
            }
            for line in lines_since(&mark.dockerd.0, mark.dockerd.1) {
                if let Some((method, path)) = parse_docker_call(&line) {
                    seen.docker_calls.push(DockerCall {
                        host: mark.host.clone(),
                        method,
                        path,
                    });
                }
                seen.docker_lines.push(line);
            }
        }
        seen
    }

    /// The read-only proof over the window: no Docker call other than GET or HEAD on any
    /// host, and every command of the test's own sessions one of the reads listed in
    /// [`is_known_read`] (the test's own list, not fleetdeck's catalog, which is what is
    /// being proven). Returns what was seen, for further checks.
    pub fn assert_read_only(&self, what: &str) -> Seen {
        let seen = self.seen();
        let writes: Vec<&DockerCall> = seen
            .docker_calls
            .iter()
            .filter(|c| c.method != "GET" && c.method != "HEAD")
            .collect();
        assert!(
            writes.is_empty(),
            "{what}: Docker calls other than GET/HEAD during a read-only run: {writes:#?}"
        );
        for s in seen.own_sessions() {
            match &s.command {
                None => panic!("{what}: an interactive shell was opened on {}", s.host),
                Some(line) => assert!(
                    is_known_read(line),
                    "{what}: {} ran a command outside the test's list of reads: {line:?}",
                    s.host
                ),
            }
        }
        seen
    }
}

/// `<time> <host> <key> exec <escaped command>` or `<time> <host> <key> shell`.
pub fn parse_session(line: &str) -> Option<Session> {
    let mut parts = line.splitn(5, ' ');
    let _time = parts.next()?;
    let host = parts.next()?.to_string();
    let key = parts.next()?.to_string();
    match (parts.next()?, parts.next()) {
        ("shell", None) => Some(Session {
            host,
            key,
            command: None,
        }),
        ("exec", Some(escaped)) => Some(Session {
            host,
            key,
            command: Some(unescape(escaped)?),
        }),
        _ => None,
    }
}

/// Undo fdlab-cmdlog's escaping: `\\`, `\n`, `\r`, `\t`, `\xHH`.
pub fn unescape(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1)? {
            b'\\' => out.push(b'\\'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'x' => {
                let hex = std::str::from_utf8(bytes.get(i + 2..i + 4)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => return None,
        }
        i += 2;
    }
    String::from_utf8(out).ok()
}

/// `... level=debug msg="Calling POST /v1.41/containers/create?name=x"` → (POST, path).
pub fn parse_docker_call(line: &str) -> Option<(String, String)> {
    let at = line.find("msg=\"Calling ")?;
    let rest = &line[at + "msg=\"Calling ".len()..];
    let (method, rest) = rest.split_once(' ')?;
    let path = rest.split('"').next()?;
    Some((method.to_string(), path.to_string()))
}

/// Whether a command line as a host's sshd logged it is one of the reads a read-only
/// fleetdeck may send, one command or a poll's batch. Written out here, from README.md's
/// "What fleetdeck reads from a node", and deliberately not from
/// `fleetdeck::transport::catalog`: an oracle that asked the catalog would prove only
/// that the catalog agrees with itself.
pub fn is_known_read(line: &str) -> bool {
    // A poll's batch: each command, its stdin closed, then a marker with its status.
    const AFTER_EACH: &str = " </dev/null; printf '\\036FDX%s\\036\\n' \"$?\"";
    let parts: Vec<&str> = match line.strip_suffix(AFTER_EACH) {
        Some(body) => body.split(&format!("{AFTER_EACH}; ")).collect(),
        None => vec![line],
    };
    parts.iter().all(|part| {
        part.strip_prefix("env LC_ALL=C ")
            .is_some_and(known_read_command)
    })
}

/// The node watcher as shipped (`assets/watch.sh`, read by hand: it reads /proc and /sys
/// with shell builtins and runs only `uname -srm`, `ip -j -d link show`,
/// `ip -j addr show` and `ss -H -tln`), started through `sh -c` with its launcher; any
/// other text is not this read.
pub fn watcher_line() -> String {
    const SCRIPT: &str = include_str!("../../assets/watch.sh");
    const LAUNCH: &str = r#"command -v bash >/dev/null 2>&1 && exec bash -c "$1" fdw; eval "$1""#;
    // POSIX single quoting, each ' written as '\''.
    let quoted = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    format!("sh -c {} fdw {}", quoted(LAUNCH), quoted(SCRIPT))
}

/// One command, exactly as fleetdeck's quoting writes it.
fn known_read_command(cmd: &str) -> bool {
    const EXACT: &[&str] = &[
        "hostname",
        "uname -srm",
        "cat /proc/uptime",
        "cat /proc/loadavg",
        "cat /etc/os-release",
        "ip -j -d link show",
        "ip -j addr show",
        "ss -H -tln",
        "cat -- .ssh/config",
        "pgrep -a ssh",
        "xl list",
        "xl list -l",
        "lxc-ls -f -F NAME,STATE,IPV4,IPV6",
        // The Docker API over the session's stdio; the HTTP on it is judged by dockerd's
        // own log (GET/HEAD only).
        "docker system dial-stdio",
    ];
    // One plain word: a path or a name with nothing a shell would act on.
    let plain = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-:+".contains(c))
    };
    if EXACT.contains(&cmd) || cmd == watcher_line() {
        return true;
    }
    // The deployed proxy file, read to diff against the plan.
    if let Some(path) = cmd.strip_prefix("cat -- ") {
        return path.starts_with('/') && plain(path);
    }
    if let Some(rest) = cmd.strip_prefix("virsh -c ") {
        let words: Vec<&str> = rest.split(' ').collect();
        return match words.as_slice() {
            [uri, "list", "--all"] => plain(uri),
            [uri, "domifaddr", guest] => plain(uri) && plain(guest),
            _ => false,
        };
    }
    false
}
