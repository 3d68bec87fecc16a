//! When to watch a node and when to poll it (pure; the time is handed in). A watcher
//! that sshd refuses, that gave its session up to another channel (`MaxSessions`
//! reached), or that sshd closes early twice in a row (a `ChannelTimeout`, a
//! `ForceCommand` that ends sessions), sends the node back to polling for a while, and
//! the node's details say so.

use std::time::{Duration, Instant};

/// A watcher that lived less than this before ending was cut short.
pub const EARLY: Duration = Duration::from_secs(60);
/// Early ends in a row before the node is polled instead.
pub const EARLY_LIMIT: u32 = 2;
/// How long a node falls back to polling before the watcher is tried again.
pub const RETRY_AFTER: Duration = Duration::from_secs(600);

/// How a watcher ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Closed, silent or unreadable.
    Ended,
    /// Its session was refused at the start.
    Refused,
    /// It closed its session because sshd refused another one while it held it
    /// (`transport::ssh::give_way`): the host allows too few sessions to spare one.
    GaveWay,
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    early_ends: u32,
    off_until: Option<Instant>,
    /// Why the node is polled, while it is.
    why: Option<String>,
}

impl Policy {
    /// Whether a watcher may be started now.
    pub fn may_start(&self, now: Instant) -> bool {
        self.off_until.is_none_or(|t| now >= t)
    }

    /// Why the node is polled instead of watched, while it is.
    pub fn polled_because(&self, now: Instant) -> Option<&str> {
        (!self.may_start(now))
            .then_some(self.why.as_deref())
            .flatten()
    }

    /// A watcher ended. Returns `true` when the node now falls back to polling.
    pub fn ended(
        &mut self,
        why: &str,
        answered: bool,
        lived: Duration,
        cause: Cause,
        now: Instant,
    ) -> bool {
        match cause {
            Cause::Refused => {
                return self.fall_back(format!("sshd refused the watcher's session: {why}"), now);
            }
            // Watching again now would take the session back from whoever needed it.
            Cause::GaveWay => {
                return self.fall_back(
                    format!(
                        "sshd allows too few sessions (MaxSessions) to keep one for the watcher: {why}"
                    ),
                    now,
                );
            }
            Cause::Ended => {}
        }
        if answered && lived >= EARLY {
            // A long life that ended (a reconnect, a reboot): just start another.
            self.early_ends = 0;
            return false;
        }
        self.early_ends += 1;
        if self.early_ends < EARLY_LIMIT {
            return false;
        }
        self.fall_back(
            format!(
                "the watcher's session ended after {}s, {} times in a row: {why}",
                lived.as_secs(),
                self.early_ends
            ),
            now,
        )
    }

    fn fall_back(&mut self, why: String, now: Instant) -> bool {
        self.early_ends = 0;
        self.off_until = Some(now + RETRY_AFTER);
        self.why = Some(why);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_session_falls_back_at_once_and_retries_later() {
        let now = Instant::now();
        let mut p = Policy::default();
        assert!(p.may_start(now));
        assert!(p.ended(
            "administratively prohibited",
            false,
            Duration::ZERO,
            Cause::Refused,
            now
        ));
        assert!(!p.may_start(now + Duration::from_secs(60)));
        let why = p.polled_because(now).expect("says why");
        assert!(
            why.contains("refused") && why.contains("prohibited"),
            "{why}"
        );
        assert!(p.may_start(now + RETRY_AFTER));
        assert_eq!(p.polled_because(now + RETRY_AFTER), None);
    }

    #[test]
    fn a_watcher_that_gave_way_falls_back_at_once_naming_max_sessions() {
        let now = Instant::now();
        let mut p = Policy::default();
        let lived = EARLY * 5;
        assert!(
            p.ended("it gave its session up", true, lived, Cause::GaveWay, now),
            "however long it lived, it is not started again right away"
        );
        assert!(!p.may_start(now + RETRY_AFTER / 2));
        let why = p.polled_because(now).expect("says why");
        assert!(why.contains("MaxSessions") && why.contains("gave"), "{why}");
        assert!(p.may_start(now + RETRY_AFTER), "tried again later");
    }

    #[test]
    fn two_early_ends_in_a_row_fall_back_and_a_long_life_forgives() {
        let now = Instant::now();
        let mut p = Policy::default();
        let short = Duration::from_secs(5);
        assert!(
            !p.ended("closed", true, short, Cause::Ended, now),
            "one is a hiccup"
        );
        assert!(p.may_start(now));
        assert!(p.ended("closed", true, short, Cause::Ended, now));
        assert!(!p.may_start(now));
        assert!(p.polled_because(now).is_some_and(|w| w.contains("2 times")));

        let mut q = Policy::default();
        assert!(!q.ended("closed", true, short, Cause::Ended, now));
        assert!(!q.ended("reconnect", true, EARLY * 3, Cause::Ended, now));
        assert!(
            !q.ended("closed", true, short, Cause::Ended, now),
            "the count restarted"
        );
        assert!(
            q.ended("silent", false, EARLY * 2, Cause::Ended, now),
            "a watcher that never answered counts as cut short, however long it lasted"
        );
    }
}
