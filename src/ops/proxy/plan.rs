//! The proxy plan (pure): what is deployed, what should be, and the unified diff between
//! them, so it can be shown, tested and applied as data.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// Lines of unchanged context around each change in the diff.
const CONTEXT_LINES: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyPlan {
    /// The proxy node.
    pub node: String,
    /// The file fleetdeck owns on it.
    pub path: String,
    /// What the node has now; `None` when the file does not exist yet.
    pub current: Option<String>,
    /// What the inventory renders to.
    pub desired: String,
    /// Unified diff from `current` to `desired`; empty when nothing changes.
    pub diff: String,
    pub changed: bool,
}

impl ProxyPlan {
    /// Lines added and removed, for a one-line summary.
    pub fn line_counts(&self) -> (usize, usize) {
        let old = self.current.as_deref().unwrap_or("");
        let diff = TextDiff::from_lines(old, &self.desired);
        diff.iter_all_changes()
            .fold((0, 0), |(add, del), c| match c.tag() {
                ChangeTag::Insert => (add + 1, del),
                ChangeTag::Delete => (add, del + 1),
                ChangeTag::Equal => (add, del),
            })
    }

    /// "12 lines added, 3 removed in /etc/nginx/... on summoners (new file)"
    pub fn summary(&self) -> String {
        let (add, del) = self.line_counts();
        let new = if self.current.is_none() {
            " (new file)"
        } else {
            ""
        };
        format!(
            "{} added, {del} removed in {} on {}{new}",
            crate::plural::plural(add, "line", "lines"),
            self.path,
            self.node
        )
    }
}

/// Compare the deployed file with the rendered one.
pub fn plan(node: &str, path: &str, current: Option<String>, desired: String) -> ProxyPlan {
    let changed = current.as_deref() != Some(desired.as_str());
    let diff = if changed {
        let old = current.as_deref().unwrap_or("");
        let old_header = if current.is_some() {
            format!("{path} (on {node})")
        } else {
            "/dev/null".to_string()
        };
        TextDiff::from_lines(old, &desired)
            .unified_diff()
            .context_radius(CONTEXT_LINES)
            .header(&old_header, &format!("{path} (from the inventory)"))
            .to_string()
    } else {
        String::new()
    };
    ProxyPlan {
        node: node.to_string(),
        path: path.to_string(),
        current,
        desired,
        diff,
        changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/etc/nginx/sites-enabled/fleetdeck.conf";

    #[test]
    fn identical_files_plan_nothing() {
        let p = plan("px", PATH, Some("a\nb\n".into()), "a\nb\n".into());
        assert!(!p.changed);
        assert_eq!(p.diff, "");
        assert_eq!(p.line_counts(), (0, 0));
    }

    #[test]
    fn a_change_is_a_unified_diff_with_context() {
        let old = "# h\n1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "# h\n1\n2\n3\n4\nfive\n6\n7\n8\n";
        let p = plan("px", PATH, Some(old.into()), new.into());
        assert!(p.changed);
        assert_eq!(
            p.diff,
            format!(
                "--- {PATH} (on px)\n+++ {PATH} (from the inventory)\n\
                 @@ -3,7 +3,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
            )
        );
        assert_eq!(p.line_counts(), (1, 1));
        assert_eq!(
            p.summary(),
            format!("1 line added, 1 removed in {PATH} on px")
        );
    }

    #[test]
    fn a_missing_file_diffs_from_dev_null() {
        let p = plan("px", PATH, None, "# h\nserver {}\n".into());
        assert!(p.changed);
        assert!(p.diff.starts_with("--- /dev/null\n+++ "), "{}", p.diff);
        assert!(p.diff.contains("+# h\n+server {}\n"), "{}", p.diff);
        assert!(p.summary().ends_with("(new file)"));
        // An empty deployed file is not the same as no file.
        let empty = plan("px", PATH, Some(String::new()), String::new());
        assert!(!empty.changed);
        let created = plan("px", PATH, None, String::new());
        assert!(created.changed, "the file must be created even if empty");
    }

    #[test]
    fn a_lost_trailing_newline_shows() {
        let p = plan("px", PATH, Some("a\nb".into()), "a\nb\n".into());
        assert!(p.changed);
        assert!(p.diff.contains("No newline at end of file"), "{}", p.diff);
    }
}
