//! Key bindings: names like `ctrl-c` or `pgup` mapped to [`Action`]s, with the defaults
//! embedded from `assets/keymap.toml`. The terminal layer turns its key events into a
//! [`KeySpec`]; nothing past this module knows about key codes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use super::Action;

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    F(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub key: Key,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeySpec {
    pub fn plain(key: Key) -> KeySpec {
        KeySpec {
            key,
            ctrl: false,
            alt: false,
        }
    }
}

impl FromStr for KeySpec {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let mut rest = raw;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let key = match rest {
            "up" => Key::Up,
            "down" => Key::Down,
            "left" => Key::Left,
            "right" => Key::Right,
            "pgup" => Key::PageUp,
            "pgdown" => Key::PageDown,
            "home" => Key::Home,
            "end" => Key::End,
            "enter" => Key::Enter,
            "esc" => Key::Esc,
            "tab" => Key::Tab,
            "backtab" => Key::BackTab,
            "backspace" => Key::Backspace,
            "space" => Key::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => match f[1..].parse::<u8>() {
                Ok(n) if (1..=12).contains(&n) => Key::F(n),
                _ => return Err(format!("unknown key {raw:?}")),
            },
            c if c.chars().count() == 1 => Key::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(format!("unknown key {raw:?}")),
        };
        Ok(KeySpec { key, ctrl, alt })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.key {
            Key::Char(' ') => f.write_str("space"),
            Key::Char(c) => write!(f, "{c}"),
            Key::Up => f.write_str("↑"),
            Key::Down => f.write_str("↓"),
            Key::Left => f.write_str("←"),
            Key::Right => f.write_str("→"),
            Key::PageUp => f.write_str("pgup"),
            Key::PageDown => f.write_str("pgdn"),
            Key::Home => f.write_str("home"),
            Key::End => f.write_str("end"),
            Key::Enter => f.write_str("enter"),
            Key::Esc => f.write_str("esc"),
            Key::Tab => f.write_str("tab"),
            Key::BackTab => f.write_str("shift-tab"),
            Key::Backspace => f.write_str("backspace"),
            Key::F(n) => write!(f, "F{n}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<KeySpec, Action>,
    /// Keys per action in the order written, for the help screen.
    by_action: BTreeMap<Action, Vec<KeySpec>>,
}

impl Keymap {
    /// Parse a keymap file: `action = ["key", ...]`.
    pub fn parse(text: &str) -> Result<Keymap, String> {
        let table: BTreeMap<Action, Vec<String>> =
            toml::from_str(text).map_err(|e| format!("keymap: {}", e.message()))?;
        let mut bindings = HashMap::new();
        let mut by_action: BTreeMap<Action, Vec<KeySpec>> = BTreeMap::new();
        for (action, keys) in table {
            for raw in keys {
                let spec: KeySpec = raw.parse().map_err(|e| format!("keymap {action:?}: {e}"))?;
                if let Some(other) = bindings.insert(spec, action) {
                    return Err(format!(
                        "keymap: {raw:?} is bound to both {other:?} and {action:?}"
                    ));
                }
                by_action.entry(action).or_default().push(spec);
            }
        }
        Ok(Keymap {
            bindings,
            by_action,
        })
    }

    pub fn defaults() -> Keymap {
        // The embedded file is tested; failing here would be a build defect.
        Keymap::parse(DEFAULT_KEYMAP).unwrap_or_else(|_| Keymap {
            bindings: HashMap::new(),
            by_action: BTreeMap::new(),
        })
    }

    /// The defaults with the config's `[keys]` applied: an entry replaces that action's
    /// keys (taking them from any other action). A bad entry is skipped and reported;
    /// it never stops the console.
    pub fn with_overrides(
        &self,
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> (Keymap, Vec<String>) {
        let mut map = self.clone();
        let mut warnings = Vec::new();
        for (name, keys) in overrides {
            let action: Action = match toml::Value::String(name.clone()).try_into() {
                Ok(a) => a,
                Err(_) => {
                    warnings.push(format!(
                        "[keys] {name}: no such action; see `?` for the list"
                    ));
                    continue;
                }
            };
            let mut specs = Vec::new();
            for raw in keys {
                match raw.parse::<KeySpec>() {
                    Ok(spec) => specs.push(spec),
                    Err(e) => warnings.push(format!("[keys] {name}: {e}")),
                }
            }
            if specs.is_empty() {
                warnings.push(format!("[keys] {name}: no usable key; the default stays"));
                continue;
            }
            if let Some(old) = map.by_action.remove(&action) {
                old.iter().for_each(|k| {
                    map.bindings.remove(k);
                });
            }
            for spec in &specs {
                if let Some(other) = map.bindings.insert(*spec, action)
                    && other != action
                {
                    if let Some(list) = map.by_action.get_mut(&other) {
                        list.retain(|k| k != spec);
                    }
                    warnings.push(format!(
                        "[keys] {name}: {spec} was bound to {other:?}; it is now {action:?}"
                    ));
                }
            }
            map.by_action.insert(action, specs);
        }
        (map, warnings)
    }

    pub fn action(&self, key: KeySpec) -> Option<Action> {
        self.bindings.get(&key).copied()
    }

    pub fn keys_for(&self, action: Action) -> &[KeySpec] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    pub fn actions(&self) -> impl Iterator<Item = (Action, &[KeySpec])> {
        self.by_action.iter().map(|(a, k)| (*a, k.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_parse_and_bind_the_basics() {
        let map = Keymap::parse(DEFAULT_KEYMAP).expect("default keymap");
        let q = KeySpec::plain(Key::Char('q'));
        assert_eq!(map.action(q), Some(Action::Quit));
        let ctrl_c: KeySpec = "ctrl-c".parse().expect("spec");
        assert_eq!(map.action(ctrl_c), Some(Action::Quit));
        assert_eq!(
            map.action(KeySpec::plain(Key::Char('?'))),
            Some(Action::Help)
        );
        assert_eq!(map.action(KeySpec::plain(Key::Down)), Some(Action::Down));
        assert_eq!(map.keys_for(Action::Help).len(), 2);
    }

    #[test]
    fn the_console_keys_of_issue_5_are_bound_by_default() {
        let map = Keymap::defaults();
        let key = |c: char| map.action(KeySpec::plain(Key::Char(c)));
        let expected = [
            (':', Action::Palette),
            ('l', Action::Logs),
            ('s', Action::Stats),
            ('f', Action::Follow),
            ('n', Action::NextMatch),
            ('N', Action::PrevMatch),
            ('i', Action::Check),
            ('p', Action::ProxyPlan),
            ('P', Action::ProxyApply),
            ('c', Action::Create),
            ('d', Action::Delete),
        ];
        for (c, action) in expected {
            assert_eq!(key(c), Some(action), "{c}");
        }
        assert_eq!(map.action(KeySpec::plain(Key::Tab)), Some(Action::Focus));
    }

    #[test]
    fn the_table_keys_of_issue_20_are_bound_and_do_not_clash() {
        let map = Keymap::defaults();
        let plain = |k: Key| map.action(KeySpec::plain(k));
        assert_eq!(plain(Key::Left), Some(Action::Collapse));
        assert_eq!(plain(Key::Right), Some(Action::Expand));
        assert_eq!(plain(Key::Enter), Some(Action::Details));
        assert_eq!(plain(Key::Char(' ')), Some(Action::Toggle));
        assert_eq!(plain(Key::Char('o')), Some(Action::Sort));
        assert_eq!(plain(Key::Char('t')), Some(Action::Flat));
        assert_eq!(plain(Key::Char('a')), Some(Action::Activity));
        assert_eq!(plain(Key::Char('w')), Some(Action::Wrap));
        assert_eq!(plain(Key::Char('l')), Some(Action::Logs), "l stays logs");
        // Parsing refuses a key bound twice, so the defaults parsing at all is the proof.
        assert!(Keymap::parse(DEFAULT_KEYMAP).is_ok());
    }

    #[test]
    fn overrides_replace_keys_and_bad_ones_are_warnings() {
        let defaults = Keymap::defaults();
        let overrides = BTreeMap::from([
            ("quit".to_string(), vec!["x".to_string()]),
            ("fly".to_string(), vec!["f".to_string()]),
            ("help".to_string(), vec!["hyper-z".to_string()]),
            ("refresh".to_string(), vec!["j".to_string()]),
        ]);
        let (map, warnings) = defaults.with_overrides(&overrides);
        assert_eq!(
            map.action(KeySpec::plain(Key::Char('x'))),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(KeySpec::plain(Key::Char('q'))),
            None,
            "the old quit key is free"
        );
        assert_eq!(
            map.action(KeySpec::plain(Key::Char('?'))),
            Some(Action::Help),
            "a bad override keeps the default"
        );
        assert_eq!(
            map.action(KeySpec::plain(Key::Char('j'))),
            Some(Action::Refresh)
        );
        assert!(
            !map.keys_for(Action::Down)
                .contains(&KeySpec::plain(Key::Char('j')))
        );
        assert_eq!(warnings.len(), 4, "{warnings:#?}");
        assert!(warnings.iter().any(|w| w.contains("fly")));
        assert!(warnings.iter().any(|w| w.contains("hyper-z")));
        assert!(warnings.iter().any(|w| w.contains("was bound to Down")));
    }

    #[test]
    fn key_names_round_trip_and_errors_are_named() {
        for raw in ["q", "ctrl-c", "alt-x", "f5", "pgup", "space", "G", "-"] {
            let spec: KeySpec = raw.parse().expect(raw);
            assert!(!spec.to_string().is_empty());
        }
        assert!("f13".parse::<KeySpec>().is_err());
        assert!("hyper-x".parse::<KeySpec>().is_err());
        let dup = Keymap::parse("quit = [\"q\"]\nhelp = [\"q\"]").expect_err("duplicate");
        assert!(dup.contains("bound to both"), "{dup}");
        let unknown = Keymap::parse("fly = [\"x\"]").expect_err("unknown action");
        assert!(unknown.contains("fly"), "{unknown}");
    }
}
