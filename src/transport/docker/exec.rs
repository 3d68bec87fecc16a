//! Docker exec for a person (`fleetdeck exec`): create the exec, attach to it over the
//! HTTP upgrade (the engine then speaks raw bytes both ways), resize its TTY, and read its
//! exit code. Also a bounded raw GET for `inspect`, which shows the engine's record as the
//! engine wrote it rather than as bollard's model knows it.
//!
//! Everything goes through the chokepoint, so a read-only client refuses the exec's POSTs
//! before anything is dialed.

use http::header::{CONNECTION, CONTENT_TYPE, UPGRADE};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

use super::{DockerClient, DockerError};

/// A raw JSON answer larger than this is refused (`inspect` of a container is a few KiB).
pub const RAW_JSON_LIMIT: usize = 8 * 1024 * 1024;

/// What to run in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecSpec {
    pub cmd: Vec<String>,
    pub tty: bool,
    /// Terminal size (cols, rows) to start with, for a TTY (set right after the start,
    /// as the docker CLI does: bollard's create options have no console size).
    pub size: Option<(u16, u16)>,
    /// `TERM=...` and the like.
    pub env: Vec<String>,
}

/// The attached exec's byte stream: raw with a TTY, multiplexed frames without.
pub type ExecIo = TokioIo<hyper::upgrade::Upgraded>;

impl DockerClient {
    /// Create an exec in `container` (stdin, stdout and stderr attached); its id.
    pub async fn exec_create(
        &self,
        container: &str,
        spec: &ExecSpec,
    ) -> Result<String, DockerError> {
        let options = bollard::exec::CreateExecOptions::<String> {
            cmd: Some(spec.cmd.clone()),
            tty: Some(spec.tty),
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            env: (!spec.env.is_empty()).then(|| spec.env.clone()),
            ..Default::default()
        };
        let created = self
            .api()
            .create_exec(container, options)
            .await
            .map_err(DockerError::from)?;
        Ok(created.id)
    }

    /// Start the exec attached; the returned stream carries its input and output.
    pub async fn exec_attach(&self, exec_id: &str, tty: bool) -> Result<ExecIo, DockerError> {
        let body = serde_json::json!({ "Detach": false, "Tty": tty }).to_string();
        let request = http::Request::builder()
            .method(Method::POST)
            .uri(format!("/exec/{exec_id}/start"))
            .header(CONTENT_TYPE, "application/json")
            .header(CONNECTION, "Upgrade")
            .header(UPGRADE, "tcp")
            .body(http_body_util::Either::Left(Full::new(Bytes::from(body))))
            .map_err(|e| DockerError::InvalidTarget {
                target: self.describe(),
                reason: format!("cannot build the exec start request: {e}"),
            })?;
        let response = self.http.send(request).await?;
        let status = response.status();
        if status != StatusCode::SWITCHING_PROTOCOLS && status != StatusCode::OK {
            let message = self.error_body(response).await;
            return Err(DockerError::Status {
                target: self.describe(),
                what: "starting the exec".into(),
                status: status.as_u16(),
                message,
            });
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|source| DockerError::Http {
                target: self.describe(),
                detail: super::error::chain(&source),
                source,
            })?;
        Ok(TokioIo::new(upgraded))
    }

    pub async fn exec_resize(
        &self,
        exec_id: &str,
        cols: u16,
        rows: u16,
    ) -> Result<(), DockerError> {
        let options = bollard::query_parameters::ResizeExecOptions {
            h: i32::from(rows),
            w: i32::from(cols),
        };
        self.api()
            .resize_exec(exec_id, options)
            .await
            .map_err(DockerError::from)
    }

    /// The exec's exit code once it has ended (`None` while it runs).
    pub async fn exec_exit_code(&self, exec_id: &str) -> Result<Option<i64>, DockerError> {
        let inspected = self
            .api()
            .inspect_exec(exec_id)
            .await
            .map_err(DockerError::from)?;
        Ok(if inspected.running == Some(true) {
            None
        } else {
            inspected.exit_code
        })
    }

    /// GET `path` and parse the answer as JSON, at most [`RAW_JSON_LIMIT`] bytes.
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, DockerError> {
        self.get_as(path, RAW_JSON_LIMIT).await
    }

    /// GET `path` and decode the answer, refusing one over `limit` bytes: what a node's
    /// engine answers is bounded, so a hostile one cannot fill memory.
    pub async fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        limit: usize,
    ) -> Result<T, DockerError> {
        let response = self.get_ok(path).await?;
        let status = response.status();
        let body = Limited::new(response.into_body(), limit)
            .collect()
            .await
            .map_err(|_| DockerError::TooLarge {
                target: self.describe(),
                what: format!("GET {path}"),
                limit,
            })?
            .to_bytes();
        serde_json::from_slice(&body).map_err(|e| DockerError::Status {
            target: self.describe(),
            what: format!("GET {path}"),
            status: status.as_u16(),
            message: format!("not JSON: {e}"),
        })
    }

    /// POST `body` as JSON to `path` and parse the answer (`Null` when it has no body, as
    /// `/nodes/{id}/update`), at most [`RAW_JSON_LIMIT`] bytes. Through the chokepoint: a
    /// read-only client refuses it before dialing. An error status keeps the engine's
    /// message (`DockerError::Status`), so callers can tell a version conflict apart.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, DockerError> {
        let request = http::Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(CONTENT_TYPE, "application/json")
            .body(http_body_util::Either::Left(Full::new(Bytes::from(
                body.to_string(),
            ))))
            .map_err(|e| DockerError::InvalidTarget {
                target: self.describe(),
                reason: format!("cannot build a request for POST {path}: {e}"),
            })?;
        let response = self.http.send(request).await?;
        let status = response.status();
        if !status.is_success() {
            let message = self.error_body(response).await;
            return Err(DockerError::Status {
                target: self.describe(),
                what: format!("POST {path}"),
                status: status.as_u16(),
                message,
            });
        }
        let bytes = Limited::new(response.into_body(), RAW_JSON_LIMIT)
            .collect()
            .await
            .map_err(|_| DockerError::TooLarge {
                target: self.describe(),
                what: format!("POST {path}"),
                limit: RAW_JSON_LIMIT,
            })?
            .to_bytes();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| DockerError::Status {
            target: self.describe(),
            what: format!("POST {path}"),
            status: status.as_u16(),
            message: format!("not JSON: {e}"),
        })
    }

    /// Docker's word for the container's state (running, exited, paused...).
    pub async fn container_state(&self, id: &str) -> Result<String, DockerError> {
        let record = self.get_json(&format!("/containers/{id}/json")).await?;
        Ok(record
            .pointer("/State/Status")
            .and_then(|s| s.as_str())
            .unwrap_or("unknown")
            .to_string())
    }

    /// Whether `path` exists in the container's filesystem (a HEAD on its archive: the
    /// engine stats the path, nothing runs in the container).
    pub async fn container_path_exists(&self, id: &str, path: &str) -> Result<bool, DockerError> {
        let uri = format!("/containers/{id}/archive?path={path}");
        let request = self.empty_request(http::Request::head(&uri), &uri)?;
        let response = self.http.send(request).await?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(DockerError::Status {
                target: self.describe(),
                what: format!("looking for {path} in {id}"),
                status: status.as_u16(),
                message: self.error_body(response).await,
            }),
        }
    }

    /// GET `path`; an error status becomes an error carrying the engine's message.
    pub(super) async fn get_ok(
        &self,
        path: &str,
    ) -> Result<http::Response<hyper::body::Incoming>, DockerError> {
        let request = self.empty_request(http::Request::get(path), path)?;
        let response = self.http.send(request).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let message = self.error_body(response).await;
        Err(DockerError::Status {
            target: self.describe(),
            what: format!("GET {path}"),
            status: status.as_u16(),
            message,
        })
    }

    /// A request without a body, for our own calls through the chokepoint.
    pub(super) fn empty_request(
        &self,
        builder: http::request::Builder,
        what: &str,
    ) -> Result<bollard::BollardRequest, DockerError> {
        builder
            .body(http_body_util::Either::Left(Full::new(Bytes::new())))
            .map_err(|e| DockerError::InvalidTarget {
                target: self.describe(),
                reason: format!("cannot build a request for {what}: {e}"),
            })
    }

    /// The engine's error message from a failed answer (`{"message": ...}`), bounded.
    pub(super) async fn error_body(
        &self,
        response: http::Response<hyper::body::Incoming>,
    ) -> String {
        let body = match Limited::new(response.into_body(), 64 * 1024)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(_) => return "an unreadable or oversized error body".into(),
        };
        let text = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        let cut: String = text.chars().take(400).collect();
        crate::validate::printable(&cut).into_owned()
    }
}
