//! Logs go to a file in the state directory, never to the terminal the console owns.
//! The file rotates by size (`rotate.rs`): 10 MiB, then `fleetdeck.log.1` to `.3`.

mod rotate;

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where the log went, and the guard that flushes it on drop.
pub struct LogHandle {
    pub path: Option<PathBuf>,
    _guard: Option<WorkerGuard>,
}

/// Start logging to `<state dir>/fleetdeck/fleetdeck.log` (level from `FLEETDECK_LOG`,
/// default `info`). When no directory or file can be had, log nothing rather than to the
/// screen.
pub fn init() -> LogHandle {
    let Some(dir) = crate::config::paths::log_dir() else {
        return LogHandle {
            path: None,
            _guard: None,
        };
    };
    let path = dir.join("fleetdeck.log");
    let opened = private_log_dir(&dir)
        .and_then(|_| rotate::RotatingFile::open(&path, rotate::LIMIT, rotate::KEEP));
    let Ok(file) = opened else {
        return LogHandle {
            path: None,
            _guard: None,
        };
    };
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
        path: installed.then_some(path),
        _guard: Some(guard),
    }
}

/// The log directory (0700; the file is 0600, see `rotate.rs`): the log names hosts,
/// users, commands and errors of the whole fleet, so it is readable by its owner only,
/// whatever the umask. An existing directory of ours is tightened too (older versions
/// left 0755).
fn private_log_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_log_directory_and_file_are_private_even_when_they_existed() {
        let base = tempfile::tempdir().expect("tempdir");
        let dir = base.path().join("state/fleetdeck");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(dir.join("fleetdeck.log"), "old\n").expect("old log");
        private_log_dir(&dir).expect("private");
        let log = dir.join("fleetdeck.log");
        rotate::RotatingFile::open(&log, rotate::LIMIT, rotate::KEEP).expect("open");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("fleetdeck.log")), 0o600);
        assert_eq!(
            std::fs::read_to_string(dir.join("fleetdeck.log")).expect("log"),
            "old\n",
            "an existing log is kept"
        );
        let fresh = base.path().join("other/fleetdeck");
        private_log_dir(&fresh).expect("fresh");
        assert_eq!(mode(&fresh), 0o700);
    }
}
