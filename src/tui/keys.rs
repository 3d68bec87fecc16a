//! crossterm key events to [`KeySpec`]: the only place that sees a key code.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::KeySpec;
use crate::app::keymap::Key;

pub fn to_spec(event: KeyEvent) -> Option<KeySpec> {
    let key = match event.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::F(n) => Key::F(n),
        _ => return None,
    };
    Some(KeySpec {
        key,
        ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        alt: event.modifiers.contains(KeyModifiers::ALT),
    })
}

/// While the filter is typed, keys are text: the one other place a key code is read.
pub fn to_filter_edit(event: KeyEvent) -> Option<crate::app::FilterEdit> {
    use crate::app::FilterEdit;
    match event.code {
        KeyCode::Char(c) if !event.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(FilterEdit::Insert(c))
        }
        KeyCode::Backspace => Some(FilterEdit::Backspace),
        KeyCode::Enter => Some(FilterEdit::Accept),
        KeyCode::Esc => Some(FilterEdit::Cancel),
        _ => None,
    }
}
