//! What a node's watcher has said so far (pure): its records parsed with the same
//! parsers a poll uses, into the facts a poll produces, and whether a record changed
//! anything shown. The watcher prints a fact only when it changed, but everything again
//! after a reconnect; comparing here keeps a repeat from reading as news.

use super::frame::Record;
use crate::collect::parse;
use crate::fleet::model::{Bridge, ListeningSocket, NodeFacts, SshForward};
use crate::fleet::snapshot::{FactError, NodeSnapshot};

type Fact<T> = Result<T, String>;

/// The facts the watcher reports, each `None` until its first record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Watched {
    /// The watcher's greeting: its version, tick and how it sleeps.
    pub hello: Option<String>,
    hostname: Option<Fact<String>>,
    kernel: Option<Fact<String>>,
    os: Option<Fact<Option<String>>>,
    /// Uptime and load, from the heartbeat.
    beat: Option<Fact<(u64, [f64; 3])>>,
    /// The two outputs bridges are built from; they come together.
    links: Option<Fact<String>>,
    bridges: Option<Fact<Vec<Bridge>>>,
    listening: Option<Fact<Vec<ListeningSocket>>>,
    forwards: Option<Fact<Vec<SshForward>>>,
}

/// What one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Something the snapshot shows changed.
    Shown,
    /// Only what is never news by itself: the heartbeat (uptime, load), a repeat.
    Quiet,
}

/// The command the watcher ran for a record, for messages (the poll names the same).
fn command_of(name: &str) -> &'static str {
    match name {
        "kernel" => "uname -srm",
        "os" => "cat /etc/os-release",
        "links" => "ip -j -d link show",
        "addrs" => "ip -j addr show",
        "listening" => "ss -H -tln",
        "sshcfg" => "cat -- .ssh/config",
        _ => "the watcher",
    }
}

/// The body of a record whose status is one of `ok`, or why not.
fn body<'a>(record: &'a Record, ok: &[i32]) -> Fact<&'a str> {
    match record.status {
        Some(s) if ok.contains(&s) => Ok(&record.body),
        Some(s) => Err(format!("`{}` exited with {s}", command_of(&record.name))),
        None => Err(format!(
            "`{}` ended without a status",
            command_of(&record.name)
        )),
    }
}

fn parsed<T>(
    text: Fact<&str>,
    parse: impl FnOnce(&str) -> Result<T, parse::ParseError>,
) -> Fact<T> {
    parse(text?).map_err(|e| e.to_string())
}

/// Put `new` in `slot`; whether it differs from what was there.
fn set<T: PartialEq>(slot: &mut Option<T>, new: T) -> bool {
    let changed = slot.as_ref() != Some(&new);
    *slot = Some(new);
    changed
}

impl Watched {
    /// Take one record in. Unknown names are ignored: a newer script may say more.
    pub fn apply(&mut self, record: &Record) -> Change {
        let shown = match record.name.as_str() {
            "hello" => set(&mut self.hello, record.body.trim().to_string()),
            "hostname" => set(
                &mut self.hostname,
                parsed(body(record, &[0]), parse::parse_hostname),
            ),
            "kernel" => set(
                &mut self.kernel,
                parsed(body(record, &[0]), parse::parse_uname).map(|u| u.to_string()),
            ),
            "os" => set(
                &mut self.os,
                parsed(body(record, &[0]), parse::parse_os_release).map(|o| o.pretty_name()),
            ),
            "beat" => {
                self.beat = Some(parsed(body(record, &[0]), parse_beat));
                false
            }
            "links" => {
                self.links = Some(body(record, &[0]).map(str::to_string));
                false
            }
            // `ip` prints the addresses right after the links: build the bridges now.
            "addrs" => {
                let bridges = match (&self.links, body(record, &[0])) {
                    (Some(Ok(links)), Ok(addrs)) => {
                        parse::parse_bridges(links, addrs).map_err(|e| e.to_string())
                    }
                    (Some(Err(e)), _) => Err(e.clone()),
                    (_, Err(e)) => Err(e),
                    (None, Ok(_)) => Err("the watcher sent addresses before links".into()),
                };
                set(&mut self.bridges, bridges)
            }
            "listening" => set(
                &mut self.listening,
                parsed(body(record, &[0]), parse::parse_ss_listening),
            ),
            // No ssh client config on the node (unreadable: 1) means no declared forwards.
            "sshcfg" => set(
                &mut self.forwards,
                parsed(body(record, &[0, 1]), parse::parse_ssh_forwards),
            ),
            _ => false,
        };
        if shown { Change::Shown } else { Change::Quiet }
    }

    /// Whether every fact has been reported once: the watcher's first full answer.
    pub fn is_complete(&self) -> bool {
        self.hello.is_some()
            && self.hostname.is_some()
            && self.kernel.is_some()
            && self.os.is_some()
            && self.beat.is_some()
            && self.bridges.is_some()
            && self.listening.is_some()
            && self.forwards.is_some()
    }

    /// Write the watched facts into a snapshot, as a poll would have (a failed fact is a
    /// [`FactError`] of the same name). Facts not reported yet are left as they are.
    pub fn fill(&self, snap: &mut NodeSnapshot) {
        let mut errors = Vec::new();
        let mut facts = NodeFacts::default();
        let mut keep = |fact: &'static str, result: Option<Fact<()>>| {
            if let Some(Err(message)) = result {
                errors.push(FactError { fact, message });
            }
        };
        keep(
            "hostname",
            self.hostname
                .clone()
                .map(|h| h.map(|h| facts.hostname = Some(h))),
        );
        keep(
            "kernel",
            self.kernel
                .clone()
                .map(|k| k.map(|k| facts.kernel = Some(k))),
        );
        keep("os", self.os.clone().map(|o| o.map(|o| facts.os = o)));
        let beat = self.beat.clone().map(|b| {
            b.map(|(uptime, load)| {
                facts.uptime_secs = Some(uptime);
                facts.load = Some(load);
            })
        });
        // One record carries both; a poll names them apart.
        if let Some(Err(e)) = &beat {
            keep("uptime", Some(Err(e.clone())));
        }
        keep(
            "bridges",
            self.bridges.clone().map(|b| b.map(|b| snap.bridges = b)),
        );
        keep(
            "listening",
            self.listening
                .clone()
                .map(|l| l.map(|l| snap.listening = l)),
        );
        keep(
            "ssh forwards",
            self.forwards
                .clone()
                .map(|f| f.map(|f| snap.ssh_forwards = f)),
        );
        snap.facts = facts;
        const WATCHED: &[&str] = &[
            "hostname",
            "kernel",
            "os",
            "uptime",
            "load",
            "bridges",
            "listening",
            "ssh forwards",
        ];
        snap.fact_errors.retain(|e| !WATCHED.contains(&e.fact));
        snap.fact_errors.extend(errors);
    }

    /// The ssh forwards reported, for deciding whether ssh processes are worth a look.
    pub fn forwards(&self) -> Option<&[SshForward]> {
        match &self.forwards {
            Some(Ok(f)) => Some(f),
            _ => None,
        }
    }
}

/// The heartbeat: `/proc/uptime`'s line, then `/proc/loadavg`'s.
fn parse_beat(text: &str) -> Result<(u64, [f64; 3]), parse::ParseError> {
    let (uptime, load) = text.split_once('\n').unwrap_or((text, ""));
    Ok((parse::parse_uptime(uptime)?, parse::parse_loadavg(load)?))
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
