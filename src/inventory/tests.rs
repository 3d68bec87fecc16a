use std::net::Ipv4Addr;
use std::path::Path;

use super::legacy::RowOutcome;
use super::*;
use crate::actor::Actor;
use crate::config::Config;

fn actor() -> Actor {
    Actor {
        user: "tester".into(),
        origin: "local".into(),
    }
}

fn site(domain: &str, vlan: u16, ip: &str) -> Site {
    let now = now_rfc3339();
    Site {
        domain: domain.into(),
        login: "alice".into(),
        vlan,
        node: Some("teemo".into()),
        ip: ip.parse().expect("ip"),
        container_id: None,
        image: Some("fdlab/busybox".into()),
        port: Some(80),
        state: SiteState::Pending,
        created_at: now.clone(),
        updated_at: now,
    }
}

fn insert_one(inv: &mut Inventory, s: &Site) -> rusqlite::Result<()> {
    let tx = inv.conn_mut().transaction()?;
    sites::insert(&tx, s)?;
    tx.commit()
}

#[test]
fn open_creates_schema_in_wal_mode_with_private_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub/inventory.db");
    let inv = Inventory::open(&path).expect("open");
    let mode: String = inv
        .conn()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    let timeout: i64 = inv
        .conn()
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .expect("busy_timeout");
    assert_eq!(timeout, 5000);
    let perms = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(perms & 0o777, 0o600);
    assert!(inv.sites().expect("sites").is_empty());
    drop(inv);
    // Opening again runs no migration twice.
    let again = Inventory::open(&path).expect("reopen");
    assert!(again.sites().expect("sites").is_empty());
}

#[test]
fn uniqueness_guards_domain_and_vlan_ip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inv = Inventory::open(&dir.path().join("i.db")).expect("open");
    insert_one(&mut inv, &site("a.example.org", 100, "10.2.0.2")).expect("first");
    let same_ip = insert_one(&mut inv, &site("b.example.org", 100, "10.2.0.2"));
    assert!(same_ip.is_err(), "same VLAN+IP accepted");
    let same_domain = insert_one(&mut inv, &site("a.example.org", 101, "10.3.0.2"));
    assert!(same_domain.is_err(), "same domain accepted");
    insert_one(&mut inv, &site("c.example.org", 101, "10.2.0.2")).expect("same IP, other VLAN");
    let sites = inv.sites().expect("sites");
    assert_eq!(sites.len(), 2);
    assert_eq!(
        inv.used_ips(100).expect("used"),
        [Ipv4Addr::new(10, 2, 0, 2)].into()
    );
    assert_eq!(
        inv.site("c.example.org").expect("get").map(|s| s.vlan),
        Some(101)
    );
    assert_eq!(inv.site("nope.example.org").expect("get"), None);
}

#[test]
fn audit_rows_newest_first_with_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = Inventory::open(&dir.path().join("i.db")).expect("open");
    for i in 0..3 {
        inv.record_audit(
            &actor(),
            &AuditRecord {
                action: "test".into(),
                target: Some(format!("t{i}")),
                params: serde_json::json!({ "i": i }),
                outcome: Outcome::Failed,
                detail: Some("boom".into()),
            },
        )
        .expect("audit");
    }
    let rows = inv.audit(2).expect("list");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].target.as_deref(), Some("t2"));
    assert_eq!(rows[0].actor, "tester");
    assert_eq!(rows[0].outcome, "failed");
    assert_eq!(rows[0].params, Some(serde_json::json!({ "i": 2 })));
}

/// A legacy database made exactly as the original scripts made it.
fn legacy_db(path: &Path, rows: &[(&str, &str, &str, &str)]) {
    let conn = rusqlite::Connection::open(path).expect("legacy");
    conn.execute_batch(
        "CREATE TABLE users(login varchar(10), vlan int, docker_ip varchar(15), domain varchar(50) primary key);",
    )
    .expect("create");
    for (login, vlan, ip, domain) in rows {
        let vlan: rusqlite::types::Value = match vlan.parse::<i64>() {
            Ok(v) => v.into(),
            Err(_) if vlan.is_empty() => rusqlite::types::Value::Null,
            Err(_) => vlan.to_string().into(),
        };
        conn.execute(
            "INSERT INTO users VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![login, vlan, ip, domain],
        )
        .expect("insert");
    }
}

fn config_with_vlan() -> Config {
    let text = r#"
[[node]]
name = "teemo"
ssh = "root@10.2.0.1"
[[vlan]]
id = 100
node = "teemo"
subnet = "10.2.0.0/24"
gateway = "10.2.0.254"
"#;
    crate::config::load_str(text, Path::new("test.toml")).expect("config")
}

#[test]
fn legacy_import_reports_every_row_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let legacy = dir.path().join("projet.db");
    legacy_db(
        &legacy,
        &[
            ("alice", "100", "10.2.0.10", "Blog.Example.org"),
            ("bob", "100", "10.2.0.11", "shop.example.org"),
            ("carol", "100", "10.3.0.1", "outside.example.org"),
            ("dave", "200", "10.9.0.1", "unknown-vlan.example.org"),
            ("eve;rm", "100", "10.2.0.12", "evil.example.org"),
            ("frank", "100", "10.2.0.10", "dup-ip.example.org"),
            ("gina", "0", "10.2.0.13", "vlan0.example.org"),
            ("hank", "100", "not-an-ip", "badip.example.org"),
            ("ivan", "", "10.2.0.14", "nullvlan.example.org"),
            ("jo", "100", "10.2.0.15", "bad_domain"),
        ],
    );
    let before = std::fs::read(&legacy).expect("read");
    let config = config_with_vlan();
    let mut inv = Inventory::open(&dir.path().join("i.db")).expect("open");

    let report = inv
        .import_legacy(&legacy, &config, &actor())
        .expect("import");
    assert_eq!(report.rows.len(), 10, "every row is reported");
    assert_eq!(report.count(), (3, 0, 7));
    let reasons: Vec<String> = report
        .rows
        .iter()
        .filter_map(|r| match r {
            RowOutcome::Invalid { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    for expected in [
        "outside the subnet 10.2.0.0/24",
        "contains ';'",
        "already used by blog.example.org",
        "between 1 and 4094",
        "not an IPv4 address",
        "vlan is NULL",
        "at least two labels",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(expected)),
            "no reason mentions {expected:?}: {reasons:#?}"
        );
    }
    let blog = inv
        .site("blog.example.org")
        .expect("get")
        .expect("imported, lowercased");
    assert_eq!(blog.node.as_deref(), Some("teemo"));
    assert_eq!(blog.state, SiteState::Active);
    let unknown = inv
        .site("unknown-vlan.example.org")
        .expect("get")
        .expect("kept");
    assert_eq!(
        unknown.node, None,
        "a VLAN missing from the config keeps its row, nodeless"
    );

    let again = inv
        .import_legacy(&legacy, &config, &actor())
        .expect("reimport");
    assert_eq!(again.count(), (0, 3, 7), "second import adds nothing");
    assert_eq!(inv.sites().expect("sites").len(), 3);
    assert_eq!(
        std::fs::read(&legacy).expect("read"),
        before,
        "legacy file untouched"
    );
    let audit = inv.audit(10).expect("audit");
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].action, "import-legacy");
    assert_eq!(
        audit[0].params,
        Some(serde_json::json!({"imported": 0, "skipped": 3, "invalid": 7}))
    );
}

#[test]
fn legacy_conflicting_values_are_reported_not_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("a.db");
    let second = dir.path().join("b.db");
    legacy_db(&first, &[("alice", "100", "10.2.0.10", "blog.example.org")]);
    legacy_db(
        &second,
        &[("alice", "100", "10.2.0.20", "blog.example.org")],
    );
    let config = config_with_vlan();
    let mut inv = Inventory::open(&dir.path().join("i.db")).expect("open");
    inv.import_legacy(&first, &config, &actor()).expect("first");
    let report = inv
        .import_legacy(&second, &config, &actor())
        .expect("second");
    assert!(
        matches!(&report.rows[0], RowOutcome::Invalid { reason, .. } if reason.contains("other values"))
    );
    let kept = inv.site("blog.example.org").expect("get").expect("row");
    assert_eq!(kept.ip, Ipv4Addr::new(10, 2, 0, 10));
}

#[test]
fn a_file_without_the_users_table_is_named_as_such() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .expect("db")
        .execute_batch("CREATE TABLE t(x);")
        .expect("create");
    let mut inv = Inventory::open(&dir.path().join("i.db")).expect("open");
    let err = inv
        .import_legacy(&other, &Config::builtin_default(), &actor())
        .expect_err("not legacy");
    assert!(err.to_string().contains("has no table users"), "{err}");
    let missing = inv.import_legacy(
        &dir.path().join("missing.db"),
        &Config::builtin_default(),
        &actor(),
    );
    assert!(missing.is_err());
    assert!(
        !dir.path().join("missing.db").exists(),
        "import must not create the legacy file"
    );
}

fn reservation(domain: &str, ip: Option<&str>) -> Reservation {
    Reservation {
        domain: domain.into(),
        login: "alice".into(),
        vlan: 100,
        node: "teemo".into(),
        image: "site:1".into(),
        port: 80,
        ip: ip.map(|i| i.parse().expect("ip")),
        held_live: Vec::new(),
    }
}

fn small_pool() -> ipam::Pool {
    ipam::Pool {
        subnet: "10.2.0.0/29".parse().expect("subnet"),
        gateway: "10.2.0.1".parse().expect("gw"),
        reserved: vec![],
    }
}

#[test]
fn reserve_pending_allocates_and_guards_domain_and_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inv = Inventory::open(&dir.path().join("inv.db")).expect("open");
    let a = inv
        .reserve_pending(&reservation("a.example", None), &small_pool())
        .expect("a");
    assert_eq!(a.ip, Ipv4Addr::new(10, 2, 0, 2));
    assert_eq!(a.state, SiteState::Pending);
    let b = inv
        .reserve_pending(&reservation("b.example", None), &small_pool())
        .expect("b");
    assert_eq!(b.ip, Ipv4Addr::new(10, 2, 0, 3));
    assert!(matches!(
        inv.reserve_pending(&reservation("a.example", None), &small_pool()),
        Err(ReserveError::DomainTaken(_))
    ));
    assert!(matches!(
        inv.reserve_pending(&reservation("c.example", Some("10.2.0.3")), &small_pool()),
        Err(ReserveError::IpTaken { vlan: 100, .. })
    ));
    for d in ["c.example", "d.example", "e.example"] {
        inv.reserve_pending(&reservation(d, None), &small_pool())
            .expect(d);
    }
    assert!(matches!(
        inv.reserve_pending(&reservation("f.example", None), &small_pool()),
        Err(ReserveError::Ipam(_))
    ));
    // Activate, then an undo of the pending row must not touch the active one.
    assert!(inv.activate_site("a.example", "abc123").expect("activate"));
    assert!(
        !inv.delete_pending_site("a.example")
            .expect("delete pending")
    );
    let a = inv.site("a.example").expect("query").expect("row");
    assert_eq!(a.state, SiteState::Active);
    assert_eq!(a.container_id.as_deref(), Some("abc123"));
    assert!(
        inv.delete_pending_site("b.example")
            .expect("delete pending")
    );
    assert!(inv.delete_site("a.example").expect("delete"));
    assert!(!inv.delete_site("a.example").expect("delete again"));
    // Freed addresses come back.
    let again = inv
        .reserve_pending(&reservation("g.example", None), &small_pool())
        .expect("g");
    assert_eq!(again.ip, Ipv4Addr::new(10, 2, 0, 2));
}

#[test]
fn two_connections_reserving_at_once_never_share_an_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inv.db");
    drop(Inventory::open(&path).expect("create"));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut inv = Inventory::open(&path).expect("open");
                let pool = ipam::Pool {
                    subnet: "10.2.0.0/24".parse().expect("subnet"),
                    gateway: "10.2.0.1".parse().expect("gw"),
                    reserved: vec![],
                };
                (0..10)
                    .map(|j| {
                        inv.reserve_pending(&reservation(&format!("s{i}-{j}.example"), None), &pool)
                            .expect("reserve")
                            .ip
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ips: Vec<Ipv4Addr> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("thread"))
        .collect();
    ips.sort();
    let n = ips.len();
    ips.dedup();
    assert_eq!((n, ips.len()), (40, 40));
}
