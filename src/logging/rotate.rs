//! A log file that rotates by size: past `limit` bytes, `fleetdeck.log` becomes
//! `fleetdeck.log.1`, `.1` becomes `.2`, and so on up to `keep` old files; the oldest
//! goes. A console left open for weeks, or a cron job every minute, can no longer fill the
//! disk. Every file is created 0600: the log names hosts, users and commands.
//!
//! Several fleetdeck processes may write the same log (the console and a cron `tree`).
//! Each counts its own writes, so the file can exceed the limit by what the others wrote,
//! never without bound; a process that finds its file already rotated by another reopens
//! the new one instead of rotating again.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// 10 MiB, then a new file.
pub const LIMIT: u64 = 10 * 1024 * 1024;
/// Old files kept beside the current one.
pub const KEEP: u32 = 3;

pub struct RotatingFile {
    path: PathBuf,
    limit: u64,
    keep: u32,
    file: File,
    /// Bytes in the file: its size when opened, plus what this process wrote since.
    size: u64,
}

impl RotatingFile {
    pub fn open(path: &Path, limit: u64, keep: u32) -> io::Result<RotatingFile> {
        let file = open_private(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            limit,
            keep,
            file,
            size,
        })
    }

    /// `fleetdeck.log.N`.
    fn old(&self, n: u32) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// Start a new file, unless another process already did (the path names another file
    /// than ours): then write to that one.
    fn rotate(&mut self) -> io::Result<()> {
        let ours = self.file.metadata()?;
        let rotated_by_other = std::fs::metadata(&self.path)
            .map(|m| m.ino() != ours.ino() || m.dev() != ours.dev())
            .unwrap_or(false);
        if !rotated_by_other {
            for n in (1..self.keep).rev() {
                match std::fs::rename(self.old(n), self.old(n + 1)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            if self.keep == 0 {
                std::fs::remove_file(&self.path)?;
            } else {
                std::fs::rename(&self.path, self.old(1))?;
            }
        }
        self.file = open_private(&self.path)?;
        self.size = self.file.metadata()?.len();
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Rotate before a write that would cross the limit, so a file holds whole lines
        // (the non-blocking writer hands over one event at a time).
        if self.size > 0 && self.size + buf.len() as u64 > self.limit && self.rotate().is_err() {
            // Keep writing where we are: a log past its limit beats lost lines. Retry
            // after another `limit` bytes rather than at every line.
            self.size = 0;
        }
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Open for appending, creating it 0600; the mode is set again because `mode()` only
/// applies to a file this call creates, and through the umask.
fn open_private(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
    }

    fn line(i: usize) -> Vec<u8> {
        format!("line {i:04} {}\n", "x".repeat(40)).into_bytes()
    }

    #[test]
    fn rotates_past_the_limit_and_keeps_three_private_old_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fleetdeck.log");
        let mut log = RotatingFile::open(&path, 1000, 3).expect("open");
        for i in 0..200 {
            log.write_all(&line(i)).expect("write");
        }
        log.flush().expect("flush");
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "fleetdeck.log",
                "fleetdeck.log.1",
                "fleetdeck.log.2",
                "fleetdeck.log.3"
            ]
        );
        let read = |p: &Path| std::fs::read_to_string(p).expect("read");
        for p in [path.clone(), log.old(1), log.old(2), log.old(3)] {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
            assert!(read(&p).len() <= 1000, "{} over the limit", p.display());
            assert!(read(&p).ends_with('\n'), "whole lines in {}", p.display());
        }
        // Newest in the current file, older ones in order, the very oldest gone.
        assert!(read(&path).contains("line 0199"));
        let first = |p: &Path| read(p)[5..9].parse::<u32>().expect("number");
        assert!(first(&log.old(3)) < first(&log.old(2)));
        assert!(first(&log.old(2)) < first(&log.old(1)));
        assert!(first(&log.old(1)) < first(&path));
        assert!(!read(&log.old(3)).contains("line 0000"), "oldest dropped");
    }

    #[test]
    fn an_existing_log_counts_and_is_made_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fleetdeck.log");
        std::fs::write(&path, "x".repeat(990)).expect("old log");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let mut log = RotatingFile::open(&path, 1000, 3).expect("open");
        assert_eq!(mode(&path), 0o600);
        log.write_all(&line(1)).expect("write");
        assert_eq!(std::fs::read(log.old(1)).expect("old").len(), 990);
        assert_eq!(std::fs::read(&path).expect("new"), line(1));
    }

    #[test]
    fn a_file_rotated_by_another_process_is_reopened_not_rotated_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fleetdeck.log");
        let mut a = RotatingFile::open(&path, 1000, 3).expect("a");
        let mut b = RotatingFile::open(&path, 1000, 3).expect("b");
        a.write_all(&"a".repeat(900).into_bytes())
            .expect("a writes");
        b.write_all(&line(0)).expect("b writes");
        // Each counts only its own writes: make both sure the next line crosses the limit.
        a.size = 990;
        a.write_all(&line(1)).expect("a rotates");
        b.size = 990;
        b.write_all(&line(2)).expect("b follows");
        let current = std::fs::read_to_string(&path).expect("current");
        assert_eq!(
            current.lines().count(),
            2,
            "both in the new file: {current}"
        );
        assert!(!a.old(2).exists(), "rotated once, not twice");
    }
}
