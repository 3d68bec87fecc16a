//! Logs go to a file in the state directory, never to the terminal the console owns.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where the log went, and the guard that flushes it on drop.
pub struct LogHandle {
    pub path: Option<PathBuf>,
    _guard: Option<WorkerGuard>,
}

/// Start logging to `<state dir>/fleetdeck/fleetdeck.log` (level from `FLEETDECK_LOG`,
/// default `info`). When no directory can be had, log nothing rather than to the screen.
pub fn init() -> LogHandle {
    let Some(dir) = crate::config::paths::log_dir() else {
        return LogHandle {
            path: None,
            _guard: None,
        };
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return LogHandle {
            path: None,
            _guard: None,
        };
    }
    let file = tracing_appender::rolling::never(&dir, "fleetdeck.log");
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("FLEETDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .is_ok();
    LogHandle {
        path: installed.then(|| dir.join("fleetdeck.log")),
        _guard: Some(guard),
    }
}
