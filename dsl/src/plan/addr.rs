//! Hosts, addresses and endpoints.

use super::{Expr, Side, Value};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An emulated host of the testbed, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// Its name (`lan`, `wan2`, `gw`, `gw.lan`, or a testbed's own).
    pub name: String,
    /// The side it is on.
    pub side: Side,
    /// Whether it is the gateway itself (`gw`, `gw.lan`).
    pub is_gateway: bool,
    /// The MAC the runner uses for this host, when the testbed gives one.
    pub mac: Option<[u8; 6]>,
    /// The address an IPv4 sentence uses for this host.
    pub ipv4: Option<Ipv4Addr>,
    /// The address an IPv6 sentence uses for this host.
    pub ipv6: Option<Ipv6Addr>,
}

/// An address position: a host, a literal, a variable, or anything.
#[derive(Clone, Debug, PartialEq)]
pub enum Addr {
    /// A named host (its address of the sentence's family is used).
    Host(Host),
    /// An address written as such (`198.51.100.7`, `[3fff:0:0:2::99]`).
    Literal(IpAddr),
    /// A variable or flow attribute.
    Expr(Expr),
    /// `*`: anything (pattern) or the runner's choice (send).
    Any,
    /// `{a, b}`: one of these (patterns only).
    Set(Vec<Addr>),
}

/// An address and an optional port.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// Who sends or receives.
    pub addr: Addr,
    /// The port (TCP/UDP) when written.
    pub port: Option<Value>,
}
