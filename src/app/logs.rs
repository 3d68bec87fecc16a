//! The logs view of one container: a bounded buffer of lines, following the newest or
//! paused where the user scrolled, with a search. Pure.

use std::collections::VecDeque;

/// Lines the view keeps; older ones are dropped so a chatty container cannot eat memory.
pub const LOG_LINES_KEPT: usize = 10_000;
/// Text the view keeps, in bytes: lines can be long (up to the transport's cut), and
/// 10,000 long ones must not cost hundreds of megabytes.
pub const LOG_BYTES_KEPT: usize = 8 * 1024 * 1024;
/// Lines asked for when the view opens.
pub const LOG_TAIL: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
    /// A container with a TTY: stdout and stderr are one stream.
    Console,
    /// A line the console wrote itself: the container exited here (`text` is
    /// `exited (CODE)`, `at` the time of the exit). README "Logs".
    Marker,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: LogStream,
    /// `HH:MM:SS` of the engine's timestamp, UTC; empty when it had none.
    pub at: String,
    pub text: String,
}

impl LogLine {
    /// The line marking an exit of the followed container, `code` as the engine gave it.
    pub fn exit_marker(code: &str, at: &str) -> LogLine {
        LogLine {
            stream: LogStream::Marker,
            at: at.to_string(),
            text: format!("exited ({code})"),
        }
    }

    /// The marker as shown: `── exited (3) at 12:01:07 ──`.
    pub fn marker_text(&self, ascii: bool) -> String {
        let rule = if ascii { "--" } else { "──" };
        if self.at.is_empty() {
            format!("{rule} {} {rule}", self.text)
        } else {
            format!("{rule} {} at {} {rule}", self.text, self.at)
        }
    }
}

/// The container a view is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    pub node: String,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStatus {
    Connecting,
    Live,
    /// The container exited (the text says how); the view waits for it to start again
    /// and re-attaches then.
    Waiting(String),
    /// The engine closed the stream (the container stopped).
    Ended,
    /// The stream is over for the reason given (the container was removed...).
    Closed(String),
    Failed(String),
}

impl StreamStatus {
    pub fn word(&self) -> String {
        match self {
            StreamStatus::Connecting => "connecting".into(),
            StreamStatus::Live => "live".into(),
            StreamStatus::Waiting(what) => format!("{what}, waiting for a restart"),
            StreamStatus::Ended => "ended".into(),
            StreamStatus::Closed(why) => format!("ended: {why}"),
            StreamStatus::Failed(why) => format!("failed: {why}"),
        }
    }

    /// Whether the stream is over: nothing more will come into the view.
    pub fn is_over(&self) -> bool {
        matches!(
            self,
            StreamStatus::Ended | StreamStatus::Closed(_) | StreamStatus::Failed(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsView {
    pub target: ContainerRef,
    /// Tag of the stream feeding this view; messages of other streams are stale.
    pub stream: u64,
    pub lines: VecDeque<LogLine>,
    /// Show the newest lines as they come.
    pub follow: bool,
    /// First line shown while not following.
    pub top: usize,
    pub search: String,
    /// Keys go to the search text.
    pub searching: bool,
    /// Line of the current match.
    pub hit: Option<usize>,
    pub status: StreamStatus,
    /// Long lines wrap onto the next rows instead of being cut at the edge.
    pub wrap: bool,
}

/// Case-insensitive (ASCII) match positions of `needle` in `hay`, as byte ranges.
/// ASCII folding keeps byte offsets, so the ranges cut `hay` on char boundaries.
pub fn find_all(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    if needle.is_empty() {
        return Vec::new();
    }
    let hay_l = hay.to_ascii_lowercase();
    let needle_l = needle.to_ascii_lowercase();
    hay_l
        .match_indices(&needle_l)
        .map(|(i, m)| (i, i + m.len()))
        .collect()
}

impl LogsView {
    pub fn new(target: ContainerRef, stream: u64) -> LogsView {
        LogsView {
            target,
            stream,
            lines: VecDeque::new(),
            follow: true,
            top: 0,
            search: String::new(),
            searching: false,
            hit: None,
            status: StreamStatus::Connecting,
            wrap: false,
        }
    }

    /// Append lines, dropping the oldest beyond [`LOG_LINES_KEPT`] or [`LOG_BYTES_KEPT`]; a
    /// paused view keeps showing the same lines.
    pub fn push(&mut self, lines: Vec<LogLine>) {
        self.lines.extend(lines);
        let mut over = self.lines.len().saturating_sub(LOG_LINES_KEPT);
        let mut bytes: usize = self.lines.iter().skip(over).map(|l| l.text.len()).sum();
        while bytes > LOG_BYTES_KEPT && over + 1 < self.lines.len() {
            bytes -= self.lines[over].text.len();
            over += 1;
        }
        if over > 0 {
            self.lines.drain(..over);
            self.top = self.top.saturating_sub(over);
            self.hit = self.hit.and_then(|h| h.checked_sub(over));
        }
        // After an exit marker the view waits for the next run; its first line is live.
        self.status = match self.lines.back() {
            Some(l) if l.stream == LogStream::Marker => StreamStatus::Waiting(l.text.clone()),
            _ => StreamStatus::Live,
        };
    }

    fn max_top(&self, rows: usize) -> usize {
        self.lines.len().saturating_sub(rows)
    }

    /// Index of the first line on screen when `rows` lines fit.
    pub fn first_shown(&self, rows: usize) -> usize {
        if self.follow {
            self.max_top(rows)
        } else {
            self.top.min(self.max_top(rows))
        }
    }

    pub fn scroll_up(&mut self, n: usize, rows: usize) {
        self.top = self.first_shown(rows).saturating_sub(n);
        self.follow = false;
    }

    /// Scrolling down stays paused: only `f` or the bottom key follow again.
    pub fn scroll_down(&mut self, n: usize, rows: usize) {
        if !self.follow {
            self.top = (self.first_shown(rows) + n).min(self.max_top(rows));
        }
    }

    pub fn to_top(&mut self) {
        self.top = 0;
        self.follow = false;
    }

    pub fn to_bottom(&mut self) {
        self.follow = true;
    }

    pub fn toggle_follow(&mut self, rows: usize) {
        if self.follow {
            self.top = self.first_shown(rows);
            self.follow = false;
        } else {
            self.follow = true;
        }
    }

    pub fn is_match(&self, index: usize) -> bool {
        self.lines
            .get(index)
            .is_some_and(|l| !find_all(&super::sgr::strip(&l.text), &self.search).is_empty())
    }

    pub fn match_count(&self) -> usize {
        if self.search.is_empty() {
            return 0;
        }
        (0..self.lines.len()).filter(|&i| self.is_match(i)).count()
    }

    /// Move to the next match, newer (down) or older (up), starting next to the current
    /// match or, without one, from the edge of the screen. False when there is none.
    pub fn jump(&mut self, newer: bool, rows: usize) -> bool {
        if self.search.is_empty() || self.lines.is_empty() {
            return false;
        }
        let first = self.first_shown(rows);
        let last = (first + rows).min(self.lines.len()).saturating_sub(1);
        let found = if newer {
            let from = self.hit.map_or(first, |h| h + 1);
            (from..self.lines.len()).find(|&i| self.is_match(i))
        } else {
            let to = self.hit.unwrap_or(last + 1);
            (0..to).rev().find(|&i| self.is_match(i))
        };
        let Some(at) = found else { return false };
        self.hit = Some(at);
        self.follow = false;
        // The match lands in the middle of the screen when it can.
        self.top = at.saturating_sub(rows / 2).min(self.max_top(rows));
        true
    }

    /// Enter in the search: the newest match on or above the screen's last line, else
    /// the oldest below it.
    pub fn accept_search(&mut self, rows: usize) -> bool {
        self.searching = false;
        self.hit = None;
        self.jump(false, rows) || self.jump(true, rows)
    }

    pub fn cancel_search(&mut self) {
        self.searching = false;
        self.search.clear();
        self.hit = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: usize) -> LogsView {
        let mut v = LogsView::new(
            ContainerRef {
                node: "h1".into(),
                id: "abc".into(),
                name: "web".into(),
            },
            1,
        );
        v.push(
            (0..n)
                .map(|i| LogLine {
                    stream: if i % 10 == 0 {
                        LogStream::Stderr
                    } else {
                        LogStream::Stdout
                    },
                    at: String::new(),
                    text: format!("line {i}"),
                })
                .collect(),
        );
        v
    }

    #[test]
    fn the_buffer_is_bounded_and_a_paused_view_keeps_its_lines() {
        let mut v = view(100);
        v.scroll_up(10, 20);
        assert_eq!((v.follow, v.first_shown(20)), (false, 70));
        v.push(view(LOG_LINES_KEPT).lines.into_iter().collect());
        assert_eq!(v.lines.len(), LOG_LINES_KEPT);
        assert_eq!(
            v.first_shown(20),
            0,
            "its lines were dropped; the top is kept"
        );
        let mut v = view(100);
        v.scroll_up(10, 20);
        v.push(view(5).lines.into_iter().collect());
        assert_eq!(v.first_shown(20), 70, "new lines do not move a paused view");
        v.to_bottom();
        assert_eq!(v.first_shown(20), 85);
    }

    #[test]
    fn long_lines_are_bounded_by_bytes_too() {
        let mut v = view(0);
        let long = |i: usize| LogLine {
            stream: LogStream::Stdout,
            at: String::new(),
            text: format!("{i:05}{}", "x".repeat(16 * 1024)),
        };
        v.push((0..2_000).map(long).collect());
        let kept: usize = v.lines.iter().map(|l| l.text.len()).sum();
        assert!(kept <= LOG_BYTES_KEPT, "{kept} bytes kept");
        assert!(v.lines.len() < 2_000 && v.lines.len() > 400);
        assert!(
            v.lines.back().is_some_and(|l| l.text.starts_with("01999")),
            "the newest lines are the ones kept"
        );
    }

    #[test]
    fn scrolling_stays_in_bounds_and_follow_toggles() {
        let mut v = view(30);
        assert_eq!(v.first_shown(20), 10);
        v.scroll_down(5, 20);
        assert!(v.follow, "down at the bottom keeps following");
        v.scroll_up(100, 20);
        assert_eq!(v.first_shown(20), 0);
        v.scroll_down(100, 20);
        assert_eq!((v.first_shown(20), v.follow), (10, false));
        v.toggle_follow(20);
        assert!(v.follow);
        v.toggle_follow(20);
        assert_eq!((v.follow, v.top), (false, 10));
        assert_eq!(view(3).first_shown(20), 0, "fewer lines than rows");
    }

    #[test]
    fn an_exit_marker_makes_the_view_wait_and_the_next_line_is_live() {
        let mut v = view(3);
        assert_eq!(v.status, StreamStatus::Live);
        v.push(vec![LogLine::exit_marker("3", "12:01:07")]);
        assert_eq!(v.status, StreamStatus::Waiting("exited (3)".into()));
        assert_eq!(v.status.word(), "exited (3), waiting for a restart");
        assert!(!v.status.is_over());
        assert_eq!(
            v.lines.back().map(|l| l.marker_text(false)),
            Some("── exited (3) at 12:01:07 ──".to_string())
        );
        v.push(view(1).lines.into_iter().collect());
        assert_eq!(v.status, StreamStatus::Live);
        assert!(StreamStatus::Closed("container removed".into()).is_over());
        assert_eq!(
            StreamStatus::Closed("container removed".into()).word(),
            "ended: container removed"
        );
    }

    #[test]
    fn search_jumps_between_matches_either_way() {
        let mut v = view(200);
        v.search = "LINE 1".into();
        assert!(v.accept_search(20));
        assert_eq!(v.hit, Some(199), "the newest match on screen first");
        assert!(v.jump(false, 20));
        assert_eq!(v.hit, Some(198));
        assert!(v.jump(true, 20));
        assert_eq!(v.hit, Some(199));
        assert!(!v.jump(true, 20), "no newer match");
        assert!(v.first_shown(20) <= 199 && 199 < v.first_shown(20) + 20);
        v.search = "nothing".into();
        assert!(!v.accept_search(20));
        assert_eq!(v.hit, None);
        assert_eq!(find_all("Ab aB ab", "AB"), vec![(0, 2), (3, 5), (6, 8)]);
        assert_eq!(find_all("é x", "X"), vec![(3, 4)]);
    }
}
