//! Fuzzes the frame path a misbehaving gateway feeds: bytes -> FrameRepr -> View -> the matcher
//! against patterns of every protocol, and the emitted form of what was parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner::engine::env::Env;
use runner::engine::matcher::Matcher;
use std::sync::OnceLock;

/// A case whose expect steps cover TCP with options, UDP, ICMP errors with a quoted packet, IPv6.
const CASE: &str = r#"case: fuzz.frames
title: patterns for the frame fuzzer
flows:
  web: tcp lan:40000 -> wan:80
steps:
  - wan: expect web S has <mss *, sackOK, ts val * ecr *, fo> lacks <wscale>
  - wan: expect udp gw:* -> wan:53 ttl=63 data len 4
  - lan: expect icmp unreachable port wan -> lan inner (udp lan:5000 -> wan:53)
  - wan: expect tcp6 lan:* -> wan:443 S. ecn=ce
  - lan: expect arp
"#;

fn patterns() -> &'static (dsl::Testbed, Vec<(dsl::plan::Side, dsl::plan::PacketSpec)>, usize) {
    static P: OnceLock<(dsl::Testbed, Vec<(dsl::plan::Side, dsl::plan::PacketSpec)>, usize)> = OnceLock::new();
    P.get_or_init(|| {
        let testbed = dsl::Testbed::builtin();
        let file = dsl::source::SourceFile::new(std::path::Path::new("fuzz.yaml"), CASE);
        let case = dsl::compile(&file, &testbed)
            .cases
            .into_iter()
            .next()
            .expect("the fuzz case compiles");
        let flows = case.flows.len();
        let pats = case
            .steps
            .iter()
            .filter_map(|s| match &s.action {
                dsl::plan::Action::Expect { side, pattern, .. } => Some((*side, pattern.clone())),
                _ => None,
            })
            .collect();
        (testbed, pats, flows)
    })
}

fuzz_target!(|data: &[u8]| {
    let frame = runner::codec::FrameRepr::parse(data);
    let view = runner::engine::view::View::of_frame(&frame);
    let _ = runner::engine::matcher::frame_text(&view);
    let _ = frame.to_bytes();
    let (testbed, pats, flows) = patterns();
    let env = Env {
        vars: Default::default(),
        flows: vec![Default::default(); *flows],
        flow_names: vec!["web".into(); *flows],
    };
    for (side, p) in pats {
        let m = Matcher {
            env: &env,
            testbed,
            side: *side,
        }
        .compare(p, &view);
        assert!(m.met <= m.total);
    }
});
