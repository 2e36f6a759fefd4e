//! Hostile case and testbed files through the CLI as a user meets them: a 10 MB case file,
//! 100,000 steps, deep nesting, huge numbers, long strings, and testbed files that lie. Each is
//! exit 2 with a `file:line:col` message, and never a panic or a flood of output.
//! (The parser-level property run over thousands of mutated files is `dsl/tests/robustness.rs`.)

mod common;
use common::*;

fn longest_line(text: &str) -> usize {
    text.lines().map(str::len).max().unwrap_or(0)
}

/// `gatecheck check ARGS` with `file` (named `name`, holding `text`) ends with exit 2, a message
/// at `name:position`, no panic, and bounded output.
fn rejected_with(args: &[&str], name: &str, text: &str, position: &str) -> Run {
    let tmp = scratch("hostile");
    let path = tmp.path().join(name);
    std::fs::write(&path, text).unwrap();
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "FILE" { path.to_str().unwrap() } else { a })
        .collect();
    let r = gatecheck(&args);
    assert_eq!(r.code, 2, "{name}: {}", &r.stderr[..r.stderr.len().min(2000)]);
    assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    let at = format!("{name}:{position}");
    assert!(
        r.stderr.contains(&at),
        "{name}: no `{at}` in\n{}",
        &r.stderr[..r.stderr.len().min(3000)]
    );
    // Bounded: at most 50 diagnostics are shown, each quoting only its own lines.
    assert!(
        r.stderr.len() < 200_000 + 2 * text.len().min(50 * longest_line(text)),
        "{name}: {} bytes of diagnostics",
        r.stderr.len()
    );
    r
}

/// A case file `gatecheck check` must reject (see [`rejected_with`]).
fn rejected(name: &str, text: &str, position: &str) -> Run {
    rejected_with(&["check", "FILE"], name, text, position)
}

#[test]
fn huge_case_files_are_positioned_errors() {
    // 10 MB: a payload far larger than any frame, then a mistake after it.
    let big = format!(
        "case: h.big\ntitle: big\nsteps:\n  - lan: udp lan:1 -> wan:2 data \"{}\"\n  - lan: udp lan:1 -> wan:2 ttl=300\n",
        "x".repeat(10 << 20)
    );
    rejected("big.yaml", &big, "5:");
    // 100,000 good steps and one bad one at the end.
    let mut many = String::from("case: h.many\ntitle: many\nsteps:\n");
    for i in 0..100_000 {
        many.push_str(&format!("  - note: step {i}\n"));
    }
    many.push_str("  - lan: udp lan:1 -> wan:2 ttl=999\n");
    rejected("many.yaml", &many, "100004:");
    // 100,000 bad steps: every one is an error, a bounded number is shown.
    let mut bad = String::from("case: h.bad\ntitle: bad\nsteps:\n");
    for _ in 0..100_000 {
        bad.push_str("  - lan: udp lan:1 -> wan:2 ttl=999\n");
    }
    let r = rejected("bad.yaml", &bad, "4:");
    assert!(
        r.stderr.contains("more diagnostics"),
        "{}",
        &r.stderr[r.stderr.len().saturating_sub(500)..]
    );
}

#[test]
fn deep_long_and_huge_values_are_positioned_errors() {
    rejected(
        "deep.yaml",
        &format!("case: h.deep\ntitle: {}\n", "[".repeat(100_000)),
        "2:",
    );
    rejected(
        "nested.yaml",
        &format!("case: h.nested\ntitle: t\nsteps:\n{}", "  - ".repeat(10_000)),
        "4:",
    );
    rejected(
        "number.yaml",
        &format!(
            "case: h.num\ntitle: t\nsteps:\n  - lan: udp lan:1 -> wan:2 ttl={}\n",
            "9".repeat(100_000)
        ),
        "4:",
    );
    rejected(
        "duration.yaml",
        &format!("case: h.dur\ntitle: t\nsteps:\n  - wait: {}s\n", "9".repeat(1_000)),
        "4:",
    );
    rejected(
        "name.yaml",
        &format!(
            "case: h.name\ntitle: t\nsteps:\n  - lan: udp ${} -> wan:2\n",
            "v".repeat(1 << 20)
        ),
        "4:",
    );
    rejected(
        "id.yaml",
        &format!("case: \"{}\"\ntitle: t\nsteps:\n  - note: x\n", "é".repeat(100_000)),
        "1:",
    );
}

#[test]
fn testbed_files_that_lie_are_positioned_errors() {
    let good = std::fs::read_to_string(root().join("tests/testbeds/netns_lab.yaml")).unwrap();
    let lies = [
        ("mac.yaml", good.replace("02:00:00:00:01:01", "02:00:00:00:01"), "6:"),
        ("prefix.yaml", good.replace("192.168.0.1/24", "192.168.0.1/99"), "6:"),
        ("addr.yaml", good.replace("203.0.113.3/24", "203.0.113.300/24"), "14:"),
        ("v6.yaml", good.replace("3fff:0:0:1::1/64", "3fff::1::1/64"), "6:"),
        (
            "key.yaml",
            good.replace("  hosts:\n    lan:", "  hosts:\n    lan: 7\n    lan3:"),
            "8:",
        ),
        (
            "huge.yaml",
            good.replace("interface: tlan", &format!("interface: {}", "t".repeat(1 << 20))),
            "5:",
        ),
        ("deep.yaml", format!("lan: {}", "[".repeat(50_000)), "1:"),
    ];
    for (name, text, position) in lies {
        rejected_with(&["check", "cases/tfo/", "--testbed", "FILE"], name, &text, position);
    }
}
