//! The JSON Schema of case files, for editors (yaml-language-server completes and validates with
//! it). Built from the same key lists the compiler uses, so the two cannot drift apart.

use serde_json::{Value, json};

const DURATION: &str = r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?([0-9]+(\.[0-9]+)?us)?$|^([0-9]+h)?([0-9]+m)?([0-9]+(\.[0-9]+)?s)$|^([0-9]+h)?([0-9]+(\.[0-9]+)?m)$|^[0-9]+(\.[0-9]+)?h$|^([0-9]+h)?([0-9]+m)?([0-9]+s)?[0-9]+(\.[0-9]+)?ms$";

fn duration(desc: &str) -> Value {
    json!({"type": "string", "pattern": DURATION, "description": desc})
}

fn sentence(desc: &str) -> Value {
    json!({"type": "string", "description": desc})
}

/// The JSON Schema (draft 2020-12) of a case file.
pub fn case_schema() -> Value {
    let text_value = json!({"type": ["string", "number", "boolean"]});
    let one_of: Vec<Value> = ["lan", "wan", "wait", "note", "set"]
        .iter()
        .map(|a| json!({"required": [a]}))
        .collect();
    let step = json!({
        "type": "object",
        "description": "One step: exactly one action (lan, wan, wait, note, set) and optional modifiers.",
        "additionalProperties": false,
        "properties": {
            "lan": sentence("A packet an emulated LAN host sends, or `expect ...` on the LAN side."),
            "wan": sentence("A packet an emulated WAN host sends, or `expect ...` on the WAN side."),
            "wait": duration("Let time pass (virtual on the simulated gateway)."),
            "note": {"type": "string", "description": "An annotation in the capture and the report."},
            "set": {"type": "object", "description": "Bind (value) or unbind (null) variables.",
                     "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
            "why": {"type": "string", "description": "What a failure of this step means (shown when it fails)."},
            "name": {"type": "string", "description": "A label for reports."},
            "severity": {"enum": ["warn", "fail"], "description": "`warn`: a failure is a warning and the case goes on."}
        },
        "oneOf": one_of
    });
    let mut props = serde_json::Map::new();
    let entries: Vec<(&str, Value)> = vec![
        (
            "case",
            json!({"type": "string", "pattern": "^[a-z0-9_.-]+$", "description": "Stable id, unique in a run; the JUnit test case name."}),
        ),
        ("title", json!({"type": "string", "description": "One line."})),
        ("description", json!({"type": "string", "description": "Free text."})),
        (
            "tags",
            json!({"type": "array", "items": {"type": "string"}, "description": "Words for --tag / --skip-tag; `slow` marks real-time waits of minutes."}),
        ),
        (
            "refs",
            json!({"type": "array", "items": {"type": "string"}, "description": "Requirements checked (RFC sections, tickets)."}),
        ),
        (
            "requires",
            json!({"type": "array", "items": {"enum": crate::plan::Capability::ALL.map(crate::plan::Capability::name)}, "description": "Capabilities the testbed must have."}),
        ),
        ("within", duration("Default window of expect steps (default 1s).")),
        (
            "timeout",
            duration("Bound on the time spent outside wait steps (default 60s)."),
        ),
        (
            "strict",
            json!({"type": "boolean", "description": "Unexpected frames fail the case."}),
        ),
        (
            "vars",
            json!({"type": "object", "additionalProperties": text_value, "description": "name -> value (text, parsed where used), referenced as $name."}),
        ),
        (
            "flows",
            json!({"type": "object", "additionalProperties": {"type": "string"}, "description": "name -> flow sentence: PROTO CLIENT[:PORT] -> SERVER[:PORT]."}),
        ),
        (
            "matrix",
            json!({"type": "object", "additionalProperties": {"type": "array", "items": text_value, "minItems": 1}, "description": "var -> list of values: one run per combination."}),
        ),
        (
            "steps",
            json!({"type": "array", "minItems": 1, "items": step, "description": "The steps, numbered from 1."}),
        ),
    ];
    for (k, v) in entries {
        props.insert(k.to_string(), v);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://gatecheck.dev/schema/case.json",
        "title": "gatecheck case",
        "description": "A gatecheck test case: packets emulated hosts send into a gateway and what must come out.",
        "type": "object",
        "additionalProperties": false,
        "required": ["case", "title", "steps"],
        "properties": props
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys_are_the_compilers_keys() {
        let s = case_schema();
        let mut keys: Vec<&str> = s["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected: Vec<&str> = crate::compile::CASE_KEYS.to_vec();
        keys.sort();
        expected.sort();
        assert_eq!(keys, expected);
    }
}
