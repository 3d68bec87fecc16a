//! A hostile Docker engine, written for the test (a real engine does not misbehave on
//! demand): it answers `/version` like an engine, then streams a container list, an
//! event and a network list that never end. fleetdeck reads each within its bound, says
//! which fact of which node was too large, and stays small in memory; the real nodes of
//! the lab go on. Everything else is real.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use support::fleet::{TestFleet, code, text};
use support::lab::Lab;

/// Bytes the engine managed to send, over every connection.
struct Hostile {
    port: u16,
    sent: Arc<AtomicU64>,
}

fn start_hostile() -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || serve(stream, &counter));
        }
    });
    Hostile { port, sent }
}

fn serve(stream: TcpStream, sent: &AtomicU64) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut out = stream;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        // Skip the headers.
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
        }
        let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
        if path.contains("/version") {
            let body = r#"{"ApiVersion":"1.41","MinAPIVersion":"1.12","Version":"20.10.0"}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if out
                .write_all(head.as_bytes())
                .and_then(|_| out.write_all(body.as_bytes()))
                .is_err()
            {
                return;
            }
            continue;
        }
        if path.contains("/containers/big/json") {
            let body = r#"{"Id":"big","Config":{"Tty":false}}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if out
                .write_all(head.as_bytes())
                .and_then(|_| out.write_all(body.as_bytes()))
                .is_err()
            {
                return;
            }
            continue;
        }
        if path.contains("/containers/big/logs") {
            serve_huge_log_line(&mut out, sent);
            return;
        }
        // Everything else: a chunked answer that never ends (a list that keeps growing,
        // or an event line with no newline), with an escape sequence in it for good measure.
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        if out.write_all(head.as_bytes()).is_err() {
            return;
        }
        let piece: String = if path.contains("/events") {
            "{\"Type\":\"container\",\"Action\":\"\x1b]52;c;aGk=\x07".repeat(1000)
        } else {
            "[".to_string() + &"{\"Id\":\"a\",\"Names\":[\"/\\u001b[2Jx\"]},".repeat(1000)
        };
        let chunk = format!("{:x}\r\n{piece}\r\n", piece.len());
        loop {
            if out.write_all(chunk.as_bytes()).is_err() {
                return;
            }
            sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
    }
}

/// Bytes of the one log line the hostile engine sends before its newline.
const LOG_LINE_BYTES: u64 = 256 << 20;

/// A log frame that claims 4 GiB, whose payload is one line of [`LOG_LINE_BYTES`], then
/// a short line, then the end of the stream.
fn serve_huge_log_line(out: &mut TcpStream, sent: &AtomicU64) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut chunk = |body: &[u8]| {
        let mut c = format!("{:x}\r\n", body.len()).into_bytes();
        c.extend_from_slice(body);
        c.extend_from_slice(b"\r\n");
        sent.fetch_add(body.len() as u64, Ordering::Relaxed);
        out.write_all(&c)
    };
    let piece = vec![b'a'; 1 << 20];
    let _ = chunk(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        .and_then(|_| (0..LOG_LINE_BYTES >> 20).try_for_each(|_| chunk(&piece)))
        .and_then(|_| chunk(b"\nafter the long line\n"))
        .and_then(|_| chunk(b""));
}

/// This process's peak resident memory, in KiB.
fn own_peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

/// The console's own logs and stats tasks, fed by the hostile engine: one log line of
/// 256 MiB in a frame claiming 4 GiB arrives cut, the next line arrives whole, and a
/// stats line without end fails the view with its bound; memory stays small.
#[tokio::test]
async fn the_consoles_logs_and_stats_streams_stay_bounded() {
    use fleetdeck::app::{Msg, StreamEvent};
    use fleetdeck::transport::{DockerClient, DockerTarget};

    let hostile = start_hostile();
    let target = DockerTarget::Tcp {
        host: "127.0.0.1".into(),
        port: hostile.port,
    };
    let client = DockerClient::connect(target, true, Duration::from_secs(10))
        .await
        .expect("connect to the hostile engine");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = tokio_util::sync::CancellationToken::new();
    let logs = fleetdeck::tui::streams::logs(client.clone(), "big".into(), 1, tx.clone(), cancel);
    tokio::time::timeout(Duration::from_secs(120), logs)
        .await
        .expect("the logs stream ends when the engine ends it");
    let mut lines = Vec::new();
    let mut ended = false;
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Msg::Logs {
                event: StreamEvent::Data(batch),
                ..
            } => lines.extend(batch),
            // No container state in its record: nothing to follow across a restart.
            Msg::Logs {
                event: StreamEvent::Closed(why),
                ..
            } => ended = why == "the engine ended the stream",
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert!(ended, "the end of the stream is reported");
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts.len(),
        2,
        "the cut line and the next: {:?}",
        texts.iter().map(|t| t.len()).collect::<Vec<_>>()
    );
    assert!(
        texts[0].starts_with("aaaa") && texts[0].ends_with("(line cut at 16 KiB)"),
        "the long line is cut and says so"
    );
    assert!(texts[0].len() < 17 * 1024);
    assert_eq!(texts[1], "after the long line");
    assert!(
        hostile.sent.load(Ordering::Relaxed) >= LOG_LINE_BYTES,
        "the engine did send the whole line"
    );

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stats = fleetdeck::tui::streams::stats(
        client,
        "big".into(),
        2,
        tx,
        tokio_util::sync::CancellationToken::new(),
    );
    tokio::time::timeout(Duration::from_secs(120), stats)
        .await
        .expect("the stats stream fails at its bound");
    match rx.try_recv() {
        Ok(Msg::Stats {
            event: StreamEvent::Failed(why),
            ..
        }) => assert!(
            why.contains("one line of GET /containers/big/stats") && !why.contains('\x1b'),
            "{why}"
        ),
        other => panic!("a failed stats stream expected, got {other:?}"),
    }
    let peak = own_peak_kib();
    eprintln!(
        "console streams: 256 MiB log line read; peak {} MiB",
        peak >> 10
    );
    assert!(peak < 100 * 1024, "peak {peak} KiB");
}

/// Peak resident memory of a running process, in KiB.
fn peak_kib_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"))
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

/// The pid of the fleetdeck process whose command line names `config`.
fn fleetdeck_pid(config: &std::path::Path) -> Option<u32> {
    let config = config.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let ours = args.first()?.ends_with(b"fleetdeck") && args.contains(&config.as_bytes());
            ours.then_some(pid)
        })
}

/// The master and the console, left running against the hostile engine for several
/// refreshes, stay small too, and the console's screen is never driven by what the
/// engine sends (its names carry `ESC[2J`, its events OSC 52).
#[test]
fn the_master_and_the_console_stay_small_against_a_hostile_engine() {
    let hostile = start_hostile();
    let fleet = TestFleet::new(Lab::load(), "fdt-hostile2-");
    let config = fleet.write_config(
        "c.toml",
        "refresh_secs = 2",
        &format!(
            "[inventory]\npath = {:?}\n[[node]]\nname = \"evil\"\ndocker = \"tcp://127.0.0.1:{}\"\n",
            fleet.path("inv.db").display().to_string(),
            hostile.port
        ),
    );

    // The master: serving, then three trees through it (each one more poll of the engine).
    let master = support::fleet::RunningMaster::start(&fleet, "c.toml");
    for _ in 0..3 {
        let doc = master.tree(&fleet, "c.toml");
        let evil = support::fleet::tree_node(&doc, "evil").to_string();
        assert!(evil.contains("more than"), "{evil}");
        assert_eq!(support::fleet::tree_node(&doc, "h1")["status"], "up");
    }
    let master_peak = peak_kib_of(master.child.id());
    drop(master);

    // The console, in tmux, for several refreshes.
    let tmux = support::tmux::Tmux::start(120, 40);
    tmux.type_line(&format!(
        "XDG_STATE_HOME={} fleetdeck --config {}; echo EXIT=$?",
        fleet.path("state").display(),
        config.display()
    ));
    tmux.wait_for(
        |s| s.contains("more than") && s.contains(" h1 "),
        "the hostile node's error beside the lab's nodes",
    );
    let pid = fleetdeck_pid(&config).expect("the console's pid");
    let polls_before = hostile.sent.load(Ordering::Relaxed);
    let grown = support::lab::retry(Duration::from_secs(60), || {
        (hostile.sent.load(Ordering::Relaxed) > polls_before + (96 << 20)).then_some(())
    });
    assert!(grown.is_some(), "the console kept polling the engine");
    let console_peak = peak_kib_of(pid);
    let screen = tmux.screen();
    assert!(
        screen.contains(" h1 ") && screen.contains("help"),
        "the screen was not cleared nor redrawn by the engine's escapes:\n{screen}"
    );
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
    eprintln!(
        "figure: against an endless engine, the master peaked at {} MiB, the console at {} MiB (engine sent {} MiB in all)",
        master_peak >> 10,
        console_peak >> 10,
        hostile.sent.load(Ordering::Relaxed) >> 20
    );
    assert!(master_peak < 100 * 1024, "master peak {master_peak} KiB");
    assert!(console_peak < 100 * 1024, "console peak {console_peak} KiB");
}

/// Peak resident memory of a finished child, in KiB, from GNU time's -f %M.
fn peak_kib(stderr: &str) -> u64 {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("peak-kib "))
        .filter_map(|v| v.trim().parse().ok())
        .next_back()
        .unwrap_or_else(|| panic!("no peak memory line in: {stderr}"))
}

#[test]
fn a_hostile_engine_cannot_fill_memory_or_stop_the_fleet() {
    let hostile = start_hostile();
    let fleet = TestFleet::new(Lab::load(), "fdt-hostile-");
    fleet.write_config(
        "c.toml",
        "",
        &format!(
            "[inventory]\npath = {:?}\n[[node]]\nname = \"evil\"\ndocker = \"tcp://127.0.0.1:{}\"\n",
            fleet.path("inv.db").display().to_string(),
            hostile.port
        ),
    );
    let time_bin = std::path::Path::new("/usr/bin/time");
    assert!(
        time_bin.exists(),
        "GNU time is needed to read peak memory (scripts/deps.sh installs it)"
    );
    let mut cmd = std::process::Command::new(time_bin);
    cmd.args(["-f", "peak-kib %M"])
        .arg(env!("CARGO_BIN_EXE_fleetdeck"));
    cmd.arg("--config")
        .arg(fleet.path("c.toml"))
        .args(["tree", "--json", "--no-master"]);
    cmd.env("XDG_STATE_HOME", fleet.path("state"))
        .env_remove("FLEETDECK_READ_ONLY");
    let out = support::lab::run_with_timeout(&mut cmd, Duration::from_secs(120));
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
    let nodes = doc["nodes"].as_array().expect("nodes");
    let evil = nodes
        .iter()
        .find(|n| n["name"] == "evil")
        .expect("the hostile node");
    let shown = evil.to_string();
    assert!(
        shown.contains("more than") && shown.contains("bytes"),
        "the node says its engine sent too much: {shown}"
    );
    for real in ["h1", "h2", "h3"] {
        let n = nodes.iter().find(|n| n["name"] == real).expect(real);
        assert_eq!(n["status"], "up", "{real} goes on: {n}");
    }
    let sent = hostile.sent.load(Ordering::Relaxed);
    let peak = peak_kib(&String::from_utf8_lossy(&out.stderr));
    eprintln!(
        "hostile engine sent {} MiB; fleetdeck tree peaked at {} MiB",
        sent >> 20,
        peak >> 10
    );
    assert!(
        sent > 32 << 20,
        "the engine did stream past the bound ({sent} bytes)"
    );
    assert!(
        peak < 100 * 1024,
        "tree stayed under 100 MB (peak {peak} KiB)"
    );

    // The events of the hostile engine: one line that never ends, cut at its bound.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
    cmd.arg("--config")
        .arg(fleet.path("c.toml"))
        .args(["events", "--node", "evil", "--json"]);
    cmd.env("XDG_STATE_HOME", fleet.path("state"));
    let out = support::lab::run_with_timeout(&mut cmd, Duration::from_secs(60));
    assert_eq!(code(&out), 1, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("one line of GET /events"), "{err}");
    assert!(
        !err.contains('\x1b') && out.stdout.is_empty(),
        "nothing of it reached the terminal"
    );
}
