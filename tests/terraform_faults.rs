//! Terraform states that are locked, unreadable or full of secrets (README "Nodes from
//! Terraform"), with the real `terraform` CLI (the builtin `terraform_data` resource and
//! `local-exec` provisioner: nothing downloaded) and the real console in tmux:
//! - a state whose lock a running `terraform apply` holds still reads (`show` takes no
//!   lock) and the apply is never disturbed;
//! - a state that is a directory, garbage, format version 3, or a working directory
//!   `terraform show` refuses, is one line on stderr each and `tree` still shows the rest;
//! - no sensitive value (a state file's `sensitive_attributes`, `show`'s
//!   `sensitive_values`, a sensitive variable and output) reaches `tree --json`,
//!   `config check --json`, `check --json`, stderr or the log file;
//! - the console opens with the notes in its activity panel.

mod support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::terraform::{applied, fleetdeck, node_names, server, table, terraform, text};
use support::tmux::Tmux;

const LOCAL: &str =
    "[ssh]\nconnect_timeout_secs = 2\n[[node]]\nname = \"local\"\ndocker = \"none\"\n";

fn log_of(home: &Path) -> String {
    std::fs::read_to_string(home.join("state/fleetdeck/fleetdeck.log")).unwrap_or_default()
}

/// A `terraform apply` in the background, killed if the test ends first.
struct Apply(Child);

impl Drop for Apply {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_state_locked_by_a_running_apply_still_reads_and_the_apply_is_not_disturbed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = applied(tmp.path(), "infra", &server("a", "10.77.0.231", "tf-a"));
    // The next apply holds the state lock while its provisioner sleeps.
    let started = dir.join("provisioner-started");
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "{}{}resource \"terraform_data\" \"slow\" {{\n  input = \"x\"\n  provisioner \"local-exec\" {{\n    command = \"touch {} && sleep 12\"\n  }}\n}}\n",
            server("a", "10.77.0.231", "tf-a"),
            server("b", "10.77.0.232", "tf-b"),
            started.display()
        ),
    )
    .expect("main.tf");
    let mut apply = Apply(
        terraform(
            &dir,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("terraform apply"),
    );
    let lock = dir.join(".terraform.tfstate.lock.info");
    let held = support::lab::retry(Duration::from_secs(60), || {
        (started.exists() && lock.exists()).then_some(())
    });
    assert!(held.is_some(), "the apply never took the lock");
    let lock_before = std::fs::read(&lock).expect("lock info");

    let config = tmp.path().join("c.toml");
    for (key, path, prefix) in [
        ("dir", dir.clone(), "output"),
        ("state", dir.join("terraform.tfstate"), "output.value"),
    ] {
        std::fs::write(
            &config,
            format!("{LOCAL}{}", table("infra", key, &path, prefix)),
        )
        .expect("config");
        let out = fleetdeck(tmp.path(), &config, &["config", "check", "--json"]);
        assert!(out.status.success(), "{key}: {}", text(&out));
        // `show` takes no lock: what the state held when read is shown, with no note
        // about the state. (The apply may have recorded `slow`, whose input holds no
        // address, already: that one is skipped, and says so.)
        let names = node_names(&out);
        assert!(names.contains(&"tf-a".to_string()), "{key}: {names:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr
                .lines()
                .all(|l| l.contains("terraform_data.slow skipped: no address")),
            "{key}: {}",
            text(&out)
        );
    }
    assert!(
        lock.exists(),
        "the lock the apply holds was removed under it"
    );
    assert_eq!(std::fs::read(&lock).expect("lock info"), lock_before);

    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = apply.0.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the apply did not finish");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        status.success(),
        "the apply failed while fleetdeck read the state"
    );
    assert!(!lock.exists(), "the apply released its lock");
    // Afterwards, the server the apply added shows.
    let out = fleetdeck(tmp.path(), &config, &["config", "check", "--json"]);
    assert_eq!(
        node_names(&out),
        ["local", "tf-a", "tf-b"],
        "{}",
        text(&out)
    );
}

#[test]
fn unreadable_states_are_named_and_tree_still_shows_the_rest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let good = applied(tmp.path(), "good", &server("a", "10.77.0.233", "tf-good"));
    let a_directory = tmp.path().join("dir.tfstate");
    std::fs::create_dir(&a_directory).expect("mkdir");
    let garbage = tmp.path().join("garbage.tfstate");
    std::fs::write(&garbage, "{\"version\": 4, \"resources\": [{\"mode\": ").expect("write");
    let v3 = tmp.path().join("v3.tfstate");
    std::fs::write(
        &v3,
        "{\"version\": 3, \"terraform_version\": \"0.11.14\", \"serial\": 2, \"modules\": []}",
    )
    .expect("write");
    // A backend `terraform init` was never run for: `show` refuses.
    let uninit = tmp.path().join("uninit");
    std::fs::create_dir(&uninit).expect("mkdir");
    std::fs::write(
        uninit.join("main.tf"),
        "terraform {\n  backend \"local\" {\n    path = \"elsewhere.tfstate\"\n  }\n}\n",
    )
    .expect("main.tf");

    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "{LOCAL}{}{}{}{}{}",
            table(
                "good",
                "state",
                &good.join("terraform.tfstate"),
                "output.value"
            ),
            table("isdir", "state", &a_directory, "output.value"),
            table("garbage", "state", &garbage, "output.value"),
            table("old", "state", &v3, "output.value"),
            table("uninit", "dir", &uninit, "output"),
        ),
    )
    .expect("config");

    let expect_lines = |stderr: &str| {
        for (name, says) in [
            ("isdir", "cannot read state"),
            ("garbage", "not JSON (line 1 column"),
            ("old", "state format version 3 is not supported"),
            ("uninit", "failed: Error: Backend initialization required"),
        ] {
            let line = stderr
                .lines()
                .find(|l| l.starts_with(&format!("fleetdeck: terraform \"{name}\": ")))
                .unwrap_or_else(|| panic!("no line for {name}:\n{stderr}"));
            assert!(line.contains(says), "{name}: {line}");
            assert!(line.ends_with("its nodes are not shown"), "{name}: {line}");
        }
        assert!(!stderr.contains("\"good\""), "{stderr}");
    };
    let out = fleetdeck(tmp.path(), &config, &["tree", "--json", "--no-master"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(node_names(&out), ["local", "tf-good"], "{}", text(&out));
    expect_lines(&String::from_utf8_lossy(&out.stderr));

    let out = fleetdeck(tmp.path(), &config, &["tree", "--no-master", "--ascii"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("local [up]") && shown.contains("tf-good"),
        "{shown}"
    );
    expect_lines(&String::from_utf8_lossy(&out.stderr));
    // The same lines went to the log.
    let log = log_of(tmp.path());
    assert!(
        log.contains("terraform \"old\": state from") && log.contains("version 3"),
        "{log}"
    );
}

/// Every value the states mark sensitive holds this marker.
const SECRET: &str = "s3cr3t";

#[test]
fn sensitive_values_never_reach_output_messages_or_the_log() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // `dir` mode: one server whose input is partly sensitive (Terraform then marks the
    // whole object), one plain, a sensitive output and a sensitive variable.
    let dir = applied(
        tmp.path(),
        "infra",
        &format!(
            "variable \"token\" {{\n  default = \"{SECRET}-variable\"\n  sensitive = true\n}}\n\
             {}resource \"terraform_data\" \"vault\" {{\n  input = {{ address = \"10.77.0.235\", name = \"tf-vault\", token = sensitive(\"{SECRET}-in-input\") }}\n}}\n\
             output \"token\" {{\n  value = var.token\n  sensitive = true\n}}\n",
            server("plain", "10.77.0.234", "tf-plain")
        ),
    );
    // `state` mode: the hand-written fixture (a sensitive name, address and password),
    // its addresses moved into the lab's subnet so that polling them stays there.
    let fixture = tmp.path().join("sensitive.tfstate");
    let original = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/terraform/sensitive.tfstate"
    ))
    .expect("fixture");
    assert!(original.contains(SECRET), "the fixture holds the marker");
    std::fs::write(&fixture, original.replace("10.20.0.", "10.77.0.")).expect("fixture");
    // Broken states with secrets in them: their errors must not quote them.
    let broken = tmp.path().join("broken.tfstate");
    std::fs::write(
        &broken,
        format!("{{\"version\": 4, \"resources\": [{{\"password\": \"{SECRET}-broken\" ]}}"),
    )
    .expect("write");
    let shape = tmp.path().join("shape.tfstate");
    std::fs::write(
        &shape,
        format!("{{\"version\": \"{SECRET}-as-version\", \"resources\": []}}"),
    )
    .expect("write");
    let mapped = |name: &str, path: &Path| {
        format!(
            "[[terraform]]\nname = \"{name}\"\nstate = {:?}\ndocker = \"none\"\n",
            path.display().to_string()
        )
    };
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "{LOCAL}{}{}{}{}{}",
            table("infra", "dir", &dir, "output"),
            // `input` is what Terraform marks (its `token`): read through it, `vault`
            // has no address fleetdeck may read.
            table("infra-input", "dir", &dir, "input"),
            mapped("fixture", &fixture),
            mapped("broken", &broken),
            mapped("shape", &shape),
        ),
    )
    .expect("config");

    let mut seen = String::new();
    for args in [
        &["config", "check", "--json"][..],
        &["tree", "--json", "--no-master"][..],
        &["tree", "--no-master", "--ascii"][..],
        &["check", "--json"][..],
    ] {
        let out = fleetdeck(tmp.path(), &config, args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            text(&out)
        );
        seen.push_str(&text(&out));
    }
    // The servers are there: the plain one; `vault` through `output`, which Terraform
    // 1.11 does not mark although it holds the token (only address and name are read);
    // the fixture's by its non-sensitive host.
    assert!(seen.contains("tf-plain"), "{seen}");
    assert!(seen.contains("tf-vault"), "{seen}");
    assert!(seen.contains("10.77.0.201"), "{seen}");
    // Through the marked `input`, `vault` is skipped, and says so without its value.
    assert!(
        seen.contains(
            "terraform \"infra-input\": terraform_data.vault skipped: no address: \
             input.address are empty, unknown or sensitive"
        ),
        "{seen}"
    );
    assert!(seen.contains("terraform \"broken\""), "{seen}");
    assert!(seen.contains("terraform \"shape\""), "{seen}");
    let log = log_of(tmp.path());
    assert!(
        log.contains("terraform \"fixture\""),
        "the log was written: {log}"
    );
    assert!(!seen.contains(SECRET), "a secret in the output:\n{seen}");
    assert!(!log.contains(SECRET), "a secret in the log:\n{log}");
}

#[test]
fn the_console_opens_with_the_state_notes_in_its_activity_panel() {
    let tmux = Tmux::start(160, 30);
    let v3 = tmux.home().join("v3.tfstate");
    std::fs::write(&v3, "{\"version\": 3, \"serial\": 2, \"modules\": []}").expect("state");
    let config = tmux.home().join("fleet.toml");
    std::fs::write(
        &config,
        format!(
            "[inventory]\npath = {:?}\n[[node]]\nname = \"here\"\ndocker = \"none\"\n\
             [[terraform]]\nname = \"old\"\nstate = {:?}\n",
            tmux.home().join("inv.db").display().to_string(),
            v3.display().to_string()
        ),
    )
    .expect("config");
    tmux.type_line(&format!(
        "clear; fleetdeck --config {} 2>/dev/null; echo EXIT=$?",
        config.display()
    ));
    let screen = tmux.wait_for(
        |s| s.contains("READ-WRITE") && s.contains("terraform \"old\""),
        "the console with the note",
    );
    let line = screen
        .lines()
        .find(|l| l.contains("terraform \"old\""))
        .expect("the note's line");
    assert!(line.contains("state from"), "{screen}");
    // The rest of the fleet is there.
    assert!(screen.contains("here"), "{screen}");
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
}
