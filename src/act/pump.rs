//! Drives a [`RemoteSession`] from this process's own terminal or pipes: keyboard or
//! piped input to the remote, its output to stdout and stderr, the terminal's size after
//! every SIGWINCH, and `Enter ~ .` to end a hung session. The caller puts the terminal in
//! raw mode first when the session has a TTY.
//!
//! Standard input is read by a thread that polls with a short timeout and stops when the
//! session ends, so no read is left pending afterwards: a console that takes the terminal
//! back gets every keystroke typed after the session, none is swallowed by a stale read.

use std::io::Write;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;

use super::escape::EscapeScanner;
use super::session::{Event, ExitStatus, RemoteSession, SessionError};

/// How the local side behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PumpOptions {
    /// The session has a TTY: follow the terminal's size, and watch for `~.`.
    pub tty: bool,
}

/// Output the pump saw, for a recording (the time is taken by the recorder).
pub trait OutputSink: Send {
    fn output(&mut self, data: &[u8]);
    fn resized(&mut self, cols: u16, rows: u16);
}

/// How the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Exited(ExitStatus),
    /// `~.` was typed.
    Disconnected,
}

const STDIN_POLL: Duration = Duration::from_millis(50);

pub async fn pump(
    session: RemoteSession,
    options: PumpOptions,
    mut sink: Option<&mut dyn OutputSink>,
) -> Result<Ended, SessionError> {
    let RemoteSession {
        mut events,
        mut control,
    } = session;
    let (reader, mut input) = StdinReader::spawn();
    let mut winch = if options.tty {
        signal_hook_tokio::Signals::new([signal_hook::consts::SIGWINCH]).ok()
    } else {
        None
    };
    let mut escape = EscapeScanner::default();
    let mut stdin_open = true;
    let result = loop {
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Stdout(data))) => {
                    if let Some(s) = sink.as_deref_mut() {
                        s.output(&data);
                    }
                    write_all(std::io::stdout(), &data)?;
                }
                Some(Ok(Event::Stderr(data))) => {
                    if let Some(s) = sink.as_deref_mut() {
                        s.output(&data);
                    }
                    write_all(std::io::stderr(), &data)?;
                }
                Some(Ok(Event::Exit(status))) => break Ok(Ended::Exited(status)),
                Some(Err(e)) => break Err(e),
                None => break Ok(Ended::Exited(ExitStatus::Unknown)),
            },
            chunk = input.recv(), if stdin_open => match chunk {
                Some(data) => {
                    let data = if options.tty {
                        let scanned = escape.feed(&data);
                        if scanned.disconnect {
                            if !scanned.forward.is_empty() {
                                control.send(&scanned.forward).await?;
                            }
                            break Ok(Ended::Disconnected);
                        }
                        scanned.forward
                    } else {
                        data
                    };
                    if !data.is_empty() {
                        control.send(&data).await?;
                    }
                }
                None => {
                    stdin_open = false;
                    // With a TTY the remote's line discipline owns end-of-input (Ctrl-D);
                    // closing stdin would end an interactive shell under the user.
                    if !options.tty {
                        control.close_stdin().await?;
                    }
                }
            },
            Some(_) = next_signal(&mut winch) => {
                if let Ok((cols, rows)) = crossterm::terminal::size() {
                    if let Some(s) = sink.as_deref_mut() {
                        s.resized(cols, rows);
                    }
                    if let Err(e) = control.resize(cols, rows).await {
                        tracing::warn!(error = %e, "cannot pass the new terminal size on");
                    }
                }
            }
        }
    };
    reader.stop();
    result
}

async fn next_signal(signals: &mut Option<signal_hook_tokio::Signals>) -> Option<i32> {
    match signals {
        Some(s) => s.next().await,
        None => futures::future::pending().await,
    }
}

fn write_all(mut out: impl Write, data: &[u8]) -> Result<(), SessionError> {
    out.write_all(data)
        .and_then(|_| out.flush())
        .map_err(|e| SessionError(format!("cannot write the session's output here: {e}")))
}

/// The thread reading standard input, and how to stop it.
struct StdinReader {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StdinReader {
    /// Chunks of input, then `None` at end of input.
    fn spawn() -> (StdinReader, mpsc::Receiver<Vec<u8>>) {
        let (tx, rx) = mpsc::channel::<Vec<u8>>(16);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("fleetdeck-stdin".into())
            .spawn(move || read_stdin(&flag, &tx))
            .ok();
        (StdinReader { stop, thread }, rx)
    }

    /// Returns once the thread has stopped reading (within one poll interval).
    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_stdin(stop: &AtomicBool, tx: &mpsc::Sender<Vec<u8>>) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let stdin = std::io::stdin();
    let fd = stdin.as_fd();
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: i64::try_from(STDIN_POLL.as_nanos()).unwrap_or(50_000_000),
    };
    let mut buf = vec![0u8; 16 * 1024];
    while !stop.load(Ordering::Relaxed) {
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        }
        match rustix::io::read(fd, &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if tx.blocking_send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
            Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => continue,
            Err(_) => break,
        }
    }
    // Dropping the sender is the end-of-input the pump sees; after a stop nobody listens.
}
