//! Serving: plan then apply reaches each site's container; a failing nginx test or reload
//! leaves the previous config in place and served.

use fleetdeck::inventory::SiteState;

use crate::harness::{
    DEFAULT_PAGE, Net, Proxy, apply_ok, code, curl, nginx_lock, served, site, text,
};

#[test]
fn plan_then_apply_serves_each_sites_container_and_removes_deleted_ones() {
    let _nginx = nginx_lock();
    let p = Proxy::new("serve");
    let mut net = Net::new(&p.lab, 120);
    let ip_a = net.container("fdtp-serve-a", 10, "fdtp page of serve-a", 80);
    let ip_b = net.container("fdtp-serve-b", 11, "fdtp page of serve-b", 8080);
    let (a, b) = ("fdtp-serve-a.example.test", "fdtp-serve-b.example.test");
    {
        let mut inv = p.inventory();
        inv.insert_site(&site(a, 120, &ip_a, None, SiteState::Active))
            .expect("a");
        inv.insert_site(&site(b, 120, &ip_b, Some(8080), SiteState::Active))
            .expect("b");
        inv.insert_site(&site(
            "fdtp-serve-pending.example.test",
            120,
            "10.90.120.12",
            None,
            SiteState::Pending,
        ))
        .expect("pending");
    }

    let out = p.run(&["proxy", "plan", "--exit-code"]);
    let (diff, err) = text(&out);
    assert_eq!(code(&out), 5, "{diff}\n{err}");
    assert!(diff.starts_with("--- /dev/null\n"), "{diff}");
    for want in [
        format!("+    server_name {a};\n"),
        format!("+        proxy_pass http://{ip_a}:80;\n"),
        format!("+        proxy_pass http://{ip_b}:8080;\n"),
    ] {
        assert!(diff.contains(&want), "{want:?} in\n{diff}");
    }
    assert!(!diff.contains("pending"), "pending sites are not proxied");
    assert!(err.contains("changes pending"), "{err}");
    assert!(p.deployed().is_none(), "plan changes nothing");

    let started = std::time::Instant::now();
    apply_ok(&p);
    eprintln!("figure: proxy apply (2 sites) took {:?}", started.elapsed());
    assert!(served(&p.lab, a, "fdtp page of serve-a").contains("serve-a"));
    served(&p.lab, b, "fdtp page of serve-b");
    let out = p.run(&["proxy", "plan", "--exit-code"]);
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    assert!(text(&out).0.starts_with("no changes: "), "{:?}", text(&out));
    let row = p.last_audit();
    // The real uid's name, not USER.
    let me = crate::support::lab::real_user_name();
    assert_eq!(
        (
            row.action.as_str(),
            row.outcome.as_str(),
            row.actor.as_str()
        ),
        ("proxy.apply", "ok", me.as_str())
    );

    // A deleted site disappears from nginx: its name falls back to the default server.
    assert!(p.inventory().delete_site(b).expect("delete"));
    let out = p.run(&["proxy", "plan"]);
    assert!(
        text(&out).0.contains(&format!("-    server_name {b};\n")),
        "{:?}",
        text(&out)
    );
    apply_ok(&p);
    served(&p.lab, b, DEFAULT_PAGE);
    served(&p.lab, a, "fdtp page of serve-a");
    assert_eq!(p.inventory().audit(10).expect("audit").len(), 2);
}

#[test]
fn a_failing_nginx_test_restores_the_file_and_the_previous_config_stays_served() {
    let _nginx = nginx_lock();
    let p = Proxy::new("badtest");
    let mut net = Net::new(&p.lab, 121);
    let ip = net.container("fdtp-badtest-a", 10, "fdtp page of badtest-a", 80);
    let a = "fdtp-badtest-a.example.test";
    p.inventory()
        .insert_site(&site(a, 121, &ip, None, SiteState::Active))
        .expect("a");
    apply_ok(&p);
    served(&p.lab, a, "fdtp page of badtest-a");
    let before = p.deployed().expect("deployed");

    // A template with a directive nginx does not know, and a new site to make a change.
    let bad = p.path("bad.conf.j2");
    std::fs::write(
        &bad,
        "{% for s in sites %}server {\n    listen {{ listen }};\n    server_name {{ s.domain }};\n    fdtp_bogus_directive on;\n}\n{% endfor %}",
    )
    .expect("template");
    p.write_config(
        "bad.toml",
        &format!("template = {:?}\n", bad.display().to_string()),
    );
    let out = p.run_with("bad.toml", &["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("unknown directive \"fdtp_bogus_directive\""),
        "nginx's error lines are shown: {err}"
    );
    assert!(
        err.contains("the previous file was restored and is still served"),
        "{err}"
    );
    assert_eq!(
        p.deployed().expect("deployed"),
        before,
        "restored byte for byte"
    );
    assert_eq!(curl(&p.lab, a).trim(), "fdtp page of badtest-a");
    let row = p.last_audit();
    assert_eq!(row.outcome, "failed");
    assert!(row.detail.expect("detail").contains("fdtp_bogus_directive"));

    // A template that does not parse: the file and line are named, exit 4, node untouched.
    let broken = p.path("broken.conf.j2");
    std::fs::write(
        &broken,
        "# fine\n{% for s in sites %}\n{{ s.domain }\n{% endfor %}\n",
    )
    .expect("template");
    p.write_config(
        "broken.toml",
        &format!("template = {:?}\n", broken.display().to_string()),
    );
    let out = p.run_with("broken.toml", &["proxy", "plan"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 4, "{err}");
    assert!(
        err.contains(&format!(
            "template {}, line 3: syntax error",
            broken.display()
        )),
        "{err}"
    );
    assert_eq!(p.deployed().expect("deployed"), before);
}

#[test]
fn a_failing_reload_restores_and_reloads_the_previous_config() {
    let _nginx = nginx_lock();
    let p = Proxy::new("badreload");
    let mut net = Net::new(&p.lab, 122);
    let ip_a = net.container("fdtp-badreload-a", 10, "fdtp page of badreload-a", 80);
    let ip_b = net.container("fdtp-badreload-b", 11, "fdtp page of badreload-b", 80);
    let (a, b) = (
        "fdtp-badreload-a.example.test",
        "fdtp-badreload-b.example.test",
    );
    p.inventory()
        .insert_site(&site(a, 122, &ip_a, None, SiteState::Active))
        .expect("a");
    apply_ok(&p);
    served(&p.lab, a, "fdtp page of badreload-a");
    let before = p.deployed().expect("deployed");

    // A reload that fails once (while its marker exists), then reloads for real.
    let marker = p.path("fail-next-reload");
    std::fs::write(&marker, "").expect("marker");
    let script = p.path("reload.sh");
    let reload = p.nginx_args(&["nginx", "-s", "reload"]).join(" ");
    std::fs::write(
        &script,
        format!(
            "if [ -e {m} ]; then rm -f {m}; echo 'fdtp: reload refused' >&2; exit 1; fi\nexec {reload}\n",
            m = marker.display()
        ),
    )
    .expect("script");
    p.write_config(
        "reload.toml",
        &format!(
            "reload_cmd = [\"sh\", {:?}]\n",
            script.display().to_string()
        ),
    );
    p.inventory()
        .insert_site(&site(b, 122, &ip_b, None, SiteState::Active))
        .expect("b");
    let out = p.run_with("reload.toml", &["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("fdtp: reload refused"), "{err}");
    assert!(
        err.contains("the previous file was restored and reloaded"),
        "{err}"
    );
    assert!(!marker.exists(), "the reload ran twice");
    assert_eq!(p.deployed().expect("deployed"), before);
    served(&p.lab, a, "fdtp page of badreload-a");
    assert_eq!(curl(&p.lab, b).trim(), DEFAULT_PAGE, "b was never served");
    assert_eq!(p.last_audit().outcome, "failed");
    drop(net);
}
