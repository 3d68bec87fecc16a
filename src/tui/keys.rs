//! crossterm events to messages: the only place that sees a key code.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use crate::app::keymap::Key;
use crate::app::{KeySpec, Keymap, Mouse, Msg, PaletteEdit, TextInput};

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

/// While the palette is open, keys edit its line; tab, arrows, enter and esc drive it.
pub fn to_palette_edit(event: &Event) -> Option<PaletteEdit> {
    let Event::Key(key) = event else { return None };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Tab => Some(PaletteEdit::Complete),
        KeyCode::Down => Some(PaletteEdit::Next),
        KeyCode::Up | KeyCode::BackTab => Some(PaletteEdit::Prev),
        KeyCode::Enter => Some(PaletteEdit::Run),
        KeyCode::Esc => Some(PaletteEdit::Close),
        KeyCode::Char('c') if ctrl => Some(PaletteEdit::Close),
        _ => tui_input::backend::crossterm::to_input_request(event).map(PaletteEdit::Input),
    }
}

/// Keys while the create form is open: text, cursor moves, field changes.
pub fn to_form_edit(event: KeyEvent) -> Option<crate::app::create_form::FormEdit> {
    use crate::app::create_form::FormEdit;
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    match event.code {
        KeyCode::Char('c') if ctrl => Some(FormEdit::Cancel),
        KeyCode::Char(c) if !ctrl => Some(FormEdit::Insert(c)),
        KeyCode::Backspace => Some(FormEdit::Backspace),
        KeyCode::Delete => Some(FormEdit::Delete),
        KeyCode::Left => Some(FormEdit::Left),
        KeyCode::Right => Some(FormEdit::Right),
        KeyCode::Home => Some(FormEdit::Home),
        KeyCode::End => Some(FormEdit::End),
        KeyCode::Tab | KeyCode::Down => Some(FormEdit::NextField),
        KeyCode::BackTab | KeyCode::Up => Some(FormEdit::PrevField),
        KeyCode::Enter => Some(FormEdit::Submit),
        KeyCode::Esc => Some(FormEdit::Cancel),
        _ => None,
    }
}

/// Keys while a plan waits for confirmation: only an explicit `y` applies.
pub fn to_confirm_edit(event: KeyEvent) -> Option<crate::app::ConfirmEdit> {
    use crate::app::ConfirmEdit;
    match event.code {
        KeyCode::Char('y' | 'Y') => Some(ConfirmEdit::Yes),
        KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => Some(ConfirmEdit::No),
        KeyCode::Char('c') if event.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(ConfirmEdit::No)
        }
        KeyCode::Down | KeyCode::Char('j') => Some(ConfirmEdit::Scroll(1)),
        KeyCode::Up | KeyCode::Char('k') => Some(ConfirmEdit::Scroll(-1)),
        KeyCode::PageDown | KeyCode::Char(' ') => Some(ConfirmEdit::Scroll(10)),
        KeyCode::PageUp => Some(ConfirmEdit::Scroll(-10)),
        _ => None,
    }
}

pub fn to_mouse(event: MouseEvent) -> Option<Mouse> {
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Mouse::Click {
            column: event.column,
            row: event.row,
        }),
        MouseEventKind::ScrollUp => Some(Mouse::WheelUp),
        MouseEventKind::ScrollDown => Some(Mouse::WheelDown),
        _ => None,
    }
}

/// Ctrl-Z, which raw mode delivers as a key instead of SIGTSTP: the console suspends
/// itself on it (`suspend.rs`), whatever view or input has the keyboard.
pub fn is_suspend(event: &Event) -> bool {
    matches!(event, Event::Key(key)
        if key.kind != KeyEventKind::Release
            && key.code == KeyCode::Char('z')
            && key.modifiers.contains(KeyModifiers::CONTROL))
}

/// A terminal event as a message, given where typed keys go now.
pub fn to_msg(event: Event, input: TextInput, keymap: &Keymap) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Release => None,
        Event::Key(key) => match input {
            TextInput::Palette => to_palette_edit(&event).map(Msg::Palette),
            TextInput::Line => to_filter_edit(key).map(Msg::FilterEdit),
            TextInput::Form => to_form_edit(key).map(Msg::Form),
            TextInput::Confirm => to_confirm_edit(key).map(Msg::Confirm),
            TextInput::None => to_spec(key)
                .and_then(|spec| keymap.action(spec))
                .map(Msg::Action),
        },
        Event::Resize(width, height) => Some(Msg::Resized { width, height }),
        Event::Mouse(m) => to_mouse(m).map(Msg::Mouse),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn only_ctrl_z_suspends() {
        assert!(is_suspend(&key(KeyCode::Char('z'), KeyModifiers::CONTROL)));
        assert!(!is_suspend(&key(KeyCode::Char('z'), KeyModifiers::NONE)));
        assert!(!is_suspend(&key(KeyCode::Char('Z'), KeyModifiers::SHIFT)));
        assert!(!is_suspend(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        let mut release = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL);
        release.kind = KeyEventKind::Release;
        assert!(!is_suspend(&Event::Key(release)));
    }
}
