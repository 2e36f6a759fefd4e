//! Matches a pattern ([`PacketSpec`]) against a received frame's [`View`]: every written
//! constraint is checked and scored (for the nearest-candidate report), variables are bound on
//! first occurrence, and flow sequence numbers are compared relative to the flow's ISNs.

use super::env::{Env, RtVal, parse_hex};
use super::flow::{C2S, Dir};
use crate::codec::tcp_options::{TcpOption, TcpOptions};
use crate::engine::view::{L4View, View};
use crate::result::Row;
use dsl::display;
use dsl::plan::*;
use dsl::testbed::Testbed;
use std::collections::HashMap;
use std::net::IpAddr;

/// A binding a successful match makes.
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    /// `$name` = text.
    Var(String, String),
    /// The flow's WAN port (or ICMP id).
    FlowPort(FlowId, u16),
    /// The flow's WAN address.
    FlowAddr(FlowId, IpAddr),
}

/// The outcome of comparing one frame with one pattern.
#[derive(Clone, Debug, Default)]
pub struct MatchResult {
    /// Constraints met.
    pub met: usize,
    /// Constraints written.
    pub total: usize,
    /// One row per constraint.
    pub rows: Vec<Row>,
    /// Bindings made (take effect only if the step succeeds).
    pub binds: Vec<Bind>,
}

impl MatchResult {
    /// Whether every constraint was met.
    pub fn matched(&self) -> bool {
        self.met == self.total
    }
}

/// Compares frames with patterns on one side.
pub struct Matcher<'a> {
    /// Bindings so far.
    pub env: &'a Env,
    /// The testbed (host names).
    pub testbed: &'a Testbed,
    /// The side the frame came out on.
    pub side: Side,
}

impl<'a> Matcher<'a> {
    /// A matcher for frames that come out on `side`, with the bindings of `env`.
    pub fn new(env: &'a Env, testbed: &'a Testbed, side: Side) -> Matcher<'a> {
        Matcher { env, testbed, side }
    }
}

struct Acc<'a> {
    /// Whether to build report rows (failure reports) or only count (matching).
    detail: bool,
    r: MatchResult,
    local: HashMap<String, String>,
    env: &'a Env,
}

impl Acc<'_> {
    /// Counts one constraint; builds its report row only when details are asked for.
    fn row<W: Into<String>, E: Into<String>, O: Into<String>>(
        &mut self,
        what: impl FnOnce() -> W,
        expected: impl FnOnce() -> E,
        observed: impl FnOnce() -> O,
        ok: bool,
    ) {
        self.r.total += 1;
        if ok {
            self.r.met += 1;
        }
        if !self.detail {
            return;
        }
        self.r.rows.push(Row {
            what: what().into(),
            expected: expected().into(),
            observed: observed().into(),
            ok,
        });
    }

    fn var_text(&self, name: &str) -> Option<String> {
        self.env
            .vars
            .get(name)
            .cloned()
            .or_else(|| self.local.get(name).cloned())
    }
}

fn fmt_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}

impl Matcher<'_> {
    /// Compares `view` with `spec`. `dir`: for flow patterns, the direction the segment travels.
    pub fn compare(&self, spec: &PacketSpec, view: &View) -> MatchResult {
        self.compare_with(spec, view, true)
    }

    /// Compares without building report rows (scores and bindings only): the fast path used
    /// while frames arrive.
    pub fn score(&self, spec: &PacketSpec, view: &View) -> MatchResult {
        self.compare_with(spec, view, false)
    }

    fn compare_with(&self, spec: &PacketSpec, view: &View, detail: bool) -> MatchResult {
        let mut acc = Acc {
            detail,
            r: MatchResult::default(),
            local: HashMap::new(),
            env: self.env,
        };
        self.compare_into(spec, view, &mut acc, false);
        acc.r
    }

    fn flow_dir(&self, inner: bool) -> Dir {
        if inner { C2S } else { super::flow::out_dir(self.side) }
    }

    fn compare_into(&self, spec: &PacketSpec, view: &View, acc: &mut Acc, inner: bool) {
        let family = spec.family;
        // Protocol and family.
        let proto = spec.proto.unwrap_or(Proto::Eth);
        let observed_proto = proto_of(view);
        let proto_ok = match proto {
            Proto::Eth => true,
            Proto::Ip => view.ip.as_ref().is_some_and(|ip| ip.v6 == (family == Some(Family::V6))),
            Proto::Arp => matches!(view.l4, L4View::Arp { .. }),
            _ => {
                observed_proto.0 == Some(proto)
                    && view.ip.as_ref().is_some_and(|ip| ip.v6 == (family == Some(Family::V6)))
            }
        };
        acc.row(
            || "protocol",
            || display_proto(proto, family),
            || observed_proto.1,
            proto_ok,
        );
        if let Some(t) = spec.icmp_type {
            let (ok, obs) = match view.l4 {
                L4View::Icmp { ty, .. } => (ty == t, ty.to_string()),
                _ => (false, "-".into()),
            };
            acc.row(|| "icmp type", || t.to_string(), || obs, ok);
        }
        if let Some(c) = spec.icmp_code {
            let (ok, obs) = match view.l4 {
                L4View::Icmp { code, .. } => (code == c, code.to_string()),
                _ => (false, "-".into()),
            };
            acc.row(|| "icmp code", || c.to_string(), || obs, ok);
        }
        // Endpoints.
        let ip = view.ip.as_ref();
        let arp = match view.l4 {
            L4View::Arp { spa, tpa, .. } => Some((spa, tpa)),
            _ => None,
        };
        for (ep, is_src) in [(&spec.src, true), (&spec.dst, false)] {
            let Some(ep) = ep else { continue };
            let obs_ip = ip
                .map(|i| if is_src { i.src } else { i.dst })
                .or(arp.map(|a| if is_src { a.0 } else { a.1 }));
            let what = if is_src { "src" } else { "dst" };
            self.addr(&ep.addr, obs_ip, family, what, acc, inner);
            if let Some(port) = &ep.port {
                let obs = view.ports().map(|(s, d)| if is_src { s } else { d });
                let what = if is_src { "sport" } else { "dport" };
                self.value(
                    port,
                    obs.map(|p| RtVal::Int(u64::from(p))),
                    Op::Eq,
                    FieldKind::Int(16),
                    family,
                    what,
                    &|| self.vtext(port),
                    acc,
                    None,
                );
            }
        }
        // Flags.
        if let L4View::Tcp { flags, .. } = view.l4 {
            if let Some(f) = spec.flags {
                acc.row(|| "flags", || flags_text(f), || flags_text(flags), f == flags);
            }
            if spec.flags_has != 0 {
                acc.row(
                    || "flags has",
                    || flags_text(spec.flags_has),
                    || flags_text(flags),
                    flags & spec.flags_has == spec.flags_has,
                );
            }
            if spec.flags_lacks != 0 {
                acc.row(
                    || "flags lacks",
                    || flags_text(spec.flags_lacks),
                    || flags_text(flags),
                    flags & spec.flags_lacks == 0,
                );
            }
        } else if spec.flags.is_some() || spec.flags_has != 0 || spec.flags_lacks != 0 {
            acc.row(
                || "flags",
                || spec.flags.map_or("-".into(), flags_text),
                || "not TCP",
                false,
            );
        }
        // Fields.
        for t in &spec.fields {
            if t.field == Field::Csum
                || matches!(
                    t.field,
                    Field::IpCsum | Field::TcpCsum | Field::UdpCsum | Field::IcmpCsum
                ) && t.value == Value::Any
            {
                continue;
            }
            if spec.flow.is_some() && matches!(t.field, Field::Seq | Field::Ack) && proto == Proto::Tcp {
                self.flow_seq(spec, t, view, acc, inner);
                continue;
            }
            let obs = observe(view, t.field);
            self.value(
                &t.value,
                obs,
                t.op,
                t.field.kind(),
                family,
                t.field.name(),
                &|| match &t.value {
                    Value::One(Expr::FlowAttr(..)) => self.vtext(&t.value),
                    v => display::field_value_text(t.field, v, &[], false),
                },
                acc,
                Some(t.field),
            );
        }
        // Options.
        if let L4View::Tcp { options, .. } = &view.l4 {
            self.options(spec, options, acc, inner);
        } else if spec.options.is_some() || !spec.has_options.is_empty() {
            acc.row(|| "options", || "<...>", || "not TCP", false);
        }
        // Payload.
        if let Some(p) = &spec.payload {
            self.payload(p, &view.payload, family, acc);
        }
        // Inner packet.
        if let Some(inner_spec) = &spec.inner {
            match &view.inner {
                Some(iv) => {
                    let mut sub = Acc {
                        detail: acc.detail,
                        r: MatchResult::default(),
                        local: acc.local.clone(),
                        env: self.env,
                    };
                    self.compare_into(inner_spec, iv, &mut sub, true);
                    for mut row in sub.r.rows {
                        row.what = format!("inner {}", row.what);
                        acc.row(|| row.what, || row.expected, || row.observed, row.ok);
                    }
                    acc.r.binds.extend(sub.r.binds);
                    acc.local = sub.local;
                }
                None => acc.row(|| "inner", || "a quoted packet", || "none", false),
            }
        }
    }

    /// A value in the sentence notation, flow attributes by their flow's name.
    fn vtext(&self, v: &Value) -> String {
        match v {
            Value::One(Expr::FlowAttr(id, a)) => format!(
                "${}.{}",
                self.env.flow_names.get(*id).map_or("?", String::as_str),
                a.name()
            ),
            other => display::value_text(other, &[], false),
        }
    }

    fn addr(&self, a: &Addr, obs: Option<IpAddr>, family: Option<Family>, what: &str, acc: &mut Acc, _inner: bool) {
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
                self.value(
                    &Value::One(e.clone()),
                    obs.map(RtVal::Ip),
                    Op::Eq,
                    FieldKind::Addr,
                    family,
                    what,
                    &|| display::expr_text(e, &[]),
                    acc,
                    None,
                );
            }
        }
    }

    /// Compares one value, binding unbound variables and flow attributes.
    #[allow(clippy::too_many_arguments)]
    fn value(
        &self,
        v: &Value,
        obs: Option<RtVal>,
        op: Op,
        kind: FieldKind,
        family: Option<Family>,
        what: &str,
        expected: &dyn Fn() -> String,
        acc: &mut Acc,
        field: Option<Field>,
    ) {
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
    fn expected_text(&self, e: &Expr, acc: &Acc) -> Option<String> {
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
    fn try_bind(&self, e: &Expr, o: &RtVal, acc: &mut Acc) -> Option<bool> {
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

    fn eval(&self, e: &Expr, kind: FieldKind, family: Option<Family>, acc: &Acc) -> Option<RtVal> {
        // Variables bound earlier in this same pattern count.
        if let Expr::Var(n) = e {
            if let Some(t) = acc.local.get(n) {
                return super::env::parse_text(n, t, kind, family, self.testbed).ok();
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

    fn flow_seq(&self, spec: &PacketSpec, t: &FieldTest, view: &View, acc: &mut Acc, inner: bool) {
        let Some(id) = spec.flow else { return };
        let L4View::Tcp { seq, ack, flags, .. } = view.l4 else {
            acc.row(|| t.field.name(), || "-", || "not TCP", false);
            return;
        };
        let f = &self.env.flows[id];
        let dir = self.flow_dir(inner);
        let (obs, base_dir) = if t.field == Field::Seq {
            (seq, dir)
        } else {
            (ack, 1 - dir)
        };
        let Some(RtVal::Int(rel)) = self.eval(
            match &t.value {
                Value::One(e) => e,
                _ => return,
            },
            FieldKind::Int(32),
            spec.family,
            acc,
        ) else {
            return;
        };
        let obs_rel = obs.wrapping_sub(f.isn[base_dir]);
        let ok = compare(t.op, &RtVal::Int(u64::from(obs_rel)), &RtVal::Int(rel));
        if !acc.detail {
            acc.row(String::new, String::new, String::new, ok);
            return;
        }
        let observed = if ok {
            format!("{obs_rel} (relative)")
        } else {
            // The shift of this sequence space is known exactly from a SYN: this frame's own, or
            // the one an earlier step matched on this side. Without one, the difference may be a
            // shift or another segment, and the report says only what it is.
            let syn_shift = (t.field == Field::Seq && flags & 0x02 != 0).then_some(obs_rel);
            let matched_shift = (t.field == Field::Seq)
                .then(|| f.shift[self.side.index()][base_dir])
                .flatten();
            match syn_shift.or(matched_shift) {
                Some(0) | None => {
                    let diff = obs_rel.wrapping_sub(rel as u32) as i32;
                    format!("{obs_rel} (relative; {diff:+} from what was expected)")
                }
                Some(shift) if syn_shift.is_some() => {
                    format!(
                        "{obs_rel} (relative; the gateway shifted its ISN by {:+})",
                        shift as i32
                    )
                }
                Some(shift) => format!(
                    "{obs_rel} (relative; the gateway shifts this direction by {:+}, seen on its SYN: {} before the shift)",
                    shift as i32,
                    obs_rel.wrapping_sub(shift)
                ),
            }
        };
        acc.row(|| t.field.name(), || format!("{rel} (relative)"), || observed, ok);
    }

    fn options(&self, spec: &PacketSpec, obs: &TcpOptions, acc: &mut Acc, inner: bool) {
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
            let present = list.as_ref().is_some_and(|l| l.iter().any(|o| option_kind(o) == *k));
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
                option_kind(o) == *kind && data.as_ref().is_none_or(|d| option_data(o) == *d)
            }
            _ => false,
        }
    }

    fn payload(&self, p: &PayloadSpec, obs: &[u8], family: Option<Family>, acc: &mut Acc) {
        let obs_text = || payload_text(obs);
        match p {
            PayloadSpec::Any => {}
            PayloadSpec::Bytes(b) => acc.row(|| "payload", || payload_text(b), obs_text, b == obs),
            PayloadSpec::Len(v) | PayloadSpec::Fill(v) => {
                let before = acc.r.met;
                self.value(
                    v,
                    Some(RtVal::Int(obs.len() as u64)),
                    Op::Eq,
                    FieldKind::Int(16),
                    family,
                    "payload length",
                    &|| format!("{} bytes", display::value_text(v, &[], false)),
                    acc,
                    None,
                );
                if let (PayloadSpec::Fill(_), true) = (p, acc.r.met > before) {
                    let ok = obs.iter().enumerate().all(|(i, b)| *b == (i % 256) as u8);
                    acc.row(|| "payload content", || "byte i = i mod 256", obs_text, ok);
                }
            }
        }
    }
}

fn compare(op: Op, o: &RtVal, w: &RtVal) -> bool {
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

/// An expected value as the report writes it: with its operator (`<=1500`, `!=0`), `in` before a
/// set or range (`in {53, 5353}`), `not in` for its negation.
fn with_operator(op: Op, v: &Value, text: &str) -> String {
    match (v, op) {
        (Value::Set(_) | Value::Range(..), Op::Eq) => format!("in {text}"),
        (Value::Set(_) | Value::Range(..), Op::Ne) => format!("not in {text}"),
        (_, Op::Eq) => text.to_string(),
        (_, op) => format!("{}{text}", op.symbol()),
    }
}

/// An observed field value in the case language's notation: ECN as its word, checksums and the
/// EtherType in hex, everything else as [`RtVal`] prints it.
pub fn observed_text(field: Field, v: &RtVal) -> String {
    match (field, v) {
        (Field::Ecn, RtVal::Int(n)) => ECN_WORDS
            .iter()
            .find(|(_, x)| x == n)
            .map_or_else(|| n.to_string(), |(w, _)| (*w).to_string()),
        (Field::EthType, RtVal::Int(n)) => format!("0x{n:04x}"),
        (f, RtVal::Int(n)) if f.is_checksum() => display::field_number_text(f, *n),
        _ => v.to_string(),
    }
}

/// The kind byte of an observed option.
pub fn option_kind(o: &TcpOption) -> u8 {
    match o {
        TcpOption::Eol => 0,
        TcpOption::Nop => 1,
        TcpOption::Mss(_) => 2,
        TcpOption::WindowScale(_) => 3,
        TcpOption::SackPermitted => 4,
        TcpOption::Sack(_) => 5,
        TcpOption::Timestamps { .. } => 8,
        TcpOption::FastOpen(_) => 34,
        TcpOption::FastOpenExp(_) => 254,
        TcpOption::Raw { kind, .. } => *kind,
    }
}

fn option_data(o: &TcpOption) -> Vec<u8> {
    match o {
        TcpOption::Raw { data, .. } => data.clone(),
        TcpOption::FastOpen(c) => c.clone(),
        _ => vec![],
    }
}

/// A payload as text for reports: quoted when printable, hex otherwise, shortened.
pub fn payload_text(b: &[u8]) -> String {
    if b.is_empty() {
        return "\"\"".into();
    }
    let printable = b
        .iter()
        .all(|c| c.is_ascii_graphic() || matches!(c, b' ' | b'\n' | b'\r' | b'\t'));
    let shown = &b[..b.len().min(48)];
    let more = if b.len() > 48 {
        format!("… ({} bytes)", b.len())
    } else {
        String::new()
    };
    if printable {
        let s: String = shown
            .iter()
            .map(|c| match c {
                b'\n' => "\\n".to_string(),
                b'\r' => "\\r".to_string(),
                b'\t' => "\\t".to_string(),
                b'"' => "\\\"".to_string(),
                c => (*c as char).to_string(),
            })
            .collect();
        format!("\"{s}\"{more}")
    } else {
        format!(
            "0x{}{more}",
            shown.iter().map(|x| format!("{x:02x}")).collect::<String>()
        )
    }
}

fn display_proto(p: Proto, f: Option<Family>) -> String {
    dsl::display::packet_text(
        &PacketSpec {
            proto: Some(p),
            family: f,
            ..Default::default()
        },
        &[],
        false,
    )
}

/// The protocol of a view, and its name.
pub fn proto_of(v: &View) -> (Option<Proto>, &'static str) {
    let v6 = v.ip.as_ref().is_some_and(|i| i.v6);
    let (p, name) = match (&v.l4, &v.ip) {
        (L4View::Tcp { .. }, _) => (Proto::Tcp, if v6 { "tcp6" } else { "tcp" }),
        (L4View::Udp { .. }, _) => (Proto::Udp, if v6 { "udp6" } else { "udp" }),
        (L4View::Icmp { .. }, _) => (Proto::Icmp, if v6 { "icmp6" } else { "icmp" }),
        (L4View::Arp { .. }, _) => (Proto::Arp, "arp"),
        (L4View::None, Some(_)) => (Proto::Ip, if v6 { "ipv6" } else { "ipv4" }),
        (L4View::None, None) => (Proto::Eth, "eth"),
    };
    (Some(p), name)
}

/// The observed value of a field.
pub fn observe(v: &View, f: Field) -> Option<RtVal> {
    let int = |n: u64| Some(RtVal::Int(n));
    let ip = v.ip.as_ref();
    match f {
        Field::EthSrc => Some(RtVal::Mac(v.eth_src)),
        Field::EthDst => Some(RtVal::Mac(v.eth_dst)),
        Field::EthType => int(u64::from(v.eth_type)),
        Field::Vlan => v.vlan.map(|x| RtVal::Int(u64::from(x))),
        Field::Src => ip.map(|i| RtVal::Ip(i.src)),
        Field::Dst => ip.map(|i| RtVal::Ip(i.dst)),
        Field::Ttl | Field::Hlim => ip.map(|i| RtVal::Int(u64::from(i.ttl))),
        Field::Tos => ip.map(|i| RtVal::Int(u64::from(i.tos))),
        Field::Dscp => ip.map(|i| RtVal::Int(u64::from(i.tos >> 2))),
        Field::Ecn => ip.map(|i| RtVal::Int(u64::from(i.tos & 3))),
        Field::IpId => ip.map(|i| RtVal::Int(u64::from(i.id))),
        Field::Df => ip.map(|i| RtVal::Int(u64::from(i.df))),
        Field::Mf => ip.map(|i| RtVal::Int(u64::from(i.mf))),
        Field::Frag => ip.map(|i| RtVal::Int(u64::from(i.frag))),
        Field::IpLen => ip.map(|i| RtVal::Int(u64::from(i.len))),
        Field::FlowLabel => ip.map(|i| RtVal::Int(u64::from(i.flow))),
        Field::IpProto => ip.map(|i| RtVal::Int(u64::from(i.proto))),
        Field::IpCsum => ip.map(|i| RtVal::Int(u64::from(i.csum))),
        Field::Sport => v.ports().map(|p| RtVal::Int(u64::from(p.0))),
        Field::Dport => v.ports().map(|p| RtVal::Int(u64::from(p.1))),
        Field::Csum => None,
        Field::ArpOp => match v.l4 {
            L4View::Arp { op, .. } => int(u64::from(op)),
            _ => None,
        },
        _ => match (&v.l4, f) {
            (L4View::Tcp { seq, .. }, Field::Seq) => int(u64::from(*seq)),
            (L4View::Tcp { ack, .. }, Field::Ack) => int(u64::from(*ack)),
            (L4View::Tcp { win, .. }, Field::Win) => int(u64::from(*win)),
            (L4View::Tcp { urg, .. }, Field::Urg) => int(u64::from(*urg)),
            (L4View::Tcp { res, .. }, Field::TcpRes) => int(u64::from(*res)),
            (L4View::Tcp { csum, .. }, Field::TcpCsum) => int(u64::from(*csum)),
            (L4View::Udp { len, .. }, Field::UdpLen) => int(u64::from(*len)),
            (L4View::Udp { csum, .. }, Field::UdpCsum) => int(u64::from(*csum)),
            (L4View::Icmp { ty, .. }, Field::IcmpType) => int(u64::from(*ty)),
            (L4View::Icmp { code, .. }, Field::IcmpCode) => int(u64::from(*code)),
            (L4View::Icmp { id, .. }, Field::IcmpId) => id.map(|x| RtVal::Int(u64::from(x))),
            (L4View::Icmp { seq, .. }, Field::IcmpSeq) => seq.map(|x| RtVal::Int(u64::from(x))),
            (L4View::Icmp { mtu, .. }, Field::Mtu) => mtu.map(|x| RtVal::Int(u64::from(x))),
            (L4View::Icmp { csum, .. }, Field::IcmpCsum) => int(u64::from(*csum)),
            _ => None,
        },
    }
}

/// Which checksum checks a pattern switched off (`csum=*`, `ip.csum=*`, ...).
pub fn checks_off(spec: &PacketSpec) -> (bool, bool, bool) {
    let off = |f: Field| spec.fields.iter().any(|t| t.field == f && t.value == Value::Any);
    let all = off(Field::Csum);
    (
        all || off(Field::IpCsum),
        all || off(Field::TcpCsum) || off(Field::UdpCsum) || off(Field::IcmpCsum),
        all || off(Field::IpCsum),
    )
}

/// The frame in the sentence notation (for reports, logs and captures): what a pattern would
/// write to match it — protocol, ICMP words, endpoints, TCP flags and numbers, `ttl=` (IPv4) or
/// `hlim=` (IPv6), `dscp=`/`ecn=` when set, fragment fields, options, any checksum that is
/// wrong (`tcp.csum=0x1234 (wrong)`), the payload and the quoted packet.
pub fn frame_text(v: &View) -> String {
    let (_, name) = proto_of(v);
    let mut s = name.to_string();
    if let L4View::Icmp { ty, code, .. } = v.l4 {
        let v6 = v.ip.as_ref().is_some_and(|i| i.v6);
        match dsl::icmp::type_word(v6, ty) {
            Some(w) => s.push_str(&format!(" {w}")),
            None => s.push_str(&format!(" type={ty}")),
        }
        if let Some(c) = dsl::icmp::code_word(v6, ty, code) {
            s.push_str(&format!(" {c}"));
        } else if code != 0 {
            s.push_str(&format!(" code={code}"));
        }
    }
    match (&v.ip, &v.l4) {
        (_, L4View::Arp { op, spa, tpa }) => s.push_str(&format!(" {} -> {} arp.op={op}", fmt_ip(*spa), fmt_ip(*tpa))),
        (
            Some(ip),
            L4View::Tcp {
                sport,
                dport,
                flags,
                seq,
                ack,
                win,
                ..
            },
        ) => s.push_str(&format!(
            " {}:{sport} -> {}:{dport} {} seq={seq} ack={ack} win={win}",
            fmt_ip(ip.src),
            fmt_ip(ip.dst),
            flags_text(*flags),
        )),
        (Some(ip), L4View::Udp { sport, dport, .. }) => {
            s.push_str(&format!(" {}:{sport} -> {}:{dport}", fmt_ip(ip.src), fmt_ip(ip.dst)))
        }
        (Some(ip), L4View::Icmp { id, .. }) => {
            s.push_str(&format!(" {} -> {}", fmt_ip(ip.src), fmt_ip(ip.dst)));
            if let Some(id) = id {
                s.push_str(&format!(" id={id}"));
            }
        }
        (Some(ip), _) => s.push_str(&format!(" {} -> {} proto={}", fmt_ip(ip.src), fmt_ip(ip.dst), ip.proto)),
        (None, _) => s.push_str(&format!(" eth.type=0x{:04x}", v.eth_type)),
    }
    if let Some(ip) = &v.ip {
        s.push_str(&format!(" {}={}", if ip.v6 { "hlim" } else { "ttl" }, ip.ttl));
        if ip.tos >> 2 != 0 {
            s.push_str(&format!(" dscp={}", ip.tos >> 2));
        }
        if ip.tos & 3 != 0 {
            s.push_str(&format!(
                " ecn={}",
                observed_text(Field::Ecn, &RtVal::Int(u64::from(ip.tos & 3)))
            ));
        }
        if ip.mf || ip.frag != 0 {
            s.push_str(&format!(" id={} mf={} frag={}", ip.id, u8::from(ip.mf), ip.frag));
        }
    }
    if let L4View::Tcp { options, .. } = &v.l4 {
        if *options != crate::codec::TcpOptions::default() {
            s.push_str(&format!(" {}", options.text(0)));
        }
    }
    for (field, ok) in [(Field::IpCsum, v.csum_ok.0), (l4_csum_field(v), v.csum_ok.1)] {
        if ok == Some(false) {
            if let Some(value) = observe(v, field) {
                s.push_str(&format!(" {}={} (wrong)", field.name(), observed_text(field, &value)));
            }
        }
    }
    if !v.payload.is_empty() && !matches!(v.l4, L4View::Icmp { .. } if v.inner.is_some()) {
        s.push_str(&format!(" data {}", payload_text(&v.payload)));
    }
    if let Some(i) = &v.inner {
        s.push_str(&format!(" inner ({})", frame_text(i)));
    }
    s
}

/// The checksum field of a frame's transport layer (`tcp.csum`, `udp.csum`, `icmp.csum`).
fn l4_csum_field(v: &View) -> Field {
    match v.l4 {
        L4View::Tcp { .. } => Field::TcpCsum,
        L4View::Udp { .. } => Field::UdpCsum,
        _ => Field::IcmpCsum,
    }
}
