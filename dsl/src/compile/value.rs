//! Values and expressions: literals checked against the field they go in, host names resolved,
//! constants substituted, variables checked for being bound (sends) or bound (patterns).

use super::cx::{CaseCx, Mode};
use crate::plan::{self, Addr, ECN_WORDS, Expr, FieldKind, FlowAttr, Value};
use crate::sentence::ast::{self, AtomKind};
use crate::source::Span;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a value position is for: the field's kind, its name (for messages) and the sentence's
/// family (for address literals).
#[derive(Clone, Copy)]
pub(crate) struct Slot<'a> {
    /// How the value is written and how wide it is.
    pub kind: FieldKind,
    /// The field or position, as messages name it.
    pub name: &'a str,
    /// The sentence's IP family, when it has one.
    pub family: Option<plan::Family>,
}

impl CaseCx<'_> {
    /// Compiles a value in a field or port position.
    pub(crate) fn value(&mut self, v: &ast::Value, slot: Slot, mode: Mode) -> Option<Value> {
        match v {
            ast::Value::Any(_) => Some(Value::Any),
            ast::Value::Set(items, span) => {
                if mode == Mode::Send {
                    self.error(
                        *span,
                        format!("a send cannot use a set for `{}`: it sends one value", slot.name),
                        "a set in a send",
                    );
                    return None;
                }
                let mut out = Vec::new();
                for e in items {
                    out.push(self.expr(e, slot, mode, true)?);
                }
                Some(Value::Set(out))
            }
            ast::Value::Range(a, b, span) => {
                if mode == Mode::Send {
                    self.error(
                        *span,
                        format!("a send cannot use a range for `{}`: it sends one value", slot.name),
                        "a range in a send",
                    );
                    return None;
                }
                if !matches!(slot.kind, FieldKind::Int(_) | FieldKind::Ecn) {
                    self.error(
                        *span,
                        format!("`{}` takes no range: ranges are of numbers", slot.name),
                        "a range of non-numbers",
                    );
                    return None;
                }
                let a = self.expr(a, slot, mode, true)?;
                let b = self.expr(b, slot, mode, true)?;
                if let (Expr::Int(x), Expr::Int(y)) = (&a, &b) {
                    if x > y {
                        self.error(
                            *span,
                            format!("empty range: {x} is greater than {y}"),
                            "write the smaller bound first",
                        );
                    }
                }
                Some(Value::Range(a, b))
            }
            ast::Value::Expr(e) => {
                // A constant may itself hold a set or range (`ports: "{80, 443}"`).
                if e.rest.is_empty() && e.first.kind == AtomKind::Var && !e.first.text.contains('.') {
                    if let Some(v) = self.const_value(&e.first, slot, mode) {
                        return v;
                    }
                }
                Some(Value::One(self.expr(e, slot, mode, false)?))
            }
        }
    }

    /// Substitutes a compile-time constant; `None` when the name is not a constant.
    fn const_value(&mut self, atom: &ast::Atom, slot: Slot, mode: Mode) -> Option<Option<Value>> {
        let c = self.consts.get(&atom.text)?;
        let scalar = c.scalar;
        if self.depth > 8 {
            self.error(
                atom.span,
                format!("`${}` refers to itself", atom.text),
                "circular variable",
            );
            return Some(None);
        }
        self.use_var(&atom.text);
        let parsed = crate::sentence::parse_value(&scalar.value, scalar);
        Some(match parsed {
            Ok(v) => {
                self.depth += 1;
                let out = self.value(&v, slot, mode);
                self.depth -= 1;
                out
            }
            Err(d) => {
                self.push(d.with_note(format!(
                    "`${}` is used as `{}` here: {}",
                    atom.text,
                    slot.name,
                    self.file.location(atom.span)
                )));
                None
            }
        })
    }

    /// Compiles an expression. `in_collection`: inside a set or range (no binding there).
    pub(crate) fn expr(&mut self, e: &ast::Expr, slot: Slot, mode: Mode, in_collection: bool) -> Option<Expr> {
        let arith = !e.rest.is_empty();
        if arith && !matches!(slot.kind, FieldKind::Int(_)) {
            self.error(
                e.span,
                format!("arithmetic is only for numbers, and `{}` is not a number", slot.name),
                "arithmetic on a non-number",
            );
            return None;
        }
        let mut acc = self.atom(&e.first, slot, mode, arith || in_collection)?;
        for (plus, a) in &e.rest {
            let rhs = self.atom(a, slot, mode, true)?;
            acc = if *plus {
                Expr::Add(Box::new(acc), Box::new(rhs))
            } else {
                Expr::Sub(Box::new(acc), Box::new(rhs))
            };
        }
        if arith {
            if let Some(v) = const_fold(&acc) {
                // Sequence space (seq, ack, SACK edges, timestamps) is 32 bits and wraps.
                let wraps = slot.kind == FieldKind::Int(32);
                match v {
                    Some(n) if wraps => return Some(Expr::Int(n & 0xffff_ffff)),
                    Some(n) if fits(n, slot.kind) => return Some(Expr::Int(n)),
                    _ => {
                        self.error(
                            e.span,
                            format!("`{}` does not fit `{}`", self.file.slice(e.span), slot.name),
                            "out of range",
                        );
                        return None;
                    }
                }
            }
        }
        Some(acc)
    }

    /// Compiles one atom. `must_be_bound`: variables here cannot bind (arithmetic, sets).
    fn atom(&mut self, a: &ast::Atom, slot: Slot, mode: Mode, must_be_bound: bool) -> Option<Expr> {
        match a.kind {
            AtomKind::Var => self.var(a, slot, mode, must_be_bound),
            AtomKind::Number => self.number_atom(a, slot),
            AtomKind::Ipv4 => self.ip_atom(a, slot, false),
            AtomKind::Ipv6 => self.ip_atom(a, slot, true),
            AtomKind::Mac => {
                if slot.kind != FieldKind::Mac {
                    self.kind_mismatch(a, slot, "a MAC address");
                    return None;
                }
                crate::testbed::parse_mac(&a.text).map(Expr::Mac)
            }
            AtomKind::Word => self.word_atom(a, slot),
        }
    }

    /// The error for a value of the wrong kind (`found`) for the slot.
    fn kind_mismatch(&mut self, a: &ast::Atom, slot: Slot, found: &str) {
        self.error(
            a.span,
            format!("`{}` expects {}, found {found}", slot.name, kind_words(slot.kind)),
            format!("expected {}", kind_words(slot.kind)),
        );
    }

    /// A number, in the range of the slot.
    fn number_atom(&mut self, a: &ast::Atom, slot: Slot) -> Option<Expr> {
        match (parse_number(&a.text), slot.kind) {
            (Some(n), FieldKind::Int(_) | FieldKind::Ecn) if fits(n, slot.kind) => return Some(Expr::Int(n)),
            (Some(n), FieldKind::Int(bits)) => {
                let max = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
                self.error(
                    a.span,
                    format!("{n} is out of range for `{}` (0..{max})", slot.name),
                    format!("at most {max}"),
                );
            }
            (Some(n), FieldKind::Ecn) => self.error(
                a.span,
                format!("{n} is out of range for `ecn` (0..3 or not-ect, ect1, ect0, ce)"),
                "at most 3",
            ),
            (None, FieldKind::Int(_)) => self.error(a.span, format!("`{}` is too large a number", a.text), "too large"),
            _ => self.kind_mismatch(a, slot, &format!("the number `{}`", a.text)),
        }
        None
    }

    /// An IPv4 (`v6 == false`) or IPv6 address literal, in an address slot of its family.
    fn ip_atom(&mut self, a: &ast::Atom, slot: Slot, v6: bool) -> Option<Expr> {
        if slot.kind != FieldKind::Addr {
            self.kind_mismatch(a, slot, if v6 { "an IPv6 address" } else { "an IPv4 address" });
            return None;
        }
        let parsed = if v6 {
            a.text.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        } else {
            a.text.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
        };
        let Some(ip) = parsed else {
            if v6 {
                self.error(
                    a.span,
                    format!("`[{}]` is not an IPv6 address", a.text),
                    "expected an IPv6 address such as [3fff:0:0:2::99]",
                );
            } else {
                let bad = a.text.split('.').find(|o| o.parse::<u8>().is_err()).unwrap_or("");
                self.error(
                    a.span,
                    format!(
                        "`{}` is not an IPv4 address: the octet `{bad}` is greater than 255",
                        a.text
                    ),
                    "each octet is 0..255",
                );
            }
            return None;
        };
        let other_family = match (v6, slot.family) {
            (false, Some(plan::Family::V6)) => Some((
                "an IPv4 address in an IPv6 sentence",
                "expected an IPv6 address in brackets",
            )),
            (true, Some(plan::Family::V4)) => Some((
                "an IPv6 address in an IPv4 sentence",
                "use tcp6, udp6, icmp6 or ipv6 for IPv6",
            )),
            _ => None,
        };
        if let Some((message, label)) = other_family {
            self.error(a.span, message, label);
            return None;
        }
        self.literal_warning(ip, a.span);
        Some(Expr::Ip(ip))
    }

    /// A word: a host name in an address or MAC slot, an ECN word in `ecn`.
    fn word_atom(&mut self, a: &ast::Atom, slot: Slot) -> Option<Expr> {
        match slot.kind {
            FieldKind::Addr | FieldKind::Mac => Some(Expr::Host(self.host(&a.text, a.span)?)),
            FieldKind::Ecn => match ECN_WORDS.iter().find(|(w, _)| *w == a.text) {
                Some((_, v)) => Some(Expr::Int(*v)),
                None => {
                    let hint = crate::names::suggestion(&a.text, ECN_WORDS.iter().map(|(w, _)| *w));
                    self.error(
                        a.span,
                        format!("unknown ECN value `{}`{hint}", a.text),
                        "expected not-ect, ect1, ect0, ce or 0..3",
                    );
                    None
                }
            },
            FieldKind::Int(_) => {
                self.error(
                    a.span,
                    format!("`{}` expects a number, found `{}`", slot.name, a.text),
                    "expected a number or `$var`",
                );
                None
            }
        }
    }

    fn literal_warning(&mut self, ip: IpAddr, span: Span) {
        if self.testbed.in_subnet(ip) {
            self.warn(
                span,
                format!(
                    "the literal {ip} is inside a testbed subnet; use a host name so the case runs on every testbed"
                ),
            );
        }
    }

    /// Resolves a host name, noting the capabilities it needs. `lan2` and `wan2` always resolve:
    /// on a testbed without them the case needs a capability it lacks and is skipped.
    pub(crate) fn host(&mut self, name: &str, span: Span) -> Option<plan::Host> {
        let second = match name {
            "lan2" => Some((plan::Side::Lan, plan::Capability::Lan2)),
            "wan2" => Some((plan::Side::Wan, plan::Capability::Wan2)),
            _ => None,
        };
        if let Some((_, capability)) = second {
            self.needs.insert(capability);
        }
        if let Some(h) = self.testbed.host(name) {
            return Some(h);
        }
        if let Some((side, _)) = second {
            return Some(plan::Host {
                name: name.into(),
                side,
                is_gateway: false,
                mac: None,
                ipv4: None,
                ipv6: None,
            });
        }
        let names = self.testbed.host_names();
        let hint = crate::names::suggestion(name, names.iter().map(String::as_str));
        self.error(
            span,
            format!("unknown host `{name}`{hint}"),
            format!("hosts: {}", names.join(", ")),
        );
        None
    }

    /// A `$name` or `$flow.attr`: a constant substituted, a bound variable used, or (in a
    /// positive pattern, outside arithmetic and sets) a new binding.
    fn var(&mut self, a: &ast::Atom, slot: Slot, mode: Mode, must_be_bound: bool) -> Option<Expr> {
        if let Some((flow, attr)) = a.text.split_once('.') {
            return self.flow_attr(a, flow, attr, mode);
        }
        if self.consts.contains_key(&a.text) {
            // A constant inside arithmetic or a set: substitute its single value.
            let v = self.const_value(a, slot, mode)??;
            return match v {
                Value::One(e) => Some(e),
                _ => {
                    self.error(
                        a.span,
                        format!("`${}` holds a set, range or `*`, which cannot be used here", a.text),
                        "a single value is needed",
                    );
                    None
                }
            };
        }
        let bound = self.bound.contains(&a.text) || self.binding_now.iter().any(|(n, _)| *n == a.text);
        if bound {
            self.use_var(&a.text);
            return Some(Expr::Var(a.text.clone()));
        }
        let message = match mode {
            Mode::Send => format!("`${}` is not bound here: a send needs its value", a.text),
            Mode::Negative => format!("`${}` is not bound here, and `expect no` binds nothing", a.text),
            Mode::Pattern if must_be_bound => {
                format!("`${}` must be bound before it is used in arithmetic or a set", a.text)
            }
            Mode::Pattern => {
                self.binding_now.push((a.text.clone(), a.span));
                return Some(Expr::Var(a.text.clone()));
            }
        };
        self.error(a.span, message, "unbound variable");
        None
    }

    /// `$flow.attr`: a known flow, a known attribute, and in a send of an IPv4 flow, one the WAN
    /// side has observed.
    fn flow_attr(&mut self, a: &ast::Atom, flow: &str, attr: &str, mode: Mode) -> Option<Expr> {
        let Some(&id) = self.flow_index.get(flow) else {
            let hint = crate::names::suggestion(flow, self.flow_index.keys().map(String::as_str));
            self.error(
                a.span,
                format!("undefined flow `{flow}` in `${}`{hint}", a.text),
                "no such flow in `flows:`",
            );
            return None;
        };
        let attr = match attr {
            "port" => FlowAttr::Port,
            "addr" => FlowAttr::Addr,
            "lport" => FlowAttr::Lport,
            other => {
                self.error(
                    a.span,
                    format!(
                        "flows have no attribute `{other}`{}",
                        crate::names::suggestion(other, ["port", "addr", "lport"])
                    ),
                    "expected port, addr or lport",
                );
                return None;
            }
        };
        if attr != FlowAttr::Lport
            && mode == Mode::Send
            && self.flows[id].family == plan::Family::V4
            && !self.flow_mapped[id]
        {
            self.error(
                a.span,
                format!(
                    "`${}` is not known yet: the WAN side has not seen flow `{flow}`",
                    a.text
                ),
                "no `wan: expect` of this flow before this step",
            );
            return None;
        }
        Some(Expr::FlowAttr(id, attr))
    }

    /// Compiles an address position (endpoint address or `src=`/`dst=`).
    pub(crate) fn addr(&mut self, v: &ast::Value, family: Option<plan::Family>, mode: Mode) -> Option<Addr> {
        let slot = Slot {
            kind: FieldKind::Addr,
            name: "address",
            family,
        };
        Some(match self.value(v, slot, mode)? {
            Value::Any => Addr::Any,
            Value::One(e) => expr_addr(e),
            Value::Set(items) => Addr::Set(items.into_iter().map(expr_addr).collect()),
            Value::Range(..) => Addr::Any,
        })
    }
}

fn expr_addr(e: Expr) -> Addr {
    match e {
        Expr::Host(h) => Addr::Host(h),
        Expr::Ip(ip) => Addr::Literal(ip),
        other => Addr::Expr(other),
    }
}

/// Parses `1460` or `0x05b4`.
pub(crate) fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

fn fits(n: u64, kind: FieldKind) -> bool {
    match kind {
        FieldKind::Int(bits) => bits >= 64 || n < (1u64 << bits),
        FieldKind::Ecn => n <= 3,
        _ => false,
    }
}

fn kind_words(k: FieldKind) -> &'static str {
    match k {
        FieldKind::Int(_) => "a number",
        FieldKind::Addr => "an address or host name",
        FieldKind::Mac => "a MAC address",
        FieldKind::Ecn => "an ECN value",
    }
}

/// Folds arithmetic on constants: `Some(Some(n))` a constant, `Some(None)` overflow, `None` not constant.
fn const_fold(e: &Expr) -> Option<Option<u64>> {
    match e {
        Expr::Int(n) => Some(Some(*n)),
        Expr::Add(a, b) => {
            let (a, b) = (const_fold(a)?, const_fold(b)?);
            Some(a.zip(b).and_then(|(a, b)| a.checked_add(b)))
        }
        Expr::Sub(a, b) => {
            let (a, b) = (const_fold(a)?, const_fold(b)?);
            Some(a.zip(b).map(|(a, b)| a.wrapping_sub(b)).filter(|_| true))
        }
        _ => None,
    }
}
