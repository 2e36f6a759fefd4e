//! TCP option lists (docs/language.md §3.5): names in any case with tcpdump/packetdrill
//! spellings, typed arguments, send-only range checks.

use super::cx::{CaseCx, Mode};
use super::value::Slot;
use crate::diag::Diagnostic;
use crate::names;
use crate::plan::*;
use crate::sentence::ast::{self, OptionsMode};

/// The largest window scale a send may write (RFC 7323 §2.3).
const MAX_WINDOW_SCALE: u64 = 14;

impl CaseCx<'_> {
    /// Compiles an option clause into `spec`.
    pub(crate) fn options(&mut self, o: &ast::OptionsClause, spec: &mut PacketSpec, mode: Mode) {
        let mut list = Vec::new();
        for e in &o.entries {
            if o.mode == OptionsMode::Lacks {
                if let Some(k) = self.option_kind(e) {
                    spec.lacks_options.push(k);
                }
                continue;
            }
            if let Some(opt) = self.option(e, mode) {
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
        if e.name.text.eq_ignore_ascii_case("kind") {
            return self.kind_number(e, "`lacks <kind N>`", "expected a kind number");
        }
        let Some(kind) = option_kind_named(&e.name.text) else {
            return self.unknown_option(e);
        };
        if let Some(a) = e.args.first() {
            self.error(
                a.span,
                "`lacks <...>` names option kinds only, without values",
                "remove the value",
            );
            return None;
        }
        Some(kind)
    }

    /// The error for an option name the language does not have.
    fn unknown_option(&mut self, e: &ast::OptionEntry) -> Option<u8> {
        if let Some(d) = crate::spellings::unknown_option_error(e.name.span, &e.name.text) {
            self.push(d);
            return None;
        }
        let written: Vec<String> = TCP_OPTION_NAMES
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .chain(["kind".to_string()])
            .collect();
        let hint = names::suggestion(&e.name.text.to_ascii_lowercase(), written.iter().map(String::as_str));
        let entries: Vec<&str> = TCP_OPTION_NAMES.iter().map(|(n, _)| *n).collect();
        self.error(
            e.name.span,
            format!("unknown TCP option `{}`{hint}", e.name.text),
            format!("expected {} or kind N", entries.join(", ")),
        );
        None
    }

    /// One entry of `<...>` or `has <...>`.
    fn option(&mut self, e: &ast::OptionEntry, mode: Mode) -> Option<TcpOptionSpec> {
        if e.name.text.eq_ignore_ascii_case("kind") {
            return self.raw_option(e, mode);
        }
        let Some(kind) = option_kind_named(&e.name.text) else {
            self.unknown_option(e);
            return None;
        };
        match kind {
            option_kind::NOP => self.no_value(e, kind).then_some(TcpOptionSpec::Nop),
            option_kind::EOL => self.no_value(e, kind).then_some(TcpOptionSpec::Eol),
            option_kind::SACK_PERMITTED => self.no_value(e, kind).then_some(TcpOptionSpec::SackPermitted),
            option_kind::MSS => Some(TcpOptionSpec::Mss(self.one_value(e, "mss", 16, mode)?.0)),
            option_kind::WINDOW_SCALE => self.window_scale(e, mode),
            option_kind::TIMESTAMPS => self.timestamps(e, mode),
            option_kind::SACK => self.sack(e, mode),
            option_kind::FAST_OPEN => Some(TcpOptionSpec::FastOpen(self.fast_open_cookie(e, mode)?)),
            option_kind::EXPERIMENTAL => Some(TcpOptionSpec::FastOpenExp(self.fast_open_cookie(e, mode)?)),
            _ => {
                // Every name of TCP_OPTION_NAMES has its arm above.
                self.unknown_option(e);
                None
            }
        }
    }

    /// Whether an option that takes no value (`nop`, `eol`, `sackOK`) has none.
    fn no_value(&mut self, e: &ast::OptionEntry, kind: u8) -> bool {
        let Some(a) = e.args.first() else { return true };
        let name = option_name(kind).unwrap_or("option");
        self.error(a.span, format!("`{name}` takes no value"), "unexpected value");
        false
    }

    /// The single value of `mss N` or `wscale N`, and the word it is written in.
    fn one_value<'e>(
        &mut self,
        e: &'e ast::OptionEntry,
        name: &'static str,
        bits: u32,
        mode: Mode,
    ) -> Option<(Value, &'e ast::Word)> {
        let [a] = e.args.as_slice() else {
            let at = e.args.get(1).map_or(e.name.span, |a| a.span);
            self.error(
                at,
                format!("`{name}` takes one value: `{name} N`, or `{name} *` in a pattern"),
                format!("expected `{name} N`"),
            );
            return None;
        };
        Some((self.option_value(a, int_slot(name, bits), mode)?, a))
    }

    /// `wscale N`: at most 14 in a send.
    fn window_scale(&mut self, e: &ast::OptionEntry, mode: Mode) -> Option<TcpOptionSpec> {
        let (v, a) = self.one_value(e, "wscale", 8, mode)?;
        if let (Mode::Send, Value::One(Expr::Int(s))) = (mode, &v) {
            if *s > MAX_WINDOW_SCALE {
                self.error(
                    a.span,
                    format!("wscale {s} is out of range: a window scale is at most 14 (RFC 7323)"),
                    "at most 14",
                );
                return None;
            }
        }
        Some(TcpOptionSpec::WindowScale(v))
    }

    /// `ts val N ecr N`.
    fn timestamps(&mut self, e: &ast::OptionEntry, mode: Mode) -> Option<TcpOptionSpec> {
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

    /// `sack L:R ...`: one or more blocks.
    fn sack(&mut self, e: &ast::OptionEntry, mode: Mode) -> Option<TcpOptionSpec> {
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
        Some(TcpOptionSpec::Sack(blocks))
    }

    /// The cookie of `fo [HEX]` or `fo-exp [HEX]`; a send's cookie is 4 to 16 bytes, even.
    fn fast_open_cookie(&mut self, e: &ast::OptionEntry, mode: Mode) -> Option<Cookie> {
        let cookie = match e.args.as_slice() {
            [] => Cookie::Request,
            [a] if a.text == "*" => Cookie::Any,
            [a] if a.text.starts_with('$') => self.cookie_variable(a, mode)?,
            [a] => Cookie::Bytes(self.hex(&a.text, a.span, "cookie")?),
            [_, b, ..] => {
                self.error(b.span, "a TFO option takes one cookie", "unexpected value");
                return None;
            }
        };
        if mode == Mode::Send {
            if let (Cookie::Bytes(b), Some(a)) = (&cookie, e.args.first()) {
                if b.len() < 4 || b.len() > 16 || b.len() % 2 != 0 {
                    self.push(
                        Diagnostic::error(
                            a.span,
                            format!(
                                "a TFO cookie is 4 to 16 bytes and even (RFC 7413 §4.1.1); this one is {} bytes",
                                b.len()
                            ),
                        )
                        .with_label("bad cookie length")
                        .with_help(format!(
                            "to send a malformed option on purpose, write `kind {} HEX`",
                            option_kind::FAST_OPEN
                        )),
                    );
                    return None;
                }
            }
        }
        Some(cookie)
    }

    /// `fo $c`: a constant's bytes, a bound variable, or (in a pattern) a new binding.
    fn cookie_variable(&mut self, a: &ast::Word, mode: Mode) -> Option<Cookie> {
        let name = &a.text[1..];
        if let Some(c) = self.consts.get(name) {
            let s = c.scalar;
            let bytes = self.hex(&s.value, s.span_of(0..s.value.len()), "cookie")?;
            Some(Cookie::Bytes(bytes))
        } else if self.bound.contains(name) || self.binding_now.iter().any(|(n, _)| n == name) {
            self.use_var(name);
            Some(Cookie::Var(name.to_string()))
        } else if mode == Mode::Pattern {
            self.binding_now.push((name.to_string(), a.span));
            Some(Cookie::Var(name.to_string()))
        } else {
            self.error(a.span, format!("`{}` is not bound here", a.text), "unbound variable");
            None
        }
    }

    /// `kind N [HEX]`: a raw option; without HEX, empty in a send and any data in a pattern.
    fn raw_option(&mut self, e: &ast::OptionEntry, mode: Mode) -> Option<TcpOptionSpec> {
        let kind = self.kind_number(e, "`kind N [HEX]`", "expected 0..255")?;
        let data = match e.args.get(1) {
            Some(h) => Some(self.hex(&h.text, h.span, "option data")?),
            None if mode == Mode::Send => Some(Vec::new()),
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

    /// The number after `kind`; `usage` and `label` say how the entry is written where it is.
    fn kind_number(&mut self, e: &ast::OptionEntry, usage: &str, label: &str) -> Option<u8> {
        let Some(k) = e.args.first() else {
            self.error(
                e.name.span,
                format!("`kind` needs a number: {usage}"),
                "expected `kind N`",
            );
            return None;
        };
        let Ok(kind) = k.text.parse::<u8>() else {
            self.error(k.span, format!("`{}` is not an option kind (0..255)", k.text), label);
            return None;
        };
        Some(kind)
    }

    /// A value written inside an option entry (a word, not a parsed value).
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

/// The slot of an integer option value of `bits` bits.
fn int_slot(name: &'static str, bits: u32) -> Slot<'static> {
    Slot {
        kind: FieldKind::Int(bits),
        name,
        family: None,
    }
}
