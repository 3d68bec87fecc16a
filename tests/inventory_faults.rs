//! The inventory on a full filesystem and on a read-only one (real mounts, as root): a
//! clear error naming the file, nothing half written, `PRAGMA integrity_check` still ok.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Mount {
    dir: tempfile::TempDir,
}

impl Mount {
    /// A private tmpfs of `size` (e.g. "256k").
    fn tmpfs(size: &str) -> Mount {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "fdtest",
            ])
            .arg(dir.path())
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mount tmpfs (these tests need root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Mount { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn remount(&self, opt: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{opt}")])
            .arg(self.dir.path())
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "remount {opt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .output();
    }
}

fn fleetdeck(home: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("USER", "tester")
        .env_remove("FLEETDECK_READ_ONLY")
        .env_remove("SUDO_USER")
        .output()
        .expect("run fleetdeck")
}

fn legacy(path: &Path, rows: usize, offset: usize) {
    let mut conn = rusqlite::Connection::open(path).expect("legacy");
    let conn = conn.transaction().expect("tx");
    conn.execute_batch("CREATE TABLE users(login varchar(10), vlan int, docker_ip varchar(15), domain varchar(50) primary key);")
        .expect("schema");
    for i in 0..rows {
        let n = i + offset;
        conn.execute(
            "INSERT INTO users VALUES (?1, 100, ?2, ?3)",
            rusqlite::params![
                format!("user{n}"),
                format!("10.2.{}.{}", n / 250, n % 250 + 2),
                format!("site{n}-with-a-rather-long-name-to-use-space.example.org")
            ],
        )
        .expect("row");
    }
    conn.commit().expect("commit");
}

fn integrity(path: &Path) -> (String, i64) {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    let sites: i64 = conn
        .query_row("SELECT count(*) FROM sites", [], |r| r.get(0))
        .expect("count");
    (check, sites)
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().expect("home");
    let config = home.path().join("fleet.toml");
    (home, config)
}

fn write_config(config: &Path, inventory: &Path) {
    let text = format!(
        "[inventory]\npath = {:?}\n[[node]]\nname = \"h\"\nssh = \"root@10.0.0.1\"\n[[vlan]]\nid = 100\nnode = \"h\"\nsubnet = \"10.2.0.0/16\"\ngateway = \"10.2.255.254\"\n",
        inventory.display().to_string()
    );
    std::fs::write(config, text).expect("config");
}

#[test]
fn a_full_filesystem_fails_cleanly_and_leaves_the_inventory_whole() {
    let (home, config) = setup();
    let fs = Mount::tmpfs("400k");
    let inventory = fs.path("inventory.db");
    write_config(&config, &inventory);
    let small = home.path().join("small.db");
    legacy(&small, 3, 0);
    let out = fleetdeck(
        home.path(),
        &config,
        &["inventory", "import-legacy", small.to_str().expect("utf8")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(integrity(&inventory), ("ok".to_string(), 3));

    // Fill what is left of the filesystem.
    let filler = fs.path("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", &format!("of={}", filler.display()), "bs=4k"])
        .output();
    let big = home.path().join("big.db");
    legacy(&big, 3000, 100);
    let out = fleetdeck(
        home.path(),
        &config,
        &["inventory", "import-legacy", big.to_str().expect("utf8")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {} stderr: {err}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.contains("full"),
        "the error says the disk is full: {err}"
    );
    assert!(err.lines().count() <= 3, "short: {err}");

    std::fs::remove_file(&filler).expect("rm filler");
    assert_eq!(
        integrity(&inventory),
        ("ok".to_string(), 3),
        "nothing half written"
    );
}

#[test]
fn a_read_only_filesystem_is_named_and_nothing_changes() {
    let (home, config) = setup();
    let fs = Mount::tmpfs("4m");
    let inventory = fs.path("inventory.db");
    write_config(&config, &inventory);
    let small = home.path().join("small.db");
    legacy(&small, 2, 0);
    let out = fleetdeck(
        home.path(),
        &config,
        &["inventory", "import-legacy", small.to_str().expect("utf8")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = std::fs::read(&inventory).expect("bytes");

    fs.remount("ro");
    // Monitoring still reads it.
    let out = fleetdeck(home.path(), &config, &["--read-only", "inventory", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("site0-"));
    // A write is refused with the cause.
    let more = home.path().join("more.db");
    legacy(&more, 2, 50);
    let out = fleetdeck(
        home.path(),
        &config,
        &["inventory", "import-legacy", more.to_str().expect("utf8")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("read-only") || err.contains("readonly"),
        "{err}"
    );
    assert!(err.contains("inventory"), "{err}");

    fs.remount("rw");
    assert_eq!(std::fs::read(&inventory).expect("bytes"), before);
    assert_eq!(integrity(&inventory), ("ok".to_string(), 2));
}
