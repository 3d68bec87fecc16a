//! A master follows the Terraform states (README "Nodes from Terraform"): a server added
//! to a state becomes a node it polls and shows, a removed one goes. A state file is
//! read again when its modification time or size changes (looked at every
//! [`LOOK_EVERY`]); a `dir` state, where only `terraform show -json` knows whether the
//! backend changed, every [`DIR_EVERY`] (each run bounded by `source::SHOW_TIMEOUT`).
//! A state that cannot be read again keeps the nodes of its last good reading: a state
//! being rewritten by an `apply` must not make its servers blink out.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::config::{Config, TerraformConfig};
use crate::terraform::Instance;
use crate::terraform::expand::{expand_with, read};

/// How often the state files are looked at (a `stat` each, nothing read).
pub const LOOK_EVERY: Duration = Duration::from_secs(2);
/// How often `terraform show -json` runs again for a `dir` state.
pub const DIR_EVERY: Duration = Duration::from_secs(30);

/// What a state file looked like when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub modified: Option<SystemTime>,
    pub len: u64,
}

impl Stamp {
    /// `None` when the file cannot be looked at (gone, or a directory without access).
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        })
    }
}

/// The last reading of one state.
#[derive(Debug, Clone)]
struct Seen {
    stamp: Option<Stamp>,
    at: Instant,
    /// The instances of the last good reading, if any.
    instances: Option<Vec<Instance>>,
    /// Why the last reading failed, if it did.
    error: Option<String>,
}

/// Pure: whether a state is to be read again now. Never read yet: yes. A file: when it
/// looks different from last time (a file that could not be read is not read again until
/// it changes). A directory: every [`DIR_EVERY`].
fn due(is_file: bool, seen: Option<&Seen>, stamp_now: Option<Stamp>, now: Instant) -> bool {
    match seen {
        None => true,
        Some(seen) if is_file => seen.stamp != stamp_now,
        Some(seen) => now.duration_since(seen.at) >= DIR_EVERY,
    }
}

/// The config as written and the last reading of each state.
pub struct Follow {
    written: Config,
    seen: BTreeMap<String, Seen>,
}

/// What one round found: the config with the states' nodes, and one line per problem.
pub struct Round {
    pub config: Config,
    pub notes: Vec<String>,
}

impl Follow {
    /// `written`: the config before any state was read (`expand::unexpand`).
    pub fn new(written: Config) -> Follow {
        Follow {
            written,
            seen: BTreeMap::new(),
        }
    }

    /// Whether the config names any state to follow.
    pub fn follows_anything(&self) -> bool {
        !self.written.terraform.is_empty()
    }

    /// Read the states that are due (blocking: a file read, or `terraform show`); `None`
    /// when none was. The first round reads them all.
    pub fn round(&mut self) -> Option<Round> {
        let now = Instant::now();
        // Each state read in this round, and its error if it failed.
        let mut fresh: BTreeMap<String, Option<String>> = BTreeMap::new();
        for tf in &self.written.terraform {
            let stamp = tf.state.as_deref().and_then(Stamp::of);
            if !due(tf.state.is_some(), self.seen.get(&tf.name), stamp, now) {
                continue;
            }
            let result = read(tf);
            let seen = self.seen.entry(tf.name.clone()).or_insert(Seen {
                stamp,
                at: now,
                instances: None,
                error: None,
            });
            seen.stamp = stamp;
            seen.at = now;
            match result {
                Ok(instances) => {
                    seen.instances = Some(instances);
                    seen.error = None;
                    fresh.insert(tf.name.clone(), None);
                }
                Err(e) => {
                    seen.error = Some(e.to_string());
                    fresh.insert(tf.name.clone(), seen.error.clone());
                }
            }
        }
        if fresh.is_empty() {
            return None;
        }
        let mut config = self.written.clone();
        let mut notes = Vec::new();
        let seen = &self.seen;
        notes.extend(expand_with(&mut config, |tf: &TerraformConfig| {
            lookup(seen, tf)
        }));
        // A state that failed now but was read before: its last nodes stay, and the
        // failure is still worth a line.
        for (name, error) in fresh {
            if let Some(e) = error
                && seen.get(&name).is_some_and(|s| s.instances.is_some())
            {
                notes.push(format!(
                    "terraform {name:?}: {e}; its last nodes read stay shown"
                ));
            }
        }
        Some(Round { config, notes })
    }
}

/// The last good reading of `tf`, or why there is none (nothing is read again here).
fn lookup(seen: &BTreeMap<String, Seen>, tf: &TerraformConfig) -> Result<Vec<Instance>, String> {
    match seen.get(&tf.name) {
        Some(Seen {
            instances: Some(instances),
            ..
        }) => Ok(instances.clone()),
        Some(Seen {
            error: Some(error), ..
        }) => Err(error.clone()),
        _ => Err("not read yet".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(stamp: Option<Stamp>, at: Instant) -> Seen {
        Seen {
            stamp,
            at,
            instances: None,
            error: None,
        }
    }

    #[test]
    fn a_file_is_read_again_when_it_looks_different() {
        let now = Instant::now();
        let a = Some(Stamp {
            modified: Some(SystemTime::UNIX_EPOCH),
            len: 10,
        });
        let b = Some(Stamp {
            modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1)),
            len: 10,
        });
        let longer = Some(Stamp {
            modified: Some(SystemTime::UNIX_EPOCH),
            len: 11,
        });
        assert!(due(true, None, a, now), "never read");
        assert!(!due(true, Some(&seen(a, now)), a, now), "unchanged");
        assert!(due(true, Some(&seen(a, now)), b, now), "touched");
        assert!(
            due(true, Some(&seen(a, now)), longer, now),
            "same second, grown"
        );
        assert!(due(true, Some(&seen(a, now)), None, now), "removed");
        assert!(!due(true, Some(&seen(None, now)), None, now), "still gone");
    }

    #[test]
    fn a_directory_is_read_again_every_interval() {
        let start = Instant::now();
        let s = seen(None, start);
        assert!(!due(false, Some(&s), None, start + DIR_EVERY / 2));
        assert!(due(false, Some(&s), None, start + DIR_EVERY));
    }

    fn written(state: &Path) -> Config {
        let text = format!(
            "[[node]]\nname = \"local\"\n[[terraform]]\nname = \"infra\"\nstate = {:?}\n",
            state.display().to_string()
        );
        crate::config::load_str(&text, Path::new("t.toml")).expect("config")
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/terraform/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    }

    fn names(config: &Config) -> Vec<&str> {
        config.nodes.iter().map(|n| n.name.as_str()).collect()
    }

    #[test]
    fn a_changed_state_file_is_read_again_and_a_broken_one_keeps_its_last_nodes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("s.tfstate");
        std::fs::write(&state, fixture("hcloud.tfstate")).expect("write");
        let mut follow = Follow::new(written(&state));
        let first = follow.round().expect("the first round reads every state");
        let hcloud = names(&first.config).len();
        assert!(hcloud > 1, "{:?}", names(&first.config));
        assert!(first.notes.is_empty(), "{:?}", first.notes);
        assert!(follow.round().is_none(), "nothing changed");

        // Another state in its place (longer or shorter: the size alone tells).
        std::fs::write(&state, fixture("digitalocean.tfstate")).expect("write");
        let second = follow.round().expect("changed");
        assert!(names(&second.config).contains(&"web-ams3"));
        assert_ne!(names(&second.config), names(&first.config));

        // Half-written garbage: the last nodes stay, with a note.
        std::fs::write(&state, "{\"version\": 4, \"resources\": [").expect("write");
        let third = follow.round().expect("changed");
        assert_eq!(names(&third.config), names(&second.config));
        assert!(
            third
                .notes
                .iter()
                .any(|n| n.contains("last nodes read stay")),
            "{:?}",
            third.notes
        );
        assert!(third.config.terraform_unread.is_empty());
    }

    #[test]
    fn a_state_never_read_well_is_named_and_yields_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("missing.tfstate");
        let mut follow = Follow::new(written(&state));
        let round = follow.round().expect("first round");
        assert_eq!(names(&round.config), ["local"]);
        assert_eq!(round.config.terraform_unread, ["infra"]);
        assert!(
            round.notes.iter().any(|n| n.contains("missing.tfstate")),
            "{:?}",
            round.notes
        );
        assert!(follow.round().is_none(), "still missing: not read again");
    }
}
