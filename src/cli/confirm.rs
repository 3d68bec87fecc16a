//! The confirm step of plan → confirm → apply on the command line: `--yes`, or a y/N
//! question when stdin is a terminal. Scripts without `--yes` are told to add it.

use std::io::{BufRead, IsTerminal, Write};

use super::out;
use super::{Code, Failure};

/// `Ok(())` to go ahead; `Err` (exit 1, nothing done) when the user says no; `Err` (exit 2)
/// when nobody can be asked.
pub fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            Code::Usage,
            "not applied: stdin is not a terminal, so nobody can confirm; add --yes",
        ));
    }
    out::err(&format!("{question} [y/N] "));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::new(Code::Failed, format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure::new(
            Code::Failed,
            "not applied: cancelled, nothing was changed",
        ))
    }
}

/// The exit code for an operation's failure kind.
pub fn code_for(kind: crate::ops::FailKind) -> Code {
    match kind {
        crate::ops::FailKind::Invalid => Code::Invalid,
        crate::ops::FailKind::Failed => Code::Failed,
        crate::ops::FailKind::ReadOnly => Code::ReadOnly,
    }
}
