//! A small, tolerant reader of the deployed nginx proxy file: for every `server {}` block,
//! its `server_name`s and where it proxies to. It never fails: a file edited by hand into
//! something odd (unbalanced braces, stray quotes) still yields the blocks it can see, so
//! that `check` reports rules as missing or stale instead of giving up.

/// One `server {}` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRule {
    /// Every name of its `server_name` directives, lowercased, without a trailing dot.
    pub names: Vec<String>,
    /// The `proxy_pass` of `location /`, else the first one in the block.
    pub proxy_pass: Option<String>,
    /// 1-based line of the `server` keyword, for messages.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Word { text: String, line: usize },
    Open,
    Close,
    Semi,
}

/// nginx's lexical rules, loosely: `#` starts a comment where a word could start, quotes
/// group (with backslash escapes), `{`, `}` and `;` end a word.
pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut word = String::new();
    let mut word_line = 1;
    let flush = |word: &mut String, tokens: &mut Vec<Token>, at: usize| {
        if !word.is_empty() {
            tokens.push(Token::Word {
                text: std::mem::take(word),
                line: at,
            });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                flush(&mut word, &mut tokens, word_line);
                line += 1;
            }
            c if c.is_whitespace() => flush(&mut word, &mut tokens, word_line),
            '#' if word.is_empty() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '{' | '}' | ';' => {
                flush(&mut word, &mut tokens, word_line);
                tokens.push(match c {
                    '{' => Token::Open,
                    '}' => Token::Close,
                    _ => Token::Semi,
                });
            }
            '"' | '\'' if word.is_empty() => {
                word_line = line;
                let mut quoted = String::new();
                while let Some(q) = chars.next() {
                    match q {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                line += usize::from(escaped == '\n');
                                quoted.push(escaped);
                            }
                        }
                        q if q == c => break,
                        q => {
                            line += usize::from(q == '\n');
                            quoted.push(q);
                        }
                    }
                }
                // An empty quoted word is still a word (`server_name "";`).
                tokens.push(Token::Word {
                    text: quoted,
                    line: word_line,
                });
            }
            c => {
                if word.is_empty() {
                    word_line = line;
                }
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut tokens, word_line);
    tokens
}

/// What an open block is, as far as the reader cares.
enum Frame {
    /// A `server {}`: index of its rule.
    Server(usize),
    /// A `location <args> {}`: whether it is `location /`.
    Location {
        root: bool,
    },
    Other,
}

/// Which `proxy_pass` a rule got so far, to let `location /` win over earlier ones.
#[derive(Clone, Copy, PartialEq)]
enum PassFrom {
    None,
    Other,
    Root,
}

/// Every `server {}` block of `text`, in file order.
pub fn parse(text: &str) -> Vec<ProxyRule> {
    let mut rules: Vec<ProxyRule> = Vec::new();
    let mut from: Vec<PassFrom> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut words: Vec<(String, usize)> = Vec::new();
    for token in tokenize(text) {
        match token {
            Token::Word { text, line } => words.push((text, line)),
            Token::Open => {
                let frame = match words.first().map(|(w, _)| w.as_str()) {
                    Some("server") => {
                        rules.push(ProxyRule {
                            names: Vec::new(),
                            proxy_pass: None,
                            line: words.first().map_or(0, |(_, l)| *l),
                        });
                        from.push(PassFrom::None);
                        Frame::Server(rules.len() - 1)
                    }
                    Some("location") => Frame::Location {
                        root: words.len() == 2 && words[1].0 == "/"
                            || words.len() == 3 && words[1].0 == "=" && words[2].0 == "/",
                    },
                    _ => Frame::Other,
                };
                stack.push(frame);
                words.clear();
            }
            Token::Close => {
                // A stray `}` closes nothing; the reader keeps going.
                stack.pop();
                words.clear();
            }
            Token::Semi => {
                directive(&words, &stack, &mut rules, &mut from);
                words.clear();
            }
        }
    }
    rules
}

fn directive(
    words: &[(String, usize)],
    stack: &[Frame],
    rules: &mut [ProxyRule],
    from: &mut [PassFrom],
) {
    let Some((name, _)) = words.first() else {
        return;
    };
    let server = stack.iter().rev().find_map(|f| match f {
        Frame::Server(i) => Some(*i),
        _ => None,
    });
    let Some(index) = server else {
        return;
    };
    match name.as_str() {
        "server_name" if matches!(stack.last(), Some(Frame::Server(_))) => {
            if let Some(rule) = rules.get_mut(index) {
                rule.names.extend(
                    words[1..]
                        .iter()
                        .map(|(n, _)| n.trim_end_matches('.').to_ascii_lowercase())
                        .filter(|n| !n.is_empty()),
                );
            }
        }
        "proxy_pass" => {
            let Some((target, _)) = words.get(1) else {
                return;
            };
            // Innermost location decides whether this is the site's main route.
            let here = stack.iter().rev().find_map(|f| match f {
                Frame::Location { root } => Some(*root),
                Frame::Server(_) => Some(false),
                Frame::Other => None,
            });
            let kind = if here == Some(true) {
                PassFrom::Root
            } else {
                PassFrom::Other
            };
            if let (Some(rule), Some(seen)) = (rules.get_mut(index), from.get_mut(index))
                && (*seen == PassFrom::None || kind == PassFrom::Root && *seen == PassFrom::Other)
            {
                rule.proxy_pass = Some(target.clone());
                *seen = kind;
            }
        }
        _ => {}
    }
}

/// The first block serving `domain` (nginx, too, uses the first of duplicate names).
pub fn rule_for<'a>(rules: &'a [ProxyRule], domain: &str) -> Option<&'a ProxyRule> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    rules.iter().find(|r| r.names.contains(&domain))
}

/// Whether `proxy_pass` sends to `http://<ip>:<port>` (an explicit `:80` may be left out
/// for port 80, and a bare `/` path is the same backend).
pub fn passes_to(proxy_pass: &str, ip: &str, port: u16) -> bool {
    let Some(rest) = proxy_pass.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains('/') {
        return false;
    }
    match authority.rsplit_once(':') {
        Some((host, p)) => host == ip && p.parse::<u16>().ok() == Some(port),
        None => authority == ip && port == 80,
    }
}

#[cfg(test)]
mod tests;
