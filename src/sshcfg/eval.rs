//! Evaluating the loaded files for one destination, as ssh does: `Host` and `Match`
//! decide which lines apply, an `Include` inside a block that does not apply reads
//! files whose blocks never apply, and a second pass runs when `Match final` or
//! `CanonicalizeHostname` asks for it.

use std::path::Path;

use super::load::{ConfFile, Loaded};
use super::options::Options;
use super::pattern::{match_hostname, match_list, match_pattern};
use super::{ExecPolicy, Local, ResolveError};

/// What one pass matches against.
pub struct Pass<'a> {
    /// `Host` lines match this: the name as given, or the final host name.
    pub host: &'a str,
    /// `Match originalhost`: always the name as given.
    pub original: &'a str,
    pub final_pass: bool,
    pub local: &'a Local,
    pub exec: ExecPolicy,
}

/// Run one pass over every file; returns whether a `Match final` asked for a second.
pub fn run(loaded: &Loaded, pass: &Pass, opts: &mut Options) -> Result<bool, ResolveError> {
    let mut want_final = false;
    for file in &loaded.files {
        let mut active = true;
        walk(file, pass, opts, &mut active, false, &mut want_final)?;
    }
    Ok(want_final)
}

fn walk(
    file: &ConfFile,
    pass: &Pass,
    opts: &mut Options,
    active: &mut bool,
    never: bool,
    want_final: &mut bool,
) -> Result<(), ResolveError> {
    for line in &file.lines {
        let d = &line.directive;
        let at = |message: String| ResolveError::Syntax {
            path: file.path.clone(),
            line: line.number,
            message,
        };
        match d.keyword.as_str() {
            "host" => *active = !never && host_matches(pass.host, &d.args),
            "match" => {
                let matched = match_line(&d.args, pass, opts, want_final, &file.path, line.number)?;
                *active = !never && matched;
            }
            "include" => {
                for inner in &line.included {
                    let outer = *active;
                    walk(inner, pass, opts, active, never || !outer, want_final)?;
                    // A block opened in the included file ends with it.
                    *active = outer;
                }
            }
            _ => opts
                .apply(d, *active, &file.path, line.number)
                .map_err(at)?,
        }
    }
    Ok(())
}

/// `Host a b !c`: some word matches and no negated one does.
fn host_matches(host: &str, words: &[String]) -> bool {
    let mut matched = false;
    for word in words {
        let (negated, pat) = match word.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, word.as_str()),
        };
        if match_pattern(host, pat) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

fn match_line(
    args: &[String],
    pass: &Pass,
    opts: &Options,
    want_final: &mut bool,
    path: &Path,
    number: usize,
) -> Result<bool, ResolveError> {
    let at = |message: String| ResolveError::Syntax {
        path: path.to_path_buf(),
        line: number,
        message,
    };
    // What the criteria see: the host name so far, the remote user so far.
    let host = if pass.final_pass {
        opts.hostname
            .clone()
            .unwrap_or_else(|| pass.host.to_string())
    } else {
        match &opts.hostname {
            Some(h) => super::tokens::percent(h, &[('h', pass.original)]).map_err(&at)?,
            None => pass.original.to_string(),
        }
    };
    let ruser = opts.user.clone().unwrap_or_else(|| pass.local.user.clone());
    let mut result = true;
    let mut criteria = args.iter();
    let mut count = 0;
    while let Some(word) = criteria.next() {
        let (negate, name) = match word.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, word.as_str()),
        };
        let name = name.to_ascii_lowercase();
        if name == "all" {
            if count > 0 || criteria.next().is_some() {
                return Err(at("Match all cannot be combined with other criteria".into()));
            }
            return Ok(result && !negate);
        }
        count += 1;
        if name == "final" || name == "canonical" {
            if name == "final" {
                *want_final = true;
            }
            if pass.final_pass == negate {
                result = false;
            }
            continue;
        }
        let Some(arg) = criteria.next() else {
            return Err(at(format!("Match {name}: missing argument")));
        };
        let hit = match name.as_str() {
            "host" => match_hostname(&host, arg),
            "originalhost" => match_hostname(pass.original, arg),
            "user" => match_list(&ruser, arg, false) == Some(true),
            "localuser" => match_list(&pass.local.user, arg, false) == Some(true),
            "exec" => {
                // ssh skips the command once an earlier criterion failed.
                if !result {
                    continue;
                }
                match pass.exec {
                    ExecPolicy::NeverMatch => false,
                    ExecPolicy::Refuse => {
                        return Err(ResolveError::Exec {
                            path: path.to_path_buf(),
                            line: number,
                        });
                    }
                }
            }
            other => return Err(at(format!("Match: unsupported criterion {other:?}"))),
        };
        if hit == negate {
            result = false;
        }
    }
    if count == 0 {
        return Err(at("Match: missing criteria".into()));
    }
    Ok(result)
}
