//! The bastion administrator's `/etc/fleetdeck/policy.toml` (root-owned, `read_only =
//! true`) wins over every config file, flag and variable: mutating commands exit 3 and the
//! lab's witnesses see no mutating call. One test in its own binary: while it holds the
//! machine-wide policy file, no other test of this binary runs (cargo runs test binaries
//! one after the other).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use support::audit::Watch;
use support::fleet::{TestFleet, code, text};
use support::lab::{Lab, assert_success, defer};

const POLICY: &str = "/etc/fleetdeck/policy.toml";

#[test]
fn a_root_owned_read_only_policy_cannot_be_lifted_by_the_user() {
    let lab = Lab::load();
    let name = format!("fdt-policy-{}", std::process::id());
    assert_success(
        &lab.docker(
            "h2",
            &["run", "-d", "--name", &name, &lab.image, "sleep", "3600"],
        ),
        "docker run",
    );
    let reap = Lab::load();
    let reap_name = name.clone();
    let _container = defer(move || {
        let _ = reap.docker("h2", &["rm", "-f", &reap_name]);
    });
    let fleet = TestFleet::new(lab, "fdt-policy-");
    fleet.write_config(
        "rw.toml",
        "read_only = false\n",
        &format!(
            "[inventory]\npath = {:?}\n",
            fleet.path("inv.db").display().to_string()
        ),
    );

    // Install the policy, keeping whatever was there before.
    let dir = Path::new("/etc/fleetdeck");
    let made_dir = !dir.exists();
    std::fs::create_dir_all(dir).expect("mkdir /etc/fleetdeck");
    let previous = std::fs::read(POLICY).ok();
    std::fs::write(POLICY, "read_only = true\n").expect("write the policy");
    std::fs::set_permissions(POLICY, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let restore = defer(move || {
        match &previous {
            Some(bytes) => {
                let _ = std::fs::write(POLICY, bytes);
            }
            None => {
                let _ = std::fs::remove_file(POLICY);
            }
        }
        if made_dir {
            let _ = std::fs::remove_dir(dir);
        }
    });

    let watch = Watch::start(&fleet.lab);
    let tries: [&[&str]; 5] = [
        &["exec", &name, "--", "true"],
        &["ssh", "h1", "--", "true"],
        &["stop", &name, "--yes"],
        &["restart", &name, "--yes"],
        &[
            "create",
            "--login",
            "bob",
            "--vlan",
            "100",
            "--domain",
            "p.example.org",
            "--yes",
        ],
    ];
    for args in tries {
        // The config says read-write, and so does the variable: the policy wins.
        let mut cmd = fleet.command("rw.toml", args);
        cmd.env("FLEETDECK_READ_ONLY", "0");
        let out = support::lab::run_with_timeout(&mut cmd, std::time::Duration::from_secs(60));
        assert_eq!(code(&out), 3, "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("read-only mode") && text(&out).contains(POLICY),
            "{args:?} names the policy: {}",
            text(&out)
        );
    }
    let check = fleet.run("rw.toml", &["config", "check"]);
    assert!(
        text(&check).contains("mode: read-only") && text(&check).contains("system policy"),
        "{}",
        text(&check)
    );
    watch.assert_read_only("every mutating command under the policy");
    let seen = watch.seen();
    assert!(
        !seen
            .docker_lines
            .iter()
            .any(|l| l.contains(&name) && !l.contains("GET")),
        "no call touched the container"
    );
    assert!(
        !fleet.path("inv.db").exists(),
        "the inventory was not even created"
    );

    // A policy writable by others is no policy: the same command works (the test could
    // not pass by read-only mode being on for another reason).
    std::fs::set_permissions(POLICY, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let out = fleet.run("rw.toml", &["exec", &name, "--", "true"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    drop(restore);
}
