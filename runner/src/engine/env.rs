//! The run-time environment of a case: variable bindings (text, parsed where used), flow state,
//! and evaluation of plan expressions to concrete values.

use super::flow::FlowState;
use dsl::plan::{Addr, Expr, Family, FieldKind, FlowAttr, Host, Value};
use dsl::testbed::Testbed;
use std::collections::HashMap;
use std::net::IpAddr;

/// A value as the engine compares and builds it: what an expression, a variable's text or an
/// observed field comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RtVal {
    /// A number.
    Int(u64),
    /// An address.
    Ip(IpAddr),
    /// A MAC.
    Mac([u8; 6]),
}

impl std::fmt::Display for RtVal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RtVal::Int(n) => write!(f, "{n}"),
            RtVal::Ip(IpAddr::V4(a)) => write!(f, "{a}"),
            RtVal::Ip(IpAddr::V6(a)) => write!(f, "[{a}]"),
            RtVal::Mac(m) => write!(f, "{}", dsl::testbed::mac_text(*m)),
        }
    }
}

/// Why a value could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A variable is not bound (a pattern may bind it).
    #[error("`${0}` is not bound")]
    Unbound(String),
    /// A flow attribute is not known yet.
    #[error("`${0}` is not known yet")]
    UnknownFlowAttr(String),
    /// A variable's text does not parse as what the field needs.
    #[error("`${name}` holds `{text}`, which is not {what}")]
    BadText {
        /// Variable.
        name: String,
        /// Its text.
        text: String,
        /// What was needed.
        what: &'static str,
    },
    /// Arithmetic left the field's range.
    #[error("{0} is out of range for the field")]
    OutOfRange(String),
    /// A host has no address of the sentence's family.
    #[error("host `{0}` has no address of this family on this testbed")]
    NoAddress(String),
}

/// Bindings and flow state of one running case.
#[derive(Clone, Debug)]
pub struct Env {
    /// Each bound variable's text, parsed where it is used (the kind of value depends on the field).
    pub vars: HashMap<String, String>,
    /// Per flow, by [`dsl::plan::FlowId`].
    pub flows: Vec<FlowState>,
    /// Each flow's name, for logs and report rows (`$web.port`).
    pub flow_names: Vec<String>,
}

impl Env {
    /// `text` (a sentence, a rendered pattern) with every bound `$name` and known `$flow.attr`
    /// replaced by its value, for reports and capture comments: `gw:$web.port` reads `gw:40100`.
    /// Names not bound stay as written.
    pub fn fill_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let name_len = after
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(after.len());
            let name = &after[..name_len];
            let attr = after[name_len..].strip_prefix('.').and_then(|a| {
                ["port", "addr", "lport"].into_iter().find(|w| {
                    a.starts_with(w) && !a[w.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                })
            });
            let value = match attr {
                Some(attr) => self.flow_attr_text(name, attr),
                None => self.vars.get(name).cloned(),
            };
            let token_len = 1 + name_len + attr.map_or(0, |a| 1 + a.len());
            match value {
                Some(v) if !name.is_empty() => out.push_str(&v),
                _ => out.push_str(&rest[at..at + token_len]),
            }
            rest = &rest[at + token_len..];
        }
        out.push_str(rest);
        out
    }

    /// The value of `$flow.attr` as text, when the flow exists and the attribute is known.
    fn flow_attr_text(&self, flow: &str, attr: &str) -> Option<String> {
        let f = &self.flows[self.flow_names.iter().position(|n| n == flow)?];
        match attr {
            "port" => f.wan_port.map(|p| p.to_string()),
            "addr" => f.wan_addr.map(|a| RtVal::Ip(a).to_string()),
            _ => Some(f.lport.to_string()),
        }
    }

    /// The address of a host in a family.
    pub fn host_addr(h: &Host, family: Option<Family>) -> Result<IpAddr, EvalError> {
        match family {
            Some(Family::V6) => h.ipv6.map(IpAddr::V6),
            _ => h.ipv4.map(IpAddr::V4),
        }
        .ok_or_else(|| EvalError::NoAddress(h.name.clone()))
    }

    /// Evaluates an expression for a field of `kind`. Constants, the common case on the
    /// per-frame path, are answered inline; everything else goes to [`Env::eval_general`].
    #[inline]
    pub fn eval(
        &self,
        e: &Expr,
        kind: FieldKind,
        family: Option<Family>,
        testbed: &Testbed,
    ) -> Result<RtVal, EvalError> {
        match e {
            Expr::Int(n) => Ok(RtVal::Int(*n)),
            Expr::Ip(ip) => Ok(RtVal::Ip(*ip)),
            _ => self.eval_general(e, kind, family, testbed),
        }
    }

    fn eval_general(
        &self,
        e: &Expr,
        kind: FieldKind,
        family: Option<Family>,
        testbed: &Testbed,
    ) -> Result<RtVal, EvalError> {
        Ok(match e {
            Expr::Int(n) => RtVal::Int(*n),
            Expr::Ip(ip) => RtVal::Ip(*ip),
            Expr::Mac(m) => RtVal::Mac(*m),
            Expr::Host(h) => match kind {
                FieldKind::Mac => RtVal::Mac(h.mac.ok_or_else(|| EvalError::NoAddress(h.name.clone()))?),
                _ => RtVal::Ip(Self::host_addr(h, family)?),
            },
            Expr::Var(name) => {
                let text = self.vars.get(name).ok_or_else(|| EvalError::Unbound(name.clone()))?;
                parse_text(name, text, kind, family, testbed)?
            }
            Expr::FlowAttr(id, attr) => {
                let f = &self.flows[*id];
                let name = || format!("{}.{}", self.flow_names[*id], attr.name());
                match attr {
                    FlowAttr::Port => {
                        RtVal::Int(u64::from(f.wan_port.ok_or_else(|| EvalError::UnknownFlowAttr(name()))?))
                    }
                    FlowAttr::Lport => RtVal::Int(u64::from(f.lport)),
                    FlowAttr::Addr => RtVal::Ip(f.wan_addr.ok_or_else(|| EvalError::UnknownFlowAttr(name()))?),
                }
            }
            Expr::Add(a, b) | Expr::Sub(a, b) => {
                let (RtVal::Int(x), RtVal::Int(y)) = (
                    self.eval(a, kind, family, testbed)?,
                    self.eval(b, kind, family, testbed)?,
                ) else {
                    return Err(EvalError::OutOfRange("arithmetic on a non-number".into()));
                };
                let add = matches!(e, Expr::Add(..));
                let bits = match kind {
                    FieldKind::Int(b) => b,
                    _ => 64,
                };
                if bits == 32 {
                    let v = if add {
                        (x as u32).wrapping_add(y as u32)
                    } else {
                        (x as u32).wrapping_sub(y as u32)
                    };
                    RtVal::Int(u64::from(v))
                } else {
                    let v = if add { x.checked_add(y) } else { x.checked_sub(y) };
                    let max = if bits >= 64 { u64::MAX } else { (1 << bits) - 1 };
                    match v {
                        Some(v) if v <= max => RtVal::Int(v),
                        _ => {
                            return Err(EvalError::OutOfRange(format!(
                                "{x} {} {y}",
                                if add { "+" } else { "-" }
                            )));
                        }
                    }
                }
            }
        })
    }

    /// Evaluates an address position.
    pub fn eval_addr(&self, a: &Addr, family: Option<Family>, testbed: &Testbed) -> Result<Option<IpAddr>, EvalError> {
        Ok(match a {
            Addr::Host(h) => Some(Self::host_addr(h, family)?),
            Addr::Literal(ip) => Some(*ip),
            Addr::Expr(e) => match self.eval(e, FieldKind::Addr, family, testbed)? {
                RtVal::Ip(ip) => Some(ip),
                other => {
                    return Err(EvalError::BadText {
                        name: "address".into(),
                        text: other.to_string(),
                        what: "an address",
                    });
                }
            },
            Addr::Any | Addr::Set(_) => None,
        })
    }

    /// A single value for a send (`Any` is `None`: the caller chooses).
    pub fn eval_value(
        &self,
        v: &Value,
        kind: FieldKind,
        family: Option<Family>,
        testbed: &Testbed,
    ) -> Result<Option<RtVal>, EvalError> {
        match v {
            Value::One(e) => self.eval(e, kind, family, testbed).map(Some),
            _ => Ok(None),
        }
    }
}

/// Parses a variable's text as `kind` needs it.
pub fn parse_text(
    name: &str,
    text: &str,
    kind: FieldKind,
    family: Option<Family>,
    testbed: &Testbed,
) -> Result<RtVal, EvalError> {
    let bad = |what| EvalError::BadText {
        name: name.into(),
        text: text.into(),
        what,
    };
    let t = text.trim();
    match kind {
        FieldKind::Int(_) | FieldKind::Ecn => {
            let n = match t.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => t.parse().ok(),
            };
            n.or_else(|| dsl::plan::ECN_WORDS.iter().find(|(w, _)| *w == t).map(|(_, v)| *v))
                .map(RtVal::Int)
                .ok_or_else(|| bad("a number"))
        }
        FieldKind::Addr => {
            let lit = t.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = lit.parse::<IpAddr>() {
                return Ok(RtVal::Ip(ip));
            }
            let h = testbed.host(t).ok_or_else(|| bad("an address or host name"))?;
            Ok(RtVal::Ip(Env::host_addr(&h, family)?))
        }
        FieldKind::Mac => dsl::testbed::parse_mac(t)
            .map(RtVal::Mac)
            .ok_or_else(|| bad("a MAC address")),
    }
}

/// Parses hex bytes held by a variable (TFO cookies).
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let d = text.trim().trim_start_matches("0x");
    if d.len() % 2 != 0 {
        return None;
    }
    (0..d.len() / 2)
        .map(|i| u8::from_str_radix(d.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}
