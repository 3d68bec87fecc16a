//! The activity log full-screen (`a`): every line of the session's activity panel, whole,
//! scrollable and filtered as typed. Pure; `ui/activity.rs` draws it.

use super::state::Activity;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityView {
    /// Show the newest lines as they come.
    pub follow: bool,
    /// First matching line shown while not following.
    pub top: usize,
    /// Lines containing this (any case) are shown; empty shows all.
    pub filter: String,
    /// Keys go to the filter text.
    pub filtering: bool,
}

impl ActivityView {
    pub fn new() -> ActivityView {
        ActivityView {
            follow: true,
            ..ActivityView::default()
        }
    }

    /// Indexes of the lines the filter keeps, oldest first.
    pub fn matching(&self, lines: &[Activity]) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        lines
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                needle.is_empty()
                    || a.text.to_lowercase().contains(&needle)
                    || a.at.contains(&needle)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// First matching line on screen when `rows` lines fit, of `count` matching.
    pub fn first_shown(&self, count: usize, rows: usize) -> usize {
        let last_page = count.saturating_sub(rows.max(1));
        if self.follow {
            last_page
        } else {
            self.top.min(last_page)
        }
    }

    /// Move by `delta` lines; reaching the end follows again.
    pub fn scroll(&mut self, delta: isize, count: usize, rows: usize) {
        let at = self.first_shown(count, rows);
        let last_page = count.saturating_sub(rows.max(1));
        let to = at.saturating_add_signed(delta).min(last_page);
        self.top = to;
        self.follow = to >= last_page && delta > 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Level;

    fn lines(n: usize) -> Vec<Activity> {
        (0..n)
            .map(|i| Activity {
                at: "10:00:00".into(),
                level: Level::Info,
                text: format!("line {i}{}", if i % 10 == 0 { " tens" } else { "" }),
            })
            .collect()
    }

    #[test]
    fn follows_scrolls_and_filters() {
        let all = lines(100);
        let mut v = ActivityView::new();
        assert_eq!(v.first_shown(100, 20), 80);
        v.scroll(-5, 100, 20);
        assert_eq!((v.first_shown(100, 20), v.follow), (75, false));
        v.scroll(-500, 100, 20);
        assert_eq!(v.first_shown(100, 20), 0);
        v.scroll(500, 100, 20);
        assert!(v.follow, "the end follows again");
        v.filter = "TENS".into();
        assert_eq!(v.matching(&all), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    }
}
