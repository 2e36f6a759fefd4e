//! The step list in order (docs/language.md §2), tracking what is bound and observed so far
//! (unbound variables in sends, WAN sends before the mapping is seen, ...).

use super::cx::{Binding, CaseCx, Mode};
use super::header::Header;
use super::packet::Place;
use crate::diag::Diagnostic;
use crate::fields::{self, Record};
use crate::names;
use crate::plan::*;
use crate::sentence::{self, ast};
use crate::source::Span;
use crate::yaml::{Node, NodeKind};
use std::path::PathBuf;
use std::sync::Arc;

const STEP_KEYS: &[&str] = &["lan", "wan", "wait", "note", "set", "why", "name", "severity"];
const ACTIONS: &[&str] = &["lan", "wan", "wait", "note", "set"];

impl CaseCx<'_> {
    /// Compiles the step list.
    pub(crate) fn steps(&mut self, node: &Node, header: &Header, file: &Arc<PathBuf>) -> Option<Vec<Step>> {
        let NodeKind::Seq(items) = &node.kind else {
            self.error(
                node.span,
                format!("`steps` must be a list of steps, found {}", node.kind_name()),
                "expected a list (`- lan: ...`)",
            );
            return None;
        };
        if items.is_empty() {
            self.error(node.span, "a case needs at least one step", "empty list");
            return None;
        }
        let errors_before = self.error_count();
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.step(i + 1, item, header, file) {
                out.push(s);
            }
        }
        (self.error_count() == errors_before).then_some(out)
    }

    /// One step: its one action and the modifiers `why`, `name` and `severity`.
    fn step(&mut self, number: usize, node: &Node, header: &Header, file: &Arc<PathBuf>) -> Option<Step> {
        let rec = Record::read(node, STEP_KEYS, "a step", &mut self.diags)?;
        let action_key = self.action_key(&rec, node)?;
        let value = rec.get(action_key)?;
        let (line, col) = self.file.line_col(value.span.start as usize);
        let location = Location {
            file: file.clone(),
            line,
            col,
        };
        let why = rec
            .get("why")
            .and_then(|n| fields::scalar(n, "a `why` text", &mut self.diags))
            .map(|s| s.value.clone());
        let name = rec
            .get("name")
            .and_then(|n| fields::scalar(n, "a step name", &mut self.diags))
            .map(|s| s.value.clone());
        let severity = rec.get("severity").map_or(StepSeverity::Fail, |n| self.severity(n));
        let text = value
            .as_scalar()
            .map(|s| s.value.clone())
            .unwrap_or_else(|| self.file.slice(value.span).to_string());
        let action = match action_key {
            "lan" => self.side_action(Side::Lan, value, header)?,
            "wan" => self.side_action(Side::Wan, value, header)?,
            "wait" => Action::Wait(fields::duration(value, "`wait`", true, &mut self.diags)?),
            "note" => Action::Note(fields::scalar(value, "a note", &mut self.diags)?.value.clone()),
            "set" => self.set(value)?,
            _ => unreachable!("ACTIONS"),
        };
        if rec.get("severity").is_some()
            && !matches!(
                action,
                Action::Expect { .. } | Action::ExpectNo { .. } | Action::ExpectNothing { .. }
            )
        {
            let at = rec.key_span("severity").unwrap_or(node.span);
            self.warn(at, "`severity` only matters on expect steps (only they can fail)");
        }
        Some(Step {
            number,
            location,
            text,
            name,
            why,
            severity,
            action,
        })
    }

    /// The key of a step's one action (`lan`, `wan`, `wait`, `note` or `set`).
    fn action_key<'n>(&mut self, rec: &Record<'n>, node: &Node) -> Option<&'n str> {
        let actions: Vec<(&str, Span)> = rec.keys().filter(|(k, _)| ACTIONS.contains(k)).collect();
        match actions.as_slice() {
            [] => {
                self.error(
                    node.span,
                    "a step needs one action: `lan:`, `wan:`, `wait:`, `note:` or `set:`",
                    "no action in this step",
                );
                None
            }
            [(one, _)] => Some(one),
            [first, second, ..] => {
                self.push(
                    Diagnostic::error(
                        second.1,
                        format!("two actions in one step: `{}` and `{}`", first.0, second.0),
                    )
                    .with_label("second action")
                    .with_help("write each action as its own list entry (`- ...`)"),
                );
                None
            }
        }
    }

    /// `severity:`: `warn`, or `fail` (the default, also after an error).
    fn severity(&mut self, n: &Node) -> StepSeverity {
        match fields::scalar(n, "a severity", &mut self.diags).map(|s| s.value.as_str()) {
            Some("warn") => StepSeverity::Warn,
            Some("fail") | None => StepSeverity::Fail,
            Some(other) => {
                let hint = names::suggestion(other, ["warn", "fail"]);
                self.error(
                    n.span,
                    format!("unknown severity `{other}`{hint}"),
                    "expected `warn` (or `fail`, the default)",
                );
                StepSeverity::Fail
            }
        }
    }

    /// A `lan:` or `wan:` step: a send, or an expect of one of its kinds.
    fn side_action(&mut self, side: Side, value: &Node, header: &Header) -> Option<Action> {
        let s = fields::scalar(value, "a packet sentence or `expect ...`", &mut self.diags)?;
        let text = s.value.as_str();
        // `expect` followed directly by a window or nothing: no pattern.
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.first() == Some(&"expect") {
            let after_no = if words.get(1) == Some(&"no") { 2 } else { 1 };
            if matches!(words.get(after_no), None | Some(&"within") | Some(&"after")) {
                let kw = text.find("expect").unwrap_or(0);
                let what = if after_no == 2 { "`expect no`" } else { "`expect`" };
                self.push(
                    Diagnostic::error(s.span_of(kw..kw + if after_no == 2 { text.find("no").map_or(6, |i| i + 2 - kw) } else { 6 }), format!("{what} without a pattern"))
                        .with_label("expected a pattern after this")
                        .with_help("write what must (not) come out, e.g. `expect udp gw:* -> wan:53`, or `expect nothing within 2s`"),
                );
                return None;
            }
        }
        let sentence = match sentence::parse_step(text, s) {
            Ok(x) => x,
            Err(d) => {
                self.push(cut_hint(d, s));
                return None;
            }
        };
        self.binding_now.clear();
        let action = match sentence {
            ast::Sentence::Send(p) => {
                let place = Place {
                    side,
                    mode: Mode::Send,
                    inner: false,
                };
                let spec = self.packet(&p, place)?;
                self.flow_send_checks(&p, &spec, side)?;
                self.send_side_warning(side, &spec, &p, text);
                Action::Send { side, packet: spec }
            }
            ast::Sentence::Expect(e) => self.expect(side, e, header, text)?,
        };
        for (name, span) in std::mem::take(&mut self.binding_now) {
            if self.bound.insert(name.clone()) {
                self.bindings.insert(name, Binding { span, used: false });
            }
        }
        Some(action)
    }

    /// Flow sends: a WAN send needs the mapping, an omitted `ack` needs the peer's SYN.
    fn flow_send_checks(&mut self, p: &ast::Packet, spec: &PacketSpec, side: Side) -> Option<()> {
        let Some(id) = spec.flow else { return Some(()) };
        let f = &self.flows[id];
        let name = f.name.clone();
        if side == Side::Wan && f.family == Family::V4 && !self.flow_mapped[id] {
            self.push(
                Diagnostic::error(
                    p.head.span,
                    format!("a WAN send on flow `{name}` before its mapping has been observed"),
                )
                .with_label("the gateway's port for this flow is not known yet")
                .with_help(format!(
                    "add a `wan: expect {name} ...` step before this one: it learns `${name}.port`"
                )),
            );
            return None;
        }
        let has_ack_flag = spec.flags.is_some_and(|f| f & tcp_flag::ACK != 0);
        let ack_written = spec.fields.iter().any(|t| t.field == Field::Ack);
        if f.proto == Proto::Tcp && has_ack_flag && !ack_written && !self.syn_seen[id][side.index()] {
            let at = p.flags.as_ref().map_or(p.head.span, |w| w.span);
            self.push(
                Diagnostic::error(at, format!("this segment has ACK but no `ack=`, and no SYN of the peer of flow `{name}` has been matched on {} yet", side.name()))
                    .with_label("the runner cannot know what to acknowledge")
                    .with_help("write `ack=N` (relative), or expect the peer's SYN on this side first"),
            );
            return None;
        }
        Some(())
    }

    /// `set: {name: value}`: bind (or with null, unbind) variables.
    fn set(&mut self, node: &Node) -> Option<Action> {
        let NodeKind::Map(pairs) = &node.kind else {
            self.error(
                node.span,
                format!("`set` takes a mapping `{{name: value}}`, found {}", node.kind_name()),
                "expected {name: value}",
            );
            return None;
        };
        let mut out = Vec::new();
        for (k, v) in pairs {
            let Some(key) = k.as_scalar() else { continue };
            // A rejected name is still set, so that its uses raise no further errors.
            super::vars::check_var_name(&key.value, k.span, "variable", &mut self.diags);
            if self.flow_index.contains_key(&key.value) {
                self.error(
                    k.span,
                    format!("`{}` is a flow, not a variable", key.value),
                    "flows and variables share one namespace",
                );
                continue;
            }
            match v.as_scalar() {
                Some(s) if s.is_null() => {
                    self.bound.remove(&key.value);
                    out.push((key.value.clone(), None));
                }
                Some(s) => {
                    if let Err(d) = sentence::parse_value(&s.value, s) {
                        self.push(d);
                        continue;
                    }
                    self.bound.insert(key.value.clone());
                    self.bindings.insert(
                        key.value.clone(),
                        Binding {
                            span: k.span,
                            used: false,
                        },
                    );
                    out.push((key.value.clone(), Some(s.value.clone())));
                }
                None => self.error(
                    v.span,
                    "a variable's value is text (quote values starting with { [ *)",
                    "expected a value or null",
                ),
            }
        }
        Some(Action::Set(out))
    }
}
/// Adds the "YAML cut your sentence at ` #`" hint where it applies.
pub(super) fn cut_hint(d: Diagnostic, s: &crate::yaml::Scalar) -> Diagnostic {
    if s.comment_after && d.span.end >= s.span_of(0..s.value.len()).end {
        d.with_note("YAML ended this value at ` #` (the rest of the line is a comment)")
            .with_help("put the whole sentence in single quotes: '...'")
    } else {
        d
    }
}
