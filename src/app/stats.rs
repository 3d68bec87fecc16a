//! The stats view of one container: CPU % and memory over time, computed from the
//! engine's samples the way `docker stats` does. Pure.

use std::collections::VecDeque;

use super::logs::{ContainerRef, StreamStatus};

/// Samples kept for the sparklines (the engine sends one a second).
pub const STATS_KEPT: usize = 300;

/// The figures of one engine sample that the view needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSample {
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
    pub mem_limit: u64,
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

/// Memory in use: the usage less the page cache the kernel would drop first.
pub fn mem_used(s: &StatsSample) -> u64 {
    if s.mem_cache < s.mem_usage {
        s.mem_usage - s.mem_cache
    } else {
        s.mem_usage
    }
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
    /// CPU in hundredths of a percent, oldest first.
    pub cpu: VecDeque<u64>,
    /// Memory used in bytes, oldest first.
    pub mem: VecDeque<u64>,
    pub last: Option<StatsSample>,
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
            status: StreamStatus::Connecting,
        }
    }

    pub fn push(&mut self, sample: StatsSample) {
        self.cpu
            .push_back((cpu_percent(&sample) * 100.0).round() as u64);
        self.mem.push_back(mem_used(&sample));
        for series in [&mut self.cpu, &mut self.mem] {
            while series.len() > STATS_KEPT {
                series.pop_front();
            }
        }
        self.last = Some(sample);
        self.status = StreamStatus::Live;
    }

    pub fn cpu_now(&self) -> Option<f64> {
        self.last.as_ref().map(cpu_percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StatsSample {
        StatsSample {
            cpu_total: 2_000_000_000,
            precpu_total: 1_500_000_000,
            system: Some(20_000_000_000),
            presystem: Some(16_000_000_000),
            online_cpus: 4,
            mem_usage: 50 << 20,
            mem_cache: 10 << 20,
            mem_limit: 1 << 30,
        }
    }

    #[test]
    fn cpu_is_the_share_of_host_time_times_cpus() {
        // 0.5 s of 4 s of host time on 4 CPUs: half a CPU.
        assert!((cpu_percent(&sample()) - 50.0).abs() < 1e-9);
        let first = StatsSample {
            presystem: None,
            ..sample()
        };
        assert_eq!(cpu_percent(&first), 0.0, "no previous sample yet");
        let idle = StatsSample {
            precpu_total: 2_000_000_000,
            ..sample()
        };
        assert_eq!(cpu_percent(&idle), 0.0);
        let zero_cpus = StatsSample {
            online_cpus: 0,
            ..sample()
        };
        assert!((cpu_percent(&zero_cpus) - 12.5).abs() < 1e-9);
    }

    #[test]
    fn memory_leaves_the_cache_out_and_history_is_bounded() {
        assert_eq!(mem_used(&sample()), 40 << 20);
        let odd = StatsSample {
            mem_cache: 60 << 20,
            ..sample()
        };
        assert_eq!(mem_used(&odd), 50 << 20, "a cache above usage is ignored");
        let mut v = StatsView::new(
            ContainerRef {
                node: "h1".into(),
                id: "x".into(),
                name: "web".into(),
            },
            3,
        );
        for _ in 0..STATS_KEPT + 5 {
            v.push(sample());
        }
        assert_eq!((v.cpu.len(), v.mem.len()), (STATS_KEPT, STATS_KEPT));
        assert_eq!(v.cpu.back(), Some(&5000));
        assert_eq!(human_bytes(40 << 20), "40.0 MiB");
        assert_eq!(human_bytes(512), "512 B");
    }
}

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
