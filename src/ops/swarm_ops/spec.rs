//! The spec edits of the swarm operations, pure: given the engine's own document (a
//! service or a node, as `GET /services/{id}` or `/nodes/{id}` answered it), the spec to
//! send back with one field changed and everything else kept as the engine wrote it.
//! Working on the JSON rather than bollard's model keeps fields a newer engine has and
//! the model does not (an update would otherwise drop them).

use serde_json::Value;

/// Why a document cannot be edited as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("the engine's document has no {0}")]
    Missing(&'static str),
    #[error(
        "service {name} runs in {mode} mode (one task per node): only a replicated service can be scaled"
    )]
    NotReplicated { name: String, mode: String },
}

/// `Version.Index`: what an update must send back (the engine refuses a stale one).
pub fn version(doc: &Value) -> Result<u64, SpecError> {
    doc.pointer("/Version/Index")
        .and_then(Value::as_u64)
        .ok_or(SpecError::Missing("Version.Index"))
}

pub fn id(doc: &Value) -> Result<String, SpecError> {
    doc.get("ID")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(SpecError::Missing("ID"))
}

fn spec(doc: &Value) -> Result<Value, SpecError> {
    doc.get("Spec")
        .filter(|s| s.is_object())
        .cloned()
        .ok_or(SpecError::Missing("Spec"))
}

/// A service's name (`Spec.Name`).
pub fn service_name(doc: &Value) -> String {
    text(doc, "/Spec/Name")
}

/// `replicated`, `global`, `replicated-job` or `global-job` (of a spec, not a document).
pub fn mode(spec: &Value) -> &'static str {
    let has = |key: &str| spec.pointer(&format!("/Mode/{key}")).is_some();
    if has("Global") {
        "global"
    } else if has("ReplicatedJob") {
        "replicated-job"
    } else if has("GlobalJob") {
        "global-job"
    } else {
        "replicated"
    }
}

/// Replicas a replicated spec asks for (an absent count is Docker's default, 1).
pub fn replicas(spec: &Value) -> Option<u64> {
    (mode(spec) == "replicated").then(|| {
        spec.pointer("/Mode/Replicated/Replicas")
            .and_then(Value::as_u64)
            .unwrap_or(1)
    })
}

/// The image a spec runs, as written (possibly pinned `name:tag@sha256:…`).
pub fn image(spec: &Value) -> String {
    text(spec, "/TaskTemplate/ContainerSpec/Image")
}

/// The image without a digest pin, as the user names it.
pub fn shown_image(image: &str) -> &str {
    image.split_once("@sha256:").map_or(image, |(name, _)| name)
}

/// The service's spec with `replicas` replicas.
pub fn scaled(doc: &Value, replicas: u64) -> Result<Value, SpecError> {
    let mut spec = spec(doc)?;
    let mode = mode(&spec);
    if mode != "replicated" {
        return Err(SpecError::NotReplicated {
            name: service_name(doc),
            mode: mode.into(),
        });
    }
    let root = object(&mut spec)?;
    let modes = object(
        root.entry("Mode")
            .or_insert_with(|| Value::Object(Default::default())),
    )?;
    let replicated = object(
        modes
            .entry("Replicated")
            .or_insert_with(|| Value::Object(Default::default())),
    )?;
    replicated.insert("Replicas".into(), Value::from(replicas));
    Ok(spec)
}

/// The service's spec running `image`; the engine rolls it out with the spec's own
/// `UpdateConfig` (parallelism, delay, failure action, order), which is kept.
pub fn with_image(doc: &Value, image: &str) -> Result<Value, SpecError> {
    let mut spec = spec(doc)?;
    let container = spec
        .pointer_mut("/TaskTemplate/ContainerSpec")
        .and_then(Value::as_object_mut)
        .ok_or(SpecError::Missing("Spec.TaskTemplate.ContainerSpec"))?;
    container.insert("Image".into(), Value::from(image));
    Ok(spec)
}

/// The spec a rollback sends: the current one, unchanged, with `rollback=previous` in
/// the query (as the docker CLI does); the engine swaps in `PreviousSpec` itself.
pub fn for_rollback(doc: &Value) -> Result<Value, SpecError> {
    previous(doc)?;
    spec(doc)
}

/// The spec a rollback returns to.
pub fn previous(doc: &Value) -> Result<&Value, SpecError> {
    doc.get("PreviousSpec")
        .filter(|s| s.is_object())
        .ok_or(SpecError::Missing("previous spec to roll back to"))
}

/// A node's spec with `availability` (`active`, `pause` or `drain`).
pub fn with_availability(doc: &Value, availability: &str) -> Result<Value, SpecError> {
    let mut spec = spec(doc)?;
    object(&mut spec)?.insert("Availability".into(), Value::from(availability));
    Ok(spec)
}

/// A node's availability now.
pub fn availability(doc: &Value) -> String {
    text(doc, "/Spec/Availability")
}

fn text(doc: &Value, pointer: &str) -> String {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn object(v: &mut Value) -> Result<&mut serde_json::Map<String, Value>, SpecError> {
    v.as_object_mut().ok_or(SpecError::Missing("object"))
}
