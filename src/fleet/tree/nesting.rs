//! How the tree's nodes nest, and the one walk over them that every view of the fleet
//! tree takes (the text of `fleetdeck tree`, the console's rows): top-level nodes in the
//! tree's order, each followed by its children, depth first (ARCHITECTURE.md "The fleet
//! model").

use std::collections::{HashMap, HashSet};

use super::TreeDoc;

/// Deepest level whose children are still walked: the tree's building breaks parent
/// loops, so this only guards against a runaway chain.
pub const MAX_DEPTH: usize = 16;

/// Positions in `doc.nodes`: the top-level nodes, and each node's children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nesting {
    roots: Vec<usize>,
    children: Vec<Vec<usize>>,
}

impl Nesting {
    /// One pass over the nodes: a child named but not in the tree is left out.
    pub fn of(doc: &TreeDoc) -> Nesting {
        let by_name: HashMap<&str, usize> = doc
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        let nested: HashSet<&str> = doc
            .nodes
            .iter()
            .flat_map(|n| n.children.iter().map(String::as_str))
            .collect();
        let roots = doc
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !nested.contains(n.name.as_str()))
            .map(|(i, _)| i)
            .collect();
        let children = doc
            .nodes
            .iter()
            .map(|n| {
                n.children
                    .iter()
                    .filter_map(|c| by_name.get(c.as_str()).copied())
                    .collect()
            })
            .collect();
        Nesting { roots, children }
    }

    pub fn roots(&self) -> &[usize] {
        &self.roots
    }

    /// The children of the node at `at`, in the tree's order.
    pub fn children(&self, at: usize) -> &[usize] {
        self.children.get(at).map_or(&[], Vec::as_slice)
    }

    /// Every node in screen order: `seen(at, depth)` for a node, then its children when
    /// it returns `true` (a folded node returns `false`) and it is not deeper than
    /// [`MAX_DEPTH`].
    pub fn walk(&self, mut seen: impl FnMut(usize, usize) -> bool) {
        for &root in &self.roots {
            self.walk_from(root, 0, &mut seen);
        }
    }

    fn walk_from(&self, at: usize, depth: usize, seen: &mut impl FnMut(usize, usize) -> bool) {
        if !seen(at, depth) || depth > MAX_DEPTH {
            return;
        }
        for &child in self.children(at) {
            self.walk_from(child, depth + 1, seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::tree::TreeNode;

    /// A tree of the nodes named, each with the children given (set by hand, so the
    /// walk is tested apart from how the tree infers nesting).
    fn doc(shape: &[(&str, &[&str])]) -> TreeDoc {
        let text: String = shape
            .iter()
            .map(|(name, _)| format!("[[node]]\nname = \"{name}\"\n"))
            .collect();
        let config =
            crate::config::load_str(&text, std::path::Path::new("t.toml")).expect("config");
        let mut doc = crate::fleet::tree::build(&config, &[], &[], String::new());
        for (name, children) in shape {
            let node: &mut TreeNode = doc
                .nodes
                .iter_mut()
                .find(|n| n.name == *name)
                .expect("node");
            node.children = children.iter().map(|c| c.to_string()).collect();
        }
        doc
    }

    fn order(doc: &TreeDoc, folded: &[&str]) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        Nesting::of(doc).walk(|at, depth| {
            let name = &doc.nodes[at].name;
            out.push((name.clone(), depth));
            !folded.contains(&name.as_str())
        });
        out
    }

    fn named(pairs: &[(&str, usize)]) -> Vec<(String, usize)> {
        pairs.iter().map(|(n, d)| (n.to_string(), *d)).collect()
    }

    #[test]
    fn children_follow_their_parent_depth_first_in_the_trees_order() {
        let d = doc(&[
            ("a", &["vm2", "vm1"]),
            ("b", &[]),
            ("vm1", &["ct"]),
            ("vm2", &[]),
            ("ct", &[]),
        ]);
        assert_eq!(
            order(&d, &[]),
            named(&[("a", 0), ("vm2", 1), ("vm1", 1), ("ct", 2), ("b", 0)])
        );
        let nesting = Nesting::of(&d);
        assert_eq!(nesting.roots(), &[0, 1]);
        assert_eq!(nesting.children(0), &[3, 2]);
        assert!(nesting.children(99).is_empty());
    }

    #[test]
    fn a_folded_node_hides_its_children_and_an_unknown_child_is_left_out() {
        let d = doc(&[("a", &["vm1", "gone"]), ("vm1", &["ct"]), ("ct", &[])]);
        assert_eq!(order(&d, &["vm1"]), named(&[("a", 0), ("vm1", 1)]));
        assert_eq!(order(&d, &["a"]), named(&[("a", 0)]));
    }

    #[test]
    fn a_runaway_chain_stops_below_the_deepest_level() {
        let names: Vec<String> = (0..30).map(|i| format!("n{i:02}")).collect();
        let next: Vec<Vec<&str>> = (0..30)
            .map(|i| names.get(i + 1).map(String::as_str).into_iter().collect())
            .collect();
        let shape: Vec<(&str, &[&str])> = names
            .iter()
            .zip(&next)
            .map(|(n, c)| (n.as_str(), c.as_slice()))
            .collect();
        let nodes = doc(&shape);
        let walked = order(&nodes, &[]);
        assert_eq!(walked.len(), MAX_DEPTH + 2, "{walked:?}");
        assert_eq!(walked.last().map(|w| w.1), Some(MAX_DEPTH + 1));
    }
}
