//! The case library proven both ways. For every case of `cases/` the table below names the
//! simulated quirk profiles on which it must fail and the step at which it fails, and the steps
//! of `severity: warn` that may warn. The test runs the whole library once on the compliant `sim`
//! and once on every `sim:PROFILE` that `gatecheck gateways` lists (one CLI invocation each), reads
//! the verdicts from the JUnit file, and requires exactly the table: a listed (profile, step) fails
//! at that step, every other profile passes, and a pass warns at exactly the listed steps. It also
//! requires that every case file is in the table, that every case fails on at least one profile
//! (a case no gateway can fail proves nothing), and that every quirk fails at least one case.
//! The folders of [`ON_TESTBED`] need a testbed of their own: on the built-in one their cases are
//! skipped, and they are judged by a second run with that testbed.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// One case of the library: where it fails and where it may warn.
struct Proof {
    /// The case id.
    case: &'static str,
    /// (profile, step): on `sim:PROFILE` the case fails at that step.
    fails: &'static [(&'static str, usize)],
    /// (profile, step): on `sim:PROFILE` a passing run warns at that step; `""` is the compliant
    /// gateway, whose warnings every profile on which the case passes shares.
    warns: &'static [(&'static str, usize)],
}

const fn proof(
    case: &'static str,
    fails: &'static [(&'static str, usize)],
    warns: &'static [(&'static str, usize)],
) -> Proof {
    Proof { case, fails, warns }
}

/// The case library, one entry per case file (id = folder.file_stem), one line each.
#[rustfmt::skip]
const LIBRARY: &[Proof] = &[
    proof("ecn.ect_preserved", &[("bad-checksum", 2), ("ecn-bleach", 2)], &[]),
    proof("ecn.ip_field_all_codepoints", &[("bad-checksum", 4), ("ecn-bleach", 4)], &[]),
    proof("ecn.ipv6_traffic_class_preserved", &[("ecn-bleach", 2)], &[]),
    proof("ecn.tcp_negotiation_flags", &[("bad-checksum", 2), ("ecn-bleach", 2)], &[]),
    proof("firewall.unsolicited_inbound_ipv4_dropped", &[("dmz-host", 2)], &[]),
    proof("firewall.unsolicited_syn_silent", &[("dmz-host", 2), ("syn-rst", 3)], &[]),
    proof("firewall.wan_services_not_exposed", &[("dmz-host", 9)], &[]),
    proof("icmp.bad_checksum_error_dropped", &[("bad-checksum", 2), ("icmp-csum-unchecked", 4), ("no-icmp-errors", 14)], &[]),
    proof("icmp.bad_quoted_header_error_dropped", &[("bad-checksum", 2), ("icmp-csum-unchecked", 4), ("no-icmp-errors", 10)], &[]),
    proof("icmp.echo_translated", &[("bad-checksum", 6)], &[]),
    proof("icmp.error_keeps_mapping", &[("bad-checksum", 2), ("icmp-kills-mapping", 6), ("no-icmp-errors", 4)], &[]),
    proof("icmp.inbound_error_translated", &[("bad-checksum", 2), ("no-icmp-errors", 4)], &[]),
    proof("icmp.lan_error_outbound_translated", &[("bad-checksum", 2), ("no-icmp-errors", 6)], &[]),
    proof("icmp.port_unreachable_translated", &[("bad-checksum", 2), ("no-icmp-errors", 4)], &[]),
    proof("icmp.time_exceeded_generated", &[("bad-checksum", 5), ("no-time-exceeded", 2), ("no-ttl-decrement", 2)], &[]),
    proof("ipv6.bogons_not_forwarded", &[("v6-bogon-forwarded", 2)], &[]),
    proof("ipv6.hop_limit_expiry", &[("no-time-exceeded", 2), ("no-ttl-decrement", 2)], &[]),
    proof("ipv6.icmpv6_errors_stateful", &[("no-icmp-errors", 4)], &[("ipv6-open", 6)]),
    proof("ipv6.ingress_filtering", &[("v6-spoof-forwarded", 2)], &[]),
    proof("ipv6.ipsec_not_prohibited", &[("no-icmp-errors", 6), ("v6-ipsec-blocked", 4)], &[]),
    proof("ipv6.outbound_not_translated", &[("no-ttl-decrement", 2)], &[]),
    proof("ipv6.tfo_syn_data_forwarded", &[("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("options-strip", 2), ("rst-drop", 6), ("tfo-strip", 2)], &[]),
    proof("ipv6.unsolicited_inbound_dropped", &[("ipv6-open", 2)], &[]),
    proof("ipv6.udp_filtering_endpoint_independent", &[("ipv6-open", 8)], &[("apdf", 6)]),
    proof("ipv6.unsolicited_syn_admin_prohibited", &[("ipv6-open", 2)], &[]),
    proof("mtu.frag_df_oversize_frag_needed", &[("bad-checksum", 5), ("df-clear", 2), ("no-frag-needed", 2)], &[]),
    proof("mtu.frag_nodf_oversize_fragmented", &[("bad-checksum", 3)], &[]),
    proof("mtu.ipv6_packet_too_big_generated", &[("v6-no-ptb", 2)], &[]),
    proof("nat_tcp.endpoint_independent_mapping", &[("bad-checksum", 2), ("symmetric", 4)], &[]),
    proof("nat_tcp.hairpinning", &[("apdf", 4), ("bad-checksum", 2), ("isn-rewrite", 4), ("no-hairpin", 4), ("no-simultaneous-open", 4), ("seq-hole-drop", 6), ("symmetric", 4)], &[]),
    proof("nat_tcp.handshake_and_data", &[("bad-checksum", 2), ("isn-rewrite", 6), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2)], &[]),
    proof("nat_tcp.rst_translated", &[("bad-checksum", 2), ("isn-rewrite", 12), ("rst-drop", 6)], &[]),
    proof("nat_tcp.simultaneous_open", &[("bad-checksum", 2), ("isn-rewrite", 6), ("no-simultaneous-open", 4)], &[]),
    proof("nat_tcp.translation_integrity", &[("bad-checksum", 2), ("df-clear", 2), ("isn-rewrite", 2), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("no-ttl-decrement", 2)], &[]),
    proof("nat_udp.endpoint_independent_filtering", &[("bad-checksum", 2), ("dmz-host", 6)], &[("apdf", 4), ("symmetric", 4)]),
    proof("nat_udp.endpoint_independent_mapping", &[("bad-checksum", 2), ("symmetric", 4)], &[]),
    proof("nat_udp.fragments_out_of_order_inbound", &[("bad-checksum", 2), ("frag-order-drop", 4)], &[]),
    proof("nat_udp.hairpinning", &[("apdf", 4), ("bad-checksum", 2), ("no-hairpin", 4), ("symmetric", 4)], &[]),
    proof("nat_udp.zero_checksum", &[("udp-zero-csum", 2)], &[]),
    proof("tcp_options.mss_never_raised", &[("bad-checksum", 2), ("mss-fixed-1452", 2)], &[]),
    proof("tcp_options.mss_not_rewritten", &[("bad-checksum", 2), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2)], &[]),
    proof("tcp_options.no_seq_rewrite_or_resegmentation", &[("bad-checksum", 2), ("isn-rewrite", 2)], &[]),
    proof("tcp_options.seq_hole_forwarded", &[("bad-checksum", 2), ("isn-rewrite", 7), ("seq-hole-drop", 11)], &[]),
    proof("tcp_options.standard_option_values_preserved", &[("bad-checksum", 2), ("isn-rewrite", 6), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("ts-rewrite", 2)], &[]),
    proof("tcp_options.unknown_option_on_synack_and_data", &[("bad-checksum", 2), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("options-strip", 2)], &[]),
    proof("tcp_options.unknown_option_passes", &[("bad-checksum", 2), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("options-strip", 2)], &[]),
    proof("tfo.cookie_request_passthrough", &[("bad-checksum", 2), ("isn-rewrite", 6), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("options-strip", 2), ("tfo-strip", 2), ("ts-rewrite", 2)], &[]),
    proof("tfo.cookie_then_data", &[("bad-checksum", 2), ("options-strip", 2), ("rst-drop", 6), ("syn-data-drop", 8), ("tfo-blacklist", 8), ("tfo-strip", 2)], &[]),
    proof("tfo.data_rejected_fallback", &[("bad-checksum", 2), ("isn-rewrite", 7), ("options-strip", 2), ("syn-data-drop", 2), ("tfo-blacklist", 2), ("tfo-strip", 2)], &[]),
    proof("tfo.experimental_option_passthrough", &[("bad-checksum", 2), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("options-strip", 2)], &[]),
    proof("tfo.no_client_blacklisting", &[("bad-checksum", 4), ("isn-rewrite", 4), ("mss-clamp-1400", 4), ("mss-fixed-1452", 4), ("tfo-blacklist", 4)], &[("options-strip", 2), ("syn-data-drop", 2), ("tfo-strip", 2)]),
    proof("tfo.server_data_before_client_ack", &[("bad-checksum", 2), ("isn-rewrite", 10), ("options-strip", 2), ("syn-data-drop", 2), ("tfo-blacklist", 2), ("tfo-strip", 2)], &[]),
    proof("tfo.syn_data_acknowledged", &[("bad-checksum", 2), ("isn-rewrite", 2), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("options-strip", 2), ("syn-data-drop", 2), ("tfo-blacklist", 2), ("tfo-strip", 2)], &[]),
    proof("tfo.syn_data_without_cookie", &[("bad-checksum", 2), ("isn-rewrite", 2), ("mss-clamp-1400", 2), ("mss-fixed-1452", 2), ("syn-data-drop", 2)], &[]),
    proof("timeouts.icmp_query_60s", &[("icmp-timeout-30s", 5)], &[]),
    proof("timeouts.tcp_established_2h4m", &[("bad-checksum", 2), ("tcp-timeout-short", 9)], &[]),
    proof("timeouts.tcp_transitory_4min", &[("bad-checksum", 2), ("tcp-transitory-120s", 5)], &[]),
    proof("timeouts.udp_mapping_kept_idle_2min", &[("bad-checksum", 2), ("udp-timeout-30s", 5)], &[]),
    proof("timeouts.udp_outbound_refresh", &[("bad-checksum", 2), ("udp-timeout-30s", 14)], &[]),
    proof("ttl_checksums.checksums_valid_after_nat", &[("bad-checksum", 2)], &[]),
    proof("ttl_checksums.df_not_cleared", &[("bad-checksum", 2), ("df-clear", 2)], &[]),
    proof("ttl_checksums.inbound_ttl_and_checksums", &[("bad-checksum", 4), ("no-ttl-decrement", 4)], &[]),
    proof("ttl_checksums.ipid_unique_non_atomic", &[("bad-checksum", 3), ("ipid-zero", 4)], &[]),
    proof("ttl_checksums.ttl_decremented", &[("bad-checksum", 2), ("no-ttl-decrement", 2)], &[]),
];

/// Cases outside the library that prove a quirk directly: `quirks.apdf_filtering` is the strict
/// copy of `nat_udp.endpoint_independent_filtering`, whose filtering step is only a warning
/// (RFC 4787 REQ-8 recommends, it does not require); `quirks.ipv6_apdf_filtering` the same for
/// `ipv6.udp_filtering_endpoint_independent` (RFC 6092 REC-17).
const EXTRA: &[(&str, Proof)] = &[
    (
        "tests/quirks/apdf_filtering.yaml",
        proof(
            "quirks.apdf_filtering",
            &[("apdf", 4), ("symmetric", 4), ("bad-checksum", 2)],
            &[],
        ),
    ),
    (
        "tests/quirks/ipv6_apdf_filtering.yaml",
        proof("quirks.ipv6_apdf_filtering", &[("apdf", 4)], &[]),
    ),
];

/// Library folders whose cases need a testbed other than the built-in one (they are skipped on
/// it, with the reason), and that testbed (docs/language.md §5).
const ON_TESTBED: &[(&str, &str)] = &[("cases/mtu/", "testbeds/wan-mtu-1400.yaml")];

/// What one run of a case gave: verdict, failing step, warned steps.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    verdict: String,
    step: Option<usize>,
    warned: BTreeSet<usize>,
}

/// Runs `paths` on one gateway (on a testbed file, or the built-in testbed); the outcome per
/// case id, from the JUnit file.
fn outcomes(paths: &[&str], gateway: &str, testbed: Option<&str>) -> BTreeMap<String, Outcome> {
    let mut args = vec!["run"];
    args.extend_from_slice(paths);
    args.extend(["--gateway", gateway, "--seed", "7"]);
    if let Some(t) = testbed {
        args.extend(["--testbed", t]);
    }
    let tmp = scratch("library");
    let (_, xml) = run_with_junit(&args, tmp.path());
    let verdicts = junit_verdicts(&xml);
    let doc = roxmltree::Document::parse(&xml).expect("valid JUnit XML");
    let mut out = BTreeMap::new();
    for tc in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let name = tc.attribute("name").unwrap_or_default().to_string();
        let text = tc
            .children()
            .find(|c| c.has_tag_name("system-out"))
            .and_then(|c| c.text())
            .unwrap_or_default();
        let warned = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("- step "))
            .filter(|l| l.contains("(severity: warn)"))
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect();
        let (verdict, step) = verdicts[&name].clone();
        out.insert(name, Outcome { verdict, step, warned });
    }
    out
}

/// What the table says a case gives on a profile (`""` = compliant).
fn expected(p: &Proof, profile: &str) -> Outcome {
    match p.fails.iter().find(|(q, _)| *q == profile) {
        Some((_, step)) => Outcome {
            verdict: "fail".into(),
            step: Some(*step),
            warned: BTreeSet::new(),
        },
        None => Outcome {
            verdict: "pass".into(),
            step: None,
            warned: p
                .warns
                .iter()
                .filter(|(q, _)| q.is_empty() || *q == profile)
                .map(|(_, s)| *s)
                .collect(),
        },
    }
}

#[test]
fn every_library_case_is_in_the_table_with_its_file_named_after_its_id() {
    let r = gatecheck(&["list", "cases/", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let listed: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut ids = BTreeSet::new();
    for c in listed.as_array().unwrap() {
        let (id, file) = (c["id"].as_str().unwrap(), c["file"].as_str().unwrap());
        let rel = file.trim_start_matches("./").trim_start_matches("cases/");
        let want = rel.trim_end_matches(".yaml").replace('/', ".");
        assert_eq!(id, want, "{file}: the id is not folder.file_stem");
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), yaml_files("cases").len(), "one case per file");
    let table: BTreeSet<String> = LIBRARY.iter().map(|p| p.case.to_string()).collect();
    let missing: Vec<_> = ids.difference(&table).collect();
    let stale: Vec<_> = table.difference(&ids).collect();
    assert!(missing.is_empty(), "cases without a proof in the table: {missing:?}");
    assert!(stale.is_empty(), "table entries without a case file: {stale:?}");
    assert_eq!(table.len(), LIBRARY.len(), "a case is in the table twice");
    for p in LIBRARY {
        assert!(
            !p.fails.is_empty(),
            "{}: no profile fails it, so it proves nothing",
            p.case
        );
    }
}

#[test]
fn every_case_fails_exactly_where_the_table_says_and_every_quirk_fails_a_case() {
    let profiles = sim_quirks();
    assert!(profiles.len() >= 20, "gateways lists {} sim profiles", profiles.len());
    let known: BTreeSet<&str> = profiles.iter().map(String::as_str).collect();
    for p in LIBRARY.iter().chain(EXTRA.iter().map(|(_, p)| p)) {
        for (q, _) in p.fails.iter().chain(p.warns) {
            assert!(q.is_empty() || known.contains(q), "{}: unknown profile `{q}`", p.case);
        }
    }
    let extra_files: Vec<&str> = EXTRA.iter().map(|(f, _)| *f).collect();
    let mut wrong = Vec::new();
    for profile in std::iter::once("").chain(profiles.iter().map(String::as_str)) {
        let gateway = if profile.is_empty() {
            "sim".to_string()
        } else {
            format!("sim:{profile}")
        };
        let mut paths = vec!["cases/"];
        paths.extend(&extra_files);
        let mut got = outcomes(&paths, &gateway, None);
        for (folder, testbed) in ON_TESTBED {
            for (id, o) in outcomes(&[folder], &gateway, Some(testbed)) {
                match got.insert(id.clone(), o) {
                    Some(b) if b.verdict == "skip" => {}
                    other => wrong.push(format!(
                        "{gateway} {id}: on the built-in testbed expected a skip (it needs {testbed}), got {other:?}"
                    )),
                }
            }
        }
        for p in LIBRARY.iter().chain(EXTRA.iter().map(|(_, p)| p)) {
            let want = expected(p, profile);
            // Warnings before a failing step are not part of the table.
            let same = |o: &Outcome| {
                (&o.verdict, o.step) == (&want.verdict, want.step) && (o.verdict == "fail" || o.warned == want.warned)
            };
            match got.get(p.case) {
                Some(o) if same(o) => {}
                other => wrong.push(format!("{gateway} {}: expected {want:?}, got {other:?}", p.case)),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differences from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    for q in &profiles {
        assert!(
            LIBRARY.iter().any(|p| p.fails.iter().any(|(f, _)| f == q)),
            "the quirk `{q}` fails no library case"
        );
    }
}

/// Each case tells a QA engineer what it is about and where the requirement comes from, and
/// every step at which a quirk makes it fail says, in its `why:`, which gateway bug that means.
#[test]
fn every_case_has_a_title_refs_tags_and_a_why_where_it_fails() {
    let loaded = dsl::load(&[root().join("cases")], &dsl::Testbed::builtin()).expect("the library loads");
    assert!(!loaded.has_errors());
    let mut missing = Vec::new();
    for case in loaded.cases() {
        let base = case.id.split('[').next().unwrap_or(&case.id);
        if case.title.trim().len() < 20 || case.refs.is_empty() || case.tags.is_empty() {
            missing.push(format!("{}: title, refs and tags", case.id));
        }
        let Some(p) = LIBRARY.iter().find(|p| p.case == base) else {
            continue;
        };
        for (profile, n) in p.fails {
            match case.steps.iter().find(|s| s.number == *n) {
                Some(s) if s.why.as_deref().is_some_and(|w| !w.trim().is_empty()) => {}
                Some(_) => missing.push(format!("{}: step {n} (failed by {profile}) has no `why:`", case.id)),
                None => missing.push(format!("{}: no step {n}", case.id)),
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
