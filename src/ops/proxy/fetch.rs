//! Reading the deployed proxy file from its node. `cat -- <path>` is in the read-only
//! catalog, so `proxy plan` works in monitoring mode.

use crate::transport::exec::{Exec, ExecError, Output, RemoteCommand};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot read {path} on {node}: {reason}")]
    Unreadable {
        node: String,
        path: String,
        reason: String,
    },
    #[error(transparent)]
    Exec(#[from] ExecError),
}

/// The command that reads `path`; `--` so a path can never be taken for an option.
pub fn read_command(path: &str) -> RemoteCommand {
    RemoteCommand::new(["cat", "--", path])
}

/// The deployed file, or `None` when it does not exist yet.
pub async fn fetch_current(exec: &dyn Exec, path: &str) -> Result<Option<String>, FetchError> {
    let out = exec.run(&read_command(path)).await?;
    interpret(exec.node(), path, out)
}

/// Commands run in the C locale (see `RemoteCommand::remote_line`), so cat's message for
/// a missing file is stable; anything else (permission, a directory) is an error, since
/// planning against "nothing deployed" would then overwrite a file we could not read.
fn interpret(node: &str, path: &str, out: Output) -> Result<Option<String>, FetchError> {
    let unreadable = |reason: String| FetchError::Unreadable {
        node: node.to_string(),
        path: path.to_string(),
        reason,
    };
    if out.success() {
        return String::from_utf8(out.stdout)
            .map(Some)
            .map_err(|_| unreadable("it is not UTF-8 text".into()));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status == Some(1) && stderr.contains("No such file or directory") {
        return Ok(None);
    }
    let tail = out.stderr_tail();
    Err(unreadable(if tail.is_empty() {
        format!("cat exited with {:?}", out.status)
    } else {
        tail
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::exec::LocalExec;

    #[test]
    fn the_read_is_allowed_in_read_only_mode() {
        assert!(read_command("/etc/nginx/sites-enabled/fleetdeck.conf").is_read_only());
    }

    #[tokio::test]
    async fn present_missing_and_unreadable_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let exec = LocalExec::new("local");
        let file = dir.path().join("site.conf");
        std::fs::write(&file, "server {}\n").expect("write");
        let path = file.to_str().expect("utf8");
        assert_eq!(
            fetch_current(&exec, path).await.expect("read"),
            Some("server {}\n".into())
        );
        let missing = dir.path().join("missing.conf");
        assert_eq!(
            fetch_current(&exec, missing.to_str().expect("utf8"))
                .await
                .expect("missing"),
            None
        );
        // A directory cannot be read as the file: an error, not "nothing deployed".
        let err = fetch_current(&exec, dir.path().to_str().expect("utf8"))
            .await
            .expect_err("directory");
        assert!(err.to_string().contains("Is a directory"), "{err}");
        let binary = dir.path().join("bin.conf");
        std::fs::write(&binary, [0xff, 0xfe]).expect("write");
        let err = fetch_current(&exec, binary.to_str().expect("utf8"))
            .await
            .expect_err("binary");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
