//! `gatecheck check` as a user runs it: the case library compiles, and every malformed file of
//! `tests/bad/` is rejected with exit code 2 and a positioned message (snapshotted exactly).

mod common;
use common::*;

#[test]
fn the_case_library_compiles() {
    let r = gatecheck(&["check", "cases/"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("ok: "), "{}", r.stdout);
}

#[test]
fn files_with_bom_and_crlf_compile() {
    let r = gatecheck(&["check", "tests/good/"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn every_malformed_file_is_rejected_with_its_exact_message() {
    let mut files = 0;
    // Each file's message is compared to its snapshot, and every mismatch is reported.
    insta::glob!("bad/*.yaml", |path| {
        files += 1;
        let f = relative(path);
        let r = gatecheck(&["check", &f]);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        snapshot_per_file("snapshots/bad").bind(|| insta::assert_snapshot!(name, r.stderr));
        assert_eq!(r.code, 2, "{f} should be rejected:\n{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&format!("{f}:")),
            "{f}: the message names no position:\n{}",
            r.stderr
        );
    });
    assert!(files >= 40, "the corpus has {files} files");
}

#[test]
fn a_wrong_flag_letter_in_the_tfo_example_points_at_it() {
    let text = std::fs::read_to_string(root().join("cases/tfo/cookie_then_data.yaml")).unwrap();
    let broken = text.replacen("first S seq=0", "first Z seq=0", 1);
    let (line_no, line) = broken.lines().enumerate().find(|(_, l)| l.contains("first Z")).unwrap();
    let col = line.find('Z').unwrap() + 1;
    let tmp = scratch("flag-letter");
    let path = tmp.path().join("cookie_then_data.yaml");
    std::fs::write(&path, broken).unwrap();
    let r = gatecheck(&["check", path.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    let want = format!("cookie_then_data.yaml:{}:{col}", line_no + 1);
    assert!(r.stderr.contains(&want), "expected {want} in:\n{}", r.stderr);
    assert_eq!(
        r.stderr.matches("error:").count(),
        2,
        "one error and the summary:\n{}",
        r.stderr
    );
}

#[test]
fn duplicate_case_ids_across_files_name_both_files() {
    let r = gatecheck(&["check", "tests/dup_ids/"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("tests/dup_ids/b.yaml:2:7"), "{}", r.stderr);
    assert!(r.stderr.contains("tests/dup_ids/a.yaml:2:7"), "{}", r.stderr);
}
