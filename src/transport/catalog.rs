//! The read-only command catalog: every command fleetdeck may run on a node in read-only
//! mode. A command is classified by its argument list alone, so no caller can label a
//! mutating command as harmless.

/// One position of a pattern.
#[derive(Debug, Clone, Copy)]
enum Tok {
    /// This exact argument.
    Lit(&'static str),
    /// Any single argument.
    Any,
    /// Any number of further arguments (only last).
    Rest,
}

use Tok::{Any, Lit, Rest};

/// The node watcher (`assets/watch.sh`, ARCHITECTURE.md "Watching a node"): it reads
/// /proc and /sys and runs only `uname -srm`, `ip -j -d link show`, `ip -j addr show`
/// and `ss -H -tln`, the poll's own reads. Allowed as this exact text and nothing else.
pub const WATCH_SCRIPT: &str = include_str!("../../assets/watch.sh");

/// Runs the script (its `$1`) in bash when the node has it (`read -t` sleeps without a
/// process), else in the `sh` it was started with.
pub const WATCH_LAUNCH: &str =
    "command -v bash >/dev/null 2>&1 && exec bash -c \"$1\" fdw; eval \"$1\"";

/// Commands that only read. Each was chosen because none of its accepted forms changes
/// anything on the node.
const READ_ONLY: &[&[Tok]] = &[
    &[Lit("true")],
    &[Lit("hostname")],
    &[Lit("uname"), Rest],
    &[Lit("cat"), Lit("/proc/loadavg")],
    &[Lit("cat"), Lit("/proc/uptime")],
    &[Lit("cat"), Lit("/etc/os-release")],
    // The deployed proxy file, read to diff against the plan.
    &[Lit("cat"), Lit("--"), Any],
    &[
        Lit("ip"),
        Lit("-j"),
        Lit("-d"),
        Lit("link"),
        Lit("show"),
        Rest,
    ],
    &[Lit("ip"), Lit("-j"), Lit("addr"), Lit("show"), Rest],
    &[Lit("ip"), Lit("-j"), Lit("route"), Lit("show"), Rest],
    &[Lit("ss"), Lit("-H"), Lit("-tln")],
    &[Lit("ss"), Lit("-H"), Lit("-tlnp")],
    &[Lit("ss"), Lit("-H"), Lit("-tnp")],
    &[Lit("pgrep"), Rest],
    &[Lit("xl"), Lit("list"), Rest],
    &[Lit("virsh"), Lit("-c"), Any, Lit("list"), Rest],
    &[Lit("virsh"), Lit("-c"), Any, Lit("domifaddr"), Rest],
    &[Lit("virsh"), Lit("-c"), Any, Lit("dominfo"), Rest],
    &[Lit("lxc-ls"), Rest],
    &[Lit("docker"), Lit("ps"), Rest],
    &[Lit("docker"), Lit("inspect"), Rest],
    &[Lit("docker"), Lit("version"), Rest],
    // The Docker API over stdin/stdout: the Docker handle on top of it sends GET/HEAD only
    // in read-only mode.
    &[Lit("docker"), Lit("system"), Lit("dial-stdio")],
    &[
        Lit("sh"),
        Lit("-c"),
        Lit(WATCH_LAUNCH),
        Lit("fdw"),
        Lit(WATCH_SCRIPT),
    ],
];

fn matches(pattern: &[Tok], argv: &[String]) -> bool {
    let mut args = argv.iter();
    for tok in pattern {
        match tok {
            Rest => return args.all(|a| !is_unsafe_option(a)),
            Any => {
                if args.next().is_none() {
                    return false;
                }
            }
            Lit(lit) => {
                if args.next().map(String::as_str) != Some(*lit) {
                    return false;
                }
            }
        }
    }
    args.next().is_none()
}

/// Options that turn a reading command into a writing one (`uname` has none, but
/// `docker ps --output`-style file writers and config overrides must not slip through a
/// `Rest`).
fn is_unsafe_option(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    [
        "--output", "-o=", "--config", "--host", "-h=", "--exec", "--kill", "--signal",
    ]
    .iter()
    .any(|bad| lower.starts_with(bad))
        || lower.contains(['>', '<', '`', '$', ';', '|', '&'])
}

/// Whether `argv` is in the read-only catalog.
pub fn is_read_only(argv: &[String]) -> bool {
    READ_ONLY.iter().any(|p| matches(p, argv))
}

/// Whether a command line as a node's sshd received it (one command or a batch) runs only
/// catalog commands. Any line fleetdeck would not have written this way is not read-only.
/// The read-only proof checks the lab's command log with it.
pub fn is_read_only_line(line: &str) -> bool {
    let parts = super::batch::batch_parts(line).unwrap_or_else(|| vec![line]);
    parts.iter().all(|part| {
        super::exec::RemoteCommand::from_remote_line(part).is_some_and(|c| c.is_read_only())
    })
}

#[cfg(test)]
mod tests {
    use super::{is_read_only, is_read_only_line};

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn reads_are_in_the_catalog() {
        for cmd in [
            "hostname",
            "uname -srm",
            "cat /proc/loadavg",
            "cat -- /etc/nginx/sites-enabled/fleetdeck.conf",
            "ip -j -d link show type bridge",
            "ip -j addr show",
            "ss -H -tlnp",
            "xl list",
            "xl list -l",
            "virsh -c qemu:///system list --all",
            "virsh -c test:///default domifaddr web",
            "lxc-ls -f -F NAME,STATE,IPV4",
            "docker ps -a --no-trunc",
            "docker inspect abc",
            "docker system dial-stdio",
            "pgrep -a -f autossh",
        ] {
            assert!(is_read_only(&argv(cmd)), "{cmd} should be read-only");
        }
        let watcher = ["sh", "-c", super::WATCH_LAUNCH, "fdw", super::WATCH_SCRIPT];
        assert!(is_read_only(&watcher.map(String::from)));
        let edited = super::WATCH_SCRIPT.replace("ss -H -tln", "reboot");
        let other = ["sh", "-c", super::WATCH_LAUNCH, "fdw", &edited];
        assert!(
            !is_read_only(&other.map(String::from)),
            "only the script as shipped"
        );
    }

    #[test]
    fn writes_and_tricks_are_not() {
        for cmd in [
            "docker rm -f web",
            "docker run fdlab/busybox",
            "docker network create vlan100",
            "nginx -s reload",
            "nginx -t",
            "mv /tmp/x /etc/nginx/sites-enabled/fleetdeck.conf",
            "cat /etc/shadow /etc/passwd",
            "cat /proc/loadavg /etc/shadow",
            "xl destroy web",
            "virsh -c qemu:///system destroy web",
            "virsh -c qemu:///system list --all ; reboot",
            "ip link set br0 down",
            "ip -j -d link show ; reboot",
            "docker ps --host tcp://elsewhere:2375",
            "docker system prune",
            "sh -c hostname",
            "hostname newname",
            "flock /run/lock cat /proc/loadavg",
            "",
        ] {
            assert!(!is_read_only(&argv(cmd)), "{cmd:?} must not be read-only");
        }
        assert!(!is_read_only(&["uname".into(), "$(reboot)".into()]));
    }

    #[test]
    fn lines_as_sshd_got_them_are_judged_per_command() {
        use crate::transport::RemoteCommand;
        use crate::transport::batch::batch_line;
        let read = RemoteCommand::new(["ip", "-j", "addr", "show"]);
        let write = RemoteCommand::new(["docker", "rm", "-f", "web"]);
        assert!(is_read_only_line(&read.remote_line()));
        assert!(is_read_only_line(&batch_line(&[
            RemoteCommand::new(["hostname"]),
            read.clone()
        ])));
        assert!(!is_read_only_line(&write.remote_line()));
        assert!(!is_read_only_line(&batch_line(&[read.clone(), write])));
        for line in [
            "hostname",
            "env LC_ALL=C hostname; reboot",
            "env LC_ALL=C hostname $(reboot)",
            "env LC_ALL=C 'hostname'",
            "",
        ] {
            assert!(!is_read_only_line(line), "{line:?}");
        }
    }
}
