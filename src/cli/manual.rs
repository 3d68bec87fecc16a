//! The reference sections every serious CLI carries (EXIT STATUS, ENVIRONMENT, FILES),
//! written once here and rendered twice: as plain text after `fleetdeck --help`, and as
//! roff in `fleetdeck man`. Keeping one table means the help and the man page cannot
//! drift apart.

/// One section: a title and its entries, each a term and what it means.
pub struct Section {
    pub title: &'static str,
    pub entries: &'static [(&'static str, &'static str)],
}

pub const SECTIONS: &[Section] = &[
    Section {
        title: "EXIT STATUS",
        entries: &[
            ("0", "Success; `check` found nothing to report."),
            (
                "1",
                "The operation failed (and was rolled back), `check` found problems, `audit verify` \
                 found a broken chain, or `master --status` found no master.",
            ),
            (
                "2",
                "Usage or configuration error; also a mutating command without --yes and without \
                 a terminal to confirm on.",
            ),
            ("3", "Refused by read-only mode."),
            (
                "4",
                "Invalid input or a conflict: an unknown or ambiguous target, a bad domain, a \
                 domain already taken, an unknown VLAN, no free address.",
            ),
            ("5", "`proxy plan --exit-code`: changes are pending."),
            (
                "other",
                "`ssh` and `exec` exit with the remote command's status (128+N for a signal); \
                 255 when the session was ended with Enter ~ .",
            ),
        ],
    },
    Section {
        title: "ENVIRONMENT",
        entries: &[
            (
                "FLEETDECK_CONFIG",
                "The config file when --config is not given.",
            ),
            (
                "FLEETDECK_READ_ONLY",
                "true, 1, yes or on: read-only mode, as --read-only.",
            ),
            (
                "FLEETDECK_LOG",
                "The log level or filter (info by default; e.g. debug, fleetdeck=trace).",
            ),
            (
                "DOCKER_HOST",
                "The local node's Docker engine (unix:///path or tcp://host:port), as for docker.",
            ),
            (
                "DOCKER_TLS_VERIFY",
                "Set: a tcp:// DOCKER_HOST is reached over TLS (default port 2376).",
            ),
            (
                "DOCKER_CERT_PATH",
                "The directory of ca.pem, cert.pem and key.pem for that TLS (default ~/.docker).",
            ),
            (
                "SSH_AUTH_SOCK",
                "The ssh-agent tried first (an IdentityAgent in the ssh config wins).",
            ),
            (
                "NO_COLOR",
                "Any non-empty value: the console uses no colours.",
            ),
            (
                "LC_ALL, LC_CTYPE, LANG",
                "A locale that is not UTF-8 switches to ASCII glyphs, as --ascii.",
            ),
            ("TERM", "The terminal type given to remote TTY sessions."),
            (
                "SHELL",
                "The shell started for the local node (default /bin/sh).",
            ),
            (
                "SUDO_USER, SUDO_UID",
                "When root runs fleetdeck through sudo, the audit trail names that user.",
            ),
            (
                "SSH_CONNECTION",
                "On a bastion, the client address recorded as each audit row's origin.",
            ),
            (
                "XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR",
                "Move the per-user files below.",
            ),
        ],
    },
    Section {
        title: "FILES",
        entries: &[
            (
                "~/.config/fleetdeck/config.toml",
                "The user's config (after --config and FLEETDECK_CONFIG).",
            ),
            (
                "/etc/fleetdeck/config.toml",
                "The bastion's shared config, used when the user has none. With no config at all \
                 fleetdeck runs on this machine alone.",
            ),
            (
                "/etc/fleetdeck/policy.toml",
                "The administrator's policy: when root-owned and not writable by others, \
                 read_only = true wins over every config, flag and variable.",
            ),
            (
                "~/.local/share/fleetdeck/inventory.db",
                "The inventory and audit trail (SQLite) unless [inventory] path says otherwise; \
                 <inventory>.pending/ holds the locks of creates in flight.",
            ),
            (
                "~/.local/state/fleetdeck/fleetdeck.log",
                "The log (0600, directory 0700); rotated at 10 MiB into fleetdeck.log.1 to .3.",
            ),
            (
                "~/.local/state/fleetdeck/sessions/",
                "Recordings of interactive sessions (asciicast v2; [audit] sessions_dir).",
            ),
            (
                "$XDG_RUNTIME_DIR/fleetdeck/master-ID.sock",
                "The socket of a fleetdeck master (else run/ in the state directory).",
            ),
            (
                "~/.ssh/config, ~/.ssh/known_hosts",
                "How nodes are reached and which host keys are trusted ([ssh] config, known_hosts).",
            ),
        ],
    },
];

/// The sections as plain text, for clap's `after_long_help`.
pub fn long_help() -> String {
    let mut out = String::new();
    for section in SECTIONS {
        out.push_str(section.title);
        out.push('\n');
        for (term, text) in section.entries {
            out.push_str(&format!("  {term}\n"));
            for line in wrap(text, 74) {
                out.push_str(&format!("      {line}\n"));
            }
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// Greedy word wrap: clap leaves `after_long_help` as written.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_word_within_the_width() {
        let text = "one two three four five six seven eight nine ten";
        let lines = wrap(text, 10);
        assert!(lines.iter().all(|l| l.len() <= 10), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn the_long_help_has_every_exit_code_and_section() {
        let help = long_help();
        for title in ["EXIT STATUS", "ENVIRONMENT", "FILES"] {
            assert!(help.contains(&format!("{title}\n")), "{title}");
        }
        for code in 0..=5 {
            assert!(help.contains(&format!("\n  {code}\n")), "exit {code}");
        }
    }
}
