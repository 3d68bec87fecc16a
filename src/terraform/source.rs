//! The shell around the pure reader: the state file read from disk, or `terraform show
//! -json` run in a working directory. `show` only reads: it never plans, applies,
//! refreshes or takes the state lock (README "Nodes from Terraform").

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::state::{Instance, StateError, parse};

/// How long `terraform show` may take (a remote backend answers over the network).
pub const SHOW_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read state {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot run `terraform show -json` in {}: {source} (is terraform installed and on PATH?)", dir.display())]
    Spawn {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`terraform show -json` in {} took more than {}s; stopped it", dir.display(), SHOW_TIMEOUT.as_secs())]
    Timeout { dir: PathBuf },
    #[error("`terraform show -json` in {} failed: {message}", dir.display())]
    Show { dir: PathBuf, message: String },
    #[error("state from {what}: {source}")]
    Parse {
        what: String,
        #[source]
        source: StateError,
    },
}

/// The instances of a state file.
pub fn from_file(path: &Path) -> Result<Vec<Instance>, SourceError> {
    let text = std::fs::read_to_string(path).map_err(|source| SourceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|source| SourceError::Parse {
        what: path.display().to_string(),
        source,
    })
}

/// The instances `terraform show -json` prints in `dir`, whatever its backend.
pub fn from_dir(dir: &Path) -> Result<Vec<Instance>, SourceError> {
    let mut child = Command::new("terraform")
        .args(["show", "-json", "-no-color"])
        .current_dir(dir)
        // Never a prompt, never a checkpoint call home.
        .env("TF_INPUT", "0")
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| SourceError::Spawn {
            dir: dir.to_path_buf(),
            source,
        })?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let deadline = Instant::now() + SHOW_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SourceError::Timeout {
                    dir: dir.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(SourceError::Spawn {
                    dir: dir.to_path_buf(),
                    source,
                });
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    if !status.success() {
        let stderr = err.join().unwrap_or_default();
        return Err(SourceError::Show {
            dir: dir.to_path_buf(),
            message: first_error_line(&stderr),
        });
    }
    parse(&stdout).map_err(|source| SourceError::Parse {
        what: format!("`terraform show -json` in {}", dir.display()),
        source,
    })
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Terraform's error box, shortened to its first meaningful line and escaped: the first
/// `Error:` line, since warnings may come first (a missing CLI configuration file is
/// one), else the first line. Terraform's diagnostics do not echo attribute values.
fn first_error_line(stderr: &str) -> String {
    let lines = || {
        stderr
            .lines()
            .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim())
            .filter(|l| !l.is_empty())
    };
    let line = lines()
        .find(|l| l.starts_with("Error:"))
        .or_else(|| lines().next())
        .unwrap_or("no message");
    let short: String = line.chars().take(200).collect();
    crate::validate::printable(&short).into_owned()
}

#[cfg(test)]
mod tests {
    use super::first_error_line;

    #[test]
    fn the_error_line_is_picked_past_warnings() {
        // What terraform 1.11 prints with TF_CLI_CONFIG_FILE naming a missing file, in a
        // directory whose backend was never initialised.
        let stderr = "There are some problems with the CLI configuration:\n\u{2577}\n\
                      \u{2502} Warning: Unable to open CLI configuration file\n\u{2575}\n\n\
                      Error: Backend initialization required, please run \"terraform init\"\n\n\
                      Reason: Initial configuration of the requested backend \"local\"\n";
        assert_eq!(
            first_error_line(stderr),
            "Error: Backend initialization required, please run \"terraform init\""
        );
        assert_eq!(
            first_error_line("\u{2577}\n\u{2502} Something odd\n"),
            "Something odd"
        );
        assert_eq!(first_error_line(""), "no message");
    }
}
