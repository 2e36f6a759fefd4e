//! Flows and steps: the `flows:` mapping, then the step list in order, tracking what is bound
//! and observed so far (unbound variables in sends, WAN sends before the mapping is seen, ...).

use super::Header;
use super::cx::{Binding, CaseCx, Mode};
use super::packet::{Place, proto_keyword};
use super::value::Slot;
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
    /// Reads `flows:`.
    pub(crate) fn read_flows(&mut self, node: &Node) {
        let NodeKind::Map(pairs) = &node.kind else {
            self.error(
                node.span,
                format!(
                    "`flows` must be a mapping of name to flow sentence, found {}",
                    node.kind_name()
                ),
                "expected a mapping",
            );
            return;
        };
        for (k, v) in pairs {
            let Some(key) = k.as_scalar() else { continue };
            let name = key.value.clone();
            let mut d = Vec::new();
            // A rejected name is still read as a flow, so that its uses raise no further errors.
            let ok = super::check_var_name(&name, k.span, "flow", &mut d);
            self.diags.extend(d);
            if ok && self.testbed.host(&name).is_some() {
                self.error(
                    k.span,
                    format!("`{name}` is a host name: flows, variables and hosts share one namespace"),
                    "rename the flow",
                );
                continue;
            }
            if self.consts.contains_key(&name) || self.bound.contains(&name) {
                self.error(
                    k.span,
                    format!("`{name}` is both a flow and a variable: they share one namespace"),
                    "rename one",
                );
                continue;
            }
            let Some(s) = fields::scalar(v, "a flow sentence", &mut self.diags) else {
                continue;
            };
            match sentence::parse_flow(&s.value, s) {
                Ok(p) => {
                    if let Some(f) = self.flow(&name, &p) {
                        self.flow_index.insert(name, self.flows.len());
                        self.flows.push(f);
                        self.flow_mapped.push(false);
                        self.syn_seen.push([false, false]);
                    }
                }
                Err(d) => self.push(cut_hint(d, s)),
            }
        }
    }

    fn flow(&mut self, name: &str, p: &ast::Packet) -> Option<Flow> {
        let Some((proto, Some(family))) =
            proto_keyword(&p.head.text).filter(|(pr, _)| matches!(pr, Proto::Tcp | Proto::Udp | Proto::Icmp))
        else {
            let hint = names::suggestion(&p.head.text, ["tcp", "udp", "icmp", "tcp6", "udp6", "icmp6"]);
            self.error(
                p.head.span,
                format!(
                    "a flow is tcp, udp, icmp, tcp6, udp6 or icmp6, not `{}`{hint}",
                    p.head.text
                ),
                "expected PROTO CLIENT[:PORT] -> SERVER[:PORT]",
            );
            return None;
        };
        self.needs.insert(if family == Family::V6 {
            Capability::Ipv6
        } else {
            Capability::Ipv4
        });
        if let Some(w) = p.icmp_words.first() {
            self.error(
                w.span,
                "an ICMP flow is an echo conversation: write `icmp CLIENT -> SERVER id=N`",
                "no type words in a flow",
            );
            return None;
        }
        let Some(ep) = &p.endpoints else {
            self.error(
                p.span,
                format!("the flow `{name}` needs endpoints: `PROTO CLIENT[:PORT] -> SERVER[:PORT]`"),
                "no endpoints",
            );
            return None;
        };
        if let Some(f) = &p.flags {
            self.error(
                f.span,
                "a flow has no flags: write them in the steps",
                "remove the flags",
            );
        }
        let client = match self.addr(&ep.src.addr, Some(family), Mode::Send)? {
            Addr::Host(h) if h.side == Side::Lan && !h.is_gateway => h,
            _ => {
                self.error(
                    ep.src.addr.span(),
                    "a flow's client is a LAN host (flows run LAN → WAN)",
                    "expected lan, lan2 or a LAN host of the testbed",
                );
                return None;
            }
        };
        let server = match self.addr(&ep.dst.addr, Some(family), Mode::Send)? {
            Addr::Host(h) if h.side == Side::Wan && !h.is_gateway => Addr::Host(h),
            a @ Addr::Literal(_) => a,
            _ => {
                self.error(
                    ep.dst.addr.span(),
                    "a flow's server is a WAN host or an address beyond the WAN side",
                    "expected wan, wan2, a WAN host or a literal address",
                );
                return None;
            }
        };
        let port_slot = Slot {
            kind: FieldKind::Int(16),
            name: "port",
            family: Some(family),
        };
        let port = |cx: &mut Self, v: &Option<ast::Value>| -> Option<Option<u16>> {
            match v {
                None => Some(None),
                Some(v) => match cx.value(v, port_slot, Mode::Send)? {
                    Value::One(Expr::Int(n)) => Some(Some(n as u16)),
                    Value::Any => Some(None),
                    _ => {
                        cx.error(v.span(), "a flow's ports must be known when the case compiles (a number, or a `vars`/matrix variable)", "not a constant");
                        None
                    }
                },
            }
        };
        if proto == Proto::Icmp && (ep.src.port.is_some() || ep.dst.port.is_some()) {
            let at = ep
                .src
                .port
                .as_ref()
                .or(ep.dst.port.as_ref())
                .map_or(ep.span, ast::Value::span);
            self.error(
                at,
                "an ICMP flow has no ports; it carries an echo id: `id=N`",
                "no ports in an ICMP flow",
            );
            return None;
        }
        let client_port = port(self, &ep.src.port)?;
        let server_port = port(self, &ep.dst.port)?;
        if proto != Proto::Icmp && server_port.is_none() {
            self.error(
                ep.dst.span,
                format!("the flow `{name}` needs a server port"),
                "write SERVER:PORT",
            );
            return None;
        }
        let mut icmp_id = None;
        for c in &p.clauses {
            match c {
                ast::Clause::Field(f) if proto == Proto::Icmp && f.name.text == "id" && f.op.text == "=" => {
                    match self.value(
                        &f.value,
                        Slot {
                            kind: FieldKind::Int(16),
                            name: "id",
                            family: Some(family),
                        },
                        Mode::Send,
                    )? {
                        Value::One(Expr::Int(n)) => icmp_id = Some(n as u16),
                        _ => {
                            self.error(
                                f.value.span(),
                                "a flow's echo id must be a number known when the case compiles",
                                "not a constant",
                            );
                            return None;
                        }
                    }
                }
                other => {
                    let span = clause_span(other);
                    let what = if proto == Proto::Icmp {
                        "only `id=N`"
                    } else {
                        "no clauses"
                    };
                    self.error(
                        span,
                        format!("a flow sentence takes {what}; write the rest in the steps"),
                        "not in a flow",
                    );
                    return None;
                }
            }
        }
        Some(Flow {
            name: name.to_string(),
            proto,
            family,
            client,
            client_port,
            server,
            server_port,
            icmp_id,
        })
    }

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

    fn step(&mut self, number: usize, node: &Node, header: &Header, file: &Arc<PathBuf>) -> Option<Step> {
        let rec = Record::read(node, STEP_KEYS, "a step", &mut self.diags)?;
        let actions: Vec<(&str, Span)> = rec.keys().filter(|(k, _)| ACTIONS.contains(k)).collect();
        let (action_key, action_span) = match actions.as_slice() {
            [] => {
                self.error(
                    node.span,
                    "a step needs one action: `lan:`, `wan:`, `wait:`, `note:` or `set:`",
                    "no action in this step",
                );
                return None;
            }
            [one] => *one,
            [first, second, ..] => {
                self.push(
                    Diagnostic::error(
                        second.1,
                        format!("two actions in one step: `{}` and `{}`", first.0, second.0),
                    )
                    .with_label("second action")
                    .with_help("write each action as its own list entry (`- ...`)"),
                );
                return None;
            }
        };
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
        let severity = match rec.get("severity") {
            None => StepSeverity::Fail,
            Some(n) => match fields::scalar(n, "a severity", &mut self.diags).map(|s| s.value.as_str()) {
                Some("warn") => StepSeverity::Warn,
                Some("fail") => StepSeverity::Fail,
                Some(other) => {
                    let hint = names::suggestion(other, ["warn", "fail"]);
                    self.error(
                        n.span,
                        format!("unknown severity `{other}`{hint}"),
                        "expected `warn` (or `fail`, the default)",
                    );
                    StepSeverity::Fail
                }
                None => StepSeverity::Fail,
            },
        };
        let text = value
            .as_scalar()
            .map(|s| s.value.clone())
            .unwrap_or_else(|| self.file.slice(value.span).to_string());
        let action = match action_key {
            "lan" | "wan" => {
                let side = if action_key == "lan" { Side::Lan } else { Side::Wan };
                self.side_action(side, value, header)?
            }
            "wait" => Action::Wait(fields::duration(value, "`wait`", true, &mut self.diags)?),
            "note" => Action::Note(fields::scalar(value, "a note", &mut self.diags)?.value.clone()),
            "set" => self.set(value)?,
            _ => unreachable!("ACTIONS"),
        };
        let _ = action_span;
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

    fn expect(&mut self, side: Side, e: ast::Expect, header: &Header, text: &str) -> Option<Action> {
        let mut within: Option<(std::time::Duration, Span)> = None;
        let mut after: Option<(std::time::Duration, Span)> = None;
        let negative = !matches!(e.kind, ast::ExpectKind::Match(_));
        for w in &e.windows {
            let is_within = w.keyword.text == "within";
            let slot = if is_within { &within } else { &after };
            if slot.is_some() {
                self.error(
                    w.keyword.span,
                    format!("`{}` appears twice", w.keyword.text),
                    "at most one each of `within` and `after`",
                );
                return None;
            }
            let d = fields::duration_text(
                &w.duration.text,
                &sentence::Offset(w.duration.span.start as usize),
                &format!("`{}`", w.keyword.text),
                !is_within,
                &mut self.diags,
            )?;
            if is_within {
                self.diags
                    .extend(super::window::short_window_warning(d, w.duration.span, negative));
                within = Some((d, w.duration.span));
            } else {
                after = Some((d, w.keyword.span));
            }
        }
        if let (true, Some((_, span))) = (negative, after) {
            self.error(
                span,
                "`after` is only for positive expects: negative steps judge the whole window",
                "remove `after`",
            );
            return None;
        }
        if let (Some((a, aspan)), Some((w, _))) = (after, within) {
            if a >= w {
                self.error(
                    aspan,
                    format!(
                        "`after {}` is not before `within {}`: the window would be empty",
                        crate::duration::format(a),
                        crate::duration::format(w)
                    ),
                    "after must be less than within",
                );
                return None;
            }
        }
        let window = match (within, after) {
            (Some((w, _)), _) => w,
            (None, Some((a, _))) => a + header.within,
            (None, None) => header.within,
        };
        Some(match e.kind {
            ast::ExpectKind::Nothing => Action::ExpectNothing { side, within: window },
            ast::ExpectKind::No(p) => {
                let spec = self.packet(
                    &p,
                    Place {
                        side,
                        mode: Mode::Negative,
                        inner: false,
                    },
                )?;
                Action::ExpectNo {
                    side,
                    pattern: spec,
                    within: window,
                }
            }
            ast::ExpectKind::Match(p) => {
                let spec = self.packet(
                    &p,
                    Place {
                        side,
                        mode: Mode::Pattern,
                        inner: false,
                    },
                )?;
                if let (Some(id), Some(flags)) = (spec.flow, spec.flags) {
                    if flags & tcp_flag::SYN != 0 {
                        self.syn_seen[id][CaseCx::side_index(side)] = true;
                    }
                }
                self.expect_side_warning(side, &spec, &p, text);
                Action::Expect {
                    side,
                    pattern: spec,
                    within: window,
                    after: after.map(|a| a.0),
                }
            }
        })
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
        if f.proto == Proto::Tcp && has_ack_flag && !ack_written && !self.syn_seen[id][CaseCx::side_index(side)] {
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
            super::check_var_name(&key.value, k.span, "variable", &mut self.diags);
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

fn clause_span(c: &ast::Clause) -> Span {
    match c {
        ast::Clause::Field(f) => f.span,
        ast::Clause::FlagsTest { span, .. } => *span,
        ast::Clause::Options(o) => o.span,
        ast::Clause::Payload(p) => p.span,
        ast::Clause::Inner { keyword, .. } => *keyword,
        ast::Clause::Fragment(f) => f.span,
    }
}

/// Adds the "YAML cut your sentence at ` #`" hint where it applies.
fn cut_hint(d: Diagnostic, s: &crate::yaml::Scalar) -> Diagnostic {
    if s.comment_after && d.span.end >= s.span_of(0..s.value.len()).end {
        d.with_note("YAML ended this value at ` #` (the rest of the line is a comment)")
            .with_help("put the whole sentence in single quotes: '...'")
    } else {
        d
    }
}
