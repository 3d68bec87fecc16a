//! Recordings of interactive sessions in the asciicast v2 format: a header line, then one
//! `[seconds, "o", text]` line per piece of output and `[seconds, "r", "COLSxROWS"]` per
//! resize. Output only: keystrokes (passwords typed at a prompt) are never written.
//! Files are created owner-only in an owner-only directory. A recording that cannot be
//! written is given up with a warning; it never stops the session.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::pump::OutputSink;

/// A recording stops growing past this size (a `cat` of a huge file must not fill the disk).
pub const MAX_RECORDING_BYTES: u64 = 64 * 1024 * 1024;

pub struct Recorder {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    started: Instant,
    written: u64,
    /// The start of a UTF-8 sequence cut by the end of the last chunk.
    carry: Vec<u8>,
    /// Why recording stopped, if it did.
    pub problem: Option<String>,
}

/// What goes in the header.
pub struct Header<'a> {
    pub cols: u16,
    pub rows: u16,
    pub title: &'a str,
    pub term: &'a str,
}

impl Recorder {
    /// Create `dir/<name>.cast` and write the header.
    pub fn create(dir: &Path, name: &str, header: &Header<'_>) -> Result<Recorder, String> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // An existing directory keeps its mode from mkdir; make sure others cannot read in.
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        let path = dir.join(format!("{name}.cast"));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut rec = Recorder {
            path,
            out: Some(BufWriter::new(file)),
            started: Instant::now(),
            written: 0,
            carry: Vec::new(),
            problem: None,
        };
        let line = serde_json::json!({
            "version": 2,
            "width": header.cols,
            "height": header.rows,
            "timestamp": time::OffsetDateTime::now_utc().unix_timestamp(),
            "title": header.title,
            "env": { "TERM": header.term },
        });
        rec.line(&line.to_string());
        match rec.problem.take() {
            Some(p) => Err(p),
            None => Ok(rec),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn elapsed(&self) -> f64 {
        (self.started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1_000_000.0
    }

    fn line(&mut self, text: &str) {
        let Some(out) = self.out.as_mut() else { return };
        let len = text.len() as u64 + 1;
        if self.written + len > MAX_RECORDING_BYTES {
            self.stop(format!(
                "recording stopped at {} MiB",
                MAX_RECORDING_BYTES / 1024 / 1024
            ));
            return;
        }
        match writeln!(out, "{text}") {
            Ok(()) => self.written += len,
            Err(e) => self.stop(format!("cannot write {}: {e}", self.path.display())),
        }
    }

    fn stop(&mut self, why: String) {
        tracing::warn!(path = %self.path.display(), %why, "session recording given up");
        if let Some(mut out) = self.out.take() {
            let _ = out.flush();
        }
        self.problem.get_or_insert(why);
    }

    /// Flush and close; the problem, if recording stopped early.
    pub fn finish(mut self) -> Option<String> {
        if !self.carry.is_empty() {
            let rest = String::from_utf8_lossy(&self.carry).into_owned();
            self.carry.clear();
            self.event("o", &rest);
        }
        if let Some(mut out) = self.out.take()
            && let Err(e) = out.flush()
        {
            self.problem
                .get_or_insert(format!("cannot write {}: {e}", self.path.display()));
        }
        self.problem
    }

    fn event(&mut self, kind: &str, data: &str) {
        let line = serde_json::json!([self.elapsed(), kind, data]).to_string();
        self.line(&line);
    }
}

impl OutputSink for Recorder {
    fn output(&mut self, data: &[u8]) {
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(data);
        let cut = utf8_boundary(&bytes);
        self.carry = bytes.split_off(cut);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if !text.is_empty() {
            self.event("o", &text);
        }
    }

    fn resized(&mut self, cols: u16, rows: u16) {
        self.event("r", &format!("{cols}x{rows}"));
    }
}

/// Where the valid UTF-8 prefix ends, leaving out an incomplete sequence at the very end
/// (at most 3 bytes) so it can be completed by the next chunk.
fn utf8_boundary(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=3.min(len) {
        let b = bytes[len - back];
        if b & 0b1100_0000 == 0b1000_0000 {
            continue; // a continuation byte: look further back for the lead
        }
        let need = match b {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => return len,
        };
        return if need > back { len - back } else { len };
    }
    len
}

/// One event read back from a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub at: f64,
    pub kind: String,
    pub data: String,
}

/// Read a recording: its header and its events. Lines that are not events are skipped.
pub fn read(path: &Path) -> Result<(serde_json::Value, Vec<Frame>), String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: serde_json::Value = lines
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .filter(|h: &serde_json::Value| h.get("version").and_then(|v| v.as_u64()) == Some(2))
        .ok_or_else(|| format!("{} is not an asciicast v2 recording", path.display()))?;
    let frames = lines
        .filter_map(|l| serde_json::from_str::<(f64, String, String)>(l).ok())
        .map(|(at, kind, data)| Frame { at, kind, data })
        .collect();
    Ok((header, frames))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_sequences_cut_between_chunks_are_kept_whole() {
        let e = "é".as_bytes(); // c3 a9
        assert_eq!(utf8_boundary(&[b'a', e[0]]), 1);
        assert_eq!(utf8_boundary(&[b'a', e[0], e[1]]), 3);
        let euro = "€".as_bytes(); // 3 bytes
        assert_eq!(utf8_boundary(&euro[..2]), 0);
        assert_eq!(utf8_boundary(b"plain"), 5);
    }

    #[test]
    fn a_recording_is_owner_only_and_reads_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let sessions = dir.path().join("sessions");
        let header = Header {
            cols: 80,
            rows: 24,
            title: "h1",
            term: "xterm",
        };
        let mut rec = Recorder::create(&sessions, "s1", &header).expect("create");
        let euro = "€".as_bytes();
        rec.output(b"hello ");
        rec.output(&euro[..1]);
        rec.output(&euro[1..]);
        rec.resized(100, 30);
        let path = rec.path().to_path_buf();
        assert_eq!(rec.finish(), None);
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dmode = fs::metadata(&sessions).expect("meta").permissions().mode() & 0o777;
        assert_eq!(dmode, 0o700);
        let (header, frames) = read(&path).expect("read");
        assert_eq!(header["width"], 80);
        let text: String = frames
            .iter()
            .filter(|f| f.kind == "o")
            .map(|f| f.data.as_str())
            .collect();
        assert_eq!(text, "hello €");
        assert!(frames.iter().any(|f| f.kind == "r" && f.data == "100x30"));
    }
}
