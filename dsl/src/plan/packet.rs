//! Packet sentences, typed: a packet to send or a pattern to match.

use super::{Endpoint, FieldTest, FlowId, TcpOptionSpec, Value};

/// What a packet sentence's keyword (or its flow) says the packet carries; a sentence tests the
/// headers up to this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    /// `tcp`, `tcp6`: a TCP segment.
    Tcp,
    /// `udp`, `udp6`: a UDP datagram.
    Udp,
    /// ICMP or ICMPv6.
    Icmp,
    /// Any IP packet (`ipv4`, `ipv6`).
    Ip,
    /// `arp`: an ARP request or reply.
    Arp,
    /// Any Ethernet frame.
    Eth,
}

/// The IP version of a sentence: which header, addresses and ICMP table apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4 (`tcp`, `udp`, `icmp`, `ipv4`): translated by the NAT.
    V4,
    /// IPv6 (`tcp6`, `udp6`, `icmp6`, `ipv6`): routed, not translated.
    V6,
}

/// A packet to send or a pattern to match, typed (docs/language.md §3).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PacketSpec {
    /// The protocol keyword (or the flow's).
    pub proto: Option<Proto>,
    /// IP family (`None` for `arp`/`eth`).
    pub family: Option<Family>,
    /// The flow this sentence names.
    pub flow: Option<FlowId>,
    /// ICMP type (from a type word or `type=`).
    pub icmp_type: Option<u8>,
    /// ICMP code (from a code word).
    pub icmp_code: Option<u8>,
    /// Where the packet comes from (written, or filled from the flow).
    pub src: Option<Endpoint>,
    /// Where the packet goes (written, or filled from the flow).
    pub dst: Option<Endpoint>,
    /// TCP flags (the eight classic bits), when written.
    pub flags: Option<u8>,
    /// `flags has X`: bits that must be set.
    pub flags_has: u8,
    /// `flags lacks X`: bits that must be clear.
    pub flags_lacks: u8,
    /// Field constraints (and, in sends, assignments including defaults), in order.
    pub fields: Vec<FieldTest>,
    /// `<...>`: the whole option list.
    pub options: Option<Vec<TcpOptionSpec>>,
    /// `has <...>`: entries the observed option list must hold, as a multiset.
    pub has_options: Vec<TcpOptionSpec>,
    /// `lacks <...>`: option kinds.
    pub lacks_options: Vec<u8>,
    /// The `data` clause (a send without one carries no payload).
    pub payload: Option<PayloadSpec>,
    /// The quoted packet of an ICMP error.
    pub inner: Option<Box<PacketSpec>>,
    /// `fragment SIZE [order ...]` on a send: cut the datagram into IPv4 fragments.
    pub fragment: Option<FragmentSpec>,
}

/// How a send is cut into IPv4 fragments (`fragment 1480 order 3,2,1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FragmentSpec {
    /// Data bytes per fragment: a multiple of 8 (the last fragment carries the rest).
    pub size: u16,
    /// The fragments sent, numbered from 1, in sending order; empty: all of them, in order. A
    /// fragment the list leaves out is not sent.
    pub order: Vec<u16>,
}

/// The payload of a packet.
#[derive(Clone, Debug, PartialEq)]
pub enum PayloadSpec {
    /// Exactly these bytes (`data "text"`, `data 0x..`, `data ""`).
    Bytes(Vec<u8>),
    /// `data len N`: send N bytes (byte i = i mod 256); match any content of that length.
    Len(Value),
    /// `data fill N`: that length and the content i mod 256.
    Fill(Value),
    /// `data *`: anything.
    Any,
}
