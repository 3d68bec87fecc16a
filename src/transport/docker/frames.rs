//! Docker's multiplexed stream (a non-TTY exec or attach): frames of an 8-byte header
//! (stream type, three zero bytes, a big-endian u32 length) and that many payload bytes.
//! The payload is handed on as it arrives, never gathered, so a frame that claims 4 GiB
//! costs no more memory than a small one.

/// Which output a piece of payload belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemuxError {
    /// A header whose first byte is not 0, 1 or 2: the peer does not speak the protocol.
    BadHeader(u8),
}

impl std::fmt::Display for DemuxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemuxError::BadHeader(b) => write!(
                f,
                "the engine sent a stream frame of unknown type {b} (expected 0, 1 or 2)"
            ),
        }
    }
}

impl std::error::Error for DemuxError {}

#[derive(Debug, Default)]
pub struct Demux {
    header: [u8; 8],
    have: usize,
    /// Payload bytes still due for the current frame, and its stream.
    left: u64,
    stream: Option<Stream>,
}

impl Demux {
    /// Split `input` into payload pieces, in order, borrowing from it.
    pub fn feed<'a>(&mut self, mut input: &'a [u8]) -> Result<Vec<(Stream, &'a [u8])>, DemuxError> {
        let mut out = Vec::new();
        while !input.is_empty() {
            if self.left == 0 {
                let take = (8 - self.have).min(input.len());
                self.header[self.have..self.have + take].copy_from_slice(&input[..take]);
                self.have += take;
                input = &input[take..];
                if self.have < 8 {
                    break;
                }
                self.have = 0;
                self.stream = match self.header[0] {
                    // stdin frames never come from the engine; treat them as output.
                    0 | 1 => Some(Stream::Stdout),
                    2 => Some(Stream::Stderr),
                    other => return Err(DemuxError::BadHeader(other)),
                };
                let len = [
                    self.header[4],
                    self.header[5],
                    self.header[6],
                    self.header[7],
                ];
                self.left = u64::from(u32::from_be_bytes(len));
                continue;
            }
            let take = usize::try_from(self.left)
                .unwrap_or(usize::MAX)
                .min(input.len());
            let stream = self.stream.unwrap_or(Stream::Stdout);
            out.push((stream, &input[..take]));
            self.left -= take as u64;
            input = &input[take..];
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![kind, 0, 0, 0];
        v.extend((payload.len() as u32).to_be_bytes());
        v.extend(payload);
        v
    }

    fn collect(d: &mut Demux, chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        for c in chunks {
            for (s, p) in d.feed(c).expect("valid") {
                match s {
                    Stream::Stdout => out.extend(p),
                    Stream::Stderr => err.extend(p),
                }
            }
        }
        (out, err)
    }

    #[test]
    fn splits_stdout_and_stderr_whatever_the_chunking() {
        let mut bytes = frame(1, b"hello ");
        bytes.extend(frame(2, b"oops\n"));
        bytes.extend(frame(1, b"world\n"));
        bytes.extend(frame(1, b""));
        for size in 1..bytes.len() {
            let chunks: Vec<&[u8]> = bytes.chunks(size).collect();
            let (out, err) = collect(&mut Demux::default(), &chunks);
            assert_eq!(out, b"hello world\n", "chunk size {size}");
            assert_eq!(err, b"oops\n", "chunk size {size}");
        }
    }

    #[test]
    fn a_huge_declared_frame_is_streamed_not_buffered() {
        let mut d = Demux::default();
        let pieces = d
            .feed(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, b'a', b'b'])
            .expect("ok");
        assert_eq!(pieces, vec![(Stream::Stdout, &b"ab"[..])]);
        assert_eq!(d.left, u64::from(u32::MAX) - 2);
    }

    #[test]
    fn an_unknown_stream_type_is_an_error() {
        let err = Demux::default().feed(&[7, 0, 0, 0, 0, 0, 0, 1, b'x']);
        assert_eq!(err, Err(DemuxError::BadHeader(7)));
    }
}
