//! The watcher's output cut into records (pure). A record is a header line
//! `\x1eFDW NAME`, the body (a command's or a file's text), then `\n\x1eFDW end STATUS`
//! on a line of its own: the record separator cannot appear in the text the parsers
//! accept, and the newline before the end marker is the script's, so a body that ends
//! without one comes back as it was printed.

/// One record of the watcher (`assets/watch.sh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    /// The exit status of the command that printed the body (0 for what the shell read
    /// itself, 1 for a file it could not read); `None` when unreadable.
    pub status: Option<i32>,
    pub body: String,
}

const BEGIN: &[u8] = b"\x1eFDW ";
const END: &[u8] = b"\n\x1eFDW end ";

/// The most a record may hold: the largest real one (`ip -j -d link show` of a host
/// with a few thousand veths) is a few MiB; a hostile node must not fill memory.
pub const MAX_RECORD: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the watcher printed {len} bytes without a record ({limit} at most)")]
    TooLarge { len: usize, limit: usize },
    #[error("the watcher printed something other than a record: {text:?}")]
    Garbage { text: String },
}

/// Bytes from the watcher's stdout in, whole records out; a partial record waits for
/// the rest.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
}

impl Framer {
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Record>, FrameError> {
        self.buf.extend_from_slice(bytes);
        let mut records = Vec::new();
        let mut at = 0;
        while let Some((record, used)) = next_record(&self.buf[at..])? {
            records.push(record);
            at += used;
        }
        self.buf.drain(..at);
        if self.buf.len() > MAX_RECORD {
            let len = self.buf.len();
            self.buf.clear();
            return Err(FrameError::TooLarge {
                len,
                limit: MAX_RECORD,
            });
        }
        Ok(records)
    }
}

/// The first whole record of `buf` and how many bytes it took, `None` when it is not
/// all there yet.
fn next_record(buf: &[u8]) -> Result<Option<(Record, usize)>, FrameError> {
    if buf.len() < BEGIN.len() {
        return check_prefix(buf).map(|()| None);
    }
    if !buf.starts_with(BEGIN) {
        return Err(garbage(buf));
    }
    let Some(header_end) = find(buf, b"\n") else {
        return Ok(None);
    };
    let name = String::from_utf8_lossy(&buf[BEGIN.len()..header_end]).into_owned();
    let body_start = header_end + 1;
    // An empty body: the end marker's newline directly follows the header's.
    let Some(end) = find(&buf[header_end..], END).map(|i| header_end + i) else {
        return Ok(None);
    };
    let after = end + END.len();
    let Some(status_len) = find(&buf[after..], b"\n") else {
        return Ok(None);
    };
    let status = std::str::from_utf8(&buf[after..after + status_len])
        .ok()
        .and_then(|s| s.trim().parse().ok());
    let body = buf.get(body_start..end).unwrap_or_default();
    let record = Record {
        name,
        status,
        body: String::from_utf8_lossy(body).into_owned(),
    };
    Ok(Some((record, after + status_len + 1)))
}

/// A short start is fine only while it can still become a header.
fn check_prefix(buf: &[u8]) -> Result<(), FrameError> {
    if BEGIN.starts_with(buf) {
        Ok(())
    } else {
        Err(garbage(buf))
    }
}

fn garbage(buf: &[u8]) -> FrameError {
    let text = String::from_utf8_lossy(&buf[..buf.len().min(80)]);
    FrameError::Garbage {
        text: crate::validate::printable(&text).into_owned(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
#[path = "frame_tests.rs"]
pub(super) mod tests;
