//! One line of an ssh_config file split the way OpenSSH splits it: the keyword (up to
//! whitespace or one `=`), the raw rest (ProxyCommand and ProxyJump take it as written),
//! and the arguments (quotes `"` and `'`, backslash escapes, `#` starting a word ends
//! the line). See README.md, "How fleetdeck reads your ssh_config".

/// A directive: `keyword` is lowercase; `rest` is the text after the keyword and its
/// separator; `args` the split arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub keyword: String,
    pub rest: String,
    pub args: Vec<String>,
}

const BLANK: &[char] = &[' ', '\t', '\r', '\n'];

/// `None` for a blank or comment line; `Err` for an unterminated quote.
pub fn split_line(line: &str) -> Result<Option<Directive>, String> {
    let line = line.trim_end_matches(BLANK).trim_start_matches(BLANK);
    let end = line
        .find(|c: char| BLANK.contains(&c) || c == '=')
        .unwrap_or(line.len());
    let keyword = &line[..end];
    if keyword.is_empty() || keyword.starts_with('#') {
        return Ok(None);
    }
    // One `=` may separate the keyword from its value, with blanks around it.
    let mut rest = line[end..].trim_start_matches(BLANK);
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start_matches(BLANK);
    }
    let args = split_args(rest)?;
    Ok(Some(Directive {
        keyword: keyword.to_ascii_lowercase(),
        rest: rest.to_string(),
        args,
    }))
}

/// The arguments of a line, as OpenSSH's `argv_split` with comments on.
pub fn split_args(s: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\t' {
            i += 1;
            continue;
        }
        if chars[i] == '#' {
            break;
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '\\' {
                match next {
                    Some(n @ ('\'' | '"' | '\\')) => {
                        arg.push(n);
                        i += 1;
                    }
                    Some(' ') if quote.is_none() => {
                        arg.push(' ');
                        i += 1;
                    }
                    _ => arg.push(c),
                }
            } else if quote.is_none() && (c == ' ' || c == '\t') {
                break;
            } else if quote.is_none() && (c == '"' || c == '\'') {
                quote = Some(c);
            } else if quote == Some(c) {
                quote = None;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote.is_some() {
            return Err("unterminated quote".into());
        }
        args.push(arg);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(line: &str) -> Directive {
        split_line(line).expect("ok").expect("directive")
    }

    #[test]
    fn keyword_separators_quotes_and_comments() {
        assert_eq!(d("  HostName\texample.org").args, ["example.org"]);
        assert_eq!(d("Port=2222").args, ["2222"]);
        assert_eq!(d("Port = 2222").args, ["2222"]);
        assert_eq!(d("user\t=\t\"a b\"").args, ["a b"]);
        assert_eq!(d("IdentityFile 'x y' # comment").args, ["x y"]);
        assert_eq!(d("X a\\ b c\\\"d").args, ["a b", "c\"d"]);
        assert_eq!(d("X a#b").args, ["a#b"]);
        assert_eq!(d("HOSTNAME x").keyword, "hostname");
        assert_eq!(d("ProxyCommand nc %h %p").rest, "nc %h %p");
        assert_eq!(split_line("   # c").expect("ok"), None);
        assert_eq!(split_line("").expect("ok"), None);
        assert!(split_line("User \"open").is_err());
    }
}
