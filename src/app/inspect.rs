//! The inspect view: a container's engine record (pretty JSON) or a node's facts, as
//! lines to scroll and search (`/`, `n`, `N`), and `y` to copy. Pure.

use super::logs::find_all;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loading {
    Waiting,
    Loaded,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectView {
    pub title: String,
    /// Tag of the request feeding this view; answers to older ones are dropped.
    pub stream: u64,
    pub lines: Vec<String>,
    pub status: Loading,
    /// First line shown.
    pub top: usize,
    pub search: String,
    pub searching: bool,
    /// Line of the current match.
    pub hit: Option<usize>,
}

impl InspectView {
    pub fn new(title: String, stream: u64) -> InspectView {
        InspectView {
            title,
            stream,
            lines: Vec::new(),
            status: Loading::Waiting,
            top: 0,
            search: String::new(),
            searching: false,
            hit: None,
        }
    }

    pub fn loaded(&mut self, result: Result<Vec<String>, String>) {
        match result {
            Ok(lines) => {
                self.lines = lines;
                self.status = Loading::Loaded;
            }
            Err(why) => self.status = Loading::Failed(why),
        }
        self.top = 0;
        self.hit = None;
    }

    fn max_top(&self, rows: usize) -> usize {
        self.lines.len().saturating_sub(rows.max(1))
    }

    pub fn scroll_by(&mut self, delta: isize, rows: usize) {
        self.top = self
            .top
            .saturating_add_signed(delta)
            .min(self.max_top(rows));
    }

    pub fn to_top(&mut self) {
        self.top = 0;
    }

    pub fn to_bottom(&mut self, rows: usize) {
        self.top = self.max_top(rows);
    }

    /// Lines holding a match of the search, in order.
    pub fn matches(&self) -> Vec<usize> {
        if self.search.is_empty() {
            return Vec::new();
        }
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !find_all(l, &self.search).is_empty())
            .map(|(i, _)| i)
            .collect()
    }

    /// Move to the next match after the current one (or before, going back), wrapping,
    /// and bring it on screen.
    pub fn jump(&mut self, forward: bool, rows: usize) -> bool {
        let all = self.matches();
        if all.is_empty() {
            self.hit = None;
            return false;
        }
        let next = if forward {
            match self.hit {
                Some(h) => all.iter().find(|&&i| i > h),
                None => all.iter().find(|&&i| i >= self.top),
            }
            .or(all.first())
        } else {
            let from = self.hit.unwrap_or(self.top);
            all.iter().rev().find(|&&i| i < from).or(all.last())
        };
        self.hit = next.copied();
        if let Some(h) = self.hit
            && (h < self.top || h >= self.top + rows.max(1))
        {
            self.top = h.saturating_sub(rows.max(1) / 3).min(self.max_top(rows));
        }
        true
    }

    /// What `y` copies: the current match's line, else the whole record.
    pub fn copy_text(&self) -> String {
        match self.hit.and_then(|h| self.lines.get(h)) {
            Some(line) => line.trim().to_string(),
            None => self.lines.join("\n"),
        }
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard of the terminal (tmux passes it
/// on with its default `set-clipboard`; through SSH it is just bytes to the terminal).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: usize) -> InspectView {
        let mut v = InspectView::new("t".into(), 1);
        v.loaded(Ok((0..n).map(|i| format!("line {i}")).collect()));
        v
    }

    #[test]
    fn search_jumps_forward_and_back_wrapping_and_scrolls_to_the_hit() {
        let mut v = view(100);
        v.search = "line 5".into(); // 5, 50..59
        assert!(v.jump(true, 10));
        assert_eq!(v.hit, Some(5));
        assert!(v.jump(true, 10));
        assert_eq!(v.hit, Some(50));
        assert!(v.top <= 50 && 50 < v.top + 10);
        assert!(v.jump(false, 10));
        assert_eq!(v.hit, Some(5));
        assert!(v.jump(false, 10));
        assert_eq!(v.hit, Some(59), "wraps to the last");
        v.search = "nothing".into();
        assert!(!v.jump(true, 10));
        assert_eq!(v.hit, None);
    }

    #[test]
    fn copy_takes_the_hit_line_or_everything() {
        let mut v = view(3);
        assert_eq!(v.copy_text(), "line 0\nline 1\nline 2");
        v.search = "line 1".into();
        v.jump(true, 10);
        assert_eq!(v.copy_text(), "line 1");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn scrolling_stays_within_the_record() {
        let mut v = view(30);
        v.scroll_by(100, 10);
        assert_eq!(v.top, 20);
        v.scroll_by(-5, 10);
        assert_eq!(v.top, 15);
        v.to_top();
        assert_eq!(v.top, 0);
    }
}
