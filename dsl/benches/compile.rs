//! Parse + compile throughput of a typical 15-step case (goal: 20,000 cases/s on one core),
//! against a baseline in the same run: serde-saphyr parsing the same file into a generic YAML
//! value (the cost of reading the YAML alone). Run: `cargo bench -p gatecheck-dsl`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dsl::source::SourceFile;
use dsl::testbed::Testbed;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

/// A typical case: two flows, 15 steps of sends and expects with options, ICMP and a wait.
pub const TYPICAL: &str = r#"case: bench.typical
title: A typical 15-step case with flows, options, ICMP errors and waits
tags: [tcp, udp, icmp]
refs: ["RFC 5382 REQ-1", "RFC 5508 REQ-4"]
flows:
  web: tcp lan:40000 -> wan:80
  dns: udp lan:5353 -> wan:53
steps:
  - lan: web S seq=0 win=64240 <mss 1460, sackOK, nop, wscale 7, fo>
  - wan: expect web S <mss *, sackOK, nop, wscale 7, fo> within 1s
    why: The gateway dropped the SYN.
  - wan: web S. seq=0 ack=1 <mss 1460, fo 8a3c21f0e1d2c3b4>
  - lan: expect web S. ack=1 has <fo 8a3c21f0e1d2c3b4> within 1s
  - lan: web . seq=1 ack=1
  - wan: expect web . within 1s
  - lan: web P. seq=1 ack=1 data "GET / HTTP/1.1\r\n"
  - wan: expect web P. data "GET / HTTP/1.1\r\n" within 1s
  - lan: dns data 0x1234010000010000
  - wan: expect dns ttl=63 within 1s
  - wan: icmp unreachable port wan -> gw inner (udp gw:$dns.port -> wan:53)
  - lan: expect icmp unreachable port wan -> lan inner (udp lan:5353 -> wan:53) within 1s
  - wait: 30s
  - lan: web F. seq=17 ack=1
  - wan: expect no tcp * -> wan:80 R within 500ms
"#;

pub fn bench(c: &mut Criterion) {
    let tb = Testbed::builtin();
    let file = SourceFile::new(Path::new("typical.yaml"), TYPICAL);
    let check = dsl::compile(&file, &tb);
    assert!(!check.has_errors(), "{:?}", check.diagnostics);
    assert_eq!(check.cases[0].steps.len(), 15);

    let mut g = c.benchmark_group("case");
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline: serde-saphyr to a generic value", |b| {
        b.iter(|| {
            let v: BTreeMap<String, serde_saphyr_value::Any> = serde_saphyr::from_str(black_box(TYPICAL)).unwrap();
            black_box(v)
        })
    });
    g.bench_function("gatecheck: parse + compile", |b| {
        b.iter(|| {
            let f = SourceFile::new(Path::new("typical.yaml"), black_box(TYPICAL));
            black_box(dsl::compile(&f, &tb))
        })
    });
    g.finish();
}

/// A minimal "any YAML value" for the baseline (serde-saphyr has no Value type of its own).
mod serde_saphyr_value {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    /// Any YAML node, kept only as far as a generic value would keep it.
    #[allow(dead_code)]
    pub enum Any {
        Text(String),
        List(Vec<Any>),
        Map(Vec<(String, Any)>),
        Other,
    }

    impl<'de> Deserialize<'de> for Any {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Any;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("any")
                }
                fn visit_str<E>(self, v: &str) -> Result<Any, E> {
                    Ok(Any::Text(v.to_string()))
                }
                fn visit_u64<E>(self, _: u64) -> Result<Any, E> {
                    Ok(Any::Other)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Any, E> {
                    Ok(Any::Other)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Any, E> {
                    Ok(Any::Other)
                }
                fn visit_bool<E>(self, _: bool) -> Result<Any, E> {
                    Ok(Any::Other)
                }
                fn visit_unit<E>(self) -> Result<Any, E> {
                    Ok(Any::Other)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Any, A::Error> {
                    let mut v = Vec::new();
                    while let Some(x) = a.next_element()? {
                        v.push(x);
                    }
                    Ok(Any::List(v))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Any, A::Error> {
                    let mut v = Vec::new();
                    while let Some((k, x)) = a.next_entry::<String, Any>()? {
                        v.push((k, x));
                    }
                    Ok(Any::Map(v))
                }
            }
            d.deserialize_any(V)
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
