//! The console at scale (issue 19): a synthetic fleet of 1,000 nodes and 10,000
//! containers (`benches/support/synthetic.rs`). First it prints the figures of the README
//! "A thousand hosts" table, measured by hand so it can give medians and p99s: the first
//! full picture (state built from every node's first snapshot), frame time at 80x24 and
//! 160x48, the update for one node's new snapshot (plain, under a filter, in the sorted
//! flat list) and for a whole round, a filter keystroke's update (narrower, wider),
//! keypress to frame for a move, a filter keystroke, the order and a fold, and the memory
//! of the process holding that state. Then criterion
//! benches of the same frame and update. Figures only, never a timing assertion.
//!
//!   cargo bench --bench frame                  (FRAME_NODES, FRAME_CONTAINERS to resize)

#[path = "support/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use fleetdeck::app::{Action, FilterEdit, Msg, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use synthetic::Synthetic;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Median and 99th percentile.
struct Spread {
    median: Duration,
    p99: Duration,
    runs: usize,
}

fn spread(mut times: Vec<Duration>) -> Spread {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Spread {
        median: at(0.5),
        p99: at(0.99),
        runs: times.len(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn row(figure: &str, s: &Spread, target: &str) {
    println!(
        "| {figure} | {} | {} | {} | {target} |",
        ms(s.median),
        ms(s.p99),
        s.runs
    );
}

fn terminal(width: u16, height: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(width, height)).expect("a test terminal")
}

fn draw(terminal: &mut Terminal<TestBackend>, state: &State) {
    terminal
        .draw(|f| fleetdeck::ui::render(f, black_box(state)))
        .expect("draw");
}

/// Time `runs` frames at `width` x `height`, the selection moving one row between them
/// so every frame has something to write (the move itself is not timed).
fn frames(state: &mut State, width: u16, height: u16, runs: usize) -> Spread {
    update(state, Msg::Resized { width, height });
    let mut term = terminal(width, height);
    draw(&mut term, state);
    let times = (0..runs)
        .map(|i| {
            let step = if i % 2 == 0 { Action::Down } else { Action::Up };
            update(state, Msg::Action(step));
            let t = Instant::now();
            draw(&mut term, state);
            t.elapsed()
        })
        .collect();
    spread(times)
}

/// Time `msg` then a frame, as the console does for a key.
fn key_to_frame(state: &mut State, term: &mut Terminal<TestBackend>, msg: Msg) -> Duration {
    let t = Instant::now();
    update(state, msg);
    draw(term, state);
    t.elapsed()
}

/// Time `msg` alone, without a frame.
fn timed(state: &mut State, msg: Msg) -> Duration {
    let t = Instant::now();
    update(state, msg);
    t.elapsed()
}

/// 200 polls of `node`, each one generation on from `from`: the update each costs.
fn polls(state: &mut State, fleet: &Synthetic, node: usize, from: u64) -> Spread {
    spread(
        (from..from + 200)
            .map(|generation| timed(state, Msg::Poll(fleet.poll(node, generation))))
            .collect(),
    )
}

fn figures(fleet: &Synthetic) -> State {
    let (rss0, _) = memory();
    // The first full picture: the console starts with its config, the inventory comes,
    // then every node's first poll; then the first frame with all of it.
    let mut first = Vec::new();
    let mut kept = None;
    for _ in 0..env_or("FRAME_FIRST_RUNS", 5) {
        let round = fleet.round(0);
        let sites = fleet.sites();
        let mut state = fleet.empty_state(160, 48);
        let mut term = terminal(160, 48);
        let t = Instant::now();
        update(&mut state, Msg::SitesLoaded(Ok(sites)));
        // The driver hands over every answer already waiting in one batch.
        update(&mut state, Msg::Polls(round));
        draw(&mut term, &state);
        first.push(t.elapsed());
        kept = Some(state);
    }
    let mut state = kept.expect("at least one run");
    let (rss1, hwm1) = memory();
    assert!(
        state.rows.len() > fleet.container_count(),
        "{} rows for {} containers",
        state.rows.len(),
        fleet.container_count()
    );
    // To the middle, where a frame is furthest from either end.
    for _ in 0..state.rows.len() / 2 {
        update(&mut state, Msg::Action(Action::Down));
    }
    let small = frames(&mut state, 80, 24, 1000);
    let large = frames(&mut state, 160, 48, 1000);

    // A poll's worth of changes: one node's new snapshot, a few containers changed (the
    // busiest node, so the worst case), then a whole round of every node.
    let busiest = (0..fleet.node_count())
        .max_by_key(|&n| fleet.containers_of(n))
        .unwrap_or(0);
    let one = polls(&mut state, fleet, busiest, 1);
    // The same with a filter on (`state:crashed`: crashes all over the fleet), and in
    // the flat list sorted problems first: the node's rows are spliced into a filtered
    // or a sorted whole.
    update(&mut state, Msg::Action(Action::Filter));
    for c in "state:crashed".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(&mut state, Msg::FilterEdit(FilterEdit::Accept));
    let one_filtered = polls(&mut state, fleet, busiest, 1001);
    update(&mut state, Msg::Action(Action::Filter));
    update(&mut state, Msg::FilterEdit(FilterEdit::Cancel));
    update(&mut state, Msg::Action(Action::Flat));
    for _ in 0..3 {
        update(&mut state, Msg::Action(Action::Sort));
    }
    let one_flat = polls(&mut state, fleet, busiest, 2001);
    update(&mut state, Msg::Action(Action::Flat));
    update(&mut state, Msg::Action(Action::Sort));
    let round = spread(
        (1..=5)
            .map(|generation| {
                let events = fleet.round(200 + generation);
                let t = Instant::now();
                update(&mut state, Msg::Polls(events));
                t.elapsed()
            })
            .collect(),
    );

    let mut term = terminal(160, 48);
    draw(&mut term, &state);
    let moves = spread(
        (0..500)
            .map(|i| {
                let step = if i % 2 == 0 { Action::Down } else { Action::Up };
                key_to_frame(&mut state, &mut term, Msg::Action(step))
            })
            .collect(),
    );
    // `/` then a word typed and erased, key by key, many times over.
    update(&mut state, Msg::Action(Action::Filter));
    let word = "shop-01";
    let mut typed = Vec::new();
    // The update alone: a letter typed narrows what shows (only the rows shown are
    // looked at), a letter erased widens it (every row is).
    let (mut narrower, mut wider) = (Vec::new(), Vec::new());
    for round in 0..20 {
        for c in word.chars() {
            let msg = Msg::FilterEdit(FilterEdit::Insert(c));
            if round % 2 == 0 {
                typed.push(key_to_frame(&mut state, &mut term, msg));
            } else {
                narrower.push(timed(&mut state, msg));
            }
        }
        for _ in word.chars() {
            let msg = Msg::FilterEdit(FilterEdit::Backspace);
            if round % 2 == 0 {
                typed.push(key_to_frame(&mut state, &mut term, msg));
            } else {
                wider.push(timed(&mut state, msg));
            }
        }
    }
    update(&mut state, Msg::FilterEdit(FilterEdit::Cancel));
    let (narrower, wider) = (spread(narrower), spread(wider));
    let filter = spread(typed);
    let sort = spread(
        (0..20)
            .map(|_| key_to_frame(&mut state, &mut term, Msg::Action(Action::Sort)))
            .collect(),
    );
    // Fold and unfold a node (the rows are arranged again, as for the order).
    let node_row = state.rows.len() / 2
        + state.rows[state.rows.len() / 2..]
            .iter()
            .position(|r| r.expandable)
            .unwrap_or(0);
    state.select(node_row);
    let fold = spread(
        (0..20)
            .map(|_| key_to_frame(&mut state, &mut term, Msg::Action(Action::Toggle)))
            .collect(),
    );
    let (rss2, hwm2) = memory();

    println!();
    println!(
        "console at scale: {} nodes, {} containers, {} rows (synthetic; figures measured by hand)",
        fleet.node_count(),
        fleet.container_count(),
        state.rows.len()
    );
    println!("| figure | median | p99 | runs | target |");
    println!("|---|---|---|---|---|");
    row(
        "first full picture: inventory, every node's first poll, first frame",
        &spread(first),
        "",
    );
    row("frame 80x24", &small, "< 5 ms");
    row("frame 160x48", &large, "< 5 ms");
    row(
        "update: one node's new snapshot (busiest node, 2 containers changed)",
        &one,
        "< 20 ms",
    );
    row(
        "update: one node's new snapshot, filter `state:crashed` on",
        &one_filtered,
        "< 20 ms",
    );
    row(
        "update: one node's new snapshot, flat list, problems first",
        &one_flat,
        "< 20 ms",
    );
    row(
        "update: a whole poll round (every node's new snapshot, one batch)",
        &round,
        "",
    );
    row("keypress to frame: move (160x48)", &moves, "");
    row("keypress to frame: filter keystroke (160x48)", &filter, "");
    row(
        "update: filter keystroke, a letter typed (narrower)",
        &narrower,
        "",
    );
    row(
        "update: filter keystroke, a letter erased (wider)",
        &wider,
        "",
    );
    row("keypress to frame: sort order (160x48)", &sort, "");
    row(
        "keypress to frame: fold or unfold a node (160x48)",
        &fold,
        "",
    );
    println!(
        "| memory: VmRSS before the fleet {rss0:.1} MiB, holding it {rss1:.1} MiB (peak {hwm1:.1}); after the runs {rss2:.1} MiB (peak {hwm2:.1}) | | | | < 150 MB |"
    );
    println!();
    state
}

fn criterion_benches(c: &mut Criterion, fleet: &Synthetic, mut state: State) {
    let mut term = terminal(160, 48);
    update(
        &mut state,
        Msg::Resized {
            width: 160,
            height: 48,
        },
    );
    c.bench_function("frame 160x48, 1,000 nodes / 10,000 containers", |b| {
        b.iter(|| draw(&mut term, &state))
    });
    let busiest = (0..fleet.node_count())
        .max_by_key(|&n| fleet.containers_of(n))
        .unwrap_or(0);
    let mut generation = 1000;
    c.bench_function("update: one node's new snapshot", |b| {
        b.iter_batched(
            || {
                generation += 1;
                fleet.poll(busiest, generation)
            },
            |event| update(&mut state, Msg::Poll(event)),
            criterion::BatchSize::SmallInput,
        )
    });
}

fn main() {
    let fleet = Synthetic::new(
        env_or("FRAME_NODES", 1_000),
        env_or("FRAME_CONTAINERS", 10_000),
    );
    let state = figures(&fleet);
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    criterion_benches(&mut c, &fleet, state);
    c.final_summary();
}
