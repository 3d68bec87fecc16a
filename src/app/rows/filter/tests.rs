use super::*;

/// Which changes of the filter only narrow it: then the rows shown are all there is to
/// look at. Anything else (a letter erased, a term whose meaning flips) looks at every row.
#[test]
fn a_filter_narrows_only_when_every_match_matched_before() {
    let narrows = |new: &str, old: &str| Terms::parse(new).narrows(&Terms::parse(old));
    assert!(narrows("w", ""), "from nothing, anything narrows");
    assert!(narrows("we", "w"), "a letter typed");
    assert!(narrows("xwey", "we"), "the word still contains the old one");
    assert!(narrows("web db", "web"), "a term added");
    assert!(narrows("WEB", "web"), "any case");
    assert!(narrows("node:vm2", "node:vm"));
    assert!(narrows("domain:shop.", "domain:shop"));
    assert!(narrows("state:exited", "state:exit"));
    assert!(narrows("state:crashed", "state:crashed"));
    assert!(narrows("vlan:100", "vlan:100"));

    assert!(!narrows("w", "we"), "a letter erased widens");
    assert!(!narrows("", "w"));
    assert!(!narrows("web", "web db"), "a term removed widens");
    assert!(
        !narrows("node:", "node"),
        "the word became a term: it matches more"
    );
    assert!(
        !narrows("state:crashed", "state:crashe"),
        "crashed goes by health"
    );
    assert!(!narrows("state:crashedx", "state:crashed"));
    assert!(
        !narrows("vlan:10", "vlan:1"),
        "a VLAN is one number, not a prefix"
    );
    assert!(!narrows("db web", "web"), "terms pair up in order");
}

#[test]
fn ascii_and_other_text_match_in_any_case() {
    assert!(contains("Blog.Example.ORG", "example.org"));
    assert!(contains("anything", ""));
    assert!(!contains("blog", "blogs"));
    assert!(
        contains("ÉCOLE-web", "école"),
        "beyond ASCII, lower case as Unicode does"
    );
    assert!(!contains("web", "wéb"));
}
