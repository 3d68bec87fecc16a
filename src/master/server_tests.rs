//! The master's server side over a real Unix socket: every kind of bad client is answered
//! or dropped as designed, and none of them keeps the master from answering the next one
//! or from stopping. No nodes: these are about the socket, not the fleet.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

use super::{Master, REQUEST_WITHIN};
use crate::master::protocol::{MAX_REQUEST, Request, Response, read_line, write_line};

/// Far longer than anything here should take: reaching it means something hung.
const HANG: Duration = Duration::from_secs(60);

struct Served {
    _dir: tempfile::TempDir,
    socket: std::path::PathBuf,
    task: tokio::task::JoinHandle<()>,
}

fn master(request_within: Duration) -> Arc<Master> {
    let config = crate::config::Config::builtin_default();
    let mut m =
        Master::new(config, Default::default(), Box::new(|| Ok(Vec::new()))).expect("master");
    Arc::get_mut(&mut m).expect("sole owner").request_within = request_within;
    m
}

fn serve(m: Arc<Master>, idle: Option<Duration>) -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("master.sock");
    let listener = UnixListener::bind(&socket).expect("bind");
    let task = tokio::spawn(m.serve(listener, idle));
    Served {
        _dir: dir,
        socket,
        task,
    }
}

async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no end within {HANG:?}"))
}

/// Sends raw bytes, then reads the whole answer until the master closes.
async fn exchange(socket: &std::path::Path, bytes: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(socket).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    let mut answer = Vec::new();
    bounded("reading the answer", s.read_to_end(&mut answer))
        .await
        .expect("read");
    answer
}

fn error_of(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    assert_eq!(text.lines().count(), 1, "one line, then closed: {text:?}");
    match serde_json::from_str::<Response>(text.trim_end()).expect("a response") {
        Response::Error { message } => message,
        other => panic!("{other:?}"),
    }
}

async fn status(socket: &std::path::Path) -> Response {
    let mut s = UnixStream::connect(socket).await.expect("connect");
    let (read, mut write) = s.split();
    write_line(&mut write, &Request::Status).await.expect("ask");
    bounded("status", read_line::<Response>(read))
        .await
        .expect("answer")
}

#[tokio::test]
async fn malformed_requests_are_answered_with_an_error_and_closed() {
    let served = serve(master(REQUEST_WITHIN), None);
    for (bytes, want) in [
        (&b"hello\n"[..], "bad request: not a valid message"),
        (b"{\"nope\":1}\n", "bad request: not a valid message"),
        (
            b"{\"tree\":{\"json\":true}}\n",
            "bad request: not a valid message",
        ),
        (b"\xff\xfe\n", "bad request: not a valid message"),
        (b"\n", "bad request: not a valid message"),
    ] {
        let message = error_of(&exchange(&served.socket, bytes).await);
        assert!(message.starts_with(want), "{bytes:?}: {message}");
    }
    assert!(matches!(
        status(&served.socket).await,
        Response::Status { .. }
    ));
    served.task.abort();
}

#[tokio::test]
async fn an_over_long_line_is_refused_without_reading_it_all() {
    let served = serve(master(REQUEST_WITHIN), None);
    // Twice the limit, no newline: refused once the limit is passed.
    let mut s = UnixStream::connect(&served.socket).await.expect("connect");
    let big = vec![b'a'; 2 * MAX_REQUEST];
    // The master stops reading at the limit; the rest may never be taken.
    let (mut read, mut write) = s.split();
    let writing = async {
        let _ = write.write_all(&big).await;
    };
    let mut answer = Vec::new();
    let reading = async { bounded("over-long", read.read_to_end(&mut answer)).await };
    let (_, got) = tokio::join!(writing, reading);
    drop(got);
    let message = error_of(&answer);
    assert_eq!(
        message,
        format!("bad request: line longer than {MAX_REQUEST} bytes")
    );
    assert!(matches!(
        status(&served.socket).await,
        Response::Status { .. }
    ));
    served.task.abort();
}

#[tokio::test]
async fn a_silent_client_is_dropped_and_never_blocks_the_others() {
    let served = serve(master(Duration::from_millis(300)), None);
    let mut silent = UnixStream::connect(&served.socket).await.expect("connect");
    let mut half = UnixStream::connect(&served.socket).await.expect("connect");
    half.write_all(b"\"sta").await.expect("half a request");
    // Answered while both wait.
    assert!(matches!(
        status(&served.socket).await,
        Response::Status { .. }
    ));
    for (what, s) in [("silent", &mut silent), ("half a line", &mut half)] {
        let mut rest = Vec::new();
        bounded(what, s.read_to_end(&mut rest)).await.expect("read");
        assert!(
            rest.is_empty(),
            "{what}: dropped without an answer: {rest:?}"
        );
    }
    served.task.abort();
}

#[tokio::test]
async fn a_client_leaving_before_the_answer_harms_nothing() {
    let served = serve(master(REQUEST_WITHIN), None);
    {
        let mut s = UnixStream::connect(&served.socket).await.expect("connect");
        s.write_all(b"\"status\"\n").await.expect("ask");
    } // gone before reading
    assert!(matches!(
        status(&served.socket).await,
        Response::Status { .. }
    ));
    served.task.abort();
}

#[tokio::test]
async fn idle_expiry_ends_serving_and_a_stop_request_too() {
    let served = serve(master(REQUEST_WITHIN), Some(Duration::from_millis(200)));
    bounded("idle expiry", served.task)
        .await
        .expect("serve ended");

    let served = serve(master(REQUEST_WITHIN), None);
    let mut s = UnixStream::connect(&served.socket).await.expect("connect");
    let (read, mut write) = s.split();
    write_line(&mut write, &Request::Stop).await.expect("stop");
    let answer = bounded("stop", read_line::<Response>(read)).await;
    assert_eq!(answer.expect("answer"), Response::Stopping);
    bounded("stopping", served.task).await.expect("serve ended");
}

#[tokio::test]
async fn idle_expiry_waits_for_connected_clients() {
    // A client that takes its time (a long shell session is one) keeps the master up.
    let served = serve(master(HANG), Some(Duration::from_millis(100)));
    let slow = UnixStream::connect(&served.socket).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !served.task.is_finished(),
        "idle expiry cut a connected client"
    );
    assert!(matches!(
        status(&served.socket).await,
        Response::Status { .. }
    ));
    drop(slow);
    bounded("idle expiry once alone", served.task)
        .await
        .expect("serve ended");
}
