//! Field tests and the values and expressions they compare with.

use super::{Field, FlowAttr, FlowId, Host};
use std::net::IpAddr;

/// One `field OP value` clause: a constraint in a pattern, an assignment in a send.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldTest {
    /// The header field tested or set.
    pub field: Field,
    /// How the field compares with `value` (always `=` in a send).
    pub op: Op,
    /// What the field is compared with or set to.
    pub value: Value,
    /// Whether the compiler filled this in as a send default (docs/language.md §3.9).
    pub default: bool,
}

/// The comparison of a field clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=` (membership for sets/ranges; `in` is a synonym).
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl Op {
    /// The operator as written in sentences.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A value in a field, port or option position.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `*`: any (pattern) or the runner's choice (send; shown as `auto`).
    Any,
    /// Exactly this value.
    One(Expr),
    /// `{a, b}`.
    Set(Vec<Expr>),
    /// `a..b`, inclusive.
    Range(Expr, Expr),
}

/// An expression: a constant, a variable, a flow attribute, or arithmetic.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number (also an ECN word, resolved).
    Int(u64),
    /// An address literal.
    Ip(IpAddr),
    /// A MAC address.
    Mac([u8; 6]),
    /// A host name (address of the sentence's family).
    Host(Host),
    /// `$name`: text bound at run time, parsed as the field needs.
    Var(String),
    /// `$flow.attr`.
    FlowAttr(FlowId, FlowAttr),
    /// `a + b`.
    Add(Box<Expr>, Box<Expr>),
    /// `a - b`.
    Sub(Box<Expr>, Box<Expr>),
}
