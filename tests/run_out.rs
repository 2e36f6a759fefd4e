//! The output folder of `gatecheck run` (`--out`): each run's folder holds that run's reports
//! only, gatecheck removes nothing it did not write, and a bundle rerun keeps its bundle
//! (docs/language.md §8).

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// The names in a folder, sorted (none when it does not exist).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `gatecheck run PATH --gateway GATEWAY --out OUT` from the repository root.
fn run(path: &str, gateway: &str, out: &Path) -> Run {
    gatecheck(&["run", path, "--gateway", gateway, "--out", out.to_str().unwrap()])
}

#[test]
fn a_second_run_with_fewer_failures_leaves_no_report_of_the_first() {
    let tmp = scratch("second-run");
    let out = tmp.path().join("out");
    let first = run("cases/tfo/", "sim:syn-data-drop", &out);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(names(&out.join("repro")).len() > 1, "{:?}", names(&out.join("repro")));

    let second = run("cases/tfo/cookie_then_data.yaml", "sim:syn-data-drop", &out);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert_eq!(names(&out.join("captures")), ["tfo.cookie_then_data.pcapng"]);
    assert_eq!(names(&out.join("repro")), ["tfo.cookie_then_data"]);
    let v = junit_verdicts(&std::fs::read_to_string(out.join("junit.xml")).unwrap());
    assert_eq!(v.keys().collect::<Vec<_>>(), ["tfo.cookie_then_data"]);

    // A passing run leaves its JUnit file only.
    let third = run("cases/tfo/", "sim", &out);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(names(&out), [".gatecheck-out", "junit.xml"]);
}

#[test]
fn a_folder_holding_a_file_gatecheck_did_not_write_is_refused_and_the_file_survives() {
    let tmp = scratch("foreign");
    let dir = tmp.path();
    std::fs::write(dir.join("notes.txt"), "my notes").unwrap();
    let r = run("cases/tfo/", "sim:syn-data-drop", dir);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("notes.txt") && r.stderr.contains("pick a new or empty folder"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "nothing ran: {}", r.stdout);
    assert_eq!(names(dir), ["notes.txt"]);
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "my notes");
}

#[test]
fn an_output_folder_written_before_the_marker_is_still_gatecheck_s() {
    let tmp = scratch("unmarked");
    let out = tmp.path().join("out");
    assert_eq!(run("cases/tfo/", "sim:syn-data-drop", &out).code, 1);
    std::fs::remove_file(out.join(".gatecheck-out")).unwrap();
    let r = run("cases/tfo/", "sim", &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(names(&out), [".gatecheck-out", "junit.xml"]);
}

#[test]
fn in_its_own_folder_gatecheck_removes_only_what_it_wrote() {
    let tmp = scratch("kept");
    let out = tmp.path().join("out");
    assert_eq!(run("cases/tfo/", "sim:syn-data-drop", &out).code, 1);
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let annotated = out.join("repro/tfo.cookie_then_data");
    std::fs::write(annotated.join("vendor-reply.txt"), "seen").unwrap();
    let r = run("cases/tfo/", "sim", &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("notes.txt"), "what is left is named: {}", r.stderr);
    assert_eq!(names(&out), [".gatecheck-out", "junit.xml", "notes.txt", "repro"]);
    assert_eq!(names(&out.join("repro")), ["tfo.cookie_then_data"]);
    assert!(annotated.join("vendor-reply.txt").is_file() && annotated.join("repro.txt").is_file());
}

#[test]
fn a_bundle_rerun_keeps_the_bundle_and_reports_beside_it() {
    let tmp = scratch("rerun");
    let dir = tmp.path();
    let case = root().join("cases/tfo/cookie_then_data.yaml");
    let first = gatecheck_in(dir, &["run", case.to_str().unwrap(), "--gateway", "sim:syn-data-drop"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let bundle = PathBuf::from("gatecheck-out/repro/tfo.cookie_then_data");
    let bundled_case = dir.join(&bundle).join("case/cookie_then_data.yaml");
    let original = std::fs::read(&case).unwrap();
    assert_eq!(std::fs::read(&bundled_case).unwrap(), original);

    // The command the bundle's README gives, from the same folder.
    let rerun = gatecheck_in(dir, &["run", bundle.to_str().unwrap()]);
    assert_eq!(rerun.code, 1, "{}", rerun.stderr);
    assert_eq!(std::fs::read(&bundled_case).unwrap(), original, "the bundle is intact");
    let v = junit_verdicts(&std::fs::read_to_string(dir.join("gatecheck-rerun/junit.xml")).unwrap());
    assert_eq!(v["tfo.cookie_then_data"], ("fail".to_string(), Some(8)));

    // Asked to write over the folder that holds the bundle, the run refuses.
    let over = gatecheck_in(dir, &["run", bundle.to_str().unwrap(), "--out", "gatecheck-out"]);
    assert_eq!(over.code, 2, "{}", over.stderr);
    assert!(over.stderr.contains("which this run reads"), "{}", over.stderr);
    assert_eq!(std::fs::read(&bundled_case).unwrap(), original, "the bundle is intact");
}

#[test]
fn a_file_where_the_folder_should_be_is_refused() {
    let tmp = scratch("out-file");
    let dir = tmp.path();
    let file = dir.join("out");
    std::fs::write(&file, "a file").unwrap();
    let r = run("cases/tfo/", "sim", &file);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a folder"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a file");
}
