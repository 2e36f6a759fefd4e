//! `gatecheck lab up|status|down` for real, in network namespaces (root; CI runs as root). Without
//! root or the tools, the test says so loudly and skips: it never pretends to pass.

mod common;
use common::*;

/// Lab tests compare the machine's namespaces before and after: they run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_lab_is_built_with_the_testbed_addresses_and_profile_rules_and_removed_without_a_trace() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skipped_without_root("lab_netns") {
        return;
    }
    let netns_before = sh(&["ip", "netns", "list"]);
    let links_before = sh(&["ip", "-br", "link"]);

    with_lab(&["netns:syn-data-drop+ecn-bleach"], |id| {
        let (gw, t) = (format!("gc-{id}-gw"), format!("gc-{id}-t"));
        let ns = sh(&["ip", "netns", "list"]);
        assert!(ns.contains(&gw) && ns.contains(&t), "{ns}");
        let addrs = sh(&["ip", "-n", &gw, "-br", "addr"]);
        assert!(
            addrs.contains("192.168.0.1/24") && addrs.contains("203.0.113.2/24"),
            "{addrs}"
        );
        assert!(
            addrs.contains("3fff:0:0:1::1/64") && addrs.contains("3fff:0:0:2::2/64"),
            "{addrs}"
        );
        let tlinks = sh(&["ip", "-n", &t, "-br", "link"]);
        assert!(
            tlinks.contains("02:00:00:00:01:64") && tlinks.contains("02:00:00:00:02:03"),
            "{tlinks}"
        );
        let rules = sh(&["ip", "netns", "exec", &gw, "nft", "list", "ruleset"]);
        assert!(rules.contains("masquerade"), "{rules}");
        assert!(rules.contains("@ih,0,8"), "the syn-data-drop rule: {rules}");
        assert!(rules.contains("ip ecn set not-ect"), "the ecn-bleach rule: {rules}");
        let st = gatecheck(&["lab", "status"]);
        assert!(
            st.stdout.contains(id) && st.stdout.contains("syn-data-drop+ecn-bleach"),
            "{}",
            st.stdout
        );
        // The host's own interfaces are untouched: the veths live only inside the namespaces.
        assert_eq!(sh(&["ip", "-br", "link"]), links_before);
    });
    assert_eq!(
        sh(&["ip", "netns", "list"]),
        netns_before,
        "the lab left namespaces behind"
    );
    assert_eq!(sh(&["ip", "-br", "link"]), links_before);
}

#[test]
fn every_netns_profile_loads_and_unsupported_ones_are_refused_with_the_reason() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skipped_without_root("lab_netns profiles") {
        return;
    }
    for p in [
        "netns",
        "netns:tfo-strip",
        "netns:mss-clamp-1400",
        "netns:symmetric",
        "netns:udp-timeout-30s",
    ] {
        with_lab(&[p], |_| {});
    }
    let r = gatecheck(&["lab", "up", "netns:apdf"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("address and port"), "{}", r.stderr);
}

/// A testbed file for the lab, in a fresh folder (removed when the first value is dropped): the
/// MTU testbed of the library with one line replaced.
fn lab_testbed(name: &str, from: &str, to: &str) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string(root().join("testbeds/wan-mtu-1400.yaml")).unwrap();
    assert!(text.contains(from), "the MTU testbed no longer has `{from}`");
    let tmp = scratch(&format!("lab-{name}"));
    let path = tmp.path().join("testbed.yaml");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    (tmp, path.to_string_lossy().into_owned())
}

#[test]
fn a_testbed_file_sets_the_mtu_of_the_gateways_links_and_the_testers_ends_take_any_frame() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skipped_without_root("lab_netns mtu") {
        return;
    }
    let (_tmp, tb) = lab_testbed("jumbo-lan", "  hosts:\n    lan:", "  mtu: 9000\n  hosts:\n    lan:");
    let mut names = Vec::new();
    with_lab(&["--testbed", &tb], |id| {
        let (gw, t) = (format!("gc-{id}-gw"), format!("gc-{id}-t"));
        let mtu = |ns: &str, dev: &str| {
            let l = sh(&["ip", "-n", ns, "link", "show", dev]);
            l.split_whitespace()
                .skip_while(|w| *w != "mtu")
                .nth(1)
                .unwrap_or_default()
                .to_string()
        };
        let got = [mtu(&gw, "lan0"), mtu(&gw, "wan0"), mtu(&t, "tlan"), mtu(&t, "twan")];
        assert_eq!(got, ["9000", "1400", "9216", "9216"]);
        names = vec![gw, t];
    });
    let left = sh(&["ip", "netns", "list"]);
    assert!(names.iter().all(|n| !left.contains(n.as_str())), "{left}");
}

#[test]
fn a_testbed_file_with_other_addresses_is_refused_for_netns_before_any_lab_is_built() {
    let (_tmp, tb) = lab_testbed("other", "ipv4: 203.0.113.2/24", "ipv4: 198.51.100.2/24");
    for args in [
        vec!["run", "cases/mtu/", "--gateway", "netns", "--testbed", &tb],
        vec!["lab", "up", "--testbed", &tb],
    ] {
        let r = gatecheck(&args);
        // Without root `lab up` stops at the root check; `run` refuses the file first either way.
        if args[0] == "lab" && root_and_tools().is_err() {
            continue;
        }
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains("gives `gw` the IPv4 address 198.51.100.2/24 where the lab has 203.0.113.2/24"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stdout.contains("is up"), "{}", r.stdout);
    }
}
