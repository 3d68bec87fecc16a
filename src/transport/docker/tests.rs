//! Unit tests without a lab: a fake engine behind a counting [`Dialer`], served over
//! in-memory pipes.

mod env;
mod fake;

use std::time::{Duration, Instant};

use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RemoveContainerOptions, StartContainerOptions,
};

use super::chokepoint::api_path;
use super::*;
use fake::{FakeEngine, Hang};

const TIMEOUT: Duration = Duration::from_secs(5);

async fn connect(engine: &FakeEngine, read_only: bool) -> DockerClient {
    DockerClient::connect(engine.target(), read_only, TIMEOUT)
        .await
        .expect("connect to the fake engine")
}

fn list_all() -> Option<ListContainersOptions> {
    Some(ListContainersOptions {
        all: true,
        ..Default::default()
    })
}

#[tokio::test]
async fn read_only_client_refuses_mutations_before_dialing() {
    let engine = FakeEngine::new("1.41");
    let client = connect(&engine, true).await;
    assert!(client.is_read_only());
    client
        .api()
        .list_containers(list_all())
        .await
        .expect("a read-only client lists containers");
    let dials = engine.dials();
    let seen = engine.requests().len();

    let api = client.api();
    let refusals = [
        api.create_container(
            Some(CreateContainerOptions {
                name: Some("web".into()),
                ..Default::default()
            }),
            bollard::models::ContainerCreateBody::default(),
        )
        .await
        .map(drop),
        api.start_container("web", None::<StartContainerOptions>)
            .await,
        api.remove_container("web", None::<RemoveContainerOptions>)
            .await,
    ];
    let expected = [
        "refused in read-only mode: POST /containers/create",
        "refused in read-only mode: POST /containers/web/start",
        "refused in read-only mode: DELETE /containers/web",
    ];
    for (result, expected) in refusals.into_iter().zip(expected) {
        let err = result.expect_err("mutation refused");
        assert_eq!(err.to_string(), expected);
        assert!(
            DockerError::from_bollard(&err).is_some_and(DockerError::is_read_only),
            "{err:?}"
        );
        assert!(DockerError::from(err).is_read_only());
    }
    assert_eq!(engine.dials(), dials, "nothing dialed for refused calls");
    assert_eq!(
        engine.requests().len(),
        seen,
        "nothing sent for refused calls"
    );
    assert!(engine.requests().iter().all(|r| r.starts_with("GET ")));
}

#[tokio::test]
async fn read_only_refuses_upgrades_and_websocket_attach_even_as_get() {
    let engine = FakeEngine::new("1.41");
    let connector = super::dial::Connector::new(engine.target()).expect("connector");
    let http = super::chokepoint::HttpClient::new(connector, true, TIMEOUT, true).expect("client");
    let get = |uri: &str| {
        http::Request::get(uri).body(http_body_util::Either::Left(http_body_util::Full::new(
            hyper::body::Bytes::new(),
        )))
    };
    let upgrade = get("http://docker/containers/web/attach?stream=1")
        .map(|mut r| {
            r.headers_mut()
                .insert(http::header::UPGRADE, http::HeaderValue::from_static("tcp"));
            r
        })
        .expect("request");
    let err = http.send(upgrade).await.expect_err("upgrade refused");
    assert_eq!(
        err.to_string(),
        "refused in read-only mode: GET /containers/web/attach"
    );
    let ws = get("http://docker/containers/web/attach/ws").expect("request");
    let err = http.send(ws).await.expect_err("websocket attach refused");
    assert!(err.is_read_only(), "{err}");
    assert_eq!(engine.dials(), 0);

    let ping = get("http://docker/_ping").expect("request");
    let response = http.send(ping).await.expect("a plain GET passes");
    assert_eq!(response.status(), http::StatusCode::OK);
    assert_eq!(engine.dials(), 1);
}

#[tokio::test]
async fn writable_client_sends_mutations() {
    let engine = FakeEngine::new("1.41");
    let client = connect(&engine, false).await;
    client
        .api()
        .start_container("web", None::<StartContainerOptions>)
        .await
        .expect("start goes through");
    let last = engine.requests().pop().expect("a request");
    assert!(
        last.starts_with("POST /v1.41/containers/web/start HTTP/1.1"),
        "{last}"
    );
}

#[tokio::test]
async fn requests_are_origin_form_with_a_host_header() {
    let engine = FakeEngine::new("1.41");
    let client = connect(&engine, true).await;
    client
        .api()
        .list_containers(list_all())
        .await
        .expect("list");
    assert_eq!(
        engine.requests(),
        vec![
            "GET /version HTTP/1.1 | host: docker".to_string(),
            "GET /v1.41/containers/json?all=true&size=false HTTP/1.1 | host: docker".to_string(),
        ]
    );
}

#[tokio::test]
async fn idle_connections_are_reused_unless_turned_off() {
    let engine = FakeEngine::new("1.41");
    let client = connect(&engine, true).await;
    for _ in 0..10 {
        client.api().ping().await.expect("ping");
    }
    assert_eq!(engine.dials(), 1, "one connection for eleven requests");
    assert_eq!(client.connections_opened(), 1);

    let engine = FakeEngine::new("1.41");
    let options = ConnectOptions {
        read_only: true,
        timeout: TIMEOUT,
        reuse_connections: false,
    };
    let client = DockerClient::connect_with(engine.target(), options)
        .await
        .expect("connect");
    for _ in 0..10 {
        client.api().ping().await.expect("ping");
    }
    assert_eq!(engine.dials(), 11, "one connection per request");
}

#[tokio::test]
async fn api_version_is_the_engines_capped_at_bollards() {
    let engine = FakeEngine::new("1.41");
    let client = connect(&engine, true).await;
    assert_eq!(client.api_version(), "1.41");
    assert_eq!(client.api().client_version().to_string(), "1.41");
    assert_eq!(client.describe(), "fake engine");

    let engine = FakeEngine::new("1.99");
    let client = connect(&engine, true).await;
    assert_eq!(
        client.api_version(),
        bollard::API_DEFAULT_VERSION.to_string()
    );
}

#[tokio::test]
async fn negotiation_failures_say_what_the_engine_answered() {
    let engine = FakeEngine::with_version_reply(
        "400 Bad Request",
        "Client sent an HTTP request to an HTTPS server.",
    );
    let err = DockerClient::connect(engine.target(), true, TIMEOUT)
        .await
        .expect_err("not an engine");
    assert_eq!(
        err.to_string(),
        "cannot negotiate the API version with fake engine: GET /version answered 400 Bad Request: Client sent an HTTP request to an HTTPS server."
    );

    let engine = FakeEngine::with_version_reply("200 OK", "{\"Version\":\"0.1\"}");
    let err = DockerClient::connect(engine.target(), true, TIMEOUT)
        .await
        .expect_err("no ApiVersion");
    assert!(
        err.to_string().contains("did not say its ApiVersion"),
        "{err}"
    );
}

#[tokio::test]
async fn dial_failures_and_hangs_fail_within_the_timeout() {
    let engine = FakeEngine::failing(Hang::Fail);
    let err = DockerClient::connect(engine.target(), true, TIMEOUT)
        .await
        .expect_err("dial fails");
    assert_eq!(
        err.to_string(),
        "cannot connect to the Docker engine at fake engine: channel open refused"
    );

    let engine = FakeEngine::failing(Hang::Forever);
    let started = Instant::now();
    let err = DockerClient::connect(engine.target(), true, Duration::from_millis(300))
        .await
        .expect_err("dial hangs");
    // The error names the 300 ms limit; the bound is only against a hang.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, DockerError::Timeout { .. }), "{err}");
    assert!(
        err.to_string().contains("did not finish within 300ms"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_or_bad_tls_files_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    let target = || DockerTarget::Tls {
        host: "10.77.0.2".into(),
        port: 2376,
        ca: ca.clone(),
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    let err = DockerClient::connect(target(), true, TIMEOUT)
        .await
        .expect_err("no CA file");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot read the CA certificate {}: ",
            ca.display()
        )),
        "{text}"
    );

    std::fs::write(&ca, "not a certificate\n").expect("write");
    let err = DockerClient::connect(target(), true, TIMEOUT)
        .await
        .expect_err("bad CA file");
    assert_eq!(
        err.to_string(),
        format!(
            "the CA certificate {} is not usable: no PEM certificate in it",
            ca.display()
        )
    );
}

#[test]
fn api_paths_in_messages_drop_the_version_and_query() {
    let uri = |s: &str| s.parse::<http::Uri>().expect("uri");
    assert_eq!(
        api_path(&uri("http://docker/v1.41/containers/create?name=x")),
        "/containers/create"
    );
    assert_eq!(
        api_path(&uri("/v1.53/containers/a/start")),
        "/containers/a/start"
    );
    assert_eq!(api_path(&uri("/version")), "/version");
    assert_eq!(api_path(&uri("/volumes/v1.2")), "/volumes/v1.2");
    assert_eq!(api_path(&uri("/v1/containers")), "/v1/containers");
}

#[test]
fn versions_parse() {
    let v = super::version::parse("1.41").expect("1.41");
    assert_eq!((v.major_version, v.minor_version), (1, 41));
    assert!(super::version::parse("1").is_none());
    assert!(super::version::parse("x.y").is_none());
}
