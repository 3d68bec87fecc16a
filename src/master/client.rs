//! The client's side: ask a master, or say why it could not.

use std::path::Path;
use std::time::Duration;

use tokio::net::UnixStream;

use super::protocol::{LineError, Request, Response, read_line, write_line};

const CONNECT_WITHIN: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("no master at {0}")]
    Absent(String),
    #[error("cannot reach the master: {0}")]
    Connect(#[source] std::io::Error),
    #[error("the master did not answer within {0:?}")]
    Timeout(Duration),
    #[error("talking to the master: {0}")]
    Line(#[from] LineError),
}

/// One request, one answer. `limit` bounds the whole exchange, the poll included.
pub async fn ask(path: &Path, request: &Request, limit: Duration) -> Result<Response, AskError> {
    if !super::place::is_own_socket(path) {
        return Err(AskError::Absent(path.display().to_string()));
    }
    let mut stream = match tokio::time::timeout(CONNECT_WITHIN, UnixStream::connect(path)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(AskError::Connect(e)),
        Err(_) => return Err(AskError::Timeout(CONNECT_WITHIN)),
    };
    let exchange = async {
        let (read, mut write) = stream.split();
        write_line(&mut write, request).await?;
        Ok::<Response, AskError>(read_line::<Response>(read).await?)
    };
    tokio::time::timeout(limit, exchange)
        .await
        .map_err(|_| AskError::Timeout(limit))?
}
