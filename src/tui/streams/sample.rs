//! One engine stats document (`/containers/{id}/stats`) and the container's record as
//! the figures the stats view needs. Pure; tested on documents captured from the lab's
//! engines (`tests/fixtures/stats/`).

use bollard::models::{ContainerBlkioStatEntry, ContainerStatsResponse};

use crate::app::stats::{Io, Limits, StatsSample};

/// The limits in the container's record (`GET /containers/{id}/json`, `HostConfig`).
pub fn limits_of(record: &serde_json::Value) -> Limits {
    let field = |name: &str| {
        record
            .pointer(&format!("/HostConfig/{name}"))
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    };
    Limits::from_host_config(
        field("Memory"),
        field("NanoCpus"),
        field("CpuQuota"),
        field("CpuPeriod"),
    )
}

/// Bytes read and written over every device. cgroup v1 names the operations `Read` and
/// `Write`, v2 `read` and `write`. `None` when the engine lists nothing (an engine on
/// tmpfs, or a kernel without the accounting), so the view says so instead of `0 B`.
fn blkio_of(entries: Option<&Vec<ContainerBlkioStatEntry>>) -> Option<Io> {
    let entries = entries.filter(|e| !e.is_empty())?;
    let sum = |op: &str| {
        entries
            .iter()
            .filter(|e| e.op.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(op)))
            .filter_map(|e| e.value)
            .fold(0u64, u64::saturating_add)
    };
    Some(Io {
        read: sum("read"),
        write: sum("write"),
    })
}

/// A limit the kernel reports as "max" arrives as 0 or a huge number: no limit.
fn real_limit(limit: Option<u64>) -> Option<u64> {
    limit.filter(|l| *l > 0 && *l < 1 << 62)
}

/// The figures the stats view needs from one engine sample.
pub fn sample_of(s: &ContainerStatsResponse, limits: Limits) -> StatsSample {
    let total = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let cpu = s.cpu_stats.as_ref();
    let pre = s.precpu_stats.as_ref();
    let per_cpu = cpu
        .and_then(|c| c.cpu_usage.as_ref())
        .and_then(|u| u.percpu_usage.as_ref())
        .map_or(0, Vec::len);
    let mem = s.memory_stats.as_ref();
    let mem_stat = |key: &str| {
        mem.and_then(|m| m.stats.as_ref())
            .and_then(|s| s.get(key).copied())
    };
    let net = s.networks.as_ref().filter(|n| !n.is_empty()).map(|n| {
        n.values().fold(Io::default(), |acc, i| Io {
            read: acc.read.saturating_add(i.rx_bytes.unwrap_or(0)),
            write: acc.write.saturating_add(i.tx_bytes.unwrap_or(0)),
        })
    });
    let pids = s.pids_stats.as_ref();
    StatsSample {
        at: s
            .read
            .as_deref()
            .and_then(crate::transport::docker::unix_nanos),
        cpu_total: total(cpu),
        precpu_total: total(pre),
        system: cpu.and_then(|c| c.system_cpu_usage).filter(|v| *v > 0),
        // The first sample's "previous" is empty: no delta yet.
        presystem: pre.and_then(|c| c.system_cpu_usage).filter(|v| *v > 0),
        online_cpus: cpu
            .and_then(|c| c.online_cpus)
            .filter(|n| *n > 0)
            .unwrap_or_else(|| u32::try_from(per_cpu).unwrap_or(1).max(1)),
        mem_usage: mem.and_then(|m| m.usage).unwrap_or(0),
        // cgroup v1 names the cache total_inactive_file, v2 inactive_file.
        mem_cache: mem_stat("total_inactive_file")
            .or_else(|| mem_stat("inactive_file"))
            .unwrap_or(0),
        mem_limit: mem.and_then(|m| m.limit).unwrap_or(0),
        net,
        blkio: blkio_of(
            s.blkio_stats
                .as_ref()
                .and_then(|b| b.io_service_bytes_recursive.as_ref()),
        ),
        pids: pids.and_then(|p| p.current),
        pids_limit: real_limit(pids.and_then(|p| p.limit)),
        limits,
    }
}

#[cfg(test)]
mod tests;
