//! `check` output: the JSON document of the README's contracts (`schema_version` 1) and a text
//! report with one line per finding, grouped by kind, then what was skipped and the
//! summary.

use serde::Serialize;

use super::{CheckReport, Finding, Summary};
use crate::plural::plural;

pub use crate::contract::schema::CHECK as SCHEMA_VERSION;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    summary: Summary,
    findings: &'a [Finding],
}

pub fn json(report: &CheckReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&Document {
        schema_version: SCHEMA_VERSION,
        summary: report.summary,
        findings: &report.findings,
    })
}

/// "a.example.org on h1: " — what a finding is about, in front of its message.
fn subject(f: &Finding) -> String {
    match (&f.domain, &f.node) {
        (Some(d), Some(n)) => format!("{d} on {n}: "),
        (Some(d), None) => format!("{d}: "),
        (None, Some(n)) => format!("{n}: "),
        (None, None) => String::new(),
    }
}

pub fn text(report: &CheckReport) -> String {
    let mut out = String::new();
    let mut current = None;
    for f in &report.findings {
        if current != Some(f.kind) {
            let count = report.findings.iter().filter(|g| g.kind == f.kind).count();
            out.push_str(&format!("{} ({count})\n", f.kind.as_str()));
            current = Some(f.kind);
        }
        out.push_str(&format!(
            "  {:<7} {}{}\n",
            f.severity.as_str(),
            subject(f),
            f.message
        ));
    }
    for skipped in &report.skipped {
        out.push_str(&format!("{skipped}\n"));
    }
    let s = report.summary;
    out.push_str(&format!(
        "{}: {} ok, {}, {} unreachable\n",
        plural(s.sites, "site", "sites"),
        s.ok,
        plural(s.problems, "problem", "problems"),
        s.unreachable
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Kind, Severity, Target};

    fn finding(
        kind: Kind,
        severity: Severity,
        domain: Option<&str>,
        node: Option<&str>,
    ) -> Finding {
        Finding {
            kind,
            severity,
            domain: domain.map(str::to_string),
            node: node.map(str::to_string),
            expected: Some("10.0.0.1".into()),
            actual: None,
            message: "msg".into(),
            target: Target::default(),
        }
    }

    fn report() -> CheckReport {
        CheckReport {
            summary: Summary {
                sites: 3,
                ok: 1,
                problems: 3,
                unreachable: 1,
            },
            findings: vec![
                finding(Kind::NodeUnreachable, Severity::Error, None, Some("h2")),
                finding(
                    Kind::MissingContainer,
                    Severity::Error,
                    Some("a.test"),
                    Some("h1"),
                ),
                finding(
                    Kind::MissingContainer,
                    Severity::Info,
                    Some("p.test"),
                    Some("h1"),
                ),
                finding(Kind::DnsMissing, Severity::Error, Some("b.test"), None),
            ],
            skipped: vec!["proxy not checked: no [proxy] section in the config".into()],
        }
    }

    #[test]
    fn json_follows_the_contract() {
        let doc: serde_json::Value =
            serde_json::from_str(&json(&report()).expect("json")).expect("parse");
        assert_eq!(doc["schema_version"], 1);
        assert_eq!(
            doc["summary"],
            serde_json::json!({"sites": 3, "ok": 1, "problems": 3, "unreachable": 1})
        );
        assert_eq!(
            doc["findings"][1],
            serde_json::json!({
                "kind": "missing_container", "severity": "error", "domain": "a.test",
                "node": "h1", "expected": "10.0.0.1", "actual": null, "message": "msg"
            })
        );
        assert_eq!(doc["findings"][2]["severity"], "info");
        assert_eq!(doc["findings"][0]["domain"], serde_json::Value::Null);
    }

    #[test]
    fn text_groups_by_kind_and_ends_with_the_summary() {
        assert_eq!(
            text(&report()),
            "node_unreachable (1)\n  error   h2: msg\n\
             missing_container (2)\n  error   a.test on h1: msg\n  info    p.test on h1: msg\n\
             dns_missing (1)\n  error   b.test: msg\n\
             proxy not checked: no [proxy] section in the config\n\
             3 sites: 1 ok, 3 problems, 1 unreachable\n"
        );
    }
}
