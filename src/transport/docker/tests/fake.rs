//! A fake engine: a [`Dialer`] that counts dials and answers a few API paths over an
//! in-memory pipe, recording every request line with its `Host` header.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::transport::docker::DockerTarget;
use crate::transport::{BoxedStream, Dialer};

#[derive(Clone, Copy)]
pub enum Hang {
    /// Dial fails at once.
    Fail,
    /// Dial never completes.
    Forever,
}

#[derive(Default)]
struct State {
    dials: AtomicUsize,
    requests: Mutex<Vec<String>>,
}

#[derive(Clone)]
pub struct FakeEngine {
    state: Arc<State>,
    /// Status line and body of the answer to `GET /version`.
    version_reply: (String, String),
    broken: Option<Hang>,
}

impl FakeEngine {
    pub fn new(api_version: &str) -> FakeEngine {
        let body = format!(
            r#"{{"Version":"20.10.24","ApiVersion":"{api_version}","MinAPIVersion":"1.12"}}"#
        );
        FakeEngine::with_version_reply("200 OK", &body)
    }

    pub fn with_version_reply(status: &str, body: &str) -> FakeEngine {
        FakeEngine {
            state: Arc::default(),
            version_reply: (status.into(), body.into()),
            broken: None,
        }
    }

    pub fn failing(how: Hang) -> FakeEngine {
        FakeEngine {
            broken: Some(how),
            ..FakeEngine::new("1.41")
        }
    }

    pub fn target(&self) -> DockerTarget {
        DockerTarget::Dialer(Arc::new(self.clone()))
    }

    pub fn dials(&self) -> usize {
        self.state.dials.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().expect("lock").clone()
    }

    fn answer(&self, method: &str, target: &str) -> (String, String) {
        let path = target.split('?').next().unwrap_or(target);
        match (method, path) {
            ("GET", "/version") => self.version_reply.clone(),
            ("GET", p) if p.ends_with("/_ping") => ("200 OK".into(), "OK".into()),
            ("GET", p) if p.ends_with("/containers/json") => ("200 OK".into(), "[]".into()),
            ("POST", p) if p.ends_with("/start") => ("204 No Content".into(), String::new()),
            _ => (
                "404 Not Found".into(),
                r#"{"message":"no such thing"}"#.into(),
            ),
        }
    }

    async fn serve(self, stream: tokio::io::DuplexStream) -> io::Result<()> {
        let (read, mut write) = tokio::io::split(stream);
        let mut read = BufReader::new(read);
        loop {
            let mut line = String::new();
            if read.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let request_line = line.trim_end().to_string();
            let (mut host, mut length) = (String::new(), 0usize);
            loop {
                let mut header = String::new();
                read.read_line(&mut header).await?;
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                let (name, value) = header.split_once(':').unwrap_or((header, ""));
                match name.to_ascii_lowercase().as_str() {
                    "host" => host = value.trim().to_string(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            read.read_exact(&mut body).await?;
            self.state
                .requests
                .lock()
                .expect("lock")
                .push(format!("{request_line} | host: {host}"));
            let mut words = request_line.split_whitespace();
            let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let (status, body) = self.answer(method, target);
            let reply = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            write.write_all(reply.as_bytes()).await?;
        }
    }
}

impl Dialer for FakeEngine {
    fn dial(&self) -> BoxFuture<'_, io::Result<BoxedStream>> {
        self.state.dials.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            match self.broken {
                Some(Hang::Fail) => return Err(io::Error::other("channel open refused")),
                Some(Hang::Forever) => futures::future::pending::<()>().await,
                None => {}
            }
            let (client, server) = tokio::io::duplex(64 * 1024);
            tokio::spawn(self.clone().serve(server));
            Ok(Box::new(client) as BoxedStream)
        })
    }

    fn describe(&self) -> String {
        "fake engine".into()
    }
}
