//! `gatecheck list PATHS [--tag T] [--format text|json|markdown]`.

use super::exit::{EXIT_OK, EXIT_USAGE};
use super::output::Output;
use dsl::plan::Case;
use std::path::PathBuf;

/// Lists the cases (each case file once, not each matrix variant).
pub fn run(out: &Output, paths: &[PathBuf], tags: &[String], format: &str) -> u8 {
    let loaded = match dsl::load(paths, &dsl::Testbed::builtin()) {
        Ok(l) => l,
        Err(e) => {
            out.error(&e.to_string());
            return EXIT_USAGE;
        }
    };
    if loaded.has_errors() {
        out.diagnostics(&loaded);
        return EXIT_USAGE;
    }
    let mut cases: Vec<&Case> = Vec::new();
    for c in loaded.cases() {
        if cases.iter().any(|k| k.base_id == c.base_id) {
            continue;
        }
        if tags.is_empty() || c.tags.iter().any(|t| tags.contains(t)) {
            cases.push(c);
        }
    }
    let variants = |id: &str| loaded.cases().filter(|c| c.base_id == id).count();
    let counted: Vec<(&Case, usize)> = cases.iter().map(|c| (*c, variants(&c.base_id))).collect();
    out.stdout(&render(&counted, format));
    EXIT_OK
}

/// Renders the list in a format.
pub fn render(cases: &[(&Case, usize)], format: &str) -> String {
    match format {
        "json" => {
            let v: Vec<serde_json::Value> = cases
                .iter()
                .map(|(c, n)| {
                    serde_json::json!({
                        "id": c.base_id,
                        "title": c.title,
                        "tags": c.tags,
                        "refs": c.refs,
                        "file": c.location.file.display().to_string(),
                        "variants": n,
                    })
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        "markdown" => {
            let mut s = String::from("| id | title | refs | tags |\n|---|---|---|---|\n");
            for (c, _) in cases {
                let esc = |t: &str| t.replace('|', "\\|");
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    c.base_id,
                    esc(&c.title),
                    esc(&c.refs.join(", ")),
                    c.tags.join(", ")
                ));
            }
            s
        }
        _ => {
            let w = cases.iter().map(|(c, _)| c.base_id.len()).max().unwrap_or(0);
            let mut s = String::new();
            for (c, _) in cases {
                s.push_str(&format!("{:<w$}  {}\n", c.base_id, c.title));
                if !c.tags.is_empty() {
                    s.push_str(&format!("{:<w$}  tags: {}\n", "", c.tags.join(", ")));
                }
                if !c.refs.is_empty() {
                    s.push_str(&format!("{:<w$}  refs: {}\n", "", c.refs.join("; ")));
                }
            }
            s
        }
    }
}
