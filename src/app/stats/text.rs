//! The stats view's figures as text, one line per measure, each saying what its
//! percentage is of (README "Stats"). Pure.

use super::{
    Io, Scale, StatsSample, cpu_capacity, human_bytes, mem_capacity, mem_share, mem_used, rate,
};
use crate::app::columns::plural;

/// `12 B/s`, `1.5 KiB/s`.
pub fn human_rate(bytes_per_sec: f64) -> String {
    let whole = bytes_per_sec.max(0.0).round() as u64;
    format!("{}/s", human_bytes(whole))
}

/// `0.5`, `2`, `1.25`: a CPU count without trailing zeros.
fn cpus(millis: u64) -> String {
    let text = format!("{:.3}", millis as f64 / 1000.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `1.3 % of its 0.5-CPU limit, peak 4.0 %`, or of the host's CPUs.
pub fn cpu_line(s: &StatsSample, share: f64, peak: f64) -> String {
    let (_, scale) = cpu_capacity(s);
    let of = match (scale, s.limits.cpu_millis) {
        (Scale::Limit, Some(m)) => format!("its {}-CPU limit", cpus(m)),
        (Scale::Host, _) => format!(
            "the host's {}",
            plural(s.online_cpus.max(1) as usize, "CPU", "CPUs")
        ),
        _ => plural(s.online_cpus.max(1) as usize, "CPU", "CPUs"),
    };
    format!("{share:.1} % of {of}, peak {peak:.1} %")
}

/// `7.9 MiB of its 64.0 MiB limit (12.3 %), page cache left out`.
pub fn mem_line(s: &StatsSample) -> String {
    let used = human_bytes(mem_used(s));
    let (capacity, scale) = mem_capacity(s);
    let Some(share) = mem_share(s) else {
        return format!("{used} (the engine reports no limit), page cache left out");
    };
    let of = match scale {
        Scale::Limit => format!("its {} limit", human_bytes(capacity)),
        Scale::Host => format!("the host's {}", human_bytes(capacity)),
        Scale::Unknown => human_bytes(capacity),
    };
    format!("{used} of {of} ({share:.1} %), page cache left out")
}

/// `890 B (12 B/s)`: a total, and its rate when two samples give one.
fn total_and_rate(total: u64, before: Option<(u64, Option<i128>)>, at: Option<i128>) -> String {
    let rate = before.and_then(|(b, b_at)| rate(b, b_at, total, at));
    match rate {
        Some(r) => format!("{} ({})", human_bytes(total), human_rate(r)),
        None => human_bytes(total),
    }
}

fn both_ways(
    now: &StatsSample,
    prev: Option<&StatsSample>,
    pick: fn(&StatsSample) -> Option<Io>,
    words: (&str, &str),
) -> Option<String> {
    let io = pick(now)?;
    let before = prev.and_then(|p| pick(p).map(|b| (b, p.at)));
    Some(format!(
        "{} {}  {} {}",
        words.0,
        total_and_rate(io.read, before.map(|(b, at)| (b.read, at)), now.at),
        words.1,
        total_and_rate(io.write, before.map(|(b, at)| (b.write, at)), now.at),
    ))
}

/// `rx 890 B (12 B/s)  tx 630 B (8 B/s)`, totals since the container started.
pub fn net_line(now: &StatsSample, prev: Option<&StatsSample>) -> String {
    both_ways(now, prev, |s| s.net, ("rx", "tx"))
        .unwrap_or_else(|| "none reported (host network, or none)".into())
}

/// `read 4.0 MiB (1.0 MiB/s)  write 0 B (0 B/s)`, totals since the container started.
pub fn blkio_line(now: &StatsSample, prev: Option<&StatsSample>) -> String {
    both_ways(now, prev, |s| s.blkio, ("read", "write"))
        .unwrap_or_else(|| "none reported by the engine".into())
}

/// `2 of its limit of 40`, `2 (no limit)`.
pub fn pids_line(s: &StatsSample) -> String {
    match (s.pids, s.pids_limit) {
        (Some(n), Some(limit)) if limit > 0 => format!("{n} of its limit of {limit}"),
        (Some(n), _) => format!("{n} (no limit)"),
        (None, _) => "none reported by the engine".into(),
    }
}
