//! Handing the terminal to a shell (`e`): leave the alternate screen (raw mode stays, as
//! the remote PTY needs every byte), run the session through the same code as `fleetdeck
//! ssh|exec`, then take the terminal back and redraw everything. The event loop drops its
//! key reader first and makes a new one after, so no keystroke meant for the session is
//! read by the console, and none typed after it is lost to the session.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};

use crate::act::open::{self, OpenError, Terminal};
use crate::act::pump::Ended;
use crate::act::run::{self, Failed, Shape};
use crate::actor::Actor;
use crate::app::Msg;
use crate::app::msg::SessionTarget;
use crate::config::Config;
use crate::inventory::Inventory;
use crate::transport::links::NodeLink;

use crate::contract::docker::CONNECT;
/// Input still arriving this long after a session (terminal replies, a last keystroke of
/// the session) is dropped rather than read as console keys.
const SETTLE: Duration = Duration::from_millis(60);

pub struct Handover {
    pub links: Option<Arc<BTreeMap<String, NodeLink>>>,
    pub config: Arc<Config>,
    pub inventory_path: PathBuf,
    pub read_only: bool,
    pub mouse: bool,
}

impl Handover {
    /// Run the session; the messages for `update` afterwards (the terminal's size, which
    /// may have changed meanwhile, and how the session ended).
    pub async fn run(
        &self,
        terminal: &mut ratatui::DefaultTerminal,
        target: SessionTarget,
    ) -> io::Result<Vec<Msg>> {
        let label = target.label();
        if self.read_only {
            // `update` refuses first; this is the driver's own refusal.
            return Ok(vec![Msg::SessionEnded {
                ok: false,
                text: format!("{label}: refused in read-only mode"),
            }]);
        }
        leave_screen(self.mouse)?;
        let text = self.session(&target, &label).await;
        settle_input();
        enter_screen(self.mouse)?;
        terminal.clear()?;
        let (width, height) = crossterm::terminal::size()?;
        let (ok, text) = text;
        Ok(vec![
            Msg::Resized { width, height },
            Msg::SessionEnded { ok, text },
        ])
    }

    async fn session(&self, target: &SessionTarget, label: &str) -> (bool, String) {
        let Some(link) = self.links.as_ref().and_then(|l| l.get(&target.node)) else {
            return (false, format!("{label}: node {} has no link", target.node));
        };
        print_raw(&format!(
            "\r\nfleetdeck: {label} (Enter ~ . ends a hung session){}\r\n",
            if target.container.is_none() && link.is_local() {
                ", a local shell"
            } else {
                ""
            }
        ));
        let tty = Terminal::current();
        let inventory = Inventory::open(&self.inventory_path)
            .map_err(|e| tracing::error!(error = %e, "no inventory for the session's audit row"))
            .ok();
        let shape = Shape {
            action: if target.container.is_some() {
                "exec"
            } else {
                "ssh"
            },
            node: &target.node,
            container: target.container.as_ref().map(|c| c.name.as_str()),
            command: None,
            tty: Some(tty.clone()),
        };
        let opened = match &target.container {
            None if link.is_local() => return local_shell(label),
            None => open::node_session(link, None, Some(&tty)).await,
            Some(c) => match link.docker_client(CONNECT).await {
                Ok(client) => {
                    open::container_session(&client, &c.id, &c.name, None, Some(&tty)).await
                }
                Err(source) => Err(OpenError::Docker {
                    container: c.name.clone(),
                    source,
                }),
            },
        };
        let outcome = run::run(
            &shape,
            opened,
            &self.config.audit,
            inventory.as_ref(),
            &Actor::from_env(),
        )
        .await;
        let secs = outcome.duration.as_secs_f64();
        let mut result = match outcome.ended {
            Ok(Ended::Exited(status)) => (
                status.process_code() == 0,
                format!("{label}: {} after {secs:.1} s", status.describe()),
            ),
            Ok(Ended::Disconnected) => (true, format!("{label}: ended with ~. after {secs:.1} s")),
            Err(Failed::Open(e)) => (false, format!("{label}: {e}")),
            Err(e) => (false, format!("{label}: {e}")),
        };
        if let Some(p) = outcome.recording_problem {
            result.1.push_str(&format!(" (recording: {p})"));
        }
        result
    }
}

/// The local node: its login shell on this terminal, in cooked mode as a shell expects.
fn local_shell(label: &str) -> (bool, String) {
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into());
    let _ = crossterm::terminal::disable_raw_mode();
    let started = std::time::Instant::now();
    let status = std::process::Command::new(&shell).status();
    let _ = crossterm::terminal::enable_raw_mode();
    let secs = started.elapsed().as_secs_f64();
    match status {
        Ok(s) => (
            s.success(),
            format!(
                "{label}: local shell, exit {} after {secs:.1} s",
                s.code().unwrap_or(-1)
            ),
        ),
        Err(e) => (false, format!("{label}: cannot start {shell}: {e}")),
    }
}

fn print_raw(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

pub(super) fn leave_screen(mouse: bool) -> io::Result<()> {
    let mut out = io::stdout();
    if mouse {
        crossterm::execute!(out, DisableMouseCapture)?;
    }
    crossterm::execute!(out, LeaveAlternateScreen, Show)
}

pub(super) fn enter_screen(mouse: bool) -> io::Result<()> {
    let mut out = io::stdout();
    crossterm::execute!(out, EnterAlternateScreen, Hide)?;
    if mouse {
        crossterm::execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// Drop input that arrives right after the session: replies to the remote program's
/// terminal queries, and bytes crossterm's reader took before it was dropped.
fn settle_input() {
    let deadline = std::time::Instant::now() + SETTLE * 4;
    while std::time::Instant::now() < deadline {
        match crossterm::event::poll(SETTLE) {
            Ok(true) => {
                let _ = crossterm::event::read();
            }
            _ => break,
        }
    }
}
