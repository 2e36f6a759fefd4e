//! What the compiler tells the author: errors whose advice, written back, compiles to what was
//! meant; errors and warnings at the place that needs changing.

mod support;

use dsl::plan::*;
use std::time::Duration;
use support::*;

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
