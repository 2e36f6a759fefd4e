//! Tests of testbeds: the built-in one, and reading files.

use super::*;
use crate::diag::Diagnostic;
use crate::source::SourceFile;
use std::path::Path;

/// Reads a testbed file written as `text`.
fn read_text(text: &str) -> Result<Testbed, Vec<Diagnostic>> {
    Testbed::from_source(&SourceFile::new(Path::new("tb.yaml"), text))
}

#[test]
fn builtin_testbed_has_every_capability_and_the_documented_addresses() {
    let t = Testbed::builtin();
    assert_eq!(t.capabilities.len(), 4);
    let lan = t.host("lan").unwrap();
    assert_eq!(lan.ipv4, Some(Ipv4Addr::new(192, 168, 0, 100)));
    assert_eq!(lan.ipv6, Some("3fff:0:0:1::100".parse().unwrap()));
    assert_eq!(t.host("gw").unwrap().ipv4, Some(Ipv4Addr::new(203, 0, 113, 2)));
    assert_eq!(mac_text(t.host("gw.lan").unwrap().mac.unwrap()), "02:00:00:00:01:01");
}

#[test]
fn testbed_file_derives_capabilities() {
    let t = read_text(
        "gateway: wire\nlan:\n  interface: enp3s0\n  gateway: {mac: \"02:00:00:00:01:01\", ipv4: 192.168.0.1}\n  hosts:\n    lan: {mac: \"02:00:00:00:01:64\", ipv4: 192.168.0.100/24}\nwan:\n  interface: enp4s0\n  gateway: {ipv4: 198.51.100.2}\n  router: 198.51.100.1\n  hosts:\n    wan: {ipv4: 198.51.100.3/24}\nnoise: [\"udp 5678\"]\n",
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    assert!(t.capabilities.contains(&Capability::Ipv4));
    assert!(!t.capabilities.contains(&Capability::Ipv6));
    assert!(!t.capabilities.contains(&Capability::Lan2));
    assert_eq!(t.noise, vec![("udp".to_string(), 5678)]);
}

#[test]
fn testbed_errors_are_positioned() {
    let f = SourceFile::new(
        Path::new("tb.yaml"),
        "lan:\n  gateway: {ipv4: 192.168.0.1}\n  hostz: {}\nwan:\n  gateway: {ipv4: 300.1.1.1}\n",
    );
    let d = Testbed::from_source(&f).unwrap_err();
    assert!(
        d.iter()
            .any(|d| d.message.contains("unknown key `hostz`") && d.message.contains("did you mean `hosts`")),
        "{d:?}"
    );
    assert!(
        d.iter()
            .any(|d| d.message.contains("bad IPv4 address `300.1.1.1`") && f.line_col(d.span.start as usize).0 == 5)
    );
}

#[test]
fn each_side_has_an_mtu_that_defaults_to_1500_and_a_small_wan_mtu_is_a_capability() {
    let t = read_text("lan:\n  gateway: {ipv4: 192.168.0.1}\nwan:\n  gateway: {ipv4: 203.0.113.2}\n  mtu: 1400\n")
        .unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!((t.lan.mtu, t.wan.mtu), (DEFAULT_MTU, 1400));
    assert!(t.capabilities.contains(&Capability::SmallWanMtu));
    assert!(!Testbed::builtin().capabilities.contains(&Capability::SmallWanMtu));
    let small_lan = read_text(
        "lan:\n  gateway: {ipv4: 192.168.0.1}\n  mtu: 1400\nwan:\n  gateway: {ipv4: 203.0.113.2}\n  mtu: 1400\n",
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    assert!(
        !small_lan.capabilities.contains(&Capability::SmallWanMtu),
        "the LAN cannot send a full-size packet"
    );
}

#[test]
fn bad_mtus_are_positioned_errors_with_the_bounds_of_the_side() {
    let cases = [
        ("abc", "bad MTU `abc`", "from 68 to 9216"),
        ("67", "MTU 67 is too small", "from 68 to 9216"),
        ("9217", "MTU 9217 is too large", "from 68 to 9216"),
        ("99999999999", "bad MTU", "from 68 to 9216"),
        ("-1", "bad MTU `-1`", "from 68 to 9216"),
    ];
    for (value, message, label) in cases {
        let text =
            format!("lan:\n  gateway: {{ipv4: 192.168.0.1}}\nwan:\n  gateway: {{ipv4: 203.0.113.2}}\n  mtu: {value}\n");
        let d = read_text(&text).unwrap_err();
        let e = d
            .iter()
            .find(|d| d.message.contains(message))
            .unwrap_or_else(|| panic!("{value}: {d:?}"));
        assert_eq!(&text[e.span.start as usize..e.span.end as usize], value);
        assert!(e.label.contains(label), "{value}: {e:?}");
    }
    // A side with IPv6 (on the gateway or on one of its hosts) needs 1280.
    let text = "lan:\n  gateway: {ipv4: 192.168.0.1}\n  hosts:\n    lan: {ipv6: \"3fff:0:0:1::100\"}\n  mtu: 1279\nwan:\n  gateway: {ipv4: 203.0.113.2}\n";
    let d = read_text(text).unwrap_err();
    let e = d
        .iter()
        .find(|d| d.message.contains("MTU 1279 is too small"))
        .unwrap_or_else(|| panic!("{d:?}"));
    assert!(e.label.contains("from 1280 to 9216"), "{e:?}");
    assert!(read_text(&text.replace("1279", "1280")).is_ok());
    // Other errors of the file are still reported.
    let d =
        read_text("lan:\n  gateway: {ipv4: 192.168.0.1}\n  mtu: x\nwan:\n  gateway: {ipv4: 300.1.1.1}\n").unwrap_err();
    assert!(d.iter().any(|d| d.message.contains("bad IPv4 address")), "{d:?}");
}
