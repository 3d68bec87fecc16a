//! Is a node's data current? A node is `stale` when what is shown of it was read more
//! than two refreshes ago, or when a poll marked it (`NodeSnapshot::stale`): the poll
//! missed its deadline, or the engine did not answer in time, and the data shown (if
//! any) is from an earlier poll. Pure: every time comes in as RFC 3339 text, nothing reads a clock.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::snapshot::{NodeSnapshot, Stale};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Freshness {
    pub stale: bool,
    /// Seconds since the data shown was read; `None` when the node never answered.
    pub age_secs: Option<u64>,
    /// RFC 3339: when the data shown was read.
    pub as_of: Option<String>,
    /// Why the node is stale, in words for the details pane.
    pub why: Option<String>,
}

fn parse(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// Whole seconds from `from` to `to` (0 when `to` is earlier); `None` when either does
/// not parse.
pub fn secs_between(from: &str, to: &str) -> Option<u64> {
    let d = parse(to)? - parse(from)?;
    Some(u64::try_from(d.whole_seconds()).unwrap_or(0))
}

/// How stale a node is at `now`. `live`: the refresh period and when the caller started
/// polling, for a view kept up to date (the console), where data older than two refreshes
/// is stale and so is a node that has not answered two refreshes after polling began.
/// `None` for a one-shot answer: its polls all ran for it, however long the slowest took.
pub fn freshness(snap: &NodeSnapshot, now: &str, live: Option<(u64, &str)>) -> Freshness {
    let as_of = match &snap.stale {
        Some(s) => s.as_of.clone(),
        None => (!snap.polled_at.is_empty()).then(|| snap.polled_at.clone()),
    };
    let age_secs = as_of.as_deref().and_then(|t| secs_between(t, now));
    let refresh_secs = live.map_or(0, |(r, _)| r);
    let limit = refresh_secs.max(1).saturating_mul(2);
    let why = if let Some(s) = &snap.stale {
        Some(s.why.clone())
    } else if let Some(age) = age_secs.filter(|a| live.is_some() && *a > limit) {
        Some(format!(
            "no answer for {age}s (refresh every {refresh_secs}s)"
        ))
    } else if as_of.is_none()
        && let Some(waited) = live
            .and_then(|(_, since)| secs_between(since, now))
            .filter(|w| *w > limit)
    {
        Some(format!("no answer yet after {waited}s"))
    } else {
        None
    };
    Freshness {
        stale: why.is_some(),
        age_secs,
        as_of,
        why,
    }
}

/// The data to show when a poll missed its deadline: the previous snapshot as it was,
/// marked stale as of when it was read (a node already stale keeps that older time).
pub fn hold(previous: Option<&NodeSnapshot>, name: &str, why: String) -> NodeSnapshot {
    let Some(prev) = previous else {
        let mut snap = NodeSnapshot::unknown(name);
        snap.stale = Some(Stale { why, as_of: None });
        return snap;
    };
    let as_of = match &prev.stale {
        Some(s) => s.as_of.clone(),
        None => (!prev.polled_at.is_empty()).then(|| prev.polled_at.clone()),
    };
    let mut snap = prev.clone();
    snap.stale = Some(Stale { why, as_of });
    snap
}

/// "in 12s" until `retry_at`, "now" once it has passed; `None` without one.
pub fn countdown(retry_at: Option<&str>, now: &str) -> Option<String> {
    let left = parse(retry_at?)? - parse(now)?;
    let secs = left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0);
    Some(if secs > 0 {
        format!("next try in {secs}s")
    } else {
        "trying again".to_string()
    })
}

/// `HH:MM:SS` of an RFC 3339 time, as the screen shows it.
pub fn clock(t: &str) -> &str {
    t.get(11..19).unwrap_or(t)
}

#[cfg(test)]
mod tests;
