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
        ..StatsSample::default()
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
fn cpu_and_memory_scale_to_the_limit_or_the_host() {
    // Half a CPU of four: 12.5 % of the host, 100 % of a half-CPU limit.
    let host = StatsSample {
        limits: Limits {
            known: true,
            ..Limits::default()
        },
        ..sample()
    };
    assert_eq!(cpu_capacity(&host), (400.0, Scale::Host));
    assert!((cpu_share(&host) - 12.5).abs() < 1e-9);
    let limited = StatsSample {
        limits: Limits::from_host_config(256 << 20, 500_000_000, 0, 0),
        mem_limit: 256 << 20,
        ..sample()
    };
    assert_eq!(cpu_capacity(&limited), (50.0, Scale::Limit));
    assert!((cpu_share(&limited) - 100.0).abs() < 1e-9);
    assert_eq!(mem_capacity(&limited), (256 << 20, Scale::Limit));
    assert_eq!(mem_share(&limited), Some(15.625));
    assert_eq!(mem_capacity(&host).1, Scale::Host);
    assert_eq!(mem_capacity(&sample()).1, Scale::Unknown);
    let nothing = StatsSample {
        mem_limit: 0,
        ..sample()
    };
    assert_eq!(mem_share(&nothing), None);
}

#[test]
fn rates_need_two_times_and_counters_that_grew() {
    assert_eq!(rate(100, Some(0), 2148, Some(2_000_000_000)), Some(1024.0));
    assert_eq!(rate(100, None, 2148, Some(2_000_000_000)), None);
    assert_eq!(rate(100, Some(5), 2148, Some(5)), None, "no time passed");
    assert_eq!(rate(100, Some(0), 50, Some(1)), None, "a restart");
    assert_eq!(human_rate(1536.0), "1.5 KiB/s");
    assert_eq!(human_rate(12.4), "12 B/s");
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
    // Half a CPU of four, 40 MiB of 1 GiB: in hundredths of a percent.
    assert_eq!(v.cpu.back(), Some(&1250));
    assert_eq!(v.mem.back(), Some(&391));
    assert!((v.cpu_peak() - 12.5).abs() < 1e-9);
    assert!(v.prev.is_some(), "the previous sample is kept for rates");
    assert_eq!(human_bytes(40 << 20), "40.0 MiB");
    assert_eq!(human_bytes(512), "512 B");
}
