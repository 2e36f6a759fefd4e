//! Parses sentence text with the pest grammar (`sentence.pest`) into the [`ast`](super::ast),
//! mapping every position through the YAML scalar it came from.

use super::ast::*;
use super::hints::{self, Entry};
use crate::diag::Diagnostic;
use crate::source::Span;
use pest::Parser;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "sentence/sentence.pest"]
struct SentenceParser;

/// Maps a byte range of a sentence's text to a span in its file (the YAML scalar's position).
pub trait SpanMap {
    /// The file span of `range` in the sentence text.
    fn span(&self, range: std::ops::Range<usize>) -> Span;
}

/// A sentence that starts at a fixed file offset with no escapes (tests, one-line plain scalars).
pub struct Offset(pub usize);

impl SpanMap for Offset {
    fn span(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.0 + r.start, self.0 + r.end)
    }
}

impl SpanMap for crate::yaml::Scalar {
    fn span(&self, r: std::ops::Range<usize>) -> Span {
        self.span_of(r)
    }
}

/// How deeply `inner (...)` may nest: an ICMP error quoting an ICMP error quoting a packet.
const MAX_NESTING: usize = 4;

/// Rejects sentences nested deeper than [`MAX_NESTING`] before the recursive parser sees them.
fn check_nesting(text: &str, map: &dyn SpanMap) -> Result<(), Diagnostic> {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if esc => esc = false,
            '\\' if in_str => esc = true,
            '"' => in_str = !in_str,
            '(' if !in_str => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Diagnostic::error(
                        map.span(i..i + 1),
                        format!("`inner (...)` nested more than {MAX_NESTING} deep"),
                    )
                    .with_label("too deep"));
                }
            }
            ')' if !in_str => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses a step's side value.
pub fn parse_step(text: &str, map: &dyn SpanMap) -> Result<Sentence, Diagnostic> {
    check_nesting(text, map)?;
    let mut pairs = SentenceParser::parse(Rule::step, text).map_err(|e| syntax_error(e, text, Entry::Step, map))?;
    let step = pairs.next().expect("grammar: step");
    let cx = Cx { map };
    let inner = step.into_inner().next().expect("grammar: step body");
    Ok(match inner.as_rule() {
        Rule::expect => Sentence::Expect(cx.expect(inner)),
        _ => Sentence::Send(cx.packet(inner)),
    })
}

/// Parses a flow definition sentence.
pub fn parse_flow(text: &str, map: &dyn SpanMap) -> Result<Packet, Diagnostic> {
    check_nesting(text, map)?;
    let mut pairs = SentenceParser::parse(Rule::flow_def, text).map_err(|e| syntax_error(e, text, Entry::Flow, map))?;
    let flow = pairs.next().expect("grammar: flow_def");
    let packet = flow.into_inner().next().expect("grammar: flow packet");
    Ok(Cx { map }.packet(packet))
}

/// Parses a value written in `vars:`, `set:` or `matrix:` as a field value.
pub fn parse_value(text: &str, map: &dyn SpanMap) -> Result<Value, Diagnostic> {
    let mut pairs =
        SentenceParser::parse(Rule::value_text, text).map_err(|e| syntax_error(e, text, Entry::Value, map))?;
    let v = pairs.next().expect("grammar: value_text");
    let fv = v.into_inner().next().expect("grammar: field_value");
    let cx = Cx { map };
    Ok(cx.value(fv.into_inner().next().expect("grammar: value")))
}

struct Cx<'a> {
    map: &'a dyn SpanMap,
}

impl Cx<'_> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        self.map.span(s.start()..s.end())
    }

    fn word(&self, p: &Pair<Rule>) -> Word {
        Word {
            text: p.as_str().to_string(),
            span: self.span(p),
        }
    }

    fn expect(&self, p: Pair<Rule>) -> Expect {
        let mut keyword = Span::default();
        let mut kind = ExpectKind::Nothing;
        let mut windows = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::kw_expect => keyword = self.span(&c),
                Rule::expect_nothing => kind = ExpectKind::Nothing,
                Rule::expect_no => {
                    let packet = c.into_inner().nth(1).expect("grammar: expect no packet");
                    kind = ExpectKind::No(self.packet(packet));
                }
                Rule::packet => kind = ExpectKind::Match(self.packet(c)),
                Rule::window => {
                    let mut it = c.into_inner();
                    let kw = it.next().expect("grammar: window keyword");
                    let d = it.next().expect("grammar: window duration");
                    windows.push(Window {
                        keyword: self.word(&kw),
                        duration: self.word(&d),
                    });
                }
                _ => {}
            }
        }
        Expect { kind, windows, keyword }
    }

    fn packet(&self, p: Pair<Rule>) -> Packet {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let head = it.next().expect("grammar: head");
        let mut packet = Packet {
            head: Word {
                text: String::new(),
                span,
            },
            icmp_words: Vec::new(),
            endpoints: None,
            flags: None,
            clauses: Vec::new(),
            span,
        };
        for h in head.into_inner() {
            match h.as_rule() {
                Rule::head_word => packet.head = self.word(&h),
                Rule::icmp_word => packet.icmp_words.push(self.word(&h)),
                Rule::head_mtu => packet.clauses.push(Clause::Field(self.field(h))),
                Rule::endpoints => packet.endpoints = Some(self.endpoints(h)),
                Rule::flags => packet.flags = Some(self.word(&h)),
                _ => {}
            }
        }
        for c in it {
            let c = c.into_inner().next().expect("grammar: clause body");
            packet.clauses.push(self.clause(c));
        }
        packet
    }

    fn endpoints(&self, p: Pair<Rule>) -> Endpoints {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let src = self.endpoint(it.next().expect("grammar: src"));
        let dst = self.endpoint(it.next().expect("grammar: dst"));
        Endpoints { src, dst, span }
    }

    fn endpoint(&self, p: Pair<Rule>) -> Endpoint {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let addr = it.next().expect("grammar: address");
        let addr_span = self.span(&addr);
        let a = addr.into_inner().next().expect("grammar: address body");
        let addr = match a.as_rule() {
            Rule::any => Value::Any(self.span(&a)),
            Rule::set => self.value(a),
            Rule::host => Value::Expr(Expr {
                first: Atom {
                    kind: AtomKind::Word,
                    text: a.as_str().to_string(),
                    span: addr_span,
                },
                rest: vec![],
                span: addr_span,
            }),
            _ => {
                let atom = self.atom_of(a);
                Value::Expr(Expr {
                    first: atom,
                    rest: vec![],
                    span: addr_span,
                })
            }
        };
        let port = it
            .next()
            .map(|p| self.value(p.into_inner().next().expect("grammar: port")));
        Endpoint { addr, port, span }
    }

    fn clause(&self, c: Pair<Rule>) -> Clause {
        let span = self.span(&c);
        match c.as_rule() {
            Rule::field => Clause::Field(self.field(c)),
            Rule::flags_test => {
                let mut it = c.into_inner();
                it.next();
                let has = it.next().expect("grammar: has/lacks").as_rule() == Rule::kw_has;
                let flags = self.word(&it.next().expect("grammar: flags"));
                Clause::FlagsTest { has, flags, span }
            }
            Rule::options => Clause::Options(self.options(c, OptionsMode::Exact, span)),
            Rule::has_opts | Rule::lacks_opts => {
                let mode = if c.as_rule() == Rule::has_opts {
                    OptionsMode::Has
                } else {
                    OptionsMode::Lacks
                };
                let o = c.into_inner().nth(1).expect("grammar: option list");
                Clause::Options(self.options(o, mode, span))
            }
            Rule::payload => {
                let body = c.into_inner().nth(1).expect("grammar: payload body");
                let b = body.into_inner().next().expect("grammar: payload form");
                let body = match b.as_rule() {
                    Rule::string => {
                        let inner = b.into_inner().next().expect("grammar: string inner");
                        PayloadBody::Text(self.word(&inner))
                    }
                    Rule::hex_bytes => PayloadBody::Hex(self.word(&b)),
                    Rule::any => PayloadBody::Any(self.span(&b)),
                    Rule::data_len | Rule::data_fill => {
                        let len = b.as_rule() == Rule::data_len;
                        let v = b.into_inner().nth(1).expect("grammar: data len value");
                        let v = self.value(v.into_inner().next().expect("grammar: value"));
                        if len { PayloadBody::Len(v) } else { PayloadBody::Fill(v) }
                    }
                    r => unreachable!("grammar: payload {r:?}"),
                };
                Clause::Payload(PayloadClause { body, span })
            }
            Rule::fragment => {
                let numbers: Vec<Word> = c
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::frag_number)
                    .map(|p| self.word(&p))
                    .collect();
                let mut it = numbers.into_iter();
                let size = it.next().expect("grammar: fragment size");
                Clause::Fragment(FragmentClause {
                    size,
                    order: it.collect(),
                    span,
                })
            }
            Rule::inner => {
                let mut it = c.into_inner();
                let kw = it.next().expect("grammar: inner keyword");
                let packet = self.packet(it.next().expect("grammar: inner packet"));
                Clause::Inner {
                    packet: Box::new(packet),
                    keyword: self.span(&kw),
                }
            }
            r => unreachable!("grammar: clause {r:?}"),
        }
    }

    fn options(&self, p: Pair<Rule>, mode: OptionsMode, span: Span) -> OptionsClause {
        let mut entries = Vec::new();
        for e in p.into_inner() {
            let espan = self.span(&e);
            let mut it = e.into_inner();
            let name = self.word(&it.next().expect("grammar: option name"));
            let args = it.map(|a| self.word(&a)).collect();
            entries.push(OptionEntry {
                name,
                args,
                span: espan,
            });
        }
        OptionsClause { mode, entries, span }
    }

    fn field(&self, p: Pair<Rule>) -> FieldClause {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = it.next().expect("grammar: field name");
        let name = if name.as_rule() == Rule::kw_mtu {
            Word {
                text: "mtu".into(),
                span: self.span(&name),
            }
        } else {
            self.word(&name)
        };
        let op = self.word(&it.next().expect("grammar: op"));
        let v = it.next().expect("grammar: field value");
        let value = self.value(v.into_inner().next().expect("grammar: value"));
        FieldClause { name, op, value, span }
    }

    fn value(&self, p: Pair<Rule>) -> Value {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::any => Value::Any(span),
            Rule::set => Value::Set(p.into_inner().map(|e| self.expr(e)).collect(), span),
            Rule::scalar => {
                let mut it = p.into_inner();
                let a = self.expr(it.next().expect("grammar: expr"));
                match it.next() {
                    Some(b) => Value::Range(Box::new(a), Box::new(self.expr(b)), span),
                    None => Value::Expr(a),
                }
            }
            r => unreachable!("grammar: value {r:?}"),
        }
    }

    fn expr(&self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let first = self.atom(it.next().expect("grammar: atom"));
        let mut rest = Vec::new();
        while let Some(op) = it.next() {
            let plus = op.as_str() == "+";
            let a = self.atom(it.next().expect("grammar: atom after operator"));
            rest.push((plus, a));
        }
        Expr { first, rest, span }
    }

    fn atom(&self, p: Pair<Rule>) -> Atom {
        self.atom_of(p.into_inner().next().expect("grammar: atom body"))
    }

    fn atom_of(&self, a: Pair<Rule>) -> Atom {
        let span = self.span(&a);
        let raw = a.as_str();
        let (kind, text) = match a.as_rule() {
            Rule::var_ref => (AtomKind::Var, raw[1..].to_string()),
            Rule::v6_lit => (AtomKind::Ipv6, raw[1..raw.len() - 1].to_string()),
            Rule::digits if raw.contains(':') => (AtomKind::Mac, raw.to_string()),
            Rule::digits if raw.contains('.') => (AtomKind::Ipv4, raw.to_string()),
            Rule::digits => (AtomKind::Number, raw.to_string()),
            _ => (AtomKind::Word, raw.to_string()),
        };
        Atom { kind, text, span }
    }
}

/// Turns a pest error into a diagnostic that says, in words, what was expected there.
fn syntax_error(e: pest::error::Error<Rule>, text: &str, entry: Entry, map: &dyn SpanMap) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let pos = pos.min(text.len());
    let rest = &text[pos..];
    let tok_len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, ',' | '>' | ')'))
        .map_or(rest.len(), |(i, _)| i)
        .max(rest.chars().next().map_or(0, char::len_utf8));
    let found = if rest.is_empty() {
        "the end of the sentence".to_string()
    } else {
        format!("`{}`", &rest[..tok_len])
    };
    let span = map.span(pos..pos + tok_len);
    let positives = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => vec![],
    };
    if let Some(d) = hints::hint(text, pos, &positives, entry, map) {
        return d;
    }
    let mut expected: Vec<&'static str> = Vec::new();
    for r in &positives {
        let d = describe(*r);
        if !d.is_empty() && !expected.contains(&d) {
            expected.push(d);
        }
    }
    // `data "abc` can also be read as a field named `data`; the payload is what was meant.
    if expected.iter().any(|e| e.starts_with("a payload")) {
        expected.retain(|e| !e.starts_with("an operator"));
    }
    let what = match expected.len() {
        0 => "a packet sentence".to_string(),
        1 => expected[0].to_string(),
        _ => {
            let (last, init) = expected.split_last().expect("non-empty");
            format!("{} or {}", init.join(", "), last)
        }
    };
    // `... S bogus`: a lone word was read as a field name waiting for its operator. Point at
    // the word and say what a clause is.
    if expected.len() == 1 && expected[0].starts_with("an operator") {
        let before = text[..pos].trim_end();
        // The word starts after the last whitespace character, which may be wider than a byte
        // (a no-break space is two).
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            let d = Diagnostic::error(map.span(start..before.len()), format!("`{word}` is not a clause of a packet sentence"))
                .with_label("expected a clause (a field such as `ttl=64`, `<options>`, `has <...>`, `lacks <...>`, `data ...`, `inner (...)`)");
            return d.with_help(format!("a field needs an operator and a value: `{word}=VALUE`"));
        }
    }
    let mut d =
        Diagnostic::error(span, format!("expected {what}, found {found}")).with_label(format!("expected {what}"));
    if rest.starts_with('"') && !rest[1..].contains('"') {
        d = d.with_help("this string is not closed: add the closing `\"`");
    }
    d
}

/// What a grammar rule means to a person writing a case.
fn describe(r: Rule) -> &'static str {
    match r {
        Rule::head_word | Rule::packet => {
            "a protocol (tcp, udp, icmp, tcp6, udp6, icmp6, ipv4, ipv6, arp, eth) or a flow name"
        }
        Rule::kw_expect => "`expect` or a packet",
        Rule::kw_nothing | Rule::kw_no => "`no`, `nothing` or a pattern",
        Rule::endpoints | Rule::endpoint | Rule::address => "endpoints `src[:port] -> dst[:port]`",
        Rule::flags => "a TCP flag set such as S, S. or P.",
        Rule::clause
        | Rule::field
        | Rule::options
        | Rule::has_opts
        | Rule::lacks_opts
        | Rule::payload
        | Rule::inner
        | Rule::flags_test => {
            "a clause (a field such as `ttl=64`, `<options>`, `has <...>`, `lacks <...>`, `data ...`, `inner (...)`)"
        }
        Rule::window | Rule::kw_within | Rule::kw_after => "`within D` or `after D`",
        Rule::duration => "a duration such as `1s`, `250ms` or `1m30s`",
        Rule::EOI => "the end of the sentence",
        Rule::op | Rule::op_sym | Rule::kw_in => "an operator (`=`, `!=`, `<`, `<=`, `>`, `>=`, `in`)",
        Rule::field_value | Rule::port | Rule::expr | Rule::atom | Rule::set | Rule::scalar | Rule::any => {
            "a value (a number, an address, `$var`, `*`, a range `a..b` or a set `{a, b}`)"
        }
        Rule::opt_entry | Rule::opt_name => {
            "a TCP option (mss N, sackOK, ts val N ecr N, nop, eol, wscale N, sack L:R, fo [HEX], fo-exp [HEX], kind N [HEX])"
        }
        Rule::opt_arg => "an option value",
        Rule::payload_body | Rule::string | Rule::hex_bytes | Rule::data_len | Rule::data_fill => {
            "a payload (`\"text\"`, `0xHEX`, `len N`, `fill N` or `*`)"
        }
        Rule::string_inner => "the closing `\"`",
        Rule::icmp_word => "",
        Rule::head_mtu | Rule::kw_mtu => "",
        _ => "",
    }
}

/// Grammar-only parse, for benchmarking the pest part apart from building the tree.
#[doc(hidden)]
pub fn grammar_only(text: &str) -> bool {
    SentenceParser::parse(Rule::step, text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(s: &str) -> Sentence {
        parse_step(s, &Offset(0)).unwrap_or_else(|d| panic!("{s}: {}", d.message))
    }

    #[test]
    fn parses_the_dsl_example_sentences() {
        for s in [
            "first S seq=0 win=64240 <mss 1460, sackOK, nop, wscale 7, fo>",
            "expect first S <mss *, sackOK, nop, wscale 7, fo> within 1s",
            "first S. seq=0 ack=1 <mss 1460, fo 8a3c21f0e1d2c3b4>",
            "expect first S. ack=1 has <fo 8a3c21f0e1d2c3b4> within 1s",
            "second S seq=0 <mss 1460, fo 8a3c21f0e1d2c3b4> data \"GET\\n\"",
            "udp lan:5000 -> wan:3478 data \"ping\"",
            "expect udp gw:$p -> wan:3478 within 1s",
            "expect no tcp * -> wan:80 S within 2s",
            "expect nothing within 2s",
            "icmp unreachable port wan -> gw inner (udp gw:$p -> wan:53)",
            "icmp unreachable frag-needed mtu=1400 wan -> gw inner (udp gw:$p -> wan:53)",
            "expect icmp time-exceeded ttl wan -> gw ttl=1",
            "tcp6 lan:1 -> wan:{80, 443} S dport in {80,443} sport=1024..65535 seq=$s+1",
            "eth eth.type=0x88cc eth.dst=01:80:c2:00:00:00",
            "expect tcp lan:1 -> [3fff:0:0:2::99]:80 S flags has S ecn=not-ect after 1s within 2s",
            "udp lan:* -> 198.51.100.7:53 data len 10",
            "expect udp gw:* -> wan:53 data len 10..20 data fill 3",
            "expect tcp gw:* -> wan:80 S lacks <fo> has <nop, nop>",
            "tcp lan:1 -> wan:2 R. <kind 99 0x0102, fo-exp 0011223344556677, ts val 1 ecr 0, sack 1:2 3:4>",
        ] {
            step(s);
        }
    }

    #[test]
    fn keywords_are_whole_words() {
        // `north` is a host name here, not `no` + `rth`.
        let Sentence::Expect(e) = step("expect north S") else {
            panic!()
        };
        let ExpectKind::Match(p) = e.kind else {
            panic!("{:?}", e.kind)
        };
        assert_eq!(p.head.text, "north");
    }

    #[test]
    fn icmp_code_word_followed_by_operator_is_a_field() {
        let Sentence::Send(p) = step("icmp time-exceeded ttl=1") else {
            panic!()
        };
        assert_eq!(p.icmp_words.len(), 1);
        assert!(matches!(&p.clauses[0], Clause::Field(f) if f.name.text == "ttl"));
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        let d = parse_step("tcp lan:1 -> wan:2 S bogus", &Offset(100)).unwrap_err();
        assert_eq!(d.span.start, 100 + 21);
        let d = parse_step("udp lan:1 -> wan:2 data \"abc", &Offset(0)).unwrap_err();
        assert!(d.notes.iter().any(|n| n.contains("not closed")), "{d:?}");
    }
}
