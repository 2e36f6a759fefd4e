use std::time::Instant;
#[path = "../benches/compile.rs"]
#[allow(dead_code)]
mod b;
fn main() {
    let f = dsl::source::SourceFile::new(std::path::Path::new("t.yaml"), b::TYPICAL);
    let tb = dsl::Testbed::builtin();
    let n = 5000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(dsl::yaml::parse(&f).unwrap());
    }
    println!("yaml tree: {:?}/case", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(dsl::compile(&f, &tb));
    }
    println!("compile total: {:?}/case", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(raw_events(b::TYPICAL));
    }
    println!("raw granit events: {:?}/case", t.elapsed() / n);
    let sents: Vec<&str> = b::TYPICAL
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .strip_prefix("- lan: ")
                .or(l.trim_start().strip_prefix("- wan: "))
        })
        .collect();
    let t = Instant::now();
    for _ in 0..n {
        for s in &sents {
            std::hint::black_box(dsl::sentence::parse_step(s, &dsl::sentence::Offset(0)).ok());
        }
    }
    println!("pest sentences: {:?}/case ({} sentences)", t.elapsed() / n, sents.len());
    let t = Instant::now();
    for _ in 0..n {
        for s in &sents {
            std::hint::black_box(dsl::sentence::grammar_only(s));
        }
    }
    println!("pest grammar only: {:?}/case", t.elapsed() / n);
    for s in &sents {
        let t = Instant::now();
        for _ in 0..2000 {
            std::hint::black_box(dsl::sentence::grammar_only(s));
        }
        println!("{:>8.2?} {s}", t.elapsed() / 2000);
    }
}
#[allow(dead_code)]
fn raw_events(text: &str) -> usize {
    let mut p = serde_saphyr::granit_parser::Parser::new_from_str(text);
    let mut n = 0;
    while let Some(Ok(_)) = p.next_event() {
        n += 1;
    }
    n
}
