//! TCP options in a pattern (docs/language.md §3.5): an exact list `<...>`, `has <...>` and
//! `lacks kind N`, compared with the options a frame carries; SACK edges relative to the flow.

use super::{Acc, Bind, Matcher};
use crate::codec::tcp_options::{TcpOption, TcpOptions};
use crate::engine::env::{RtVal, parse_hex};
use crate::engine::flow::Dir;
use dsl::display;
use dsl::plan::*;

impl Matcher<'_> {
    pub(super) fn options(&self, spec: &PacketSpec, obs: &TcpOptions, acc: &mut Acc, inner: bool) {
        // SACK edges acknowledge the peer's sequence space: relative to its ISN in a flow, as the
        // pattern writes them.
        let sack_base = spec
            .flow
            .map_or(0, |id| self.env.flows[id].isn[1 - self.flow_dir(inner)]);
        let observed_text = || obs.text(sack_base);
        let list: Option<Vec<TcpOption>> = obs.as_parsed().map(|l| {
            let mut v = l.to_vec();
            while v.last() == Some(&TcpOption::Eol) {
                v.pop();
            }
            v
        });
        let dir = self.flow_dir(inner);
        if let Some(exact) = &spec.options {
            let ok = match &list {
                Some(l) => {
                    l.len() == exact.len()
                        && exact
                            .iter()
                            .zip(l)
                            .all(|(s, o)| self.option_eq(spec, s, o, 1 - dir, acc))
                }
                None => false,
            };
            let want = format!(
                "<{}>",
                exact
                    .iter()
                    .map(|o| display::option_text(o, &[], false))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            acc.row(|| "options", || want, observed_text, ok);
        }
        for h in &spec.has_options {
            let mut ok = false;
            if let Some(l) = &list {
                let needed = spec.has_options.iter().filter(|x| *x == h).count();
                let have = l.iter().filter(|o| self.option_eq(spec, h, o, 1 - dir, acc)).count();
                ok = have >= needed;
            }
            acc.row(
                || format!("has {}", display::option_text(h, &[], false)),
                || "present",
                observed_text,
                ok,
            );
        }
        for k in &spec.lacks_options {
            let present = list.as_ref().is_some_and(|l| l.iter().any(|o| o.kind() == *k));
            acc.row(
                || format!("lacks kind {k}"),
                || "absent",
                observed_text,
                list.is_some() && !present,
            );
        }
    }

    fn option_eq(&self, spec: &PacketSpec, s: &TcpOptionSpec, o: &TcpOption, peer_dir: Dir, acc: &mut Acc) -> bool {
        let int = |me: &Self, v: &Value, x: u64, acc: &mut Acc| -> bool {
            match v {
                Value::Any => true,
                Value::One(e) => match me.try_bind(e, &RtVal::Int(x), acc) {
                    Some(ok) => ok,
                    None => me.eval(e, FieldKind::Int(32), spec.family, acc) == Some(RtVal::Int(x)),
                },
                Value::Set(items) => items
                    .iter()
                    .any(|e| me.eval(e, FieldKind::Int(32), spec.family, acc) == Some(RtVal::Int(x))),
                Value::Range(a, b) => {
                    matches!((me.eval(a, FieldKind::Int(32), spec.family, acc), me.eval(b, FieldKind::Int(32), spec.family, acc)), (Some(RtVal::Int(l)), Some(RtVal::Int(h))) if l <= x && x <= h)
                }
            }
        };
        match (s, o) {
            (TcpOptionSpec::Mss(v), TcpOption::Mss(x)) => int(self, v, u64::from(*x), acc),
            (TcpOptionSpec::WindowScale(v), TcpOption::WindowScale(x)) => int(self, v, u64::from(*x), acc),
            (TcpOptionSpec::SackPermitted, TcpOption::SackPermitted) => true,
            (TcpOptionSpec::Nop, TcpOption::Nop) | (TcpOptionSpec::Eol, TcpOption::Eol) => true,
            (TcpOptionSpec::Timestamps { val, ecr }, TcpOption::Timestamps { val: v, ecr: e }) => {
                int(self, val, u64::from(*v), acc) && int(self, ecr, u64::from(*e), acc)
            }
            (TcpOptionSpec::Sack(blocks), TcpOption::Sack(obs)) => {
                let base = spec.flow.map_or(0, |id| self.env.flows[id].isn[peer_dir]);
                blocks.len() == obs.len()
                    && blocks.iter().zip(obs).all(|((l, r), (ol, or))| {
                        int(self, l, u64::from(ol.wrapping_sub(base)), acc)
                            && int(self, r, u64::from(or.wrapping_sub(base)), acc)
                    })
            }
            (TcpOptionSpec::FastOpen(c), TcpOption::FastOpen(b))
            | (TcpOptionSpec::FastOpenExp(c), TcpOption::FastOpenExp(b)) => match c {
                Cookie::Any => true,
                Cookie::Request => b.is_empty(),
                Cookie::Bytes(want) => want == b,
                Cookie::Var(n) => {
                    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                    match acc.var_text(n) {
                        Some(t) => parse_hex(&t).is_some_and(|w| w == *b),
                        None => {
                            acc.local.insert(n.clone(), hex.clone());
                            acc.r.binds.push(Bind::Var(n.clone(), hex));
                            true
                        }
                    }
                }
            },
            (TcpOptionSpec::Raw { kind, data }, o) => {
                o.kind() == *kind && data.as_ref().is_none_or(|d| option_data(o) == *d)
            }
            _ => false,
        }
    }
}

fn option_data(o: &TcpOption) -> Vec<u8> {
    match o {
        TcpOption::Raw { data, .. } => data.clone(),
        TcpOption::FastOpen(c) => c.clone(),
        _ => vec![],
    }
}
