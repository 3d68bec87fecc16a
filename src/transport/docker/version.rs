//! Choosing the API version: the engine's own, capped at the newest bollard speaks.
//!
//! bollard's `negotiate_version` asks `/v<newest>/version`, which engines older than that
//! version refuse ("client version 1.53 is too new"); an unversioned `GET /version` is
//! answered by every engine, so that is what is asked here.

use bollard::{API_DEFAULT_VERSION, ClientVersion};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde::Deserialize;
use tokio::time::Instant;

use super::chokepoint::HttpClient;
use super::error::{DockerError, chain};

#[derive(Deserialize)]
struct VersionReply {
    #[serde(rename = "ApiVersion")]
    api_version: Option<String>,
    #[serde(rename = "MinAPIVersion")]
    min_api_version: Option<String>,
}

pub(crate) async fn negotiate(
    http: &HttpClient,
    deadline: Instant,
) -> Result<ClientVersion, DockerError> {
    let fail = |reason: String| DockerError::Negotiate {
        target: http.describe(),
        reason,
    };
    let request = http::Request::get("/version")
        .body(http_body_util::Either::Left(Full::new(Bytes::new())))
        .map_err(|e| fail(format!("cannot build the request: {e}")))?;
    let response = http.send_by(request, deadline).await?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| fail(format!("reading the answer to GET /version: {}", chain(&e))))?
        .to_bytes();
    if !status.is_success() {
        return Err(fail(format!(
            "GET /version answered {status}: {}",
            excerpt(&body)
        )));
    }
    let reply: VersionReply = serde_json::from_slice(&body).map_err(|e| {
        fail(format!(
            "the answer to GET /version is not a Docker engine's ({e}): {}",
            excerpt(&body)
        ))
    })?;
    let server = reply
        .api_version
        .as_deref()
        .ok_or_else(|| fail("the engine did not say its ApiVersion".into()))?;
    let server = parse(server).ok_or_else(|| fail(format!("unreadable ApiVersion {server:?}")))?;
    let chosen = if server < *API_DEFAULT_VERSION {
        server
    } else {
        *API_DEFAULT_VERSION
    };
    if let Some(min) = reply.min_api_version.as_deref().and_then(parse)
        && chosen < min
    {
        return Err(fail(format!(
            "the engine needs API {min} or newer; fleetdeck speaks up to {}",
            *API_DEFAULT_VERSION
        )));
    }
    Ok(chosen)
}

/// `"1.41"` → 1.41.
pub(crate) fn parse(text: &str) -> Option<ClientVersion> {
    let (major, minor) = text.trim().split_once('.')?;
    Some(ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

/// The start of a body, printable on one line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
