//! The terminal shell around the pure core: enter and restore the terminal, turn terminal
//! events and signals into messages, run effects, redraw when something changed.

mod act_effects;
mod audit_watch;
mod effects;
mod handover;
mod keys;
mod ops;
pub mod streams;
mod suspend;

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::app::{Keymap, Msg, State, update_at};
use crate::collect::poller::Poller;
use crate::config::Config;
use crate::fleet::snapshot::PollEvent;
use crate::transport::links::build_links;
use std::sync::Arc;

/// Set by the panic hook: some task panicked, the console must end.
static PANICKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static PANIC_NOTICE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Called by the panic hook, from whatever thread panicked.
pub fn panicked() {
    PANICKED.store(true, std::sync::atomic::Ordering::SeqCst);
    PANIC_NOTICE.notify_one();
}

pub fn has_panicked() -> bool {
    PANICKED.load(std::sync::atomic::Ordering::SeqCst)
}

/// What the console needs to start.
pub struct ConsoleSetup {
    pub read_only: bool,
    pub config_label: String,
    pub inventory_path: PathBuf,
    pub config: Arc<Config>,
    pub theme: crate::ui::theme::Theme,
    /// What loading the config noted (`LoadedConfig::notes`): shown in the activity panel.
    pub notes: Vec<String>,
}

/// Run the console until the user quits or a signal arrives. The terminal is restored on
/// every way out, panics included (the hook is installed by `ratatui::init`).
pub async fn run(setup: ConsoleSetup) -> io::Result<()> {
    // Handlers first: a SIGTERM that lands while the first frame is drawn must still
    // restore the terminal instead of killing the process in raw mode.
    let signals = Signals::new()?;
    let mouse = setup.config.mouse;
    let mut terminal = ratatui::init();
    if mouse {
        mouse_capture_on()?;
    }
    let result = event_loop(&mut terminal, setup, signals).await;
    if mouse {
        let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

/// A session is run by the loop itself (it owns the terminal); other effects go to the
/// runner.
fn take_or_run(
    effect: crate::app::Effect,
    runner: &mut effects::Runner,
    session: &mut Option<crate::app::msg::SessionTarget>,
) {
    match effect {
        crate::app::Effect::Session(target) if session.is_none() => *session = Some(target),
        other => runner.run(other),
    }
}

/// Mouse reporting on, and off again on a panic, before ratatui's hook restores the rest.
fn mouse_capture_on() -> io::Result<()> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
    crossterm::execute!(io::stdout(), EnableMouseCapture)
}

/// Poll events taken in one go: `first` and whatever else is already waiting, so a
/// burst (every node answering at start-up, a poll round) is one update and one frame.
const POLL_BATCH: usize = 4096;

fn poll_batch(first: PollEvent, polls: &mut mpsc::Receiver<PollEvent>) -> Msg {
    let mut events = vec![first];
    while events.len() < POLL_BATCH {
        match polls.try_recv() {
            Ok(event) => events.push(event),
            Err(_) => break,
        }
    }
    if events.len() == 1 {
        Msg::Poll(events.remove(0))
    } else {
        Msg::Polls(events)
    }
}

struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    setup: ConsoleSetup,
    mut signals: Signals,
) -> io::Result<()> {
    let mut state = State::with_config(
        setup.config.clone(),
        setup.read_only,
        setup.config_label,
        setup.inventory_path.display().to_string(),
        Keymap::defaults(),
    );
    state.theme = setup.theme;
    let (keymap, warnings) = Keymap::defaults().with_overrides(&setup.config.keys);
    state.keymap = keymap;
    state.now = crate::inventory::now_rfc3339();
    for w in warnings {
        state.log(crate::app::Level::Warn, w);
    }
    state.note_config(&setup.notes);
    let size = terminal.size()?;
    state.resize(size.width, size.height);
    // The first frame goes out before any slow work starts: every node is listed, as
    // "unknown", before any of them has answered.
    terminal.draw(|f| crate::ui::render(f, &state))?;
    state.dirty = false;

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let (poll_tx, mut polls) = mpsc::channel::<PollEvent>(256);
    let links = match build_links(&setup.config, setup.read_only) {
        Ok(links) => Some(Arc::new(links)),
        Err(e) => {
            tracing::error!(error = %e, "cannot build the node links; the fleet is not polled");
            None
        }
    };
    let poller = links
        .clone()
        .map(|links| Poller::spawn(setup.config.clone(), links, poll_tx));
    // Data ages are measured from here for nodes that never answer.
    state.polling_since = Some(crate::inventory::now_rfc3339());
    let runner_inventory_path = setup.inventory_path.clone();
    let handover = handover::Handover {
        links: links.clone(),
        config: setup.config.clone(),
        inventory_path: setup.inventory_path.clone(),
        read_only: setup.read_only,
        mouse: setup.config.mouse,
    };
    let audit_tx = tx.clone();
    let mut runner = effects::Runner::new(
        tx,
        setup.inventory_path,
        setup.read_only,
        poller,
        links,
        setup.config.clone(),
    );
    runner.load_sites();
    runner.reconcile();
    audit_watch::spawn(
        runner_inventory_path,
        setup.read_only,
        Duration::from_secs(setup.config.refresh_secs.max(1)),
        audit_tx,
    );

    let mut events = EventStream::new();
    let keymap = state.keymap.clone();
    // Staleness and countdowns move with the clock, which `update` never reads: a tick
    // hands it the time. It redraws only when something shown changed.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    while !state.should_quit {
        let mut suspend = false;
        let msg = tokio::select! {
            event = events.next() => match event {
                // Whatever has the keyboard: Ctrl-Z is job control, not a key of a view.
                Some(Ok(event)) if keys::is_suspend(&event) => {
                    suspend = true;
                    None
                }
                Some(Ok(event)) => keys::to_msg(event, state.text_input(), &keymap),
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(msg) = rx.recv() => Some(msg),
            Some(event) = polls.recv() => Some(poll_batch(event, &mut polls)),
            _ = tick.tick() => Some(Msg::Tick),
            _ = signals.term.recv() => Some(Msg::Signal("SIGTERM")),
            _ = signals.hup.recv() => Some(Msg::Signal("SIGHUP")),
            _ = signals.int.recv() => Some(Msg::Signal("SIGINT")),
            // Never half alive: a panicked task ends the console (main says where the log is).
            _ = PANIC_NOTICE.notified() => break,
        };
        if suspend {
            // The key reader goes away while stopped, as for a session: the shell reads
            // the keyboard meanwhile.
            drop(events);
            let after = suspend::suspend(terminal, handover.mouse);
            events = EventStream::new();
            for msg in after? {
                for effect in update_at(&mut state, msg, crate::inventory::now_rfc3339()) {
                    runner.run(effect);
                }
            }
            terminal.draw(|f| crate::ui::render(f, &state))?;
            state.dirty = false;
            continue;
        }
        // Keys with no binding change nothing, so nothing is redrawn.
        let Some(msg) = msg else { continue };
        if let Msg::Signal(name) = &msg {
            tracing::info!(signal = name, "leaving on signal");
        }
        let mut session = None;
        for effect in update_at(&mut state, msg, crate::inventory::now_rfc3339()) {
            take_or_run(effect, &mut runner, &mut session);
        }
        // Whatever else already arrived (a burst of log lines...) goes in the same frame.
        while !state.should_quit && session.is_none() {
            let Ok(more) = rx.try_recv() else { break };
            for effect in update_at(&mut state, more, crate::inventory::now_rfc3339()) {
                take_or_run(effect, &mut runner, &mut session);
            }
        }
        if let Some(target) = session {
            // The key reader goes away for the session: it would read the keys meant
            // for the remote shell.
            drop(events);
            let after = handover.run(terminal, target).await;
            events = EventStream::new();
            for msg in after? {
                for effect in update_at(&mut state, msg, crate::inventory::now_rfc3339()) {
                    runner.run(effect);
                }
            }
        }
        if !state.should_quit && state.dirty {
            if std::mem::take(&mut state.redraw_all) {
                // Forget what the terminal shows, so the next frame writes every cell.
                terminal.clear()?;
            }
            terminal.draw(|f| crate::ui::render(f, &state))?;
            state.dirty = false;
        }
    }
    if runner.ops_running() > 0 {
        // An apply cut off half done could leave what it must undo: let it end.
        let limit = Duration::from_secs(crate::app::update::QUIT_WAIT_SECS);
        state.now = crate::inventory::now_rfc3339();
        state.log(
            crate::app::Level::Warn,
            format!(
                "waiting for the operation in flight to end (at most {} s)",
                limit.as_secs()
            ),
        );
        terminal.draw(|f| crate::ui::render(f, &state))?;
        if !runner.wait_for_ops(limit).await {
            tracing::warn!("quit with an operation still running after {limit:?}");
        }
    }
    Ok(())
}
