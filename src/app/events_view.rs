//! The events view: every engine's Docker events, newest first, filtered as you type.
//! Bounded; the stream behind it runs only while the view is open. Pure.

use std::collections::VecDeque;

use super::logs::StreamStatus;
use crate::act::events::FleetEvent;

/// Events kept; older ones are dropped.
pub const EVENTS_KEPT: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsView {
    pub stream: u64,
    /// Newest first.
    pub events: VecDeque<FleetEvent>,
    /// First row shown, among the filtered events.
    pub top: usize,
    pub filter: String,
    pub filtering: bool,
    pub status: StreamStatus,
}

impl EventsView {
    pub fn new(stream: u64) -> EventsView {
        EventsView {
            stream,
            events: VecDeque::new(),
            top: 0,
            filter: String::new(),
            filtering: false,
            status: StreamStatus::Connecting,
        }
    }

    /// Add events in any order; the view stays sorted newest first. A view scrolled away
    /// from the top keeps showing the same events.
    pub fn push(&mut self, mut batch: Vec<FleetEvent>) {
        batch.sort_by_key(|e| e.time_nano);
        for e in batch {
            let at = self
                .events
                .iter()
                .position(|old| old.time_nano <= e.time_nano)
                .unwrap_or(self.events.len());
            self.events.insert(at, e);
            if self.top > 0 && at <= self.top {
                self.top += 1;
            }
        }
        self.events.truncate(EVENTS_KEPT);
        self.status = StreamStatus::Live;
    }

    pub fn matches(&self, e: &FleetEvent) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        [
            e.node.as_str(),
            e.kind.as_str(),
            e.action.as_str(),
            e.name.as_deref().unwrap_or(""),
            e.id.as_str(),
        ]
        .iter()
        .any(|f| f.to_lowercase().contains(&needle))
    }

    pub fn visible(&self) -> Vec<&FleetEvent> {
        self.events.iter().filter(|e| self.matches(e)).collect()
    }

    pub fn scroll_by(&mut self, delta: isize, rows: usize) {
        let max = self.visible().len().saturating_sub(rows.max(1));
        self.top = self.top.saturating_add_signed(delta).min(max);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn ev(node: &str, t: i64, action: &str, name: &str) -> FleetEvent {
        FleetEvent {
            node: node.into(),
            time: String::new(),
            time_nano: t,
            kind: "container".into(),
            action: action.into(),
            id: "abc".into(),
            name: Some(name.into()),
            attributes: BTreeMap::new(),
        }
    }

    #[test]
    fn events_from_several_engines_are_merged_newest_first() {
        let mut v = EventsView::new(1);
        v.push(vec![ev("h1", 10, "start", "a"), ev("h1", 30, "die", "a")]);
        v.push(vec![ev("h2", 20, "start", "b")]);
        let order: Vec<i64> = v.events.iter().map(|e| e.time_nano).collect();
        assert_eq!(order, [30, 20, 10]);
    }

    #[test]
    fn the_filter_matches_node_action_and_name() {
        let mut v = EventsView::new(1);
        v.push(vec![ev("h1", 1, "start", "web"), ev("h2", 2, "die", "db")]);
        v.filter = "DIE".into();
        assert_eq!(v.visible().len(), 1);
        v.filter = "h1".into();
        assert_eq!(v.visible()[0].name.as_deref(), Some("web"));
    }

    #[test]
    fn a_scrolled_view_keeps_its_place_when_news_arrive() {
        let mut v = EventsView::new(1);
        v.push((0..50).map(|i| ev("h1", i, "start", "x")).collect());
        v.scroll_by(10, 5);
        let shown = v.visible()[v.top].time_nano;
        v.push(vec![ev("h1", 100, "die", "x")]);
        assert_eq!(v.visible()[v.top].time_nano, shown);
    }
}
