//! Docker events of every engine, as one stream: each engine's `/events` followed in its
//! own task, every message tagged with its node. `--since` replays an engine's recent
//! past before the live events.

use std::collections::BTreeMap;

use bollard::models::EventMessage;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::transport::{DockerClient, DockerError};

/// One event, whatever engine it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetEvent {
    pub node: String,
    /// RFC 3339, to the second.
    pub time: String,
    /// Nanoseconds since the epoch, for ordering.
    pub time_nano: i64,
    /// container, image, network, volume, daemon...
    #[serde(rename = "type")]
    pub kind: String,
    pub action: String,
    pub id: String,
    /// The actor's `name` attribute (a container's or an image's name), when it has one.
    pub name: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

impl FleetEvent {
    pub fn from_message(node: &str, m: EventMessage) -> FleetEvent {
        let time_nano = m
            .time_nano
            .or(m.time.map(|t| t.saturating_mul(1_000_000_000)))
            .unwrap_or(0);
        let (id, attributes) = match m.actor {
            Some(a) => (
                a.id.unwrap_or_default(),
                a.attributes.unwrap_or_default().into_iter().collect(),
            ),
            None => (String::new(), BTreeMap::new()),
        };
        let attributes: BTreeMap<String, String> = attributes;
        FleetEvent {
            node: node.to_string(),
            time: rfc3339(time_nano),
            time_nano,
            kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
            action: m.action.unwrap_or_default(),
            name: attributes.get("name").cloned(),
            id,
            attributes,
        }
    }

    /// One line for a person: `time node type action name (id)`.
    pub fn line(&self) -> String {
        let short = self.id.get(..12).unwrap_or(&self.id);
        let who = match &self.name {
            Some(n) => format!("{n} ({short})"),
            None => short.to_string(),
        };
        format!(
            "{} {} {} {} {}",
            self.time, self.node, self.kind, self.action, who
        )
    }
}

fn rfc3339(nanos: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(nanos.div_euclid(1_000_000_000))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `--since`: a duration back from `now` (`90s`, `10m`, `2h`, `1d`), or a Unix time.
pub fn parse_since(text: &str, now_unix: i64) -> Result<i64, String> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = digits.parse().map_err(|_| {
        format!("--since {text:?}: expected a duration like 10m, 2h, 1d, or a Unix time")
    })?;
    let secs = match unit {
        "" if n > 1_000_000_000 => return Ok(n),
        "s" | "" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        other => {
            return Err(format!(
                "--since {text:?}: unknown unit {other:?} (use s, m, h or d)"
            ));
        }
    };
    Ok(now_unix - secs)
}

/// Follow one engine's events until it ends, fails, or nobody listens.
pub async fn follow(
    client: DockerClient,
    node: String,
    since: Option<i64>,
    tx: mpsc::Sender<FleetEvent>,
) -> Result<(), DockerError> {
    // Read line by line with a bound (no request timeout: the stream is long-lived).
    let path = match since {
        Some(s) => format!("/events?since={s}"),
        None => "/events".to_string(),
    };
    let mut events = client.json_lines(&path).await?;
    while let Some(event) = events.next::<EventMessage>().await {
        let event = event?;
        if tx
            .send(FleetEvent::from_message(&node, event))
            .await
            .is_err()
        {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bollard::models::{EventActor, EventMessageTypeEnum};

    use super::*;

    #[test]
    fn since_takes_durations_and_unix_times() {
        assert_eq!(parse_since("90s", 10_000), Ok(9_910));
        assert_eq!(parse_since("10m", 10_000), Ok(9_400));
        assert_eq!(parse_since("2h", 10_000), Ok(2_800));
        assert_eq!(parse_since("1700000000", 1_800_000_000), Ok(1_700_000_000));
        assert!(
            parse_since("5y", 0)
                .expect_err("unit")
                .contains("unknown unit")
        );
        assert!(
            parse_since("soon", 0)
                .expect_err("nan")
                .contains("expected a duration")
        );
    }

    #[test]
    fn a_message_becomes_a_tagged_event() {
        let m = EventMessage {
            typ: Some(EventMessageTypeEnum::CONTAINER),
            action: Some("die".into()),
            actor: Some(EventActor {
                id: Some("0123456789abcdef".into()),
                attributes: Some(HashMap::from([
                    ("name".to_string(), "web".to_string()),
                    ("exitCode".to_string(), "137".to_string()),
                ])),
            }),
            time: Some(1_700_000_000),
            time_nano: Some(1_700_000_000_500_000_000),
            ..Default::default()
        };
        let e = FleetEvent::from_message("h1", m);
        assert_eq!(
            e.line(),
            "2023-11-14T22:13:20Z h1 container die web (0123456789ab)"
        );
        assert_eq!(e.attributes["exitCode"], "137");
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(json["type"], "container");
    }
}
