//! Noise and start points (docs/language.md §2.1 rules 2 and 5) against the compliant simulated
//! gateway, which, like a real router, sends neighbour solicitations and ARP of its own.

mod common;
use common::run_on_sim;
use runner::result::{Direction, Verdict};

/// A v6 UDP exchange: the gateway solicits the LAN host's address before it forwards the answer.
const V6_EXCHANGE: &str = "  - lan: udp6 lan:5000 -> wan:53 data \"q\"
  - wan: expect udp6 lan:5000 -> wan:53
  - wan: udp6 wan:53 -> lan:5000 data \"a\"
  - lan: expect udp6 wan:53 -> lan:5000
";

#[test]
fn the_gateways_neighbor_solicitation_is_there_and_selected_by_naming_it() {
    let r = run_on_sim(
        &format!("{V6_EXCHANGE}  - lan: expect icmp6 neighbor-solicitation gw.lan -> *\n"),
        "",
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failure);
}

#[test]
fn a_pattern_writing_the_protocol_number_does_not_select_neighbour_discovery() {
    for pattern in [
        "ipv6 * -> * proto=58",
        "ipv6 * -> *",
        "icmp6 * -> *",
        "icmp6 * -> * code=0",
    ] {
        let r = run_on_sim(&format!("{V6_EXCHANGE}  - lan: expect no {pattern} within 1s\n"), "");
        assert_eq!(
            r.verdict,
            Verdict::Pass,
            "`expect no {pattern}` judged the gateway's own neighbour solicitation: {}",
            r.failure.map(|f| f.render()).unwrap_or_default()
        );
    }
}

#[test]
fn a_pattern_writing_the_protocol_number_still_sees_real_icmpv6() {
    let r = run_on_sim(
        "  - lan: icmp6 echo-request lan -> wan id=7 seq=1\n  - wan: expect no ipv6 * -> * proto=58 within 1s\n",
        "",
    );
    assert_eq!(r.verdict, Verdict::Fail, "the forwarded echo request offends");
}

#[test]
fn an_arp_reply_before_the_send_is_no_candidate_and_carries_no_failure_comment() {
    // The runner resolves the gateway's LAN MAC before its first send; the gateway's reply comes
    // before the send, so no step after the send may consider it.
    let r = run_on_sim(
        "  - lan: udp lan:1 -> wan:9 data \"x\"\n  - lan: expect ipv4 * -> lan proto=17 within 1s\n",
        "",
    );
    assert_eq!(r.verdict, Verdict::Fail);
    let f = r.failure.unwrap();
    assert!(
        f.candidates.iter().all(|c| !c.frame.starts_with("arp")),
        "{}",
        f.render()
    );
    let arp_with_failure = r.frames.iter().any(|fr| {
        fr.direction == Direction::Received
            && fr.bytes.get(12..14) == Some(&[0x08, 0x06][..])
            && fr.comments.iter().any(|c| c.contains("FAILED"))
    });
    assert!(!arp_with_failure, "the failure comment landed on an ARP frame");
}

#[test]
fn an_arp_reply_before_the_send_does_not_match_an_arp_pattern() {
    let r = run_on_sim(
        "  - lan: udp lan:1 -> wan:9 data \"x\"\n  - lan: expect arp gw.lan -> lan within 1s\n",
        "",
    );
    assert_eq!(
        r.verdict,
        Verdict::Fail,
        "the ARP reply answered the runner's request before the send: rule 2 excludes it"
    );
}
