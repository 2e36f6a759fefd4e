//! One value a pattern writes against what a frame shows: evaluated in the run's bindings,
//! compared with its operator (`=`, `!=`, `<`..., `in` a set or range), or bound when it names
//! an unbound variable or flow attribute (docs/language.md §3.8).

use super::text::{fmt_ip, observed_text, with_operator};
use super::{Acc, Bind, Matcher};
use crate::engine::env::{Env, RtVal};
use dsl::display;
use dsl::plan::*;
use std::net::IpAddr;

/// A value a pattern writes, with what its report row says.
pub(super) struct Written<'v> {
    /// The row's name (`dport`, `ttl`, `payload length`).
    pub(super) what: &'v str,
    pub(super) value: &'v Value,
    pub(super) op: Op,
    /// What kind of value the field holds, for evaluating variables.
    pub(super) kind: FieldKind,
    /// The field, when observed values are written in its notation (ECN words, hex checksums).
    pub(super) field: Option<Field>,
    /// The value as written, for the report (built only when rows are).
    pub(super) text: &'v dyn Fn() -> String,
}

impl Matcher<'_> {
    /// A value in the sentence notation, flow attributes by their flow's name.
    pub(super) fn vtext(&self, v: &Value) -> String {
        match v {
            Value::One(Expr::FlowAttr(id, a)) => format!(
                "${}.{}",
                self.env.flow_names.get(*id).map_or("?", String::as_str),
                a.name()
            ),
            other => display::value_text(other, &[], false),
        }
    }

    /// An address a pattern writes (a host, a literal, a set, an expression) against the
    /// observed one.
    pub(super) fn addr(&self, a: &Addr, obs: Option<IpAddr>, family: Option<Family>, what: &str, acc: &mut Acc) {
        let obs_text = || obs.map_or("-".to_string(), fmt_ip);
        match a {
            Addr::Any => {}
            Addr::Host(h) => {
                let want = Env::host_addr(h, family).ok();
                acc.row(|| what, || h.name.clone(), obs_text, want.is_some() && want == obs);
            }
            Addr::Literal(ip) => acc.row(|| what, || fmt_ip(*ip), obs_text, Some(*ip) == obs),
            Addr::Set(items) => {
                let ok = items.iter().any(|i| match i {
                    Addr::Host(h) => Env::host_addr(h, family).ok() == obs,
                    Addr::Literal(ip) => Some(*ip) == obs,
                    _ => false,
                });
                acc.row(|| what, || "{...}", obs_text, ok);
            }
            Addr::Expr(e) => {
                let value = Value::One(e.clone());
                let written = Written {
                    what,
                    value: &value,
                    op: Op::Eq,
                    kind: FieldKind::Addr,
                    field: None,
                    text: &|| display::expr_text(e, &[]),
                };
                self.value(written, obs.map(RtVal::Ip), family, acc);
            }
        }
    }

    /// Compares one written value with the observed one, binding unbound variables and flow
    /// attributes.
    pub(super) fn value(&self, w: Written, obs: Option<RtVal>, family: Option<Family>, acc: &mut Acc) {
        let Written {
            what,
            value: v,
            op,
            kind,
            field,
            text: expected,
        } = w;
        // Texts are built only when the report asks for rows (`acc.detail`).
        let written = || with_operator(op, v, &expected().replace("$?.", "$"));
        let Some(o) = obs else {
            if *v != Value::Any {
                acc.row(|| what, written, || "-", false);
            }
            return;
        };
        let obs_text = || field.map_or_else(|| o.to_string(), |f| observed_text(f, &o));
        let ok = match v {
            Value::Any => return,
            Value::One(e) => {
                // Binding: an unbound variable or flow attribute takes the observed value. The
                // report shows the name, not the value: the binding holds only if the step does.
                let bound_before = self.expected_text(e, acc).is_some();
                if let Some(done) = self.try_bind(e, &o, acc) {
                    let filled = if bound_before { self.expected_text(e, acc) } else { None };
                    acc.row(|| what, || filled.unwrap_or_else(written), obs_text, done);
                    return;
                }
                match self.eval(e, kind, family, acc) {
                    Some(want) => compare(op, &o, &want),
                    None => false,
                }
            }
            Value::Set(items) => {
                let hit = items
                    .iter()
                    .any(|e| self.eval(e, kind, family, acc).is_some_and(|w| w == o));
                if op == Op::Ne { !hit } else { hit }
            }
            Value::Range(a, b) => {
                let (Some(RtVal::Int(lo)), Some(RtVal::Int(hi)), RtVal::Int(x)) =
                    (self.eval(a, kind, family, acc), self.eval(b, kind, family, acc), &o)
                else {
                    acc.row(|| what, written, obs_text, false);
                    return;
                };
                let inside = lo <= *x && *x <= hi;
                if op == Op::Ne { !inside } else { inside }
            }
        };
        if !acc.detail {
            acc.row(|| what, String::new, String::new, ok);
            return;
        }
        let expected = match v {
            Value::One(e) => self
                .expected_text(e, acc)
                .map(|t| with_operator(op, v, &t))
                .unwrap_or_else(written),
            _ => written(),
        };
        acc.row(|| what, || expected, obs_text, ok);
    }

    /// The expected value with bound variables filled in, for the report.
    pub(super) fn expected_text(&self, e: &Expr, acc: &Acc) -> Option<String> {
        match e {
            Expr::Var(n) => acc.var_text(n).map(|t| format!("{t} (${n})")),
            Expr::FlowAttr(id, attr) => {
                let f = &self.env.flows[*id];
                let name = format!("${}.{}", self.env.flow_names[*id], attr.name());
                match attr {
                    FlowAttr::Port => f.wan_port.map(|p| format!("{p} ({name})")),
                    FlowAttr::Addr => f.wan_addr.map(|a| format!("{} ({name})", fmt_ip(a))),
                    FlowAttr::Lport => Some(format!("{} ({name})", f.lport)),
                }
            }
            Expr::Host(h) => Some(h.name.clone()),
            _ => None,
        }
    }

    /// Binds `e` to `o` if it is an unbound variable or flow attribute: `Some(true)`; a variable
    /// bound earlier in this same pattern compares: `Some(equal)`; otherwise `None`.
    pub(super) fn try_bind(&self, e: &Expr, o: &RtVal, acc: &mut Acc) -> Option<bool> {
        match e {
            Expr::Var(n) if !self.env.vars.contains_key(n) => {
                let text = match o {
                    RtVal::Ip(IpAddr::V6(a)) => a.to_string(),
                    other => other.to_string(),
                };
                if let Some(prev) = acc.local.get(n) {
                    return Some(*prev == text);
                }
                acc.local.insert(n.clone(), text.clone());
                acc.r.binds.push(Bind::Var(n.clone(), text));
                Some(true)
            }
            Expr::FlowAttr(id, FlowAttr::Port) if self.env.flows[*id].wan_port.is_none() => {
                let RtVal::Int(p) = o else { return Some(false) };
                if let Some(Bind::FlowPort(_, prev)) = acc
                    .r
                    .binds
                    .iter()
                    .find(|b| matches!(b, Bind::FlowPort(i, _) if i == id))
                {
                    return Some(u64::from(*prev) == *p);
                }
                acc.r.binds.push(Bind::FlowPort(*id, *p as u16));
                Some(true)
            }
            Expr::FlowAttr(id, FlowAttr::Addr) if self.env.flows[*id].wan_addr.is_none() => {
                let RtVal::Ip(a) = o else { return Some(false) };
                acc.r.binds.push(Bind::FlowAddr(*id, *a));
                Some(true)
            }
            _ => None,
        }
    }

    pub(super) fn eval(&self, e: &Expr, kind: FieldKind, family: Option<Family>, acc: &Acc) -> Option<RtVal> {
        // Variables bound earlier in this same pattern count.
        if let Expr::Var(n) = e {
            if let Some(t) = acc.local.get(n) {
                return crate::engine::env::parse_text(n, t, kind, family, self.testbed).ok();
            }
        }
        if let Expr::FlowAttr(id, FlowAttr::Port) = e {
            if let Some(Bind::FlowPort(_, p)) = acc
                .r
                .binds
                .iter()
                .find(|b| matches!(b, Bind::FlowPort(i, _) if i == id))
            {
                return Some(RtVal::Int(u64::from(*p)));
            }
        }
        self.env.eval(e, kind, family, self.testbed).ok()
    }
}

/// Whether observed `o` stands in relation `op` to the written `w`.
pub(super) fn compare(op: Op, o: &RtVal, w: &RtVal) -> bool {
    match (op, o, w) {
        (Op::Eq, a, b) => a == b,
        (Op::Ne, a, b) => a != b,
        (Op::Lt, RtVal::Int(a), RtVal::Int(b)) => a < b,
        (Op::Le, RtVal::Int(a), RtVal::Int(b)) => a <= b,
        (Op::Gt, RtVal::Int(a), RtVal::Int(b)) => a > b,
        (Op::Ge, RtVal::Int(a), RtVal::Int(b)) => a >= b,
        _ => false,
    }
}
