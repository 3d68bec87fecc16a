//! A container's log stream, read with bounds whatever the engine sends: frames are
//! demultiplexed as they arrive (a frame claiming 4 GiB is never gathered), and a line
//! longer than [`MAX_LOG_LINE`] is cut there, the rest of it skipped up to its newline.
//! A log line is data the admin wants to see, so a long one is shortened, not an error.

use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::frames::{Demux, Stream};
use super::{DockerClient, DockerError};

/// Longest log line kept, in bytes; a terminal shows far less than this of one line.
pub const MAX_LOG_LINE: usize = 16 * 1024;

/// Which output a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource {
    Stdout,
    Stderr,
    /// A container with a TTY: one stream, stdout and stderr mixed.
    Console,
}

/// One log line as the engine sent it (without its newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLogLine {
    pub source: LogSource,
    pub bytes: Vec<u8>,
    /// The line was longer than [`MAX_LOG_LINE`] and `bytes` holds its start only.
    pub cut: bool,
}

/// Splits bytes into lines, keeping at most `max` bytes of any line.
#[derive(Debug)]
pub struct CuttingLines {
    buf: Vec<u8>,
    max: usize,
    /// The current line was already handed on cut; its bytes are skipped to its end.
    skipping: bool,
}

impl CuttingLines {
    pub fn new(max: usize) -> CuttingLines {
        CuttingLines {
            buf: Vec::new(),
            max,
            skipping: false,
        }
    }

    /// The lines `data` completes or cuts, each with whether it was cut.
    pub fn push(&mut self, data: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let mut lines = Vec::new();
        for piece in data.split_inclusive(|b| *b == b'\n') {
            let (body, ends) = match piece.strip_suffix(b"\n") {
                Some(body) => (body, true),
                None => (piece, false),
            };
            if !self.skipping {
                let room = self.max - self.buf.len();
                self.buf.extend_from_slice(&body[..body.len().min(room)]);
                if body.len() > room {
                    lines.push((std::mem::take(&mut self.buf), true));
                    self.skipping = true;
                } else if ends {
                    lines.push((std::mem::take(&mut self.buf), false));
                }
            }
            if ends {
                self.skipping = false;
            }
        }
        lines
    }

    /// What is left of an unfinished line when the stream ends.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        let rest = std::mem::take(&mut self.buf);
        (!self.skipping && !rest.is_empty()).then_some(rest)
    }
}

/// The body of a followed logs request.
pub struct LogBody {
    body: Incoming,
    /// `None` for a TTY container, whose log is one raw stream.
    demux: Option<Demux>,
    stdout: CuttingLines,
    stderr: CuttingLines,
    target: String,
    what: String,
    done: bool,
    /// The run of the container this stream belongs to, read just before it opened.
    pub run: RunState,
}

impl LogBody {
    /// The lines the next piece of the body completes; `None` once the engine ended the
    /// stream (after the last unfinished line, if any).
    pub async fn next_lines(&mut self) -> Option<Result<Vec<RawLogLine>, DockerError>> {
        loop {
            if self.done {
                return None;
            }
            let frame = match self.body.frame().await {
                None => {
                    self.done = true;
                    let lines = self.finish();
                    return (!lines.is_empty()).then_some(Ok(lines));
                }
                Some(Ok(f)) => f,
                Some(Err(source)) => {
                    self.done = true;
                    return Some(Err(DockerError::Http {
                        target: self.target.clone(),
                        detail: super::error::chain(&source),
                        source,
                    }));
                }
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            match self.split(&data) {
                Ok(lines) if lines.is_empty() => continue,
                Ok(lines) => return Some(Ok(lines)),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }

    fn split(&mut self, data: &[u8]) -> Result<Vec<RawLogLine>, DockerError> {
        let mut out = Vec::new();
        let Some(demux) = self.demux.as_mut() else {
            push_lines(&mut out, LogSource::Console, self.stdout.push(data));
            return Ok(out);
        };
        let pieces = demux.feed(data).map_err(|e| DockerError::Status {
            target: self.target.clone(),
            what: self.what.clone(),
            status: 200,
            message: e.to_string(),
        })?;
        for (stream, piece) in pieces {
            match stream {
                Stream::Stdout => push_lines(&mut out, LogSource::Stdout, self.stdout.push(piece)),
                Stream::Stderr => push_lines(&mut out, LogSource::Stderr, self.stderr.push(piece)),
            }
        }
        Ok(out)
    }

    fn finish(&mut self) -> Vec<RawLogLine> {
        let source = if self.demux.is_some() {
            LogSource::Stdout
        } else {
            LogSource::Console
        };
        let mut out = Vec::new();
        if let Some(rest) = self.stdout.finish() {
            push_lines(&mut out, source, vec![(rest, false)]);
        }
        if let Some(rest) = self.stderr.finish() {
            push_lines(&mut out, LogSource::Stderr, vec![(rest, false)]);
        }
        out
    }
}

fn push_lines(out: &mut Vec<RawLogLine>, source: LogSource, lines: Vec<(Vec<u8>, bool)>) {
    out.extend(
        lines
            .into_iter()
            .map(|(bytes, cut)| RawLogLine { source, bytes, cut }),
    );
}

/// A container reference usable in a request path as is: what engines name and number
/// containers with. Anything else (a hostile engine's name) is refused, not escaped.
fn path_safe(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl DockerClient {
    /// Refuse a container reference that cannot go into a request path as is.
    pub(super) fn path_ref<'a>(&self, id: &'a str) -> Result<&'a str, DockerError> {
        if path_safe(id) {
            return Ok(id);
        }
        Err(DockerError::InvalidTarget {
            target: self.describe(),
            reason: format!(
                "container reference {:?} is not a name or id",
                crate::validate::printable(id)
            ),
        })
    }

    /// Follow a container's stats, one sample a second, each bounded like any JSON line.
    pub async fn follow_stats(&self, id: &str) -> Result<super::JsonLines, DockerError> {
        let id = self.path_ref(id)?;
        self.json_lines(&format!("/containers/{id}/stats?stream=1"))
            .await
    }

    /// Follow container `id`'s stdout and stderr with timestamps: its last `tail` lines,
    /// then new ones as they come.
    pub async fn follow_logs(&self, id: &str, tail: usize) -> Result<LogBody, DockerError> {
        self.open_logs(id, &format!("tail={tail}")).await
    }

    /// Follow container `id`'s stdout and stderr from `since` (Unix nanoseconds, inclusive)
    /// on: how a view re-attaches after a restart without repeating or losing a line.
    pub async fn follow_logs_since(&self, id: &str, since: i128) -> Result<LogBody, DockerError> {
        self.open_logs(id, &format!("tail=all&since={}", engine_time(since)))
            .await
    }

    async fn open_logs(&self, id: &str, from: &str) -> Result<LogBody, DockerError> {
        let id = self.path_ref(id)?;
        // A TTY container's log is one raw stream; any other is framed. The same record
        // says which run of the container the stream belongs to.
        let record = self.get_json(&format!("/containers/{id}/json")).await?;
        let tty = record
            .pointer("/Config/Tty")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let run = RunState::of(&record);
        let path = format!("/containers/{id}/logs?follow=1&stdout=1&stderr=1&timestamps=1&{from}");
        let response = self.get_ok(&path).await?;
        Ok(LogBody {
            body: response.into_body(),
            demux: (!tty).then(Demux::default),
            stdout: CuttingLines::new(MAX_LOG_LINE),
            stderr: CuttingLines::new(MAX_LOG_LINE),
            target: self.describe(),
            what: format!("GET {path}"),
            done: false,
            run,
        })
    }

    /// Which run of container `id` is current: `None` when the engine no longer has it.
    pub async fn container_run(&self, id: &str) -> Result<Option<RunState>, DockerError> {
        let id = self.path_ref(id)?;
        match self.get_json(&format!("/containers/{id}/json")).await {
            Ok(record) => Ok(Some(RunState::of(&record))),
            Err(DockerError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Follow container `id`'s own events (start, die, destroy...) from `since` (Unix
    /// nanoseconds) on; the engine replays the recent past first, so nothing that
    /// happened between two requests is missed.
    pub async fn container_events(
        &self,
        id: &str,
        since: i128,
    ) -> Result<super::JsonLines, DockerError> {
        let id = self.path_ref(id)?;
        // {"container":[id],"type":["container"]}, URL-encoded; `path_ref` keeps `id` to
        // characters that need no escaping in JSON or in a query.
        let filters = format!(
            "%7B%22container%22%3A%5B%22{id}%22%5D%2C%22type%22%3A%5B%22container%22%5D%7D"
        );
        self.json_lines(&format!(
            "/events?since={}&filters={filters}",
            engine_time(since)
        ))
        .await
    }
}

/// A container's current run, from its engine record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunState {
    pub running: bool,
    /// `State.StartedAt` as the engine wrote it (RFC 3339 with nanoseconds); it tells one
    /// run from the next.
    pub started_at: Option<String>,
    /// Whether the record had a `State` at all; without one a restart cannot be seen.
    pub known: bool,
}

impl RunState {
    pub fn of(record: &serde_json::Value) -> RunState {
        let state = record.get("State");
        RunState {
            running: state
                .and_then(|s| s.get("Running"))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
            started_at: state
                .and_then(|s| s.get("StartedAt"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_string),
            known: state.is_some_and(serde_json::Value::is_object),
        }
    }
}

/// Unix nanoseconds as the engine's `since` parameter wants them: seconds, a dot and
/// nine digits (fewer digits would be read as a coarser fraction).
pub fn engine_time(nanos: i128) -> String {
    let nanos = nanos.max(0);
    format!("{}.{:09}", nanos / 1_000_000_000, nanos % 1_000_000_000)
}

/// An RFC 3339 time (as in log timestamps and `StartedAt`) as Unix nanoseconds.
pub fn unix_nanos(rfc3339: &str) -> Option<i128> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_whole_whatever_the_chunks() {
        let text = b"one\ntwo\n\nthree";
        for size in 1..text.len() {
            let mut s = CuttingLines::new(100);
            let mut got = Vec::new();
            for chunk in text.chunks(size) {
                got.extend(s.push(chunk));
            }
            let words: Vec<&[u8]> = got.iter().map(|(l, _)| l.as_slice()).collect();
            assert_eq!(words, [&b"one"[..], b"two", b""], "chunk size {size}");
            assert_eq!(s.finish(), Some(b"three".to_vec()));
        }
    }

    #[test]
    fn a_long_line_is_cut_once_and_the_next_line_is_whole() {
        let mut s = CuttingLines::new(4);
        assert_eq!(s.push(b"abc"), vec![]);
        assert_eq!(s.push(b"defgh"), vec![(b"abcd".to_vec(), true)]);
        // The rest of the long line, however much of it comes, yields nothing.
        for _ in 0..1000 {
            assert!(s.push(b"xxxxxxxxxxxxxxxx").is_empty());
        }
        assert_eq!(s.push(b"yy\nok\n"), vec![(b"ok".to_vec(), false)]);
        assert_eq!(s.finish(), None);
        // A line of exactly the bound is whole.
        assert_eq!(s.push(b"1234\n"), vec![(b"1234".to_vec(), false)]);
    }

    #[test]
    fn an_endless_line_holds_at_most_the_bound() {
        let mut s = CuttingLines::new(MAX_LOG_LINE);
        let chunk = vec![b'z'; 64 * 1024];
        let mut cut = 0;
        for _ in 0..256 {
            cut += s.push(&chunk).len();
            assert!(s.buf.len() <= MAX_LOG_LINE);
        }
        assert_eq!(cut, 1, "one cut line for 16 MiB without a newline");
        assert_eq!(s.finish(), None, "the cut line was already handed on");
    }

    #[test]
    fn engine_times_have_nine_digits_of_nanoseconds() {
        assert_eq!(
            engine_time(1_700_000_000_000_000_007),
            "1700000000.000000007"
        );
        assert_eq!(engine_time(-5), "0.000000000");
        let t = unix_nanos("2026-11-22T10:00:01.123456789Z").expect("rfc3339");
        assert_eq!(engine_time(t), "1795341601.123456789");
        assert_eq!(unix_nanos("2026-11-22T10:00:01Z"), Some(t - 123_456_789));
        assert_eq!(
            unix_nanos("0001-01-01T00:00:00Z").map(|t| t < 0),
            Some(true)
        );
        assert_eq!(unix_nanos("soon"), None);
    }

    #[test]
    fn a_run_is_read_from_the_record() {
        let record = serde_json::json!({"State": {"Running": true,
            "StartedAt": "2026-11-22T10:00:01.5Z"}});
        assert_eq!(
            RunState::of(&record),
            RunState {
                running: true,
                started_at: Some("2026-11-22T10:00:01.5Z".into()),
                known: true
            }
        );
        assert!(!RunState::of(&serde_json::json!({"Id": "x"})).known);
    }

    #[test]
    fn only_plain_names_and_ids_go_into_a_path() {
        assert!(path_safe("fd-shop.example.org"));
        assert!(path_safe("3f2a9c"));
        for bad in ["", "a/b", "a?b", "a b", "x\u{1b}[2J", "../etc", "..", "-v"] {
            assert!(!path_safe(bad), "{bad:?}");
        }
    }
}
