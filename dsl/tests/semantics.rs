//! Properties of the language as compiled: what a case means, not how it is printed.

mod support;

use dsl::plan::*;
use dsl::testbed::Testbed;
use std::path::Path;
use std::time::Duration;
use support::*;

/// A case with three flows (`web`, `web6`, `ping`) and these steps.
fn case(steps: &str) -> String {
    format!(
        "case: t.x\ntitle: T\nflows:\n  web: tcp lan:40000 -> wan:80\n  web6: tcp6 lan:40000 -> wan:80\n  ping: icmp lan -> wan id=7\nsteps:\n{steps}"
    )
}

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

/// The letters an error's label tells to write (`write `S.``).
fn advice(d: &dsl::diag::Diagnostic) -> &str {
    d.label
        .strip_prefix("write `")
        .and_then(|l| l.strip_suffix('`'))
        .unwrap_or_else(|| panic!("no advice in {d:?}"))
}

#[test]
fn tcp_flags_spelt_by_name_are_errors_whose_advice_means_the_same_flags() {
    for (spelling, bits) in [
        ("SYN", 0x02),
        ("ACK", 0x10),
        ("SA", 0x12),
        ("SYNACK", 0x12),
        ("SYN-ACK", 0x12),
        ("SYN/ACK", 0x12),
        ("[SYN, ACK]", 0x12),
        ("SYN ACK", 0x12),
        ("syn", 0x02),
        ("[S.]", 0x12),
        ("PSH,ACK", 0x18),
        ("FA", 0x11),
        ("RA", 0x14),
        ("RST", 0x04),
    ] {
        let d = first_error(&case(&format!("  - lan: expect tcp * -> lan {spelling}\n")));
        assert_eq!(
            d.span.range().len(),
            spelling.len(),
            "{spelling}: the error covers the whole spelling: {d:?}"
        );
        let cases = ok(&case(&format!("  - lan: expect tcp * -> lan {}\n", advice(&d))));
        assert_eq!(step_packet(&cases[0], 0).flags, Some(bits), "{spelling}");
        let d = first_error(&case(&format!("  - lan: expect tcp * -> lan flags has {spelling}\n")));
        let cases = ok(&case(&format!(
            "  - lan: expect tcp * -> lan flags has {}\n",
            advice(&d)
        )));
        assert_eq!(step_packet(&cases[0], 0).flags_has, bits, "flags has {spelling}");
    }
    // A letter that is nobody's flag keeps its own error.
    assert!(errors(&case("  - lan: tcp lan:1 -> wan:80 SZ\n"))[0].contains("unknown TCP flag `Z`"));
}

#[test]
fn option_and_field_names_of_other_tools_are_errors_whose_advice_compiles() {
    for (written, kind) in [("sack-perm", 4u8), ("SACK_PERM", 4), ("sackpermitted", 4), ("noop", 1)] {
        let d = first_error(&case(&format!("  - lan: expect tcp * -> lan S has <{written}>\n")));
        let cases = ok(&case(&format!("  - lan: expect tcp * -> lan S has <{}>\n", advice(&d))));
        let has = &step_packet(&cases[0], 0).has_options;
        assert_eq!(has.len(), 1, "{written}");
        assert_eq!(has[0].kind(), kind, "{written}");
    }
    let d = first_error(&case("  - lan: expect tcp * -> lan S has <timestamp>\n"));
    assert_eq!(advice(&d), "ts val N ecr N");
    for (sentence, written, field) in [
        ("tcp6 lan:1 -> wan:80 S", "hoplimit", Field::Hlim),
        ("tcp6 lan:1 -> wan:80 S", "hop_limit", Field::Hlim),
        ("tcp6 lan:1 -> wan:80 S", "hop-limit", Field::Hlim),
        ("tcp lan:1 -> wan:80 S", "dsfield", Field::Tos),
        ("tcp6 lan:1 -> wan:80 S", "traffic-class", Field::Tos),
        ("tcp6 lan:1 -> wan:80 S", "tclass", Field::Tos),
        ("tcp lan:1 -> wan:80 S", "ip.dsfield.dscp", Field::Dscp),
        ("tcp lan:1 -> wan:80 S", "tcp.window_size", Field::Win),
        ("udp lan:1 -> wan:80", "ip.checksum", Field::IpCsum),
    ] {
        let d = first_error(&case(&format!("  - lan: {sentence} {written}=3\n")));
        assert_eq!(d.span.range().len(), written.len(), "{written}: {d:?}");
        let cases = ok(&case(&format!("  - lan: {sentence} {}=3\n", advice(&d))));
        assert!(
            step_packet(&cases[0], 0)
                .fields
                .iter()
                .any(|t| t.field == field && !t.default),
            "{written}"
        );
    }
    let d = first_error(&case("  - lan: expect tcp * -> lan tcp.flags.syn=1\n"));
    assert_eq!(
        step_packet(
            &ok(&case(&format!("  - lan: expect tcp * -> lan {}\n", advice(&d))))[0],
            0
        )
        .flags_has,
        0x02
    );
}

#[test]
fn a_window_on_a_send_is_an_error_at_the_keyword_that_sends_it_to_the_expect() {
    for (sentence, keyword) in [
        ("udp lan:5000 -> wan:53 data \"x\" within 1s", "within"),
        ("tcp lan:1 -> wan:80 S within 500ms", "within"),
        ("udp lan:5000 -> wan:53 after 1s", "after"),
    ] {
        let text = case(&format!("  - lan: {sentence}\n"));
        let d = first_error(&text);
        assert_eq!(&text[d.span.range()], keyword, "{sentence}");
        assert!(
            d.notes.iter().all(|n| !n.contains(&format!("{keyword}="))),
            "{sentence}: a window is not a field: {d:?}"
        );
        assert!(d.notes.iter().any(|n| n.contains("expect")), "{d:?}");
    }
}

#[test]
fn a_reserved_name_gets_a_hint_and_its_uses_raise_no_more_errors() {
    let file = "case: t.x\ntitle: T\nmatrix:\n  port: [\"53\", \"123\"]\nvars:\n  ttl: \"9\"\nsteps:\n  - set: {proto: \"17\"}\n  - lan: udp lan:5000 -> wan:$port ttl=$ttl proto=$proto\n";
    let c = compile(file);
    let errs: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errs.len(), 3, "one error per rejected name: {errs:#?}");
    for d in errs {
        assert!(d.notes.iter().any(|n| n.starts_with("help:")), "{d:?}");
    }
    let port = first_error(file);
    assert!(port.notes.iter().any(|n| n.contains("`dport`")), "{port:?}");
}

#[test]
fn errors_in_the_header_do_not_hide_errors_in_the_steps() {
    for header in [
        "case: Bad Id\ntitle: T\n",
        "case: t.x\ntitel: T\n",
        "case: t.x\ntitle: T\nwithin: 5x\n",
        "case: t.x\ntitle: |\n  two\n  lines\n",
        "case: t.x\ntitle: T\nstrict: maybe\n",
    ] {
        let c = compile(&format!(
            "{header}steps:\n  - lan: udp lan:5000 -> wnn:53\n  - wait: 1y\n"
        ));
        let errs: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errs.len(), 3, "{header}: {errs:#?}");
        assert!(
            errs.windows(2).all(|w| w[0].span.start <= w[1].span.start),
            "sorted: {errs:#?}"
        );
        assert!(c.cases.is_empty());
    }
}

#[test]
fn a_send_from_the_gateway_or_the_other_side_warns_unless_it_cannot_be_an_expect() {
    let warned = |steps: &str| warning_diagnostics(&case(steps));
    for (steps, at) in [
        ("  - wan: udp gw:* -> wan:53\n", "gw"),
        ("  - lan: udp gw.lan:53 -> lan:5000\n", "gw.lan"),
        ("  - lan: udp wan:53 -> lan:5000\n", "wan"),
        ("  - wan: tcp6 lan:40000 -> wan:80 S\n", "lan"),
    ] {
        let text = case(steps);
        let w = warned(steps);
        assert_eq!(w.len(), 1, "{steps}: {w:#?}");
        assert_eq!(&text[w[0].span.range()], at, "{steps}: at the source");
        let expect = steps.replacen(": ", ": expect ", 1);
        assert!(
            w[0].notes
                .iter()
                .any(|n| n.contains(expect.trim().trim_start_matches("- "))),
            "{w:#?}"
        );
        assert!(warned(&expect).is_empty(), "{expect}: the expect it suggests is fine");
    }
    for steps in [
        // Spoofed literals, spoofs that cannot be an expect on that side (LAND, a forged WAN
        // source towards the WAN), flows, and ordinary sends stay quiet.
        "  - wan: udp 198.51.100.7:53 -> gw:5000\n",
        "  - wan: tcp gw:80 -> gw:80 S\n",
        "  - lan: udp wan:5000 -> wan2:53\n",
        "  - lan: web S\n  - wan: expect web S\n  - wan: web S. ack=1\n",
        "  - lan: udp lan:5000 -> wan:53\n  - wan: udp wan:53 -> gw:5000\n",
        "  - wan: icmp unreachable port wan -> gw inner (udp gw:5000 -> wan:53)\n",
    ] {
        assert!(warned(steps).is_empty(), "{steps}: {:#?}", warned(steps));
    }
}

#[test]
fn an_expect_of_a_frame_that_cannot_come_out_on_its_side_warns() {
    for (steps, at) in [
        ("  - lan: expect udp gw:* -> wan:53\n", "wan"),
        ("  - wan: expect udp6 wan:53 -> lan:5000\n", "lan"),
        ("  - lan: expect tcp wan:80 -> wan2:1 S\n", "wan2"),
        ("  - wan: expect udp lan:5000 -> gw.lan:53\n", "gw.lan"),
        ("  - lan: expect icmp echo-request lan -> gw\n", "gw"),
    ] {
        let text = case(steps);
        let w = warning_diagnostics(&text);
        assert_eq!(w.len(), 1, "{steps}: {w:#?}");
        assert_eq!(&text[w[0].span.range()], at, "{steps}: at the destination");
    }
    for steps in [
        "  - wan: expect udp gw:* -> wan:53\n",
        "  - lan: expect udp wan:53 -> lan:5000\n",
        // Hairpinning and a LAN host's untranslated leak can happen; a negative step may assert
        // that the impossible does not happen; ARP and literals are not judged.
        "  - lan: expect udp lan2:5 -> lan:5\n",
        "  - wan: expect udp lan:5000 -> wan:53\n",
        "  - lan: expect no udp * -> wan:53\n",
        "  - lan: expect arp gw.lan -> gw.lan\n",
        "  - lan: expect udp * -> 198.51.100.7:53\n",
        "  - lan: web S\n  - wan: expect web S\n",
    ] {
        assert!(
            warnings(&case(steps)).is_empty(),
            "{steps}: {:#?}",
            warnings(&case(steps))
        );
    }
}

#[test]
fn windows_shorter_than_real_gateways_meet_warn_at_the_duration() {
    use dsl::compile::SHORTEST_REALISTIC_WINDOW;
    let shortest = dsl::duration::format(SHORTEST_REALISTIC_WINDOW);
    let shorter = dsl::duration::format(SHORTEST_REALISTIC_WINDOW - Duration::from_micros(1));
    let send = "  - lan: udp lan:5000 -> wan:53\n";
    for (steps, header, warns) in [
        (
            format!("  - wan: expect udp gw:* -> wan:53 within {shorter}\n"),
            "",
            true,
        ),
        (
            format!("  - wan: expect udp gw:* -> wan:53 within {shortest}\n"),
            "",
            false,
        ),
        (format!("  - wan: expect no tcp * -> wan within {shorter}\n"), "", true),
        (format!("  - lan: expect nothing within {shorter}\n"), "", true),
        ("  - wan: expect udp gw:* -> wan:53\n".into(), "within: 1ms\n", true),
        ("  - wan: expect udp gw:* -> wan:53\n".into(), "within: 10ms\n", false),
    ] {
        let text = format!("case: t.x\ntitle: T\n{header}steps:\n{send}{steps}");
        let w = warning_diagnostics(&text);
        assert_eq!(w.len(), usize::from(warns), "{header}{steps}: {w:#?}");
        if let Some(w) = w.first() {
            let written = &text[w.span.range()];
            assert!(
                dsl::duration::parse(written).unwrap() < SHORTEST_REALISTIC_WINDOW,
                "{written}"
            );
            assert!(
                w.message.contains(&shortest),
                "names the realistic figure: {}",
                w.message
            );
        }
    }
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
