//! The remote half of `proxy apply` (pure: the script, its argv, and reading its report).
//!
//! Why one script, run as `flock -E 75 -w <secs> <lockfile> sh -c SCRIPT fleetdeck-proxy
//! <args>` with the new file on stdin, rather than one remote command per step:
//! - the node never holds a half-written or untested config for longer than the test
//!   takes, even if the SSH connection drops: the script ignores SIGHUP/SIGPIPE and always
//!   runs to its end (restoring on failure), instead of stopping between "moved into
//!   place" and "tested";
//! - `flock` serializes applies on the node itself, whoever runs them (admins with
//!   another inventory, another bastion), and the staleness check (the deployed file is
//!   still the one the plan was made against) happens under that same lock;
//! - the script text is a constant: the path, the expected checksum and both commands are
//!   positional arguments, quoted once by the transport and never interpolated into it.
//!
//! Work files sit next to the target, so the final `mv` is an atomic rename on one file
//! system, and are hidden (`.name.fleetdeck-*`): nginx's `include dir/*` (Debian's
//! `sites-enabled/*`) and `include dir/*.conf` both skip dot files, so a backup or a
//! half-uploaded file is never loaded as configuration.

use std::path::Path;
use std::time::Duration;

use sha1::{Digest, Sha1};

use crate::transport::exec::RemoteCommand;

/// flock's exit status when the node lock stayed busy for the whole wait.
pub const BUSY_STATUS: i32 = 75;

/// The script. `$1` target, `$2` sha1 of the file the plan saw (or `absent`), `$3` sha1
/// of the new file as sent, `$4` this apply's run token, `$5` the number of words of
/// test_cmd, then test_cmd, then reload_cmd. The token is written to `.<file>.fleetdeck-run`
/// under the lock: a second delivery of the same run (a transport that sent the command
/// again after losing the link mid-way) finds it there and changes nothing (`replayed`). The new file's checksum is verified before anything else changes: an
/// upload cut mid-way (a dropped connection ends stdin early, and `cat` succeeds on what
/// it got) installs nothing. One `fleetdeck-step`
/// line on stdout per step done; commands' own output goes to stderr.
const SCRIPT: &str = r#"set -u
trap '' HUP PIPE INT
umask 022
target=$1 expect=$2 want=$3 run=$4 n=$5
shift 5
dir=$(dirname -- "$target")
base=$(basename -- "$target")
new="$dir/.$base.fleetdeck-new"
bak="$dir/.$base.fleetdeck-bak"
runf="$dir/.$base.fleetdeck-run"
step() { printf 'fleetdeck-step %s\n' "$1"; }
# the first $1 words of the rest, run as a command (POSIX sh has no arrays)
first() { k=$1; shift; i=0; for a do shift; if [ "$i" -lt "$k" ]; then set -- "$@" "$a"; fi; i=$((i+1)); done; "$@"; }
# the words after the first $1, run as a command
rest() { shift "$(($1 + 1))"; "$@"; }
step locked
if [ -e "$runf" ] && [ "$(cat -- "$runf")" = "$run" ]; then step replayed; exit 16; fi
printf '%s\n' "$run" > "$runf" || { step check-failed; exit 13; }
if [ -e "$target" ]; then
  sum=$(sha1sum < "$target") || { step check-failed; exit 13; }
  sum=${sum%% *}
else
  sum=absent
fi
if [ "$sum" != "$expect" ]; then step stale; exit 14; fi
if ! cat > "$new"; then rm -f -- "$new"; step upload-failed; exit 10; fi
got=$(sha1sum < "$new") || { rm -f -- "$new"; step upload-failed; exit 10; }
got=${got%% *}
if [ "$got" != "$want" ]; then rm -f -- "$new"; step upload-cut; exit 15; fi
step uploaded
had=
if [ -e "$target" ]; then
  if ! cp -p -- "$target" "$bak"; then rm -f -- "$new"; step backup-failed; exit 11; fi
  had=1
  step backed-up
fi
if ! mv -f -- "$new" "$target"; then rm -f -- "$new"; step install-failed; exit 12; fi
step installed
# the backup is copied back (through $new, so the swap stays one atomic rename) and kept:
# if nginx cannot take the previous config either, the operator still has it by name
restore() { if [ -n "$had" ]; then cp -p -- "$bak" "$new" && mv -f -- "$new" "$target"; else rm -f -- "$target"; fi; }
if ! first "$n" "$@" < /dev/null >&2; then
  step test-failed
  if restore; then step restored; exit 20; fi
  step restore-failed; exit 21
fi
step tested
if ! rest "$n" "$@" < /dev/null >&2; then
  step reload-failed
  if ! restore; then step restore-failed; exit 31; fi
  step restored
  if rest "$n" "$@" < /dev/null >&2; then step reloaded-previous; exit 30; fi
  step reload-previous-failed; exit 32
fi
step reloaded
"#;

/// The files the script uses next to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkFiles {
    pub lock: String,
    pub backup: String,
}

impl WorkFiles {
    /// `None` when `target` has no directory and file name (config check requires an
    /// absolute path, so only "/" fails).
    pub fn for_target(target: &str) -> Option<WorkFiles> {
        let path = Path::new(target);
        let dir = path.parent()?.to_str()?;
        let base = path.file_name()?.to_str()?;
        let dir = dir.trim_end_matches('/');
        Some(WorkFiles {
            lock: format!("{dir}/.{base}.fleetdeck-lock"),
            backup: format!("{dir}/.{base}.fleetdeck-bak"),
        })
    }
}

/// sha1 of the deployed file the plan was made against, as `sha1sum` prints it, or
/// `absent`. Only detects change; it guards nothing secret.
pub fn fingerprint(current: Option<&str>) -> String {
    match current {
        None => "absent".into(),
        Some(text) => Sha1::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    }
}

/// A token no other apply uses: this machine, this process, the time in nanoseconds.
pub fn run_token(host: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{host}-{}-{nanos}", std::process::id())
}

/// What one apply sends to the node.
pub struct SwapRequest<'a> {
    pub target: &'a str,
    pub files: &'a WorkFiles,
    pub current: Option<&'a str>,
    pub desired: &'a str,
    /// Unique to this apply (see [`run_token`]).
    pub run: &'a str,
    pub test_cmd: &'a [String],
    pub reload_cmd: &'a [String],
    pub lock_wait: Duration,
}

pub fn swap_command(req: &SwapRequest<'_>) -> RemoteCommand {
    let wait = req.lock_wait.as_secs().max(1);
    let mut argv: Vec<String> = vec![
        "flock".into(),
        "-E".into(),
        BUSY_STATUS.to_string(),
        "-w".into(),
        wait.to_string(),
        req.files.lock.clone(),
        "sh".into(),
        "-c".into(),
        SCRIPT.into(),
        "fleetdeck-proxy".into(),
        req.target.into(),
        fingerprint(req.current),
        fingerprint(Some(req.desired)),
        req.run.into(),
        req.test_cmd.len().to_string(),
    ];
    argv.extend(req.test_cmd.iter().cloned());
    argv.extend(req.reload_cmd.iter().cloned());
    // The lock wait, then nginx's test and reload, each of which may take a while on a
    // big config.
    RemoteCommand::new(argv)
        .with_stdin(req.desired.as_bytes().to_vec())
        .with_timeout(Duration::from_secs(wait + 90))
}

/// One step the script reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Locked,
    /// This run was already delivered once (see the script's doc): nothing done.
    Replayed,
    CheckFailed,
    Stale,
    UploadFailed,
    /// The file that arrived is not the one sent: the upload was cut.
    UploadCut,
    Uploaded,
    BackupFailed,
    BackedUp,
    InstallFailed,
    Installed,
    TestFailed,
    Tested,
    Restored,
    RestoreFailed,
    ReloadFailed,
    ReloadedPrevious,
    ReloadPreviousFailed,
    Reloaded,
}

impl Step {
    fn parse(word: &str) -> Option<Step> {
        Some(match word {
            "locked" => Step::Locked,
            "replayed" => Step::Replayed,
            "check-failed" => Step::CheckFailed,
            "stale" => Step::Stale,
            "upload-failed" => Step::UploadFailed,
            "upload-cut" => Step::UploadCut,
            "uploaded" => Step::Uploaded,
            "backup-failed" => Step::BackupFailed,
            "backed-up" => Step::BackedUp,
            "install-failed" => Step::InstallFailed,
            "installed" => Step::Installed,
            "test-failed" => Step::TestFailed,
            "tested" => Step::Tested,
            "restored" => Step::Restored,
            "restore-failed" => Step::RestoreFailed,
            "reload-failed" => Step::ReloadFailed,
            "reloaded-previous" => Step::ReloadedPrevious,
            "reload-previous-failed" => Step::ReloadPreviousFailed,
            "reloaded" => Step::Reloaded,
            _ => return None,
        })
    }
}

/// The steps in the script's stdout, in order; other lines are ignored.
pub fn parse_steps(stdout: &str) -> Vec<Step> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("fleetdeck-step "))
        .filter_map(|w| Step::parse(w.trim()))
        .collect()
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;
