//! The `upstream NAME { server ADDR ...; }` blocks of the deployed proxy file, for
//! `upstream_stale` (README "Sites on a swarm"). Tolerant like `nginx.rs`: what it cannot
//! read is left out, never an error.

use std::collections::BTreeMap;

use super::nginx::{Token, tokenize};

/// Each upstream's servers as written (`addr:port`), sorted; a server marked `down` (the
/// placeholder of a site with no running task) is not a live server, so it is left out.
pub fn parse(text: &str) -> BTreeMap<String, Vec<String>> {
    let tokens = tokenize(text);
    let mut out = BTreeMap::new();
    let mut i = 0;
    let mut depth = 0usize;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            Token::Word { text, .. } if depth <= 1 && text == "upstream" => {
                if let (Some(Token::Word { text: name, .. }), Some(Token::Open)) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    let (servers, next) = servers(&tokens, i + 3);
                    out.insert(name.clone(), servers);
                    i = next;
                    continue;
                }
            }
            Token::Word { .. } | Token::Semi => {}
        }
        i += 1;
    }
    out
}

/// The `server` directives from `start` to the block's closing brace; the index after it.
fn servers(tokens: &[Token], start: usize) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut i = start;
    let mut directive: Vec<&str> = Vec::new();
    while i < tokens.len() {
        match &tokens[i] {
            Token::Close => break,
            Token::Word { text, .. } => directive.push(text),
            Token::Semi => {
                if let ["server", addr, flags @ ..] = directive.as_slice()
                    && !flags.contains(&"down")
                {
                    out.push((*addr).to_string());
                }
                directive.clear();
            }
            Token::Open => {}
        }
        i += 1;
    }
    out.sort();
    (out, i + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn upstream_servers_are_read_and_down_ones_left_out() {
        let text = "upstream fd-a-example {\n    server 10.79.0.3:20001;\n    server 10.79.0.1:20001 max_fails=2;\n}\n\
                    upstream fd-b { server 127.0.0.1:9 down; }\n\
                    server { listen 80; server_name a.example; location / { proxy_pass http://fd-a-example; } }\n";
        let got = super::parse(text);
        assert_eq!(got["fd-a-example"], ["10.79.0.1:20001", "10.79.0.3:20001"]);
        assert!(got["fd-b"].is_empty());
        assert_eq!(got.len(), 2);
        assert!(super::parse("upstream {").is_empty());
    }
}
