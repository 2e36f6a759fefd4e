//! `vars:` and `matrix:` (docs/language.md §1, §1.1): compile-time values, the variants of a
//! matrix, and the names they may take.

use crate::diag::Diagnostic;
use crate::fields::Record;
use crate::names;
use crate::source::Span;
use crate::yaml::{Node, NodeKind, Scalar};
use std::collections::BTreeSet;

/// Variables with their values: each name, where it is written, and its value.
pub(super) type Entries<'n> = Vec<(String, Span, &'n Scalar)>;

/// The matrix: each variable, where it is written, and its values.
pub(super) type Matrix<'n> = Vec<(String, Span, Vec<&'n Scalar>)>;

/// Whether `name` may name a variable, matrix variable or flow (`what`); if not, reported.
pub(super) fn check_var_name(name: &str, span: Span, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    if matches!(name, "lan" | "lan2" | "wan" | "wan2") {
        diags.push(
            Diagnostic::error(span, format!("`{name}` is a host name and cannot be a {what} name"))
                .with_label("flows, variables and hosts share one namespace"),
        );
        return false;
    }
    if !names::is_valid_name(name) {
        diags.push(
            Diagnostic::error(span, format!("`{name}` is not a valid {what} name"))
                .with_label("names match [a-z][a-z0-9_]*"),
        );
        return false;
    }
    if names::is_reserved(name) {
        diags.push(
            Diagnostic::error(span, format!("`{name}` is a reserved word and cannot be a {what} name"))
                .with_label("reserved word")
                .with_help(names::reserved_help(name, what != "flow")),
        );
        return false;
    }
    true
}

/// `vars:`: names to text values.
pub(super) fn read_vars<'n>(rec: &Record<'n>, diags: &mut Vec<Diagnostic>) -> Entries<'n> {
    let mut out = Vec::new();
    let Some(n) = rec.get("vars") else { return out };
    let NodeKind::Map(pairs) = &n.kind else {
        diags.push(
            Diagnostic::error(
                n.span,
                format!("`vars` must be a mapping of name to value, found {}", n.kind_name()),
            )
            .with_label("expected a mapping"),
        );
        return out;
    };
    for (k, v) in pairs {
        let Some(key) = k.as_scalar() else { continue };
        // A rejected name is still read, so that its uses raise no further errors.
        check_var_name(&key.value, k.span, "variable", diags);
        match v.as_scalar() {
            Some(s) if !s.is_null() => out.push((key.value.clone(), k.span, s)),
            _ => diags.push(
                Diagnostic::error(v.span, format!("the variable `{}` needs a value (text)", key.value))
                    .with_label("expected a value; quote values that start with { [ *"),
            ),
        }
    }
    out
}

/// `matrix:`: names to lists of text values.
pub(super) fn read_matrix<'n>(rec: &Record<'n>, diags: &mut Vec<Diagnostic>) -> Matrix<'n> {
    let mut out = Vec::new();
    let Some(n) = rec.get("matrix") else { return out };
    let NodeKind::Map(pairs) = &n.kind else {
        diags.push(
            Diagnostic::error(
                n.span,
                format!(
                    "`matrix` must be a mapping of variable to a list of values, found {}",
                    n.kind_name()
                ),
            )
            .with_label("expected a mapping"),
        );
        return out;
    };
    for (k, v) in pairs {
        let Some(key) = k.as_scalar() else { continue };
        // A rejected name is still read, so that its uses raise no further errors.
        check_var_name(&key.value, k.span, "matrix variable", diags);
        let NodeKind::Seq(items) = &v.kind else {
            diags.push(
                Diagnostic::error(
                    v.span,
                    format!(
                        "the matrix values of `{}` must be a list, found {}",
                        key.value,
                        v.kind_name()
                    ),
                )
                .with_label("expected a list such as [a, b]"),
            );
            continue;
        };
        if items.is_empty() {
            diags.push(
                Diagnostic::error(v.span, format!("the matrix variable `{}` has no values", key.value))
                    .with_label("empty list"),
            );
            continue;
        }
        let mut vals = Vec::new();
        for i in items {
            match i.as_scalar() {
                Some(s) if !s.is_null() => vals.push(s),
                _ => diags.push(
                    Diagnostic::error(i.span, "a matrix value must be a single value").with_label("expected a value"),
                ),
            }
        }
        out.push((key.value.clone(), k.span, vals));
    }
    out
}

/// Combinations in key order, the first key varying slowest.
pub(super) fn matrix_variants<'n>(matrix: &[(String, Span, Vec<&'n Scalar>)]) -> Vec<Entries<'n>> {
    let mut out: Vec<Entries<'n>> = vec![vec![]];
    for (k, span, vals) in matrix {
        let mut next = Vec::new();
        for prefix in &out {
            for v in vals {
                let mut p = prefix.clone();
                p.push((k.clone(), *span, *v));
                next.push(p);
            }
        }
        out = next;
        if out.len() > super::MAX_VARIANTS {
            break;
        }
    }
    out
}

/// Names that some `set` step assigns (they are not compile-time constants).
pub(super) fn set_targets(steps: &Node) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    if let NodeKind::Seq(items) = &steps.kind {
        for s in items {
            if let NodeKind::Map(pairs) = &s.kind {
                for (k, v) in pairs {
                    if k.as_scalar().is_some_and(|k| k.value == "set") {
                        if let NodeKind::Map(sets) = &v.kind {
                            out.extend(sets.iter().filter_map(|(n, _)| n.as_scalar().map(|s| s.value.as_str())));
                        }
                    }
                }
            }
        }
    }
    out
}
