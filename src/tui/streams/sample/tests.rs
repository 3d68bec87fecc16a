use bollard::models::ContainerStatsResponse;

use super::*;
use crate::app::stats::{self, Scale};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/stats/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn captured(name: &str) -> StatsSample {
    let doc: ContainerStatsResponse =
        serde_json::from_str(&fixture(&format!("{name}.json"))).expect("stats document");
    let record: serde_json::Value =
        serde_json::from_str(&fixture(&format!("{name}.record.json"))).expect("record");
    sample_of(&doc, limits_of(&record))
}

#[test]
fn a_limited_container_is_measured_against_its_limits() {
    let s = captured("limited");
    assert_eq!(
        s.limits,
        Limits {
            cpu_millis: Some(500),
            memory: Some(64 << 20),
            known: true
        }
    );
    // 5,246,651 ns of 2,010,000,000 ns of host time on 2 CPUs: 0.52 % of one CPU,
    // 1.04 % of its half CPU.
    assert!((stats::cpu_percent(&s) - 0.522_054_8).abs() < 1e-6);
    assert_eq!(stats::cpu_capacity(&s), (50.0, Scale::Limit));
    assert!((stats::cpu_share(&s) - 1.044_109_6).abs() < 1e-6);
    // 8,200,192 used less 5,177,344 of inactive page cache, of 64 MiB.
    assert_eq!(stats::mem_used(&s), 3_022_848);
    assert_eq!(stats::mem_capacity(&s), (64 << 20, Scale::Limit));
    assert!((stats::mem_share(&s).unwrap_or(0.0) - 4.504_394_5).abs() < 1e-6);
    assert_eq!(
        s.net,
        Some(Io {
            read: 890,
            write: 630
        })
    );
    assert_eq!((s.pids, s.pids_limit), (Some(2), Some(40)));
    assert_eq!(s.blkio, None, "the engine listed no block I/O");
    assert_eq!(
        s.at,
        crate::transport::docker::unix_nanos("2026-12-03T03:30:45.459653137Z")
    );
    assert_eq!(
        stats::cpu_line(&s, stats::cpu_share(&s), 3.0),
        "1.0 % of its 0.5-CPU limit, peak 3.0 %"
    );
    assert_eq!(
        stats::mem_line(&s),
        "2.9 MiB of its 64.0 MiB limit (4.5 %), page cache left out"
    );
    assert_eq!(stats::pids_line(&s), "2 of its limit of 40");
    assert_eq!(stats::blkio_line(&s, None), "none reported by the engine");
}

#[test]
fn a_container_without_limits_is_measured_against_the_host() {
    let s = captured("free");
    assert_eq!(
        s.limits,
        Limits {
            cpu_millis: None,
            memory: None,
            known: true
        }
    );
    assert_eq!(stats::cpu_capacity(&s), (200.0, Scale::Host));
    // 852,077 ns of 2,010,000,000 on 2 CPUs: 0.085 % of one CPU, half that of the host.
    assert!((stats::cpu_share(&s) - 0.042_391_9).abs() < 1e-6);
    assert_eq!(stats::mem_capacity(&s), (25_275_973_632, Scale::Host));
    assert_eq!(
        stats::mem_line(&s),
        "560.0 KiB of the host's 23.5 GiB (0.0 %), page cache left out"
    );
    assert_eq!(
        stats::cpu_line(&s, stats::cpu_share(&s), 0.5),
        "0.0 % of the host's 2 CPUs, peak 0.5 %"
    );
    assert_eq!(stats::pids_line(&s), "2 (no limit)");
    assert_eq!(
        stats::net_line(&s, None),
        "rx 808 B  tx 728 B",
        "no rate from a single sample"
    );
}

#[test]
fn rates_come_from_two_samples_and_the_engines_times() {
    let before = captured("limited");
    let after = StatsSample {
        at: before.at.map(|t| t + 2_000_000_000),
        net: Some(Io {
            read: 890 + 4096,
            write: 630 + 2048,
        }),
        blkio: Some(Io {
            read: 0,
            write: 3 << 20,
        }),
        ..before
    };
    let before = StatsSample {
        blkio: Some(Io::default()),
        ..before
    };
    assert_eq!(
        stats::net_line(&after, Some(&before)),
        "rx 4.9 KiB (2.0 KiB/s)  tx 2.6 KiB (1.0 KiB/s)"
    );
    assert_eq!(
        stats::blkio_line(&after, Some(&before)),
        "read 0 B (0 B/s)  write 3.0 MiB (1.5 MiB/s)"
    );
    // A restart starts the counters again: no negative rate, just the total.
    let restarted = StatsSample {
        net: Some(Io { read: 10, write: 5 }),
        ..after
    };
    assert_eq!(stats::net_line(&restarted, Some(&after)), "rx 10 B  tx 5 B");
}

#[test]
fn an_unreadable_record_names_no_scale_and_odd_limits_are_none() {
    let doc: ContainerStatsResponse =
        serde_json::from_str(&fixture("free.json")).expect("stats document");
    let s = sample_of(&doc, Limits::default());
    assert_eq!(stats::cpu_capacity(&s).1, Scale::Unknown);
    assert_eq!(
        stats::mem_line(&s),
        "560.0 KiB of 23.5 GiB (0.0 %), page cache left out"
    );
    assert_eq!(real_limit(Some(u64::MAX)), None, "cgroup v2 \"max\"");
    assert_eq!(real_limit(Some(0)), None);
    assert_eq!(
        Limits::from_host_config(0, 0, 150_000, 100_000).cpu_millis,
        Some(1500),
        "--cpu-quota over --cpu-period"
    );
    let blk = |op: &str, value: u64| bollard::models::ContainerBlkioStatEntry {
        major: Some(8),
        minor: Some(0),
        op: Some(op.into()),
        value: Some(value),
    };
    // Two devices, v1 and v2 spellings.
    let entries = vec![
        blk("Read", 100),
        blk("Write", 7),
        blk("read", 5),
        blk("Total", 112),
    ];
    assert_eq!(
        blkio_of(Some(&entries)),
        Some(Io {
            read: 105,
            write: 7
        })
    );
}
