//! The stats view of one container: CPU, memory, network, block I/O and PIDs, computed
//! from the engine's samples the way `docker stats` does. CPU and memory are measured
//! against the container's limit, or the host when it has none (README "Stats"). Pure.

use std::collections::VecDeque;

use super::logs::{ContainerRef, StreamStatus};

mod text;
pub use text::{blkio_line, cpu_line, human_rate, mem_line, net_line, pids_line};

/// Samples kept for the graphs (the engine sends one a second).
pub const STATS_KEPT: usize = 300;

/// Bytes both ways. For the network `read` is received (rx) and `write` sent (tx).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Io {
    pub read: u64,
    pub write: u64,
}

/// The container's limits, read once from its record (`HostConfig`) when the view
/// opens: the stats stream carries no CPU limit, and its memory "limit" is the host's
/// memory when none is set, so only the record tells the two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Thousandths of a CPU (`--cpus 0.5` is 500); `None` without a CPU limit.
    pub cpu_millis: Option<u64>,
    /// `--memory`, in bytes; `None` without one.
    pub memory: Option<u64>,
    /// Whether the record was read: when not, a scale is named neither limit nor host.
    pub known: bool,
}

impl Limits {
    /// From the record's `HostConfig`: `Memory`, `NanoCpus`, `CpuQuota` and `CpuPeriod`
    /// (0 means unset; `--cpus` sets `NanoCpus`, `--cpu-quota` the other two).
    pub fn from_host_config(memory: i64, nano_cpus: i64, quota: i64, period: i64) -> Limits {
        let cpu_millis = if nano_cpus > 0 {
            Some(nano_cpus.unsigned_abs() / 1_000_000)
        } else if quota > 0 && period > 0 {
            Some(quota.unsigned_abs() * 1000 / period.unsigned_abs())
        } else {
            None
        };
        Limits {
            cpu_millis: cpu_millis.filter(|m| *m > 0),
            memory: (memory > 0).then_some(memory.unsigned_abs()),
            known: true,
        }
    }
}

/// The figures of one engine sample that the view needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSample {
    /// The engine's time of the sample (Unix ns), for rates.
    pub at: Option<i128>,
    /// Container CPU time (ns), now and at the previous sample.
    pub cpu_total: u64,
    pub precpu_total: u64,
    /// Host CPU time (ns), now and at the previous sample; absent on the first sample.
    pub system: Option<u64>,
    pub presystem: Option<u64>,
    pub online_cpus: u32,
    pub mem_usage: u64,
    /// Page cache the kernel can drop (`inactive_file`), not counted as used.
    pub mem_cache: u64,
    /// What the engine reports: the limit, or the host's memory without one.
    pub mem_limit: u64,
    /// Totals since the container started, summed over its interfaces; `None` when the
    /// engine reports no network (`--network host` or `none`).
    pub net: Option<Io>,
    /// Totals since the container started; `None` when the engine reports none.
    pub blkio: Option<Io>,
    pub pids: Option<u64>,
    pub pids_limit: Option<u64>,
    pub limits: Limits,
}

/// What a graph's 100 % is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The container's own limit.
    Limit,
    /// The host: every CPU online, all its memory.
    Host,
    /// The record could not be read: the engine's figure, unnamed.
    Unknown,
}

/// CPU use in percent of one CPU (400 % is four CPUs busy): the container's share of
/// the host's CPU time between two samples, times the CPUs online. Zero until a delta
/// exists.
pub fn cpu_percent(s: &StatsSample) -> f64 {
    let (Some(system), Some(presystem)) = (s.system, s.presystem) else {
        return 0.0;
    };
    let cpu_delta = s.cpu_total.saturating_sub(s.precpu_total) as f64;
    let system_delta = system.saturating_sub(presystem) as f64;
    if cpu_delta <= 0.0 || system_delta <= 0.0 {
        return 0.0;
    }
    cpu_delta / system_delta * f64::from(s.online_cpus.max(1)) * 100.0
}

/// What 100 % of CPU is for this container, in percent of one CPU: its limit, else every
/// CPU online.
pub fn cpu_capacity(s: &StatsSample) -> (f64, Scale) {
    match s.limits.cpu_millis {
        Some(m) => (m as f64 / 10.0, Scale::Limit),
        None => (
            f64::from(s.online_cpus.max(1)) * 100.0,
            host_or_unknown(s.limits),
        ),
    }
}

fn host_or_unknown(limits: Limits) -> Scale {
    if limits.known {
        Scale::Host
    } else {
        Scale::Unknown
    }
}

/// CPU use in percent of [`cpu_capacity`] (a limited container can pass 100 % briefly:
/// the kernel throttles it over its period, not at each sample).
pub fn cpu_share(s: &StatsSample) -> f64 {
    let (capacity, _) = cpu_capacity(s);
    if capacity <= 0.0 {
        return 0.0;
    }
    cpu_percent(s) / capacity * 100.0
}

/// Memory in use: the usage less the page cache the kernel would drop first.
pub fn mem_used(s: &StatsSample) -> u64 {
    if s.mem_cache < s.mem_usage {
        s.mem_usage - s.mem_cache
    } else {
        s.mem_usage
    }
}

/// What 100 % of memory is: the engine's limit figure, which is the container's limit
/// when it has one and the host's memory otherwise.
pub fn mem_capacity(s: &StatsSample) -> (u64, Scale) {
    let scale = if s.limits.memory.is_some() {
        Scale::Limit
    } else {
        host_or_unknown(s.limits)
    };
    (s.mem_limit, scale)
}

/// Memory used in percent of [`mem_capacity`]; `None` when the engine gave no figure.
pub fn mem_share(s: &StatsSample) -> Option<f64> {
    let (capacity, _) = mem_capacity(s);
    (capacity > 0).then(|| mem_used(s) as f64 * 100.0 / capacity as f64)
}

/// Bytes a second between two totals, over the engine's own times. `None` without both
/// times, or when the total went back (the container restarted: counters start again).
pub fn rate(before: u64, before_at: Option<i128>, now: u64, now_at: Option<i128>) -> Option<f64> {
    let (b, n) = (before_at?, now_at?);
    if n <= b || now < before {
        return None;
    }
    Some((now - before) as f64 * 1e9 / (n - b) as f64)
}

/// `1.5 MiB`, `12.0 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatsView {
    pub target: ContainerRef,
    pub stream: u64,
    /// CPU in hundredths of a percent of its capacity (limit or host), oldest first.
    pub cpu: VecDeque<u64>,
    /// Memory used in hundredths of a percent of its capacity, oldest first.
    pub mem: VecDeque<u64>,
    pub last: Option<StatsSample>,
    /// The sample before `last`, for the network and block I/O rates.
    pub prev: Option<StatsSample>,
    pub status: StreamStatus,
}

impl StatsView {
    pub fn new(target: ContainerRef, stream: u64) -> StatsView {
        StatsView {
            target,
            stream,
            cpu: VecDeque::new(),
            mem: VecDeque::new(),
            last: None,
            prev: None,
            status: StreamStatus::Connecting,
        }
    }

    pub fn push(&mut self, sample: StatsSample) {
        let hundredths = |percent: f64| (percent.max(0.0) * 100.0).round() as u64;
        self.cpu.push_back(hundredths(cpu_share(&sample)));
        self.mem
            .push_back(hundredths(mem_share(&sample).unwrap_or(0.0)));
        for series in [&mut self.cpu, &mut self.mem] {
            while series.len() > STATS_KEPT {
                series.pop_front();
            }
        }
        self.prev = self.last.replace(sample);
        self.status = StreamStatus::Live;
    }

    /// The highest CPU share kept, in percent of its capacity.
    pub fn cpu_peak(&self) -> f64 {
        self.cpu.iter().copied().max().unwrap_or(0) as f64 / 100.0
    }
}

#[cfg(test)]
mod tests;

/// What the stats view says of a container that is not running, from the tree's state
/// word and Docker's status line: `not running (exited 3, 2m ago)`. `None` when it runs.
pub fn not_running(state: &str, status: &str) -> Option<String> {
    if state == "running" {
        return None;
    }
    let s = crate::app::columns::parse_status(status);
    let mut what = state.to_string();
    if let Some(code) = s.exit_code {
        what.push_str(&format!(" {code}"));
    }
    if let Some(age) = s.age_secs {
        what.push_str(&format!(", {} ago", crate::app::columns::short_age(age)));
    }
    Some(format!("not running ({what})"))
}

#[cfg(test)]
mod not_running_tests {
    use super::not_running;

    #[test]
    fn an_exited_container_says_how_and_when() {
        assert_eq!(
            not_running("exited", "Exited (3) About a minute ago").as_deref(),
            Some("not running (exited 3, 1m ago)")
        );
        assert_eq!(
            not_running("created", "Created").as_deref(),
            Some("not running (created)")
        );
        assert_eq!(not_running("running", "Up 3 hours"), None);
    }
}
