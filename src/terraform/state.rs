//! Terraform state as fleetdeck reads it: either the state file itself (format version 4)
//! or what `terraform show -json` prints. Both become the same flat list of resource
//! instances. Pure: text in, instances out. Attribute values stay inside `Instance` and
//! are never put in an error (the state holds secrets; README "Nodes from Terraform").

use std::collections::BTreeSet;

use serde_json::Value;

/// One object of a managed resource: a `count`/`for_each` instance, or the only one.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Full resource address, as Terraform prints it (`module.a.aws_instance.web[0]`).
    pub address: String,
    pub rtype: String,
    pub tainted: bool,
    pub values: Value,
    /// Top-level attribute names Terraform marks sensitive: never read for a node.
    pub sensitive: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("not JSON ({0})")]
    NotJson(String),
    #[error("state format version {0} is not supported (fleetdeck reads version 4)")]
    Version(u64),
    #[error("unexpected shape: {0}")]
    Shape(&'static str),
}

/// Read a state file's text or `terraform show -json` output.
pub fn parse(text: &str) -> Result<Vec<Instance>, StateError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        // serde_json's message names a line and column, never the value.
        StateError::NotJson(format!("line {} column {}", e.line(), e.column()))
    })?;
    if let Some(version) = doc.get("version") {
        match version.as_u64() {
            Some(4) => raw_v4(&doc),
            Some(v) => Err(StateError::Version(v)),
            None => Err(StateError::Shape("`version` is not a number")),
        }
    } else if doc.get("format_version").is_some() {
        let mut out = Vec::new();
        // A working directory without state prints no `values` at all.
        if let Some(root) = doc.get("values").and_then(|v| v.get("root_module")) {
            shown_module(root, &mut out)?;
        }
        Ok(out)
    } else {
        Err(StateError::Shape(
            "neither a state file (`version`) nor `terraform show -json` output",
        ))
    }
}

fn raw_v4(doc: &Value) -> Result<Vec<Instance>, StateError> {
    let resources = match doc.get("resources") {
        None => return Ok(Vec::new()),
        Some(r) => r
            .as_array()
            .ok_or(StateError::Shape("`resources` is not a list"))?,
    };
    let mut out = Vec::new();
    for res in resources {
        if res.get("mode").and_then(Value::as_str) != Some("managed") {
            continue; // data sources describe things that exist elsewhere
        }
        let rtype = text_of(res, "type")?;
        let name = text_of(res, "name")?;
        let prefix = match res.get("module").and_then(Value::as_str) {
            Some(m) if !m.is_empty() => format!("{m}."),
            _ => String::new(),
        };
        let instances = res
            .get("instances")
            .and_then(Value::as_array)
            .ok_or(StateError::Shape("a resource has no `instances` list"))?;
        for inst in instances {
            // A deposed object is the old copy of a replaced resource, on its way out.
            if inst.get("deposed").is_some() {
                continue;
            }
            let index = inst.get("index_key").map(index_text).unwrap_or_default();
            out.push(Instance {
                address: format!("{prefix}{rtype}.{name}{index}"),
                rtype: rtype.to_string(),
                tainted: inst.get("status").and_then(Value::as_str) == Some("tainted"),
                values: inst.get("attributes").cloned().unwrap_or(Value::Null),
                sensitive: raw_sensitive(inst.get("sensitive_attributes")),
            });
        }
    }
    Ok(out)
}

fn text_of<'a>(v: &'a Value, key: &'static str) -> Result<&'a str, StateError> {
    v.get(key).and_then(Value::as_str).ok_or(StateError::Shape(
        "a resource lacks its `type`, `name` or `address`",
    ))
}

/// `[0]` for `count`, `["key"]` for `for_each`, as in Terraform's own addresses.
fn index_text(key: &Value) -> String {
    match key {
        Value::String(s) => format!("[{}]", Value::String(s.clone())),
        other => format!("[{other}]"),
    }
}

/// The state file lists sensitive paths; versions differ in the shape of a path (a list of
/// steps, or one object), so the first `value` naming an attribute is taken either way.
fn raw_sensitive(list: Option<&Value>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for path in list.and_then(Value::as_array).into_iter().flatten() {
        let first = match path {
            Value::Array(steps) => steps.first(),
            other => Some(other),
        };
        let name = first.and_then(|s| s.get("value").or(Some(s)).and_then(Value::as_str));
        if let Some(name) = name {
            out.insert(name.to_string());
        }
    }
    out
}

fn shown_module(module: &Value, out: &mut Vec<Instance>) -> Result<(), StateError> {
    for res in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if res.get("mode").and_then(Value::as_str) != Some("managed")
            || res.get("deposed_key").is_some()
        {
            continue;
        }
        // `sensitive_values` mirrors `values`, with `true` (or a nested mirror) where
        // something is sensitive.
        let sensitive = res
            .get("sensitive_values")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| has_true(v))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        out.push(Instance {
            address: text_of(res, "address")?.to_string(),
            rtype: text_of(res, "type")?.to_string(),
            tainted: res.get("tainted").and_then(Value::as_bool) == Some(true),
            values: res.get("values").cloned().unwrap_or(Value::Null),
            sensitive,
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        shown_module(child, out)?;
    }
    Ok(())
}

fn has_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Array(a) => a.iter().any(has_true),
        Value::Object(o) => o.values().any(has_true),
        _ => false,
    }
}
