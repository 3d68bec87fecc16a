//! A session through the master: after the request line and its answer, both sides speak
//! in frames on the same socket, a tag byte, a big-endian u32 length and the payload.
//! Bounded: a frame longer than [`MAX_FRAME`] ends the session.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// No frame of a session is larger: output is forwarded in pieces of at most this.
pub const MAX_FRAME: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Client to master: keyboard or piped input.
    Stdin(Vec<u8>),
    /// Client to master: end of input.
    StdinEof,
    /// Client to master: the terminal's new size.
    Resize {
        cols: u16,
        rows: u16,
    },
    /// Master to client.
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    ExitCode(i32),
    ExitSignal(String),
    ExitUnknown,
    /// The session broke on the master's side.
    Error(String),
}

const STDIN: u8 = 1;
const STDIN_EOF: u8 = 2;
const RESIZE: u8 = 3;
const STDOUT: u8 = 4;
const STDERR: u8 = 5;
const EXIT_CODE: u8 = 6;
const EXIT_SIGNAL: u8 = 7;
const EXIT_UNKNOWN: u8 = 8;
const ERROR: u8 = 9;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("session frame of {0} bytes is over the limit")]
    TooLong(usize),
    #[error("unknown session frame type {0}")]
    Unknown(u8),
    #[error("malformed session frame")]
    Malformed,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub async fn write_frame(
    out: &mut (impl AsyncWrite + Unpin),
    frame: &Frame,
) -> Result<(), FrameError> {
    let (tag, payload): (u8, Vec<u8>) = match frame {
        Frame::Stdin(d) => (STDIN, d.clone()),
        Frame::StdinEof => (STDIN_EOF, Vec::new()),
        Frame::Resize { cols, rows } => {
            let mut p = cols.to_be_bytes().to_vec();
            p.extend(rows.to_be_bytes());
            (RESIZE, p)
        }
        Frame::Stdout(d) => (STDOUT, d.clone()),
        Frame::Stderr(d) => (STDERR, d.clone()),
        Frame::ExitCode(c) => (EXIT_CODE, c.to_be_bytes().to_vec()),
        Frame::ExitSignal(s) => (EXIT_SIGNAL, s.as_bytes().to_vec()),
        Frame::ExitUnknown => (EXIT_UNKNOWN, Vec::new()),
        Frame::Error(e) => (ERROR, e.as_bytes().to_vec()),
    };
    for piece in payload
        .chunks(MAX_FRAME)
        .chain(payload.is_empty().then_some(&[][..]))
    {
        let mut head = [0u8; 5];
        head[0] = tag;
        head[1..].copy_from_slice(&(piece.len() as u32).to_be_bytes());
        out.write_all(&head).await?;
        out.write_all(piece).await?;
    }
    out.flush().await?;
    Ok(())
}

/// The next frame, or `None` at a clean end of the stream.
pub async fn read_frame(input: &mut (impl AsyncRead + Unpin)) -> Result<Option<Frame>, FrameError> {
    let mut head = [0u8; 5];
    match input.read_exact(&mut head).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLong(len));
    }
    let mut payload = vec![0u8; len];
    input.read_exact(&mut payload).await?;
    let text = |p: Vec<u8>| String::from_utf8_lossy(&p).into_owned();
    Ok(Some(match head[0] {
        STDIN => Frame::Stdin(payload),
        STDIN_EOF => Frame::StdinEof,
        RESIZE => match payload[..] {
            [a, b, c, d] => Frame::Resize {
                cols: u16::from_be_bytes([a, b]),
                rows: u16::from_be_bytes([c, d]),
            },
            _ => return Err(FrameError::Malformed),
        },
        STDOUT => Frame::Stdout(payload),
        STDERR => Frame::Stderr(payload),
        EXIT_CODE => match payload[..] {
            [a, b, c, d] => Frame::ExitCode(i32::from_be_bytes([a, b, c, d])),
            _ => return Err(FrameError::Malformed),
        },
        EXIT_SIGNAL => Frame::ExitSignal(text(payload)),
        EXIT_UNKNOWN => Frame::ExitUnknown,
        ERROR => Frame::Error(text(payload)),
        other => return Err(FrameError::Unknown(other)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_frame_round_trips() {
        let frames = vec![
            Frame::Stdin(b"ls\r".to_vec()),
            Frame::StdinEof,
            Frame::Resize {
                cols: 100,
                rows: 30,
            },
            Frame::Stdout("é\x1b[0m".as_bytes().to_vec()),
            Frame::Stderr(b"oops".to_vec()),
            Frame::ExitCode(-1),
            Frame::ExitSignal("KILL".into()),
            Frame::ExitUnknown,
            Frame::Error("gone".into()),
        ];
        let mut buf = Vec::new();
        for f in &frames {
            write_frame(&mut buf, f).await.expect("write");
        }
        let mut input = buf.as_slice();
        for f in &frames {
            assert_eq!(
                read_frame(&mut input).await.expect("read").as_ref(),
                Some(f)
            );
        }
        assert_eq!(read_frame(&mut input).await.expect("end"), None);
    }

    #[tokio::test]
    async fn big_output_is_split_and_an_oversized_frame_is_refused() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &Frame::Stdout(vec![b'x'; MAX_FRAME + 10]))
            .await
            .expect("write");
        let mut input = buf.as_slice();
        let Some(Frame::Stdout(first)) = read_frame(&mut input).await.expect("first") else {
            panic!("stdout")
        };
        assert_eq!(first.len(), MAX_FRAME);
        let mut huge = vec![STDOUT];
        huge.extend(u32::MAX.to_be_bytes());
        let err = read_frame(&mut huge.as_slice())
            .await
            .expect_err("too long");
        assert!(matches!(err, FrameError::TooLong(_)));
    }
}
