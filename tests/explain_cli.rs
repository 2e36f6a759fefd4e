//! `gatecheck explain`, `list` and `schema` as a user runs them.

mod common;
use common::*;

#[test]
fn explain_of_every_library_case_is_stable() {
    // Each case's explanation is compared to its snapshot, and every mismatch is reported.
    insta::glob!("../cases", "**/*.yaml", |path| {
        let f = relative(path);
        let r = gatecheck(&["explain", &f]);
        let name = f
            .trim_start_matches("cases/")
            .trim_end_matches(".yaml")
            .replace('/', "__");
        snapshot_per_file("snapshots/explain").bind(|| insta::assert_snapshot!(name, r.stdout));
        assert_eq!(r.code, 0, "{f}: {}", r.stderr);
    });
}

#[test]
fn explain_numbers_the_eight_tfo_steps_with_relative_sequence_numbers() {
    let r = gatecheck(&["explain", "cases/tfo/cookie_then_data.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let steps: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(steps.len(), 8, "{}", r.stdout);
    for (i, l) in steps.iter().enumerate() {
        assert!(
            l.trim_start().starts_with(&format!("{} ", i + 1)),
            "step {} is numbered wrong: {l}",
            i + 1
        );
    }
    // Step 3: the server's SYN-ACK written relative to both ISNs, sent to the learned mapping.
    assert!(
        steps[2].contains("seq=0 ack=1") && steps[2].contains("gw:$first.port"),
        "{}",
        steps[2]
    );
    assert!(steps[0].contains("[seq/ack relative]"), "{}", steps[0]);
}

#[test]
fn list_selects_by_tag_and_renders_each_format() {
    let r = gatecheck(&["list", "cases/", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"tfo.cookie_then_data"));
    let r = gatecheck(&["list", "cases/", "--tag", "no-such-tag", "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let r = gatecheck(&["list", "cases/", "--format", "markdown"]);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("| `tfo.cookie_then_data` |")),
        "{}",
        r.stdout
    );
}

#[test]
fn schema_describes_every_key_the_compiler_accepts() {
    let r = gatecheck(&["schema"]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let props = v["properties"].as_object().unwrap();
    for key in dsl::compile::CASE_KEYS {
        assert!(props.contains_key(*key), "schema lacks `{key}`");
    }
    // Every top-level key used by the library is in the schema, and the required ones are there.
    for f in yaml_files("cases") {
        let text = std::fs::read_to_string(root().join(&f)).unwrap();
        for line in text
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '-']) && l.contains(':'))
        {
            let key = line.split(':').next().unwrap();
            assert!(props.contains_key(key), "{f}: `{key}` is not in the schema");
        }
    }
    assert_eq!(v["required"], serde_json::json!(["case", "title", "steps"]));
}

#[test]
fn docs_cases_md_is_the_current_list_of_the_library() {
    let r = gatecheck(&["list", "cases/", "--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = std::fs::read_to_string(root().join("docs/cases.md")).unwrap();
    assert!(
        doc.ends_with(&r.stdout),
        "docs/cases.md is stale: regenerate it with `gatecheck list cases/ --format markdown` (keep the header)"
    );
}
