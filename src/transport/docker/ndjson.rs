//! Docker's streams of JSON documents, one per line (`/events`), read with a bound: a
//! line that grows past the limit without a newline ends the stream with an error
//! instead of growing without end in memory.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::de::DeserializeOwned;

use super::{DockerClient, DockerError};

/// No event document comes near this; a hostile engine's endless line is cut here.
pub const MAX_LINE: usize = 1024 * 1024;

/// Splits bytes into complete lines, keeping at most `max` bytes of an unfinished one.
#[derive(Debug)]
pub struct LineSplitter {
    buf: Vec<u8>,
    max: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTooLong(pub usize);

impl LineSplitter {
    pub fn new(max: usize) -> LineSplitter {
        LineSplitter {
            buf: Vec::new(),
            max,
        }
    }

    /// The lines `data` completes (without their newline; empty lines dropped).
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<Vec<u8>>, LineTooLong> {
        let mut lines = Vec::new();
        for piece in data.split_inclusive(|b| *b == b'\n') {
            self.buf.extend_from_slice(piece);
            if self.buf.last() == Some(&b'\n') {
                self.buf.pop();
                if !self.buf.is_empty() {
                    lines.push(std::mem::take(&mut self.buf));
                }
            }
            if self.buf.len() > self.max {
                return Err(LineTooLong(self.max));
            }
        }
        Ok(lines)
    }
}

/// A stream of JSON documents from a GET, decoded one line at a time.
pub struct JsonLines {
    body: Incoming,
    lines: LineSplitter,
    ready: std::collections::VecDeque<Vec<u8>>,
    target: String,
    what: String,
}

impl JsonLines {
    /// The next document; `None` when the engine ends the stream.
    pub async fn next<T: DeserializeOwned>(&mut self) -> Option<Result<T, DockerError>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Some(
                    serde_json::from_slice(&line).map_err(|e| DockerError::Status {
                        target: self.target.clone(),
                        what: self.what.clone(),
                        status: 200,
                        message: format!("a line that is not the expected JSON: {e}"),
                    }),
                );
            }
            let frame = match self.body.frame().await? {
                Ok(f) => f,
                Err(source) => {
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
            match self.lines.push(&data) {
                Ok(lines) => self.ready.extend(lines),
                Err(LineTooLong(max)) => {
                    return Some(Err(DockerError::TooLarge {
                        target: self.target.clone(),
                        what: format!("one line of {}", self.what),
                        limit: max,
                    }));
                }
            }
        }
    }
}

impl DockerClient {
    /// GET a stream of JSON lines (such as `/events`), each line bounded by [`MAX_LINE`].
    pub async fn json_lines(&self, path: &str) -> Result<JsonLines, DockerError> {
        let response = self.get_ok(path).await?;
        Ok(JsonLines {
            body: response.into_body(),
            lines: LineSplitter::new(MAX_LINE),
            ready: Default::default(),
            target: self.describe(),
            what: format!("GET {path}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_whole_whatever_the_chunks() {
        let mut s = LineSplitter::new(100);
        assert_eq!(
            s.push(b"{\"a\":1}\n{\"b\"").expect("ok"),
            vec![b"{\"a\":1}".to_vec()]
        );
        assert_eq!(s.push(b":2}\n\n").expect("ok"), vec![b"{\"b\":2}".to_vec()]);
        assert!(s.push(b"").expect("ok").is_empty());
    }

    #[test]
    fn a_line_without_end_is_cut_at_the_bound() {
        let mut s = LineSplitter::new(10);
        assert!(s.push(b"12345").expect("ok").is_empty());
        assert_eq!(s.push(b"678901"), Err(LineTooLong(10)));
        // Long but finished lines inside the bound are fine.
        let mut s = LineSplitter::new(10);
        assert_eq!(s.push(b"0123456789\n").expect("ok").len(), 1);
    }
}
