//! The audit trail's hash chain through the real binary, with the SQLite file tampered
//! with by the sqlite3 CLI (as someone with write access to it would): `audit verify`
//! exits 0 on an intact chain, 1 naming the first broken row; concurrent writers keep
//! one chain; the actor is the real uid's name whatever USER says. No lab needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Home {
    dir: tempfile::TempDir,
}

const FLEET: &str = r#"
[inventory]
path = "inventory.db"

[[node]]
name = "teemo"
ssh = "root@192.0.2.1"
docker = "none"

[[vlan]]
id = 100
node = "teemo"
subnet = "10.2.0.0/24"
gateway = "10.2.0.254"
"#;

impl Home {
    fn new() -> Home {
        let home = Home {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::write(home.path("fleet.toml"), FLEET).expect("config");
        home
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn inventory(&self) -> PathBuf {
        self.path("inventory.db")
    }

    /// fleetdeck on this home's config, bounded: no caller's settings, USER set to a
    /// name that must not end up in the audit trail.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("timeout");
        cmd.arg("60")
            .arg(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("--config")
            .arg(self.path("fleet.toml"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", "mallory")
            .env("LOGNAME", "mallory")
            .env_remove("SUDO_USER")
            .env_remove("SUDO_UID")
            .env_remove("SSH_CONNECTION")
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_READ_ONLY");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run fleetdeck")
    }

    /// One `import-legacy` of a table of its own, so one audit row.
    fn import_command(&self, n: usize) -> Command {
        let legacy = self.path(&format!("legacy-{n}.db"));
        legacy_db(&legacy, n);
        self.command(&["inventory", "import-legacy", legacy.to_str().expect("utf8")])
    }

    fn import(&self, n: usize) -> Output {
        self.import_command(n).output().expect("run fleetdeck")
    }

    fn sqlite(&self, sql: &str) {
        let out = Command::new("sqlite3")
            .arg(self.inventory())
            .arg(sql)
            .output()
            .expect("run sqlite3");
        assert!(out.status.success(), "sqlite3 {sql}: {}", text(&out));
    }

    fn verify(&self) -> Output {
        self.run(&["audit", "verify"])
    }

    fn audit_rows(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["audit", "--json", "--limit", "1000"]);
        assert_eq!(code(&out), 0, "{}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("audit json");
        doc["audit"].as_array().expect("rows").clone()
    }
}

/// A legacy table with one valid row of its own, so each import writes exactly one row.
fn legacy_db(path: &Path, n: usize) {
    let conn = rusqlite::Connection::open(path).expect("legacy");
    conn.execute_batch(&format!(
        "CREATE TABLE users(login varchar(10), vlan int, docker_ip varchar(15), domain varchar(50) primary key);
         INSERT INTO users VALUES ('u{n}', 100, '10.2.0.{}', 's{n}.example.org');",
        n + 1
    ))
    .expect("legacy rows");
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The name of this process's real uid, as `id` says.
fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn with_rows(n: usize) -> Home {
    let home = Home::new();
    for i in 1..=n {
        let out = home.import(i);
        assert_eq!(code(&out), 0, "import {i}: {}", text(&out));
    }
    home
}

#[test]
fn an_intact_chain_verifies_also_read_only() {
    let home = with_rows(4);
    let out = home.verify();
    assert_eq!(code(&out), 0, "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("4 rows, chain intact\n"),
        "{}",
        text(&out)
    );
    let rows = home.audit_rows();
    let newest = rows[0]["hash"]
        .as_str()
        .expect("audit --json shows the hash");
    assert!(
        stdout.contains(&format!("last row 4, hash {newest}")),
        "{stdout}"
    );

    let read_only = home.run(&["--read-only", "audit", "verify"]);
    assert_eq!(code(&read_only), 0, "{}", text(&read_only));
    let fresh = Home::new().verify();
    assert_eq!(code(&fresh), 0, "{}", text(&fresh));
}

#[test]
fn an_edited_detail_is_named_by_row() {
    let home = with_rows(4);
    home.sqlite("UPDATE audit SET detail = 'nothing to see' WHERE id = 3");
    let out = home.verify();
    assert_eq!(code(&out), 1, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken at row 3"), "{err}");
    assert!(err.contains("a field was edited"), "{err}");
    // Read-only mode finds it too.
    let ro = home.run(&["--read-only", "audit", "verify"]);
    assert_eq!(code(&ro), 1, "{}", text(&ro));
}

#[test]
fn a_deleted_middle_row_is_named() {
    let home = with_rows(4);
    home.sqlite("DELETE FROM audit WHERE id = 2");
    let out = home.verify();
    assert_eq!(code(&out), 1, "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken at row 3"), "{err}");
    assert!(err.contains("row(s) 2 were deleted"), "{err}");
}

#[test]
fn a_deleted_last_row_and_swapped_rows_are_named() {
    let home = with_rows(3);
    home.sqlite("DELETE FROM audit WHERE id = 3");
    let out = home.verify();
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("row(s) 3 after it were deleted"),
        "{}",
        text(&out)
    );

    let home = with_rows(3);
    home.sqlite(
        "UPDATE audit SET id = -1 WHERE id = 1; UPDATE audit SET id = 1 WHERE id = 2;
         UPDATE audit SET id = 2 WHERE id = -1;",
    );
    let out = home.verify();
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken at row 1"),
        "{}",
        text(&out)
    );
}

#[test]
fn concurrent_writers_keep_one_chain() {
    let home = with_rows(1);
    // Eight processes importing at once, each writing one row, two rounds.
    for round in 0..2 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                home.import_command(10 + round * 8 + i)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert_eq!(code(&out), 0, "{}", text(&out));
        }
    }
    let out = home.verify();
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("17 rows, chain intact"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_actor_is_the_real_user_whatever_user_says() {
    let home = with_rows(1);
    let me = whoami();
    // USER=mallory was set; cron and systemd leave it unset.
    let mut cron = home.import_command(2);
    cron.env_remove("USER").env_remove("LOGNAME");
    // SUDO_USER without a matching SUDO_UID is ignored; with it (as root), it counts.
    let mut fake = home.import_command(3);
    fake.env("SUDO_USER", "daemon").env("SUDO_UID", "4242");
    let mut sudo = home.import_command(4);
    sudo.env("SUDO_USER", "daemon").env("SUDO_UID", "1");
    for mut cmd in [cron, fake, sudo] {
        let out = cmd.output().expect("run");
        assert_eq!(code(&out), 0, "{}", text(&out));
    }

    let rows = home.audit_rows();
    let actors: Vec<&str> = rows
        .iter()
        .map(|r| r["actor"].as_str().unwrap_or("?"))
        .collect();
    assert!(
        !actors.contains(&"mallory") && !actors.contains(&"unknown"),
        "{actors:?}"
    );
    assert_eq!(
        actors.last(),
        Some(&me.as_str()),
        "the first import: {actors:?}"
    );
    if me == "root" {
        // Newest first: the sudo run, the fake one, the cron one.
        assert_eq!(actors.len(), 4, "{actors:?}");
        assert_eq!(&actors[..3], ["daemon", "root", "root"], "{actors:?}");
    }
}
