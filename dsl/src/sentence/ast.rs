//! The syntax tree of one packet sentence, as written: every node carries the file span of its
//! text. Nothing here is checked beyond the grammar; the compiler gives it meaning.

use crate::source::Span;

/// A piece of text with the file span it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The text as written.
    pub text: String,
    /// Where it is in the file.
    pub span: Span,
}

/// What a step's side value says: send a packet, or expect something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sentence {
    /// `lan: tcp lan:1 -> wan:2 S`: an emulated host sends this packet.
    Send(Packet),
    /// `wan: expect ...`.
    Expect(Expect),
}

/// An `expect` sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// What is expected.
    pub kind: ExpectKind,
    /// `within` / `after` clauses, in the order written.
    pub windows: Vec<Window>,
    /// The `expect` keyword.
    pub keyword: Span,
}

/// The three forms of `expect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectKind {
    /// `expect PATTERN`.
    Match(Packet),
    /// `expect no PATTERN`.
    No(Packet),
    /// `expect nothing`.
    Nothing,
}

/// `within D` or `after D`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// `within` or `after`.
    pub keyword: Word,
    /// The duration as written.
    pub duration: Word,
}

/// A packet sentence: a head and clauses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// The protocol keyword or flow name.
    pub head: Word,
    /// ICMP type and code words (zero to two).
    pub icmp_words: Vec<Word>,
    /// `src -> dst`.
    pub endpoints: Option<Endpoints>,
    /// The TCP flag letters (`S.`, `none`).
    pub flags: Option<Word>,
    /// Everything after the head, in the order written.
    pub clauses: Vec<Clause>,
    /// The whole sentence.
    pub span: Span,
}

/// `src -> dst`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Left of the arrow: who sends.
    pub src: Endpoint,
    /// Right of the arrow: who receives.
    pub dst: Endpoint,
    /// Both, with the arrow.
    pub span: Span,
}

/// `addr[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Before the `:`: a host, an address, a variable, `*` or a set.
    pub addr: Value,
    /// After the `:`, when written.
    pub port: Option<Value>,
    /// The whole `addr[:port]`.
    pub span: Span,
}

/// A clause after the head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// `name OP value`.
    Field(FieldClause),
    /// `flags has X` / `flags lacks X`.
    FlagsTest {
        /// `true` for `has`.
        has: bool,
        /// The flag letters.
        flags: Word,
        /// The whole clause.
        span: Span,
    },
    /// `<...>`, `has <...>`, `lacks <...>`.
    Options(OptionsClause),
    /// `data ...`.
    Payload(PayloadClause),
    /// `inner (packet)`.
    Inner {
        /// The quoted packet.
        packet: Box<Packet>,
        /// The `inner` keyword.
        keyword: Span,
    },
    /// `fragment SIZE [order I,J,...]`.
    Fragment(FragmentClause),
}

/// `fragment SIZE [order I,J,...]`: the numbers as written, each with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FragmentClause {
    /// The data bytes per fragment.
    pub size: Word,
    /// The fragments to send, by number from 1, in sending order (empty: all, in order).
    pub order: Vec<Word>,
    /// The whole clause.
    pub span: Span,
}

/// `name OP value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldClause {
    /// The field name (`ttl`, `ip.csum`, `inner.dport`).
    pub name: Word,
    /// The operator as written (`in` is kept as `in`).
    pub op: Word,
    /// What the field is compared with or set to.
    pub value: Value,
    /// The whole clause.
    pub span: Span,
}

/// Which form of option list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionsMode {
    /// `<...>`: the whole list.
    Exact,
    /// `has <...>`.
    Has,
    /// `lacks <...>`.
    Lacks,
}

/// An option list clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionsClause {
    /// Exact, has or lacks.
    pub mode: OptionsMode,
    /// The entries in order.
    pub entries: Vec<OptionEntry>,
    /// The whole clause.
    pub span: Span,
}

/// One option entry: its name and the words after it (`ts val 1 ecr 0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionEntry {
    /// The option name as written (any case).
    pub name: Word,
    /// Its arguments, as written.
    pub args: Vec<Word>,
    /// The whole entry.
    pub span: Span,
}

/// `data ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadClause {
    /// What follows `data`.
    pub body: PayloadBody,
    /// The whole clause.
    pub span: Span,
}

/// The forms of a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadBody {
    /// `data "text"`: the text between the quotes, escapes not yet decoded.
    Text(Word),
    /// `data 0x4745`.
    Hex(Word),
    /// `data len N`.
    Len(Value),
    /// `data fill N`.
    Fill(Value),
    /// `data *`.
    Any(Span),
}

/// A value where a field, port or address goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `*`.
    Any(Span),
    /// `{a, b}`.
    Set(Vec<Expr>, Span),
    /// `a..b`.
    Range(Box<Expr>, Box<Expr>, Span),
    /// A single expression.
    Expr(Expr),
}

impl Value {
    /// The value's text span.
    pub fn span(&self) -> Span {
        match self {
            Value::Any(s) | Value::Set(_, s) | Value::Range(_, _, s) => *s,
            Value::Expr(e) => e.span,
        }
    }
}

/// `atom (+|- atom)*`, no spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// The atom before any `+`/`-`.
    pub first: Atom,
    /// Following `+ atom` / `- atom` terms (`true` = plus).
    pub rest: Vec<(bool, Atom)>,
    /// The whole expression.
    pub span: Span,
}

/// One token of a value: a variable, an address, a MAC, a number or a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atom {
    /// What kind of token.
    pub kind: AtomKind,
    /// Its text (for `$x.y`: without the `$`).
    pub text: String,
    /// Where it is in the file (with the `$` of a variable).
    pub span: Span,
}

/// What an atom's token is, as the grammar recognised it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomKind {
    /// `$name` or `$flow.attr`.
    Var,
    /// `[3fff::1]` (text without the brackets).
    Ipv6,
    /// `192.168.0.1`.
    Ipv4,
    /// `02:00:00:00:01:64`.
    Mac,
    /// `1460`, `0x88cc`.
    Number,
    /// A lowercase word: host name, ECN word, ...
    Word,
}
