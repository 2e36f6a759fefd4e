//! Properties of the language as compiled: what a case means, not how it is printed.

mod support;

use dsl::plan::*;
use dsl::testbed::Testbed;
use std::path::Path;
use std::time::Duration;
use support::*;

/// The value a packet gives `f`, if any.
fn field(p: &PacketSpec, f: Field) -> Option<&Value> {
    p.fields.iter().find(|t| t.field == f).map(|t| &t.value)
}

/// The kinds of a packet's whole option list `<...>`, in order.
fn option_kinds(p: &PacketSpec) -> Vec<u8> {
    p.options.as_ref().unwrap().iter().map(TcpOptionSpec::kind).collect()
}

/// The value `n`.
fn int(n: u64) -> Value {
    Value::One(Expr::Int(n))
}

#[test]
fn matrix_variants_vary_the_first_key_slowest_and_keep_step_numbers() {
    let cases = ok(
        "case: t.m\ntitle: M\nmatrix:\n  a: [\"1\", \"2\"]\n  b: [x1, y2]\nsteps:\n  - note: n\n  - lan: udp lan:$a -> wan:53 data \"x\"\n",
    );
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["t.m[a=1,b=x1]", "t.m[a=1,b=y2]", "t.m[a=2,b=x1]", "t.m[a=2,b=y2]"]
    );
    for c in &cases {
        assert_eq!(c.steps[1].number, 2);
    }
    let packet = sent(&cases[2], 1);
    assert_eq!(packet.src.as_ref().unwrap().port, Some(int(2)));
}

#[test]
fn flows_fill_endpoints_by_side_and_verb() {
    let cases = ok(&case(
        "  - lan: web S\n  - wan: expect web S\n  - wan: web S. ack=1\n  - lan: expect web S.\n",
    ));
    let steps = &cases[0].steps;
    let ep = |i: usize| -> (String, String) {
        let p = match &steps[i].action {
            Action::Send { packet, .. } | Action::Expect { pattern: packet, .. } => packet,
            _ => panic!(),
        };
        let t = |e: &Endpoint| {
            dsl::display::packet_text(
                &PacketSpec {
                    src: Some(e.clone()),
                    dst: Some(e.clone()),
                    proto: Some(Proto::Tcp),
                    ..Default::default()
                },
                &cases[0].flows,
                false,
            )
        };
        (t(p.src.as_ref().unwrap()), t(p.dst.as_ref().unwrap()))
    };
    assert!(ep(0).0.contains("lan:40000") && ep(0).1.contains("wan:80"));
    assert!(ep(1).0.contains("gw:$web.port") && ep(1).1.contains("wan:80"));
    assert!(ep(2).0.contains("wan:80") && ep(2).1.contains("gw:$web.port"));
    assert!(ep(3).0.contains("wan:80") && ep(3).1.contains("lan:40000"));
}

#[test]
fn a_wan_send_needs_the_mapping_except_on_ipv6_flows() {
    assert!(
        errors(&case("  - lan: web S\n  - wan: web S. ack=1\n"))[0].contains("before its mapping has been observed")
    );
    let cases = ok(&case("  - lan: web6 S\n  - wan: web6 S. ack=1\n"));
    let packet = sent(&cases[0], 1);
    // Untranslated: the WAN side sends straight to the client's own address and port.
    assert!(matches!(&packet.dst.as_ref().unwrap().addr, Addr::Host(h) if h.name == "lan"));
    assert_eq!(packet.dst.as_ref().unwrap().port, Some(int(40000)));
}

#[test]
fn icmp_flows_send_requests_and_learn_the_id_on_wan() {
    let cases = ok(&case(
        "  - lan: ping\n  - wan: expect ping\n  - wan: ping\n  - lan: expect ping\n",
    ));
    let s = &cases[0].steps;
    let pk = |i: usize| match &s[i].action {
        Action::Send { packet, .. } | Action::Expect { pattern: packet, .. } => packet.clone(),
        _ => panic!(),
    };
    assert_eq!(pk(0).icmp_type, Some(8));
    assert_eq!(field(&pk(0), Field::IcmpId), Some(&int(7)));
    assert_eq!(pk(1).icmp_type, Some(8));
    assert_eq!(
        field(&pk(1), Field::IcmpId),
        Some(&Value::One(Expr::FlowAttr(2, FlowAttr::Port)))
    );
    assert_eq!(pk(2).icmp_type, Some(0));
    assert_eq!(pk(3).icmp_type, Some(0));
}

#[test]
fn omitted_ack_needs_the_peers_syn_matched_on_that_side() {
    assert!(errors(&case("  - lan: web S\n  - lan: web .\n"))[0].contains("no SYN of the peer"));
    ok(&case("  - lan: web S\n  - lan: expect web S.\n  - lan: web .\n"));
}

#[test]
fn send_defaults_follow_the_table() {
    let cases = ok(&case(
        "  - lan: tcp lan:1 -> wan:2 S\n  - lan: udp lan:1 -> wan:2\n  - lan: icmp echo-request lan -> wan\n  - lan: udp6 lan:1 -> wan:2\n",
    ));
    let pk = |i: usize| sent(&cases[0], i);
    assert_eq!(field(pk(0), Field::Ttl), Some(&int(64)));
    assert_eq!(field(pk(0), Field::Df), Some(&int(1)));
    assert_eq!(field(pk(0), Field::Win), Some(&int(65535)));
    assert_eq!(field(pk(0), Field::Seq), Some(&int(0)));
    assert_eq!(field(pk(0), Field::IpId), Some(&Value::Any));
    assert_eq!(field(pk(1), Field::Df), Some(&int(0)));
    assert_eq!(field(pk(2), Field::IcmpId), Some(&int(0)));
    assert_eq!(field(pk(3), Field::Hlim), Some(&int(64)));
    assert_eq!(field(pk(3), Field::FlowLabel), Some(&int(0)));
    assert_eq!(pk(1).payload, Some(PayloadSpec::Bytes(vec![])));
}

#[test]
fn windows_default_and_after_extends_the_default() {
    let cases = ok(&case(
        "  - lan: web S\n  - wan: expect web S after 2s\n  - wan: expect no web R within 3s\n  - wan: expect web S\n",
    ));
    let s = &cases[0].steps;
    assert!(
        matches!(s[1].action, Action::Expect { within, after: Some(a), .. } if within == Duration::from_secs(3) && a == Duration::from_secs(2))
    );
    assert!(matches!(s[2].action, Action::ExpectNo { within, .. } if within == Duration::from_secs(3)));
    assert!(matches!(s[3].action, Action::Expect { within, after: None, .. } if within == Duration::from_secs(1)));
}

#[test]
fn variables_bind_in_patterns_and_must_be_bound_in_sends() {
    let text = case(
        "  - lan: udp lan:5000 -> wan:53\n  - wan: expect udp gw:$p -> wan:53\n  - wan: udp wan:53 -> gw:$p\n  - wan: udp wan:53 -> gw:$p+1\n",
    );
    ok(&text);
    assert!(errors(&case("  - wan: udp wan:53 -> gw:$p\n"))[0].contains("not bound"));
    assert!(errors(&case("  - wan: expect no udp gw:$p -> wan:53\n"))[0].contains("binds nothing"));
    assert!(errors(&case("  - wan: expect udp gw:$p+1 -> wan:53\n"))[0].contains("must be bound"));
}

#[test]
fn a_binding_never_used_gets_a_warning() {
    let w = warnings(&case(
        "  - lan: udp lan:5000 -> wan:53\n  - wan: expect udp gw:$prot -> wan:53\n",
    ));
    assert!(
        w.iter().any(|m| m.contains("`$prot` is bound here and never used")),
        "{w:?}"
    );
}

#[test]
fn vars_are_text_parsed_where_used_including_sets() {
    let cases = ok(
        "case: t.v\ntitle: V\nvars:\n  ports: \"{80, 443}\"\n  hex: 0x00ff\nsteps:\n  - lan: tcp lan:1 -> wan:80 S\n  - wan: expect tcp gw:* -> wan:* S dport=$ports\n  - lan: udp lan:1 -> wan:2 data 0x00ff\n",
    );
    let pattern = expected(&cases[0], 1);
    assert_eq!(
        field(pattern, Field::Dport),
        Some(&Value::Set(vec![Expr::Int(80), Expr::Int(443)]))
    );
    assert_eq!(cases[0].vars.iter().find(|(k, _)| k == "hex").unwrap().1, "0x00ff");
}

#[test]
fn capabilities_used_are_needs_and_a_testbed_without_them_still_compiles() {
    let cases = ok("case: t.c\ntitle: C\nsteps:\n  - lan: udp6 lan2:1 -> wan:2\n");
    assert!(cases[0].needs.contains(&Capability::Ipv6));
    assert!(cases[0].needs.contains(&Capability::Lan2));
    let mut tb = Testbed::builtin();
    tb.lan.hosts.retain(|h| h.name != "lan2");
    let c = compile_on("case: t.c\ntitle: C\nsteps:\n  - lan: udp lan2:1 -> wan:2\n", &tb);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
}

#[test]
fn option_lists_keep_wire_order_and_multisets() {
    let cases = ok(&case(
        "  - lan: web S <mss 1460, sackOK, nop, wscale 7, fo>\n  - wan: expect web S has <nop, nop> lacks <fo, kind 99>\n",
    ));
    let kinds = option_kinds(sent(&cases[0], 0));
    assert_eq!(kinds, [2, 4, 1, 3, 34]);
    let pattern = expected(&cases[0], 1);
    assert_eq!(pattern.has_options, vec![TcpOptionSpec::Nop, TcpOptionSpec::Nop]);
    assert_eq!(pattern.lacks_options, vec![34, 99]);
}

#[test]
fn option_names_accept_tcpdump_and_packetdrill_spellings() {
    let cases = ok(&case(
        "  - lan: web S <MSS 1460, SACKOK, TS val 1 ecr 0, FO, FOEXP 0011223344556677>\n",
    ));
    let kinds = option_kinds(sent(&cases[0], 0));
    assert_eq!(kinds, [2, 4, 8, 34, 254]);
}

#[test]
fn every_option_name_means_its_kind_in_lacks_and_explain_writes_it_back() {
    for (name, kind) in TCP_OPTION_NAMES {
        let cases = ok(&case(&format!("  - lan: expect web S lacks <{name}>\n")));
        let pattern = step_packet(&cases[0], 0);
        assert_eq!(pattern.lacks_options, [kind], "{name}");
        let text = dsl::display::packet_text(pattern, &cases[0].flows, false);
        assert!(text.ends_with(&format!("lacks <{name}>")), "{name}: {text}");
    }
}

/// The `| `entry` | kind |` rows of the option table of docs/language.md §3.5.
fn documented_option_kinds() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/language.md")).unwrap();
    let section = doc.split("### 3.5 TCP options").nth(1).unwrap();
    let section = section.split("\n### ").next().unwrap();
    section
        .lines()
        .filter_map(|l| {
            let mut cells = l.strip_prefix("| `")?.split(" | ");
            let entry = cells.next()?.split(['`', ' ']).next()?.to_string();
            Some((entry, cells.next()?.to_string()))
        })
        .collect()
}

#[test]
fn the_option_names_and_kinds_are_those_docs_language_md_documents() {
    let documented = documented_option_kinds();
    for (name, kind) in TCP_OPTION_NAMES {
        assert!(
            documented.iter().any(|(n, k)| n == name && *k == kind.to_string()),
            "{name} = kind {kind} is not in the table of docs/language.md §3.5: {documented:?}"
        );
    }
    let mut named: Vec<&str> = documented
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| *n != "kind")
        .collect();
    named.dedup();
    assert_eq!(
        named.len(),
        TCP_OPTION_NAMES.len(),
        "every documented name is in the table: {named:?}"
    );
}

#[test]
fn icmp_errors_quote_a_full_inner_packet() {
    let cases = ok(&case(
        "  - lan: udp lan:5000 -> wan:53\n  - wan: expect udp gw:$p -> wan:53\n  - wan: icmp unreachable port wan -> gw inner (udp gw:$p -> wan:53)\n  - lan: expect icmp unreachable port inner (udp lan:5000 -> wan:53)\n",
    ));
    let packet = sent(&cases[0], 2);
    assert_eq!((packet.icmp_type, packet.icmp_code), (Some(3), Some(3)));
    let inner = packet.inner.as_ref().unwrap();
    assert_eq!(
        field(inner, Field::Ttl),
        Some(&int(64)),
        "the quoted packet is built in full"
    );
}

#[test]
fn keywords_are_whole_words_and_code_words_only_in_code_position() {
    // `ttl=1` after the type word is the IP field, not the code word `ttl`.
    let cases = ok(&case(
        "  - lan: udp lan:1 -> wan:2\n  - lan: expect icmp time-exceeded ttl=1\n",
    ));
    let pattern = expected(&cases[0], 1);
    assert_eq!(pattern.icmp_code, None);
    assert_eq!(field(pattern, Field::Ttl), Some(&int(1)));
}

#[test]
fn literals_inside_a_testbed_subnet_warn_and_len_in_a_send_warns() {
    let w = warnings(&case("  - lan: udp 192.168.0.50:1 -> wan:2 len=40\n"));
    assert!(w.iter().any(|m| m.contains("inside a testbed subnet")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("write `data len N`")), "{w:?}");
    assert!(warnings(&case("  - lan: udp lan:1 -> 198.51.100.7:2\n")).is_empty());
}

#[test]
fn severity_warn_and_modifiers_are_kept() {
    let cases = ok(&case(
        "  - lan: web S\n  - wan: expect web S\n    severity: warn\n    why: W\n    name: N\n",
    ));
    let s = &cases[0].steps[1];
    assert_eq!(s.severity, StepSeverity::Warn);
    assert_eq!(s.why.as_deref(), Some("W"));
    assert_eq!(s.name.as_deref(), Some("N"));
}

#[test]
fn all_errors_in_a_file_are_reported() {
    let e = errors(&case(
        "  - lan: web S ttl=300\n  - wait: 5x\n  - lan: udp lan:5000 -> wnn:53\n  - lan: tcp lan:1 -> wan:80 Q\n",
    ));
    assert_eq!(e.len(), 4, "{e:#?}");
}

#[test]
fn sequence_arithmetic_wraps_and_other_fields_must_fit() {
    ok(&case("  - lan: tcp lan:1 -> wan:2 S seq=4294967295+2\n"));
    assert!(errors(&case("  - lan: udp lan:1 -> wan:2 ttl=250+10\n"))[0].contains("does not fit"));
}

#[test]
fn endpoint_addresses_may_be_sets_in_patterns() {
    let cases = ok(&case(
        "  - lan: udp lan:1 -> wan:2\n  - wan: expect udp gw:* -> {wan, wan2}:2\n",
    ));
    let pattern = expected(&cases[0], 1);
    assert!(matches!(&pattern.dst.as_ref().unwrap().addr, Addr::Set(v) if v.len() == 2));
    assert!(errors(&case("  - lan: udp lan:1 -> {wan, wan2}:2\n"))[0].contains("a set"));
}

#[test]
fn a_type_written_after_id_still_decides_what_id_means() {
    let cases = ok(&case(
        "  - lan: udp lan:1 -> wan:2\n  - lan: expect icmp id=5 type=3\n  - lan: expect icmp id=5 type=0\n",
    ));
    let pat = |i: usize| expected(&cases[0], i);
    assert!(pat(1).fields.iter().any(|t| t.field == Field::IpId));
    assert!(pat(2).fields.iter().any(|t| t.field == Field::IcmpId));
}

#[test]
fn icmp_errors_without_code_words_need_no_code() {
    let cases = ok(&case(
        "  - wan: icmp6 packet-too-big wan -> lan mtu=1280 inner (udp6 lan:1 -> wan:2)\n",
    ));
    let packet = sent(&cases[0], 0);
    assert_eq!((packet.icmp_type, packet.icmp_code), (Some(2), Some(0)));
}

#[test]
fn fragment_is_a_send_clause_with_a_size_and_an_order() {
    let cases = ok(&case(
        "  - lan: udp lan:5000 -> wan:53 data len 3000 fragment 1480 order 3,1\n  - lan: udp lan:5000 -> wan:53 data len 100 fragment 8\n",
    ));
    let frag = |i: usize| match &cases[0].steps[i].action {
        Action::Send { packet, .. } => packet.fragment.clone(),
        _ => None,
    };
    assert_eq!(
        frag(0),
        Some(FragmentSpec {
            size: 1480,
            order: vec![3, 1]
        })
    );
    assert_eq!(frag(1), Some(FragmentSpec { size: 8, order: vec![] }));
    let e = errors(&case("  - lan: udp lan:5000 -> wan:53 fragment 1480 fragment 8\n"));
    assert!(e.iter().any(|m| m.contains("at most one `fragment`")), "{e:?}");
    let e = errors(&case("  - lan: udp lan:5000 -> wan:53 fragment 12\n"));
    assert!(e.iter().any(|m| m.contains("multiple of 8")), "{e:?}");
    let e = errors(&case("  - lan: expect udp * -> lan:53 fragment 1480\n"));
    assert!(e.iter().any(|m| m.contains("is for sends")), "{e:?}");
}

#[test]
fn explain_writes_checksums_in_hex_that_read_back_to_the_same_value() {
    let cases = ok(&case(
        "  - wan: icmp unreachable port wan -> gw icmp.csum=4660 inner (udp gw:5000 -> wan:53 udp.csum=0x0001)\n",
    ));
    let text = dsl::display::packet_text(step_packet(&cases[0], 0), &cases[0].flows, true);
    assert!(text.contains("icmp.csum=0x1234"), "{text}");
    assert!(text.contains("udp.csum=0x0001"), "{text}");
    assert!(text.contains("ttl=64"), "other numbers stay decimal: {text}");
    let again = ok(&case(&format!("  - wan: {}\n", text.replace("=auto", "=*"))));
    assert_eq!(field(step_packet(&again[0], 0), Field::IcmpCsum), Some(&int(0x1234)));
}

#[test]
fn a_capability_word_means_the_same_in_requires_and_in_a_testbeds_capabilities() {
    let testbed = |words: &str| {
        let text = format!(
            "lan:\n  gateway: {{ipv4: 192.168.0.1}}\nwan:\n  gateway: {{ipv4: 203.0.113.2}}\ncapabilities: [{words}]\n"
        );
        Testbed::from_source(&source("tb.yaml", text))
    };
    let requiring = |words: &str| format!("case: t.c\ntitle: C\nrequires: [{words}]\nsteps:\n  - note: n\n");
    for c in Capability::ALL {
        let tb = testbed(c.name()).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(tb.capabilities.into_iter().collect::<Vec<_>>(), [c]);
        let cases = ok(&requiring(c.name()));
        assert!(cases[0].needs.contains(&c), "{c:?}");
    }
    let in_testbed = testbed("ipv7").unwrap_err();
    let in_case = compile(&requiring("ipv7")).diagnostics;
    let said = |d: &[dsl::diag::Diagnostic]| {
        d.iter()
            .map(|d| (d.message.clone(), d.label.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(said(&in_testbed), said(&in_case));
    assert!(in_case[0].message.contains("did you mean `ipv4`"), "{in_case:?}");
}
