//! The plan of a swarm operation, pure: from what a manager answered (`find::Found`) to
//! the spec to send, the version it must carry, and lines saying what will happen.

use serde_json::Value;

use super::spec::{self, SpecError};
use super::{SwarmOpError, SwarmRequest, Verb};

/// What `find` read from a manager, the input of [`plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Service {
        /// The swarm's name (`[[swarm]] name`, else its cluster id's first 12 characters).
        swarm: String,
        /// The fleetdeck node whose engine (a manager) was asked, and will be sent the update.
        manager: String,
        /// `GET /services/{id}` as the engine answered it.
        doc: Value,
        /// The site's domain (its `fleetdeck.domain` label), if it is one.
        domain: Option<String>,
    },
    Node {
        swarm: String,
        manager: String,
        /// `GET /nodes/{id}` as the engine answered it.
        doc: Value,
        /// The fleetdeck node it maps to, if any.
        fleet_node: Option<String>,
        /// Tasks the orchestrator runs on it now (`service.slot`).
        tasks: Vec<String>,
        /// Other nodes of the swarm that are ready and active (where its tasks can go).
        other_active: usize,
    },
}

/// A planned swarm operation: shown, confirmed, then sent as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmPlan {
    pub verb: Verb,
    pub swarm: String,
    pub manager: String,
    /// The service's or node's id.
    pub id: String,
    /// The service's name, or the node's hostname.
    pub target: String,
    pub domain: Option<String>,
    pub fleet_node: Option<String>,
    /// `Version.Index` read at plan time; the update carries it.
    pub version: u64,
    /// The whole spec to send.
    pub spec: Value,
    /// What changes, before and after ("2 replicas" → "3 replicas").
    pub before: String,
    pub after: String,
    /// Further lines: how the change rolls out, what it moves.
    pub notes: Vec<String>,
    /// A service's `UpdateStatus.StartedAt` at plan time: the rollout before this one,
    /// which `watch` must not take for this one's.
    pub rollout_since: Option<String>,
}

impl SwarmPlan {
    /// Whether there is anything to send (scaling to the current count is not).
    pub fn changes(&self) -> bool {
        self.verb == Verb::Rollback || self.before != self.after
    }

    /// The API path of the update: the version read at plan time, and for a rollback
    /// `rollback=previous`.
    pub fn path(&self) -> String {
        match self.verb {
            Verb::Drain | Verb::Activate => {
                format!("/nodes/{}/update?version={}", self.id, self.version)
            }
            Verb::Rollback => format!(
                "/services/{}/update?version={}&rollback=previous",
                self.id, self.version
            ),
            Verb::Scale | Verb::Update => {
                format!("/services/{}/update?version={}", self.id, self.version)
            }
        }
    }

    pub fn is_node(&self) -> bool {
        matches!(self.verb, Verb::Drain | Verb::Activate)
    }

    /// `fd-blog.example (swarm lab)` or `node s2 = sw-beta (swarm lab)`.
    pub fn qualified(&self) -> String {
        if self.is_node() {
            match &self.fleet_node {
                Some(n) if n != &self.target => format!("node {} = {n}", self.target),
                _ => format!("node {}", self.target),
            }
        } else {
            format!("service {}", self.target)
        }
    }

    /// The audit row's target: the domain for a site's service, else the name.
    pub fn audit_target(&self) -> String {
        if self.is_node() {
            self.fleet_node
                .clone()
                .unwrap_or_else(|| self.target.clone())
        } else {
            self.domain.clone().unwrap_or_else(|| self.target.clone())
        }
    }

    /// Short name for the console's activity panel.
    pub fn label(&self) -> String {
        format!("{} {}", self.verb.as_str(), self.audit_target())
    }

    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!(
                "{} {} on swarm {}, asked through {}",
                self.verb.as_str(),
                self.qualified(),
                self.swarm,
                self.manager
            ),
            if self.changes() {
                format!("{} → {}", self.before, self.after)
            } else {
                format!("already {}: nothing to do", self.after)
            },
        ];
        lines.extend(self.notes.iter().cloned());
        if self.changes() {
            lines.push(format!(
                "sent with version {}: a change made meanwhile is refused, not overwritten",
                self.version
            ));
        }
        lines
    }

    /// Audit parameters.
    pub fn params(&self) -> Value {
        serde_json::json!({
            "swarm": self.swarm,
            "manager": self.manager,
            "id": self.id,
            "name": self.target,
            "domain": self.domain,
            "node": self.fleet_node,
            "version": self.version,
            "before": self.before,
            "after": self.after,
        })
    }
}

/// The plan of `req` on what was found.
pub fn plan(req: &SwarmRequest, found: Found) -> Result<SwarmPlan, SwarmOpError> {
    req.validate()?;
    match (req, found) {
        (
            SwarmRequest::Scale { .. }
            | SwarmRequest::Update { .. }
            | SwarmRequest::Rollback { .. },
            Found::Service {
                swarm,
                manager,
                doc,
                domain,
            },
        ) => service_plan(req, swarm, manager, &doc, domain),
        (
            SwarmRequest::Drain { .. } | SwarmRequest::Activate { .. },
            Found::Node {
                swarm,
                manager,
                doc,
                fleet_node,
                tasks,
                other_active,
            },
        ) => {
            let mut plan = node_plan(req.verb(), swarm, manager, &doc, fleet_node)?;
            if req.verb() == Verb::Drain && plan.changes() {
                plan.notes = drain_notes(&tasks, other_active);
            }
            Ok(plan)
        }
        _ => Err(SwarmOpError::Invalid(format!(
            "{}: found a {} where a {} was expected",
            req.label(),
            if req.verb() == Verb::Drain || req.verb() == Verb::Activate {
                "service"
            } else {
                "node"
            },
            if req.verb() == Verb::Drain || req.verb() == Verb::Activate {
                "node"
            } else {
                "service"
            },
        ))),
    }
}

fn spec_error(what: &str) -> impl FnOnce(SpecError) -> SwarmOpError + '_ {
    move |source| SwarmOpError::Spec {
        what: what.to_string(),
        source,
    }
}

fn service_plan(
    req: &SwarmRequest,
    swarm: String,
    manager: String,
    doc: &Value,
    domain: Option<String>,
) -> Result<SwarmPlan, SwarmOpError> {
    let name = spec::service_name(doc);
    let what = format!("service {name}");
    let id = spec::id(doc).map_err(spec_error(&what))?;
    let version = spec::version(doc).map_err(spec_error(&what))?;
    let current = doc.get("Spec").cloned().unwrap_or(Value::Null);
    let (spec, before, after, notes) = match req {
        SwarmRequest::Scale { replicas, .. } => {
            let spec = spec::scaled(doc, *replicas).map_err(spec_error(&what))?;
            let now = spec::replicas(&current).unwrap_or(1);
            (
                spec,
                replicas_text(now),
                replicas_text(*replicas),
                Vec::new(),
            )
        }
        SwarmRequest::Update { image, .. } => {
            let spec = spec::with_image(doc, image).map_err(spec_error(&what))?;
            let now = spec::image(&current);
            let notes = vec![rollout(&current, "UpdateConfig", "update")];
            let before = format!("image {}", spec::shown_image(&now));
            // Same name as now (pinned or not): nothing changes, the engine would not roll.
            let after = if spec::shown_image(&now) == image {
                before.clone()
            } else {
                format!("image {image}")
            };
            (spec, before, after, notes)
        }
        SwarmRequest::Rollback { .. } => {
            let spec = spec::for_rollback(doc).map_err(|source| SwarmOpError::Spec {
                what: format!("{what} cannot be rolled back"),
                source,
            })?;
            let previous = spec::previous(doc).map_err(spec_error(&what))?;
            let (before, after) = rollback_change(&current, previous);
            let notes = vec![rollout(&current, "RollbackConfig", "rollback")];
            (spec, before, after, notes)
        }
        _ => {
            return Err(SwarmOpError::Invalid(format!(
                "{} is not a service operation",
                req.verb().as_str()
            )));
        }
    };
    Ok(SwarmPlan {
        verb: req.verb(),
        swarm,
        manager,
        id,
        target: name,
        domain,
        fleet_node: None,
        version,
        spec,
        before,
        after,
        notes,
        rollout_since: doc
            .pointer("/UpdateStatus/StartedAt")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn node_plan(
    verb: Verb,
    swarm: String,
    manager: String,
    doc: &Value,
    fleet_node: Option<String>,
) -> Result<SwarmPlan, SwarmOpError> {
    let hostname = doc
        .pointer("/Description/Hostname")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let what = format!("swarm node {hostname}");
    let id = spec::id(doc).map_err(spec_error(&what))?;
    let version = spec::version(doc).map_err(spec_error(&what))?;
    let to = if verb == Verb::Drain {
        "drain"
    } else {
        "active"
    };
    let spec = spec::with_availability(doc, to).map_err(spec_error(&what))?;
    Ok(SwarmPlan {
        verb,
        swarm,
        manager,
        target: if hostname.is_empty() {
            id.clone()
        } else {
            hostname
        },
        id,
        domain: None,
        fleet_node,
        version,
        spec,
        before: format!("availability {}", spec::availability(doc)),
        after: format!("availability {to}"),
        notes: Vec::new(),
        rollout_since: None,
    })
}

fn drain_notes(tasks: &[String], other_active: usize) -> Vec<String> {
    let mut notes = vec![if tasks.is_empty() {
        "no task runs on it now; new tasks will not be placed on it".to_string()
    } else {
        format!(
            "moves {} off it to other nodes: {}",
            count(tasks.len(), "task", "tasks"),
            tasks.join(", ")
        )
    }];
    if other_active == 0 && !tasks.is_empty() {
        notes.push(
            "no other node is ready and active: those tasks will wait, pending, until one is"
                .into(),
        );
    }
    notes
}

fn replicas_text(n: u64) -> String {
    count(n as usize, "replica", "replicas")
}

/// How the engine rolls a change out, from the spec's own `UpdateConfig` or
/// `RollbackConfig` (Docker's defaults where a field is absent).
fn rollout(spec: &Value, key: &str, what: &str) -> String {
    let config = spec.get(key).cloned().unwrap_or(Value::Null);
    let parallelism = config
        .get("Parallelism")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let delay_ns = config.get("Delay").and_then(Value::as_u64).unwrap_or(0);
    let failure = config
        .get("FailureAction")
        .and_then(Value::as_str)
        .unwrap_or("pause");
    let order = config
        .get("Order")
        .and_then(Value::as_str)
        .unwrap_or("stop-first");
    let batch = if parallelism == 0 {
        "all tasks at once".to_string()
    } else {
        format!("{} at a time", count(parallelism as usize, "task", "tasks"))
    };
    let delay = if delay_ns == 0 {
        String::new()
    } else {
        format!(", {} apart", seconds(delay_ns))
    };
    format!(
        "rolling {what} as the service's own config says: {batch}{delay}, {order}, on failure {failure}"
    )
}

fn seconds(ns: u64) -> String {
    let ms = ns / 1_000_000;
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// What a rollback changes: the image and the replicas of the previous spec.
fn rollback_change(current: &Value, previous: &Value) -> (String, String) {
    let describe = |spec: &Value| {
        let mut parts = vec![format!("image {}", spec::shown_image(&spec::image(spec)))];
        if let Some(n) = spec::replicas(spec) {
            parts.push(replicas_text(n));
        }
        parts.join(", ")
    };
    (describe(current), describe(previous))
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
