//! Honest feedback (README "Keys"): what is in flight and for how long, as the status
//! bar and the rows show it, and the short-lived notes such as "refreshed 3 nodes".
//! Pure: every time comes from `State::now`.

use std::collections::BTreeSet;

use crate::fleet::stale::secs_between;

/// How long a transient note stays in the status bar.
pub const FLASH_SECS: u64 = 5;

/// The check's figures count as old (dimmed) past this many refreshes.
pub const OLD_AFTER_REFRESHES: u64 = 3;

/// A spinner frame for `secs` into an operation (the console redraws once a second).
pub fn spinner(secs: u64, ascii: bool) -> &'static str {
    const UNICODE: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    const ASCII: [&str; 4] = ["|", "/", "-", "\\"];
    let at = usize::try_from(secs).unwrap_or(0);
    if ascii {
        ASCII[at % ASCII.len()]
    } else {
        UNICODE[at % UNICODE.len()]
    }
}

/// Seconds from `since` to `now` (0 when either is unknown).
pub fn elapsed(since: Option<&str>, now: &str) -> u64 {
    since.and_then(|s| secs_between(s, now)).unwrap_or(0)
}

/// An operation's label with its spinner and elapsed time: `⠹ delete shop.example.org… 4s`.
pub fn busy_text(label: &str, secs: u64, ascii: bool) -> String {
    format!("{} {label}… {secs}s", spinner(secs, ascii))
}

/// Elapsed time for the status bar, `0:04`, `12:05`: as wide at 9 s as at 10 s, so the
/// fields after it do not shift every second.
pub fn clock(secs: u64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// [`busy_text`] with the time as a [`clock`], for the status bar.
pub fn busy_clock(label: &str, secs: u64, ascii: bool) -> String {
    format!("{} {label}… {}", spinner(secs, ascii), clock(secs))
}

/// What an operation's label says it does to a row, as the row shows it while it runs:
/// (`stopping`, the container's name or the site's domain).
pub fn row_doing(label: &str) -> Option<(&'static str, &str)> {
    let (verb, target) = label.split_once(' ')?;
    let doing = match verb {
        "stop" => "stopping",
        "start" => "starting",
        "restart" => "restarting",
        "delete" => "deleting",
        "create" => "creating",
        // Swarm operations name the service (`update fd-a-example IMAGE`); an update or
        // rollback stays in flight until its rollout ends.
        "scale" => "scaling",
        "update" => "updating",
        "rollback" => "rolling back",
        _ => return None,
    };
    let target = target.split_whitespace().next().unwrap_or(target);
    // Lifecycle labels name the container as NODE/NAME.
    let target = target.rsplit_once('/').map_or(target, |(_, name)| name);
    Some((doing, target))
}

/// A `r` in progress: the nodes not heard from since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshing {
    pub pending: BTreeSet<String>,
    pub total: usize,
}

/// A note for the status bar, shown from `at` for [`FLASH_SECS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub at: String,
}

impl Flash {
    pub fn live(&self, now: &str) -> bool {
        elapsed(Some(&self.at), now) < FLASH_SECS
    }
}

/// When a check ran, as its figures show it: `10:00:00, 4m ago` (the time alone when
/// either time does not parse).
pub fn check_when(at: &str, now: &str) -> String {
    let clock = at.get(11..19).unwrap_or(at);
    match secs_between(at, now) {
        Some(secs) => format!("{clock}, {} ago", crate::app::columns::short_age(secs)),
        None => clock.to_string(),
    }
}

/// Whether data `secs` old is old for a console refreshing every `refresh_secs`.
pub fn is_old(secs: u64, refresh_secs: u64) -> bool {
    secs > refresh_secs.max(1).saturating_mul(OLD_AFTER_REFRESHES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_bar_clock_keeps_its_width() {
        assert_eq!(clock(4), "0:04");
        assert_eq!(clock(59).len(), clock(10).len());
        assert_eq!(clock(605), "10:05");
        assert_eq!(busy_clock("stop web", 9, true), "/ stop web… 0:09");
    }

    #[test]
    fn the_spinner_turns_and_the_time_counts() {
        assert_eq!(spinner(0, false), "⠋");
        assert_eq!(spinner(11, false), "⠙");
        assert_eq!(spinner(5, true), "/");
        assert_eq!(
            elapsed(Some("2026-12-02T10:00:00Z"), "2026-12-02T10:00:04Z"),
            4
        );
        assert_eq!(elapsed(None, "2026-12-02T10:00:04Z"), 0);
        assert_eq!(
            busy_text("delete shop.example.org", 4, true),
            "| delete shop.example.org… 4s"
        );
    }

    #[test]
    fn a_row_says_what_is_done_to_it() {
        assert_eq!(row_doing("stop h1/web"), Some(("stopping", "web")));
        assert_eq!(
            row_doing("delete shop.example.org"),
            Some(("deleting", "shop.example.org"))
        );
        assert_eq!(
            row_doing("update fd-shop-example-org fdlab/busybox:2"),
            Some(("updating", "fd-shop-example-org")),
            "a swarm update names the service row"
        );
        assert_eq!(
            row_doing("rollback fd-shop-example-org"),
            Some(("rolling back", "fd-shop-example-org"))
        );
        assert_eq!(row_doing("proxy plan"), None);
        assert_eq!(row_doing("check"), None);
    }

    #[test]
    fn flashes_fade_and_old_figures_are_old() {
        let f = Flash {
            text: "refreshed 3 nodes".into(),
            at: "2026-12-02T10:00:00Z".into(),
        };
        assert!(f.live("2026-12-02T10:00:04Z"));
        assert!(!f.live("2026-12-02T10:00:05Z"));
        assert_eq!(
            check_when("2026-12-02T10:00:00Z", "2026-12-02T10:04:10Z"),
            "10:00:00, 4m ago"
        );
        assert_eq!(check_when("2026-12-02T10:00:00Z", ""), "10:00:00");
        assert!(!is_old(90, 30));
        assert!(is_old(91, 30));
    }
}
