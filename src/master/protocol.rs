//! What a client and a master say to each other: one JSON line each way.

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// An answer larger than this is refused: no tree comes near it.
pub const MAX_LINE: usize = 64 << 20;
/// A request larger than this is refused: the largest (a session's command line and
/// environment) is a few KiB, and the master must not buffer 64 MiB per connection.
pub const MAX_REQUEST: usize = 64 << 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Answer what `tree` prints, from what the master holds; `fresh` polls every node
    /// first (left out on the wire when false, so older masters still understand).
    Tree {
        json: bool,
        ascii: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        fresh: bool,
    },
    /// Are you there, and for which fleet?
    Status,
    /// Close every connection and exit.
    Stop,
    /// Open a shell or command session over the master's connection; frames follow.
    Session(super::session::SessionRequest),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Response {
    /// `tree`'s output, exactly as it would print it.
    Output {
        text: String,
    },
    Status {
        pid: u32,
        nodes: usize,
        requests: u64,
    },
    Stopping,
    Error {
        message: String,
    },
    /// The session is open: frames follow on the socket.
    SessionOpened {
        node: String,
        container: Option<String>,
    },
    /// The session could not be opened; `exit` is the status the client exits with.
    SessionRefused {
        message: String,
        exit: u8,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("connection closed before a full line")]
    Closed,
    #[error("line longer than {0} bytes")]
    TooLong(usize),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a valid message: {0}")]
    Json(#[from] serde_json::Error),
}

pub async fn write_line<T: Serialize>(
    out: &mut (impl AsyncWrite + Unpin),
    message: &T,
) -> Result<(), LineError> {
    let mut bytes = serde_json::to_vec(message)?;
    bytes.push(b'\n');
    out.write_all(&bytes).await?;
    out.flush().await?;
    Ok(())
}

pub async fn read_line<T: for<'de> Deserialize<'de>>(
    input: impl AsyncRead + Unpin,
) -> Result<T, LineError> {
    read_line_within(input, MAX_LINE).await
}

/// [`read_line`] refusing lines longer than `max` bytes (the master reads requests with
/// [`MAX_REQUEST`]).
pub async fn read_line_within<T: for<'de> Deserialize<'de>>(
    input: impl AsyncRead + Unpin,
    max: usize,
) -> Result<T, LineError> {
    let mut reader = BufReader::new(input).take(max as u64 + 1);
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).await?;
    if line.len() > max {
        return Err(LineError::TooLong(max));
    }
    if line.last() != Some(&b'\n') {
        return Err(LineError::Closed);
    }
    Ok(serde_json::from_slice(&line)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_round_trips_as_one_line() {
        let mut buf = Vec::new();
        let req = Request::Tree {
            json: true,
            ascii: false,
            fresh: false,
        };
        write_line(&mut buf, &req).await.expect("write");
        assert_eq!(buf.iter().filter(|b| **b == b'\n').count(), 1);
        assert_eq!(
            String::from_utf8_lossy(&buf),
            "{\"tree\":{\"json\":true,\"ascii\":false}}\n"
        );
        let back: Request = read_line(buf.as_slice()).await.expect("read");
        assert_eq!(back, req);
    }

    #[tokio::test]
    async fn output_with_newlines_stays_one_line() {
        let mut buf = Vec::new();
        let resp = Response::Output {
            text: "a\nb\n".into(),
        };
        write_line(&mut buf, &resp).await.expect("write");
        let back: Response = read_line(buf.as_slice()).await.expect("read");
        assert_eq!(back, resp);
    }

    #[tokio::test]
    async fn torn_or_foreign_lines_are_errors() {
        let torn = read_line::<Request>(&b"{\"status\""[..]).await;
        assert!(matches!(torn, Err(LineError::Closed)), "{torn:?}");
        let foreign = read_line::<Request>(&b"{\"rm\":{}}\n"[..]).await;
        assert!(matches!(foreign, Err(LineError::Json(_))), "{foreign:?}");
        let unit: Request = read_line(&b"\"status\"\n"[..]).await.expect("unit variant");
        assert_eq!(unit, Request::Status);
    }
}
