//! Matches a pattern ([`PacketSpec`]) against a received frame's [`View`]: every written
//! constraint is checked and scored (for the nearest-candidate report), variables are bound on
//! first occurrence, and flow sequence numbers are compared relative to the flow's ISNs.

use super::env::{Env, RtVal};
use super::flow::{C2S, Dir};
use crate::codec::TcpFlags;
use crate::engine::view::{L4View, View};
use crate::result::Row;
use dsl::display;
use dsl::plan::*;
use dsl::testbed::Testbed;
use std::collections::HashMap;
use std::net::IpAddr;
use text::display_proto;
use values::{Written, compare};

mod observe;
mod options;
mod text;
mod values;

pub use observe::{checks_off, observe, proto_of};
pub use text::{frame_text, observed_text, payload_text};

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

/// Compares frames with patterns on one side: the engine's expect steps, the replay of sends and
/// the bench use it.
pub struct Matcher<'a> {
    /// The bindings so far, which written values are evaluated in.
    pub env: &'a Env,
    /// The testbed, for host names' addresses.
    pub testbed: &'a Testbed,
    /// The side the frame came out on: decides a flow segment's direction.
    pub side: Side,
}

impl<'a> Matcher<'a> {
    /// A matcher for frames that come out on `side`, with the bindings of `env`.
    pub fn new(env: &'a Env, testbed: &'a Testbed, side: Side) -> Matcher<'a> {
        Matcher { env, testbed, side }
    }
}

/// What a comparison has found so far: the score, the rows, and the variables this pattern
/// bound on their first occurrence (a later occurrence compares with them).
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

impl Matcher<'_> {
    /// Compares `view` with `spec`, with a report row per constraint (for failure reports).
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

    /// Compares `view` with `spec` into `acc`, constraint by constraint in the order the report
    /// lists them. `inner`: `view` is the packet an ICMP error quotes.
    fn compare_into(&self, spec: &PacketSpec, view: &View, acc: &mut Acc, inner: bool) {
        self.protocol(spec, view, acc);
        self.endpoints(spec, view, acc);
        flags(spec, view, acc);
        self.fields(spec, view, acc, inner);
        if let L4View::Tcp { options, .. } = &view.l4 {
            self.options(spec, options, acc, inner);
        } else if spec.options.is_some() || !spec.has_options.is_empty() {
            acc.row(|| "options", || "<...>", || "not TCP", false);
        }
        if let Some(p) = &spec.payload {
            self.payload(p, &view.payload, spec.family, acc);
        }
        if let Some(inner_spec) = &spec.inner {
            self.inner(inner_spec, view, acc);
        }
    }

    /// The protocol and family, and the ICMP type and code a pattern names.
    fn protocol(&self, spec: &PacketSpec, view: &View, acc: &mut Acc) {
        let family = spec.family;
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
    }

    /// The source and destination: addresses (IP, or ARP's protocol addresses) and ports.
    fn endpoints(&self, spec: &PacketSpec, view: &View, acc: &mut Acc) {
        let family = spec.family;
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
            self.addr(&ep.addr, obs_ip, family, what, acc);
            if let Some(port) = &ep.port {
                let obs = view.ports().map(|(s, d)| if is_src { s } else { d });
                let what = if is_src { "sport" } else { "dport" };
                let written = Written {
                    what,
                    value: port,
                    op: Op::Eq,
                    kind: FieldKind::Int(16),
                    field: None,
                    text: &|| self.vtext(port),
                };
                self.value(written, obs.map(|p| RtVal::Int(u64::from(p))), family, acc);
            }
        }
    }

    /// The fields a pattern writes (`ttl=`, `win=`, ...); a flow's `seq=`/`ack=` are relative.
    fn fields(&self, spec: &PacketSpec, view: &View, acc: &mut Acc, inner: bool) {
        for t in &spec.fields {
            if t.field == Field::Csum
                || matches!(
                    t.field,
                    Field::IpCsum | Field::TcpCsum | Field::UdpCsum | Field::IcmpCsum
                ) && t.value == Value::Any
            {
                continue;
            }
            if spec.flow.is_some() && matches!(t.field, Field::Seq | Field::Ack) && spec.proto == Some(Proto::Tcp) {
                self.flow_seq(spec, t, view, acc, inner);
                continue;
            }
            let written = Written {
                what: t.field.name(),
                value: &t.value,
                op: t.op,
                kind: t.field.kind(),
                field: Some(t.field),
                text: &|| match &t.value {
                    Value::One(Expr::FlowAttr(..)) => self.vtext(&t.value),
                    v => display::field_value_text(t.field, v, &[], false),
                },
            };
            self.value(written, observe(view, t.field), spec.family, acc);
        }
    }

    /// The packet an ICMP error quotes, compared with the pattern's `inner (...)`: its rows
    /// are the outer report's, prefixed `inner`.
    fn inner(&self, inner_spec: &PacketSpec, view: &View, acc: &mut Acc) {
        let Some(iv) = &view.inner else {
            acc.row(|| "inner", || "a quoted packet", || "none", false);
            return;
        };
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
            let syn_shift = (t.field == Field::Seq && flags & TcpFlags::SYN != 0).then_some(obs_rel);
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

    fn payload(&self, p: &PayloadSpec, obs: &[u8], family: Option<Family>, acc: &mut Acc) {
        let obs_text = || payload_text(obs);
        match p {
            PayloadSpec::Any => {}
            PayloadSpec::Bytes(b) => acc.row(|| "payload", || payload_text(b), obs_text, b == obs),
            PayloadSpec::Len(v) | PayloadSpec::Fill(v) => {
                let before = acc.r.met;
                let written = Written {
                    what: "payload length",
                    value: v,
                    op: Op::Eq,
                    kind: FieldKind::Int(16),
                    field: None,
                    text: &|| format!("{} bytes", display::value_text(v, &[], false)),
                };
                self.value(written, Some(RtVal::Int(obs.len() as u64)), family, acc);
                if let (PayloadSpec::Fill(_), true) = (p, acc.r.met > before) {
                    let ok = obs.iter().enumerate().all(|(i, b)| *b == (i % 256) as u8);
                    acc.row(|| "payload content", || "byte i = i mod 256", obs_text, ok);
                }
            }
        }
    }
}

/// The TCP flags: exact (`S.`), `flags has`, `flags lacks`.
fn flags(spec: &PacketSpec, view: &View, acc: &mut Acc) {
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
}
