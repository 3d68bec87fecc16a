//! Reading the files: the user's file, then the system file, each line split once and
//! every `Include` (globs, `~`, relative paths) read in place, so that resolving a host
//! afterwards is pure. The file system sits behind [`Files`] so tests feed text.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ResolveError;
use super::lex::{Directive, split_line};
use super::tokens::{Homes, passwd_home, tilde, tilde_user};

/// Where `~user/` home directories are looked up (through [`Files`]).
pub const PASSWD: &str = "/etc/passwd";

/// How ssh nests includes at most (`READCONF_MAX_DEPTH`).
const MAX_DEPTH: usize = 16;

/// Where config text comes from.
pub trait Files {
    /// The text of a file; `Ok(None)` when it does not exist.
    fn read(&self, path: &Path) -> std::io::Result<Option<String>>;
    /// The paths matching a glob(3) pattern, sorted.
    fn glob(&self, pattern: &str) -> Vec<PathBuf>;
}

/// The real file system.
pub struct RealFiles;

impl Files for RealFiles {
    fn read(&self, path: &Path) -> std::io::Result<Option<String>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        // As glob(3): `*` never matches a leading dot or a slash.
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let mut found: Vec<PathBuf> = match glob::glob_with(pattern, options) {
            Ok(paths) => paths.filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        };
        found.sort();
        found
    }
}

/// Files held in memory (unit tests, a node's file read over SSH). Globs match the
/// names held; an empty set is "no file anywhere".
#[derive(Default)]
pub struct MemFiles(pub BTreeMap<PathBuf, String>);

impl Files for MemFiles {
    fn read(&self, path: &Path) -> std::io::Result<Option<String>> {
        Ok(self.0.get(path).cloned())
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        let Ok(pat) = glob::Pattern::new(pattern) else {
            return Vec::new();
        };
        self.0
            .keys()
            .filter(|p| pat.matches_path(p))
            .cloned()
            .collect()
    }
}

/// Which files to read, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sources {
    /// One file read as the user's (as `ssh -F FILE`): no system file.
    Only(PathBuf),
    /// The user's file, then the system file (`/etc/ssh/ssh_config`).
    UserThenSystem { user: PathBuf, system: PathBuf },
}

/// One line that says something.
#[derive(Debug, Clone)]
pub struct Line {
    pub number: usize,
    pub directive: Directive,
    /// The files an `Include` line read, in order.
    pub included: Vec<ConfFile>,
}

#[derive(Debug, Clone)]
pub struct ConfFile {
    pub path: PathBuf,
    pub lines: Vec<Line>,
    /// The system file (and what it includes), not the user's.
    pub system: bool,
}

/// Every file read, top-level ones in order.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub files: Vec<ConfFile>,
    /// The home directories of the users any value names as `~user/`, so that
    /// expanding paths stays pure (a user passwd lacks is absent: its paths fail).
    pub homes: Homes,
}

/// The home directories of `users`, from passwd read through `files`.
fn homes_of<'u>(files: &dyn Files, users: impl IntoIterator<Item = &'u str>) -> Homes {
    let mut users = users.into_iter().peekable();
    if users.peek().is_none() {
        return Homes::new();
    }
    let passwd = files
        .read(Path::new(PASSWD))
        .ok()
        .flatten()
        .unwrap_or_default();
    users
        .filter_map(|u| passwd_home(&passwd, u).map(|h| (u.to_string(), h)))
        .collect()
}

impl Loaded {
    /// Read the sources; a missing top-level file is an empty one.
    pub fn load(files: &dyn Files, sources: &Sources, home: &Path) -> Result<Loaded, ResolveError> {
        let mut out = Loaded::default();
        let tops: Vec<(&Path, Option<PathBuf>)> = match sources {
            Sources::Only(p) => vec![(p.as_path(), None)],
            Sources::UserThenSystem { user, system } => vec![
                (user.as_path(), None),
                (
                    system.as_path(),
                    Some(system.parent().unwrap_or(Path::new("/")).to_path_buf()),
                ),
            ],
        };
        for (path, system_dir) in tops {
            let reader = Reader {
                files,
                home,
                system_dir: system_dir.as_deref(),
            };
            if let Some(mut file) = reader.file(path, 0)? {
                file.system = system_dir.is_some();
                out.files.push(file);
            }
        }
        let mut users: Vec<String> = Vec::new();
        out.walk(&mut |_, line| {
            for arg in &line.directive.args {
                if let Some(u) = tilde_user(arg).filter(|u| !users.iter().any(|x| x == u)) {
                    users.push(u.to_string());
                }
            }
        });
        out.homes = homes_of(files, users.iter().map(String::as_str));
        Ok(out)
    }

    /// One text, as the only file, with includes unreadable (a node's own config).
    pub fn from_text(path: &Path, text: &str) -> Result<Loaded, ResolveError> {
        let reader = Reader {
            files: &MemFiles::default(),
            home: Path::new("/nonexistent"),
            system_dir: None,
        };
        Ok(Loaded {
            files: vec![reader.parse(path, text, 0)?],
            homes: Homes::new(),
        })
    }

    /// Every line of every file, depth first (includes in place).
    pub fn walk(&self, visit: &mut dyn FnMut(&Path, &Line)) {
        self.walk_where(&mut |_| true, visit);
    }

    /// Like [`Loaded::walk`], over the top-level files `keep` accepts.
    pub fn walk_where(
        &self,
        keep: &mut dyn FnMut(&ConfFile) -> bool,
        visit: &mut dyn FnMut(&Path, &Line),
    ) {
        fn walk_file(file: &ConfFile, visit: &mut dyn FnMut(&Path, &Line)) {
            for line in &file.lines {
                visit(&file.path, line);
                for inner in &line.included {
                    walk_file(inner, visit);
                }
            }
        }
        for file in self.files.iter().filter(|f| keep(f)) {
            walk_file(file, visit);
        }
    }
}

struct Reader<'a> {
    files: &'a dyn Files,
    home: &'a Path,
    /// `Some` for the system file: its relative includes are relative to this directory
    /// and `~` is refused there, as ssh does.
    system_dir: Option<&'a Path>,
}

impl Reader<'_> {
    fn file(&self, path: &Path, depth: usize) -> Result<Option<ConfFile>, ResolveError> {
        let text = self.files.read(path).map_err(|e| ResolveError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        text.map(|t| self.parse(path, &t, depth)).transpose()
    }

    fn parse(&self, path: &Path, text: &str, depth: usize) -> Result<ConfFile, ResolveError> {
        let mut lines = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let at = |message: String| ResolveError::Syntax {
                path: path.to_path_buf(),
                line: index + 1,
                message,
            };
            let Some(directive) = split_line(raw).map_err(at)? else {
                continue;
            };
            let included = if directive.keyword == "include" {
                self.include(&directive.args, depth, &at)?
            } else {
                Vec::new()
            };
            lines.push(Line {
                number: index + 1,
                directive,
                included,
            });
        }
        Ok(ConfFile {
            path: path.to_path_buf(),
            lines,
            system: self.system_dir.is_some(),
        })
    }

    fn include(
        &self,
        args: &[String],
        depth: usize,
        at: &dyn Fn(String) -> ResolveError,
    ) -> Result<Vec<ConfFile>, ResolveError> {
        if args.is_empty() {
            return Err(at("Include: missing argument".into()));
        }
        if depth + 1 > MAX_DEPTH {
            return Err(at(format!("Include: nested more than {MAX_DEPTH} deep")));
        }
        let mut out = Vec::new();
        for arg in args {
            if arg.starts_with('~') && self.system_dir.is_some() {
                return Err(at(format!(
                    "Include {arg}: `~` is not allowed in the system file"
                )));
            }
            let pattern = if arg.starts_with('/') {
                arg.clone()
            } else if arg.starts_with('~') {
                let homes = homes_of(self.files, tilde_user(arg));
                tilde(arg, self.home, &homes).map_err(at)?
            } else {
                match self.system_dir {
                    Some(dir) => format!("{}/{arg}", dir.display()),
                    None => format!("{}/.ssh/{arg}", self.home.display()),
                }
            };
            for path in self.files.glob(&pattern) {
                if let Some(file) = self.file(&path, depth + 1)? {
                    out.push(file);
                }
            }
        }
        Ok(out)
    }
}
