//! TCP option lists (DSL.md §3.5): names in any case with tcpdump/packetdrill spellings, typed
//! arguments, send-only range checks.

use super::cx::{CaseCx, Mode};
use super::value::Slot;
use crate::diag::Diagnostic;
use crate::names;
use crate::plan::*;
use crate::sentence::ast::{self, OptionsMode};

const OPTION_NAMES: &[&str] = &[
    "mss", "sackok", "ts", "nop", "eol", "wscale", "sack", "fo", "fo-exp", "kind",
];

impl CaseCx<'_> {
    /// Compiles an option clause into `spec`.
    pub(crate) fn options(&mut self, o: &ast::OptionsClause, spec: &mut PacketSpec, mode: Mode, in_flow: bool) {
        let mut list = Vec::new();
        for e in &o.entries {
            if o.mode == OptionsMode::Lacks {
                if let Some(k) = self.option_kind(e) {
                    spec.lacks_options.push(k);
                }
                continue;
            }
            if let Some(opt) = self.option(e, mode, in_flow) {
                list.push(opt);
            }
        }
        match o.mode {
            OptionsMode::Exact => spec.options = Some(list),
            OptionsMode::Has => spec.has_options = list,
            OptionsMode::Lacks => {}
        }
    }

    /// `lacks <...>` names kinds only.
    fn option_kind(&mut self, e: &ast::OptionEntry) -> Option<u8> {
        let n = e.name.text.to_ascii_lowercase();
        let kind = match n.as_str() {
            "eol" => 0,
            "nop" => 1,
            "mss" => 2,
            "wscale" => 3,
            "sackok" => 4,
            "sack" => 5,
            "ts" => 8,
            "fo" => 34,
            "fo-exp" | "foexp" => 254,
            "kind" => {
                let Some(a) = e.args.first() else {
                    self.error(
                        e.name.span,
                        "`kind` needs a number: `lacks <kind N>`",
                        "expected `kind N`",
                    );
                    return None;
                };
                match a.text.parse::<u8>() {
                    Ok(k) => return Some(k),
                    Err(_) => {
                        self.error(
                            a.span,
                            format!("`{}` is not an option kind (0..255)", a.text),
                            "expected a kind number",
                        );
                        return None;
                    }
                }
            }
            _ => return self.unknown_option(e),
        };
        if n != "kind" {
            if let Some(a) = e.args.first() {
                self.error(
                    a.span,
                    "`lacks <...>` names option kinds only, without values",
                    "remove the value",
                );
                return None;
            }
        }
        Some(kind)
    }

    fn unknown_option(&mut self, e: &ast::OptionEntry) -> Option<u8> {
        if let Some(d) = crate::spellings::unknown_option_error(e.name.span, &e.name.text) {
            self.push(d);
            return None;
        }
        let hint = names::suggestion(&e.name.text.to_ascii_lowercase(), OPTION_NAMES.iter().copied());
        self.error(
            e.name.span,
            format!("unknown TCP option `{}`{hint}", e.name.text),
            "expected mss, sackOK, ts, nop, eol, wscale, sack, fo, fo-exp or kind N",
        );
        None
    }

    fn option(&mut self, e: &ast::OptionEntry, mode: Mode, in_flow: bool) -> Option<TcpOptionSpec> {
        let n = e.name.text.to_ascii_lowercase();
        let send = mode == Mode::Send;
        let no_args = |cx: &mut Self, what: &str| -> bool {
            if let Some(a) = e.args.first() {
                cx.error(a.span, format!("`{what}` takes no value"), "unexpected value");
                false
            } else {
                true
            }
        };
        let int_slot = |name: &'static str, bits: u32| Slot {
            kind: FieldKind::Int(bits),
            name,
            family: None,
        };
        match n.as_str() {
            "nop" => no_args(self, "nop").then_some(TcpOptionSpec::Nop),
            "eol" => no_args(self, "eol").then_some(TcpOptionSpec::Eol),
            "sackok" => no_args(self, "sackOK").then_some(TcpOptionSpec::SackPermitted),
            "mss" | "wscale" => {
                let (name, bits) = if n == "mss" { ("mss", 16) } else { ("wscale", 8) };
                let [a] = e.args.as_slice() else {
                    let at = e.args.get(1).map_or(e.name.span, |a| a.span);
                    self.error(
                        at,
                        format!("`{name}` takes one value: `{name} N`, or `{name} *` in a pattern"),
                        format!("expected `{name} N`"),
                    );
                    return None;
                };
                let v = self.option_value(a, int_slot(name, bits), mode)?;
                if send && name == "wscale" {
                    if let Value::One(Expr::Int(s)) = &v {
                        if *s > 14 {
                            self.error(
                                a.span,
                                format!("wscale {s} is out of range: a window scale is at most 14 (RFC 7323)"),
                                "at most 14",
                            );
                            return None;
                        }
                    }
                }
                Some(if name == "mss" {
                    TcpOptionSpec::Mss(v)
                } else {
                    TcpOptionSpec::WindowScale(v)
                })
            }
            "ts" => {
                let words: Vec<&str> = e.args.iter().map(|a| a.text.as_str()).collect();
                if words.len() != 4 || words[0] != "val" || words[2] != "ecr" {
                    let at = e.args.first().map_or(e.name.span, |a| a.span);
                    self.error(
                        at,
                        "timestamps are written `ts val N ecr N` (`*` for any value in a pattern)",
                        "expected `ts val N ecr N`",
                    );
                    return None;
                }
                let val = self.option_value(&e.args[1], int_slot("ts val", 32), mode)?;
                let ecr = self.option_value(&e.args[3], int_slot("ts ecr", 32), mode)?;
                Some(TcpOptionSpec::Timestamps { val, ecr })
            }
            "sack" => {
                if e.args.is_empty() {
                    self.error(
                        e.name.span,
                        "`sack` needs at least one block `L:R`",
                        "expected `sack L:R ...`",
                    );
                    return None;
                }
                let mut blocks = Vec::new();
                for a in &e.args {
                    let Some((l, r)) = a.text.split_once(':') else {
                        self.error(
                            a.span,
                            format!("`{}` is not a SACK block: write `L:R`", a.text),
                            "expected L:R",
                        );
                        return None;
                    };
                    let lw = ast::Word {
                        text: l.into(),
                        span: crate::source::Span::new(a.span.start as usize, a.span.start as usize + l.len()),
                    };
                    let rw = ast::Word {
                        text: r.into(),
                        span: crate::source::Span::new(a.span.start as usize + l.len() + 1, a.span.end as usize),
                    };
                    let lv = self.option_value(&lw, int_slot("sack", 32), mode)?;
                    let rv = self.option_value(&rw, int_slot("sack", 32), mode)?;
                    blocks.push((lv, rv));
                }
                let _ = in_flow;
                Some(TcpOptionSpec::Sack(blocks))
            }
            "fo" | "fo-exp" | "foexp" => {
                let exp = n != "fo";
                let cookie = match e.args.as_slice() {
                    [] => Cookie::Request,
                    [a] if a.text == "*" => Cookie::Any,
                    [a] if a.text.starts_with('$') => {
                        let name = &a.text[1..];
                        if let Some(c) = self.consts.get(name) {
                            let s = c.scalar;
                            let bytes = self.hex(&s.value, s.span_of(0..s.value.len()), "cookie")?;
                            Cookie::Bytes(bytes)
                        } else if self.bound.contains(name) || self.binding_now.iter().any(|(n, _)| n == name) {
                            self.use_var(name);
                            Cookie::Var(name.to_string())
                        } else if mode == Mode::Pattern {
                            self.binding_now.push((name.to_string(), a.span));
                            Cookie::Var(name.to_string())
                        } else {
                            self.error(a.span, format!("`{}` is not bound here", a.text), "unbound variable");
                            return None;
                        }
                    }
                    [a] => Cookie::Bytes(self.hex(&a.text, a.span, "cookie")?),
                    [_, b, ..] => {
                        self.error(b.span, "a TFO option takes one cookie", "unexpected value");
                        return None;
                    }
                };
                if send {
                    if let (Cookie::Bytes(b), Some(a)) = (&cookie, e.args.first()) {
                        if b.len() < 4 || b.len() > 16 || b.len() % 2 != 0 {
                            self.push(
                                Diagnostic::error(a.span, format!("a TFO cookie is 4 to 16 bytes and even (RFC 7413 §4.1.1); this one is {} bytes", b.len()))
                                    .with_label("bad cookie length")
                                    .with_help("to send a malformed option on purpose, write `kind 34 HEX`"),
                            );
                            return None;
                        }
                    }
                }
                Some(if exp {
                    TcpOptionSpec::FastOpenExp(cookie)
                } else {
                    TcpOptionSpec::FastOpen(cookie)
                })
            }
            "kind" => {
                let Some(k) = e.args.first() else {
                    self.error(
                        e.name.span,
                        "`kind` needs a number: `kind N [HEX]`",
                        "expected `kind N`",
                    );
                    return None;
                };
                let Ok(kind) = k.text.parse::<u8>() else {
                    self.error(
                        k.span,
                        format!("`{}` is not an option kind (0..255)", k.text),
                        "expected 0..255",
                    );
                    return None;
                };
                let data = match e.args.get(1) {
                    Some(h) => Some(self.hex(&h.text, h.span, "option data")?),
                    None if send => Some(Vec::new()),
                    None => None,
                };
                if let Some(extra) = e.args.get(2) {
                    self.error(
                        extra.span,
                        "`kind N HEX` takes one run of hex bytes",
                        "unexpected value",
                    );
                    return None;
                }
                Some(TcpOptionSpec::Raw { kind, data })
            }
            _ => {
                self.unknown_option(e);
                None
            }
        }
    }

    fn option_value(&mut self, w: &ast::Word, slot: Slot, mode: Mode) -> Option<Value> {
        // Fast path for the common forms: a plain decimal number, or `*`.
        if w.text == "*" {
            return Some(Value::Any);
        }
        if !w.text.is_empty() && w.text.len() <= 19 && w.text.bytes().all(|b| b.is_ascii_digit()) {
            let ast_value = ast::Value::Expr(ast::Expr {
                first: ast::Atom {
                    kind: ast::AtomKind::Number,
                    text: w.text.clone(),
                    span: w.span,
                },
                rest: vec![],
                span: w.span,
            });
            return self.value(&ast_value, slot, mode);
        }
        let parsed = crate::sentence::parse_value(&w.text, &crate::sentence::Offset(w.span.start as usize));
        match parsed {
            Ok(v) => {
                if matches!(v, ast::Value::Any(_)) && mode == Mode::Send {
                    return Some(Value::Any);
                }
                self.value(&v, slot, mode)
            }
            Err(_) => {
                self.error(
                    w.span,
                    format!("`{}` is not a value for `{}`", w.text, slot.name),
                    "expected a number, `$var` or `*`",
                );
                None
            }
        }
    }
}
