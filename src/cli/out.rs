//! The one way the CLI writes to the terminal. Text from nodes and engines (container
//! names, labels, log lines, nginx's and Docker's error messages, the proxy diff) is made
//! inert on the way out: control characters, escape sequences (CSI, OSC, DCS start with
//! ESC or a C1 control) and bidirectional overrides become visible escapes, so a hostile
//! host cannot drive the admin's terminal or make a line read other than it is. Line
//! breaks and tabs stay. JSON is kept valid: its strings get JSON escapes instead.
//!
//! A reader that goes away (`fleetdeck tree | head -1`) is not an error: output stops
//! quietly and the command ends as it would have.

use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

pub use crate::validate::inert;
use crate::validate::is_dangerous as dangerous;

/// A JSON document with the dangerous characters serde leaves raw (DEL, C1 controls,
/// bidi overrides; it escapes the C0 ones already) written as JSON escapes: the same
/// document for a parser, inert for a terminal.
pub fn inert_json(text: &str) -> Cow<'_, str> {
    if !text.contains(dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if dangerous(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn write_stdout(bytes: &[u8]) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|_| out.flush()) {
        // The reader left, or stdout is unusable: nothing more to say there.
        STDOUT_GONE.store(true, Ordering::Relaxed);
        tracing::debug!(error = %e, "stdout closed; output stops");
    }
}

/// Text on stdout, made inert.
pub fn text(s: &str) {
    write_stdout(inert(s).as_bytes());
}

/// fleetdeck's own generated text (completion scripts, the man page) on stdout, as is:
/// nothing in it came from a node.
pub fn raw(bytes: &[u8]) {
    write_stdout(bytes);
}

/// A JSON document (and its newline) on stdout.
pub fn json(s: &str) {
    let mut doc = inert_json(s).into_owned();
    if !doc.ends_with('\n') {
        doc.push('\n');
    }
    write_stdout(doc.as_bytes());
}

/// Text on stderr, made inert.
pub fn err(s: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(inert(s).as_bytes()).and_then(|_| e.flush());
}

/// `println!` for the CLI: formatted, made inert, quiet when the reader is gone.
macro_rules! outln {
    () => { $crate::cli::out::text("\n") };
    ($($arg:tt)*) => { $crate::cli::out::text(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` for the CLI, made inert.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::out::err(&format!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_become_visible_and_lines_stay() {
        let hostile = "web\x1b]52;c;aGk=\x07\x1b[2J\u{202e}txt.exe\u{9b}31m\0\nnext\tcol";
        let shown = inert(hostile);
        assert!(!shown.chars().any(dangerous), "{shown}");
        assert!(shown.contains("\\u{1b}]52;c;aGk=\\u{7}"));
        assert!(shown.contains("\\u{202e}txt.exe"));
        assert!(shown.contains("\nnext\tcol"));
        assert_eq!(inert("plain é ü"), Cow::Borrowed("plain é ü"));
    }

    #[test]
    fn json_stays_the_same_document() {
        let value = serde_json::json!({ "name": "a\u{202e}b\u{9b}c\x1b[2J" });
        let text = serde_json::to_string(&value).expect("json");
        let safe = inert_json(&text);
        assert!(!safe.chars().any(dangerous), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still json");
        assert_eq!(back, value);
    }
}
