//! The table's rows kept per node, so that a change costs what it changes (issue 19;
//! ARCHITECTURE "app/"). Every row is kept, filter or not, in one block per node: in the
//! tree a node's own rows (its row and its items; its children's blocks follow it), in
//! the flat list its containers. One node's new snapshot rebuilds that node's block and
//! splices what the filter shows of it into the screen's rows; a filter keystroke only
//! filters the kept rows, and a narrower filter only the rows shown already. Column
//! widths are each block's widest cells, combined. Pure, and held to give exactly the
//! rows a whole `arrange` + `filtered` gives (`table/tests.rs`).

use std::collections::HashSet;

use super::filter::Terms;
use super::{Order, Row, RowKind, Shape, container_rows, own_rows, swarm, visit};
use crate::app::columns::Want;
use crate::fleet::tree::TreeDoc;

#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Tree: the shown nodes' blocks in screen order, then one of the swarms' rows.
    /// Flat: one per entry of `doc.nodes`, in its order.
    blocks: Vec<Block>,
    /// Each entry of `doc.nodes`: its block, when it shows.
    of_node: Vec<Option<usize>>,
    flat: bool,
    order: Order,
    /// The filter the shown rows were picked with.
    terms: Terms,
}

#[derive(Debug, Clone, Default)]
struct Block {
    /// `None`: the swarms' rows (after every node, under none).
    node: Option<usize>,
    depth: usize,
    /// Every row of the block, shown or not.
    rows: Vec<Row>,
    /// How many the filter shows; in the tree they are next to each other on screen.
    shown: usize,
    /// One of its rows matches the filter itself (not only as an ancestor).
    hit: bool,
    /// What its shown rows need of the columns (tree only: the flat list measures its
    /// rows as a whole, as it re-sorts them as a whole).
    want: Want,
}

impl Block {
    /// In the tree, a node's row shows when something under it matches: the block's
    /// own rows, or a block after it that is deeper (its descendants).
    fn is_node(&self) -> bool {
        self.node.is_some()
    }
}

/// The widest of two needs, column by column.
fn widest(a: Want, b: Want) -> Want {
    Want {
        name: a.name.max(b.name),
        ip: a.ip.max(b.ip),
        domain: a.domain.max(b.domain),
        image: a.image.max(b.image),
    }
}

fn picked<'a>(rows: impl IntoIterator<Item = &'a Row>, keep: &[bool]) -> Vec<Row> {
    rows.into_iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(r, _)| r.clone())
        .collect()
}

/// A node's containers are next to each other among its rows (after its guests, before
/// its bridges): sorted where they are.
fn sort_containers(rows: &mut [Row], order: Order) {
    let Some(first) = rows.iter().position(|r| r.kind == RowKind::Container) else {
        return;
    };
    let len = rows[first..]
        .iter()
        .take_while(|r| r.kind == RowKind::Container)
        .count();
    order.sort(&mut rows[first..first + len]);
}

/// Each block's descendants matched (tree): one pass from the end, with the stack of the
/// subtrees seen so far (a block's descendants are the deeper blocks right after it).
fn below(blocks: &[Block], hit: &[bool]) -> Vec<bool> {
    let mut out = vec![false; blocks.len()];
    let mut after: Vec<(usize, bool)> = Vec::new();
    for (b, block) in blocks.iter().enumerate().rev() {
        if !block.is_node() {
            continue;
        }
        let mut any = false;
        while after.last().is_some_and(|(d, _)| *d > block.depth) {
            any |= after.pop().is_some_and(|(_, h)| h);
        }
        out[b] = any;
        after.push((block.depth, hit[b] || any));
    }
    out
}

impl Table {
    /// Every row of `doc` in `shape`, and the screen's rows: those `filter` shows.
    pub fn build(doc: &TreeDoc, shape: &Shape, filter: &str) -> (Table, Vec<Row>) {
        let mut blocks = Vec::new();
        let mut of_node = vec![None; doc.nodes.len()];
        if shape.flat {
            for (at, node) in doc.nodes.iter().enumerate() {
                of_node[at] = Some(blocks.len());
                blocks.push(Block {
                    node: Some(at),
                    rows: container_rows(node, 0, shape.order),
                    ..Block::default()
                });
            }
        } else {
            visit(doc, shape, |at, depth| {
                of_node[at] = Some(blocks.len());
                blocks.push(Block {
                    node: Some(at),
                    depth,
                    rows: own_rows(&doc.nodes[at], depth, shape),
                    ..Block::default()
                });
            });
            let mut swarms = Vec::new();
            for s in &doc.swarms {
                swarm::push(s, shape, &mut swarms);
            }
            if !swarms.is_empty() {
                blocks.push(Block {
                    rows: swarms,
                    ..Block::default()
                });
            }
        }
        let mut table = Table {
            blocks,
            of_node,
            flat: shape.flat,
            order: shape.order,
            terms: Terms::parse(filter),
        };
        let mut shown = Vec::new();
        table.show_from_all(&mut shown);
        (table, shown)
    }

    /// What the shown rows need of the columns.
    pub fn want(&self, shown: &[Row]) -> Want {
        if self.flat {
            return Want::of(shown, true);
        }
        self.blocks
            .iter()
            .fold(Want::default(), |w, b| widest(w, b.want))
    }

    /// The filter is now `filter`: `shown` becomes the rows it shows. A filter narrower
    /// than the last one (a letter typed) only looks at the rows shown already.
    pub fn refilter(&mut self, filter: &str, shown: &mut Vec<Row>) {
        let terms = Terms::parse(filter);
        if terms == self.terms {
            return;
        }
        let narrower = terms.narrows(&self.terms);
        self.terms = terms;
        if !narrower {
            self.show_from_all(shown);
        } else if self.flat {
            let terms = &self.terms;
            shown.retain(|r| terms.hit(r));
        } else {
            self.narrow(shown);
        }
    }

    /// The order of containers is now `order`: the same rows show, each node's
    /// containers (or the flat list) sorted again in place, nothing built.
    pub fn reorder(&mut self, order: Order, shown: &mut [Row]) {
        self.order = order;
        let mut start = 0;
        let last = shown.len();
        for block in &mut self.blocks {
            let end = (start + block.shown).min(last);
            if block.is_node() {
                sort_containers(&mut block.rows, order);
                if !self.flat {
                    sort_containers(&mut shown[start..end], order);
                }
            }
            start = end;
        }
        if self.flat {
            order.sort(shown);
        }
    }

    /// The entries `nodes` of `doc` changed (nothing else did, nesting included): their
    /// blocks are built again and what shows of them replaces what showed.
    pub fn patch(&mut self, doc: &TreeDoc, shape: &Shape, nodes: &[usize], shown: &mut Vec<Row>) {
        if self.flat {
            return self.patch_flat(doc, nodes, shown);
        }
        for &at in nodes {
            let Some(b) = self.of_node.get(at).copied().flatten() else {
                // Under a folded node: nothing of it shows.
                continue;
            };
            let before = self.subtree_hit(b);
            let depth = self.blocks[b].depth;
            self.blocks[b].rows = own_rows(&doc.nodes[at], depth, shape);
            self.reshow(b, shown);
            if self.subtree_hit(b) == before {
                continue;
            }
            // Whether the nodes above it show may have changed with it.
            let mut depth = depth;
            for a in (0..b).rev() {
                if depth == 0 {
                    break;
                }
                if self.blocks[a].depth < depth {
                    depth = self.blocks[a].depth;
                    self.reshow(a, shown);
                }
            }
        }
    }

    fn patch_flat(&mut self, doc: &TreeDoc, nodes: &[usize], shown: &mut Vec<Row>) {
        let names: HashSet<&str> = nodes
            .iter()
            .filter_map(|&at| doc.nodes.get(at))
            .map(|n| n.name.as_str())
            .collect();
        shown.retain(|r| !names.contains(r.node.as_str()));
        for &at in nodes {
            let (Some(node), Some(block)) = (doc.nodes.get(at), self.blocks.get_mut(at)) else {
                continue;
            };
            block.rows = container_rows(node, 0, self.order);
            let (keep, hit) = self.terms.keep(&block.rows);
            block.hit = hit;
            shown.extend(picked(&block.rows, &keep));
        }
        // The rest is in order already: a stable sort of one long run and a short tail
        // costs a merge, and gives what sorting everything gives.
        self.order.sort(shown);
    }

    /// Whether block `b` or one under it matches.
    fn subtree_hit(&self, b: usize) -> bool {
        self.blocks[b].hit || self.hit_below(b)
    }

    fn hit_below(&self, b: usize) -> bool {
        let depth = self.blocks[b].depth;
        self.blocks[b + 1..]
            .iter()
            .take_while(|x| x.is_node() && x.depth > depth)
            .any(|x| x.hit)
    }

    /// Pick block `b`'s shown rows again and put them in place of the old ones.
    fn reshow(&mut self, b: usize, shown: &mut Vec<Row>) {
        let start: usize = self.blocks[..b].iter().map(|x| x.shown).sum();
        let below = self.blocks[b].is_node() && self.hit_below(b);
        let block = &mut self.blocks[b];
        let (mut keep, hit) = self.terms.keep(&block.rows);
        if below && let Some(first) = keep.first_mut() {
            *first = true;
        }
        let rows = picked(&block.rows, &keep);
        block.want = Want::of(&rows, false);
        block.hit = hit;
        let end = (start + block.shown).min(shown.len());
        block.shown = rows.len();
        shown.splice(start.min(end)..end, rows);
    }

    /// Every block's shown rows picked from all its rows.
    fn show_from_all(&mut self, shown: &mut Vec<Row>) {
        let picks: Vec<(Vec<bool>, bool)> = self
            .blocks
            .iter()
            .map(|b| self.terms.keep(&b.rows))
            .collect();
        let hits: Vec<bool> = picks.iter().map(|(_, h)| *h).collect();
        let below = below(&self.blocks, &hits);
        shown.clear();
        for ((block, (mut keep, hit)), below) in self.blocks.iter_mut().zip(picks).zip(below) {
            if below && let Some(first) = keep.first_mut() {
                *first = true;
            }
            let start = shown.len();
            shown.extend(picked(&block.rows, &keep));
            block.hit = hit;
            block.shown = shown.len() - start;
            if !self.flat {
                block.want = Want::of(&shown[start..], false);
            }
        }
        if self.flat {
            self.order.sort(shown);
        }
    }

    /// A narrower filter (tree): each block's shown rows filtered again. Every match of
    /// the new filter matched the old one, and its ancestors showed with it.
    fn narrow(&mut self, shown: &mut Vec<Row>) {
        let mut old = std::mem::take(shown).into_iter();
        let parts: Vec<Vec<Row>> = self
            .blocks
            .iter()
            .map(|b| old.by_ref().take(b.shown).collect())
            .collect();
        let picks: Vec<(Vec<bool>, bool)> = parts.iter().map(|p| self.terms.keep(p)).collect();
        let hits: Vec<bool> = picks.iter().map(|(_, h)| *h).collect();
        let below = below(&self.blocks, &hits);
        for (((block, part), (mut keep, hit)), below) in
            self.blocks.iter_mut().zip(parts).zip(picks).zip(below)
        {
            // The node's row: first of what showed, if it showed (it did when anything
            // under it matches now).
            let head_first = part.first().is_some_and(|r| r.depth == block.depth);
            if below && head_first {
                keep[0] = true;
            }
            let start = shown.len();
            shown.extend(
                part.into_iter()
                    .zip(keep)
                    .filter_map(|(r, k)| k.then_some(r)),
            );
            block.hit = hit;
            block.shown = shown.len() - start;
            block.want = Want::of(&shown[start..], false);
        }
    }
}

#[cfg(test)]
mod tests;
