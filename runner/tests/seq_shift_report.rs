//! What a failure report says about a gateway that shifts sequence numbers (docs/language.md §4):
//! the shift it states is the gateway's, learned exactly from a SYN, never the distance to
//! whichever segment happened to be the nearest candidate.

mod common;
use common::{compile_body, run_case_on_sim};
use runner::result::Verdict;

/// A handshake through the gateway; the WAN side learns the gateway's shift on the client's SYN.
const HANDSHAKE: &str = "  - lan: web S
  - wan: expect web S
  - wan: web S.
  - lan: expect web S.
";

fn seq_rows(r: &runner::result::CaseResult) -> Vec<String> {
    let f = r.failure.as_ref().expect("a failure");
    f.candidates
        .iter()
        .flat_map(|c| c.rows.iter())
        .filter(|row| row.what == "seq" && !row.ok)
        .map(|row| row.observed.clone())
        .collect()
}

fn run(steps: &str) -> runner::result::CaseResult {
    let case = compile_body(&format!("flows:\n  web: tcp lan:40000 -> wan:80\nsteps:\n{steps}"));
    run_case_on_sim(&case, "isn-rewrite")
}

#[test]
fn the_shift_of_a_later_segment_is_the_one_seen_on_the_syn() {
    // Two data segments go out; the expect asks for the second one at the first one's relative
    // number. Whichever segment is the nearest candidate, the report names the gateway's shift.
    let r = run(&format!(
        "{HANDSHAKE}  - lan: web . data len 1000\n  - lan: web . data len 1000\n  - wan: expect web . seq=1 data len 1000\n  - wan: expect web . seq=1 data len 1000\n"
    ));
    assert_eq!(r.verdict, Verdict::Fail);
    let rows = seq_rows(&r);
    assert!(!rows.is_empty());
    for observed in rows {
        assert!(observed.contains("+100000"), "{observed}");
    }
}
