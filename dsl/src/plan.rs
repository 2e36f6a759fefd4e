//! The typed plan a case compiles to: what the runner executes. Everything here is checked:
//! names resolved, values in range, flows known. Values that are only known while running
//! (variables bound by earlier expects, flow ports, ISNs) stay symbolic as [`Expr`].

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// One runnable case (one matrix variant of a case file).
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The id, with `[k=v,...]` for matrix variants: the JUnit test case name.
    pub id: String,
    /// The `case:` id as written.
    pub base_id: String,
    /// This variant's matrix values, in key order.
    pub matrix: Vec<(String, String)>,
    /// One-line title.
    pub title: String,
    /// Free text.
    pub description: Option<String>,
    /// Selection tags.
    pub tags: Vec<String>,
    /// Requirements checked.
    pub refs: Vec<String>,
    /// Everything the case needs of a testbed: `requires:` plus what it uses.
    pub needs: BTreeSet<Capability>,
    /// Default `within` of expect steps.
    pub within: Duration,
    /// Bound on time spent outside `wait` steps.
    pub timeout: Duration,
    /// Whether unexpected frames fail the case.
    pub strict: bool,
    /// Variables bound before the first step (`vars:` and matrix values), as text.
    pub vars: Vec<(String, String)>,
    /// The flows, indexed by [`FlowId`].
    pub flows: Vec<Flow>,
    /// The steps, numbered from 1.
    pub steps: Vec<Step>,
    /// Where the case is.
    pub location: Location,
}

/// A position in a case file, resolved for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// What a testbed can offer and a case can need (DSL.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// The gateway and the `lan`/`wan` hosts have IPv4 addresses.
    Ipv4,
    /// The gateway and the `lan`/`wan` hosts have IPv6 addresses.
    Ipv6,
    /// A second LAN host `lan2` exists.
    Lan2,
    /// A second WAN host `wan2` exists.
    Wan2,
    /// The WAN side's MTU is below 1500 and the LAN side's is not: a full-size Ethernet packet
    /// from the LAN does not fit the WAN link (docs/language.md §5).
    SmallWanMtu,
}

impl Capability {
    /// All capabilities, in the order of the closed list.
    pub const ALL: [Capability; 5] = [
        Capability::Ipv4,
        Capability::Ipv6,
        Capability::Lan2,
        Capability::Wan2,
        Capability::SmallWanMtu,
    ];

    /// The word used in files.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Ipv4 => "ipv4",
            Capability::Ipv6 => "ipv6",
            Capability::Lan2 => "lan2",
            Capability::Wan2 => "wan2",
            Capability::SmallWanMtu => "small-wan-mtu",
        }
    }

    /// The closed list as an error label says it: `ipv4, ipv6, lan2, wan2, small-wan-mtu`.
    pub fn list() -> String {
        Capability::ALL.map(Capability::name).join(", ")
    }
}

/// A numbered step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// 1-based number: every list entry counts.
    pub number: usize,
    /// Where the step's action value starts.
    pub location: Location,
    /// The step's sentence (or wait/note/set text) as written.
    pub text: String,
    /// `name:` label.
    pub name: Option<String>,
    /// `why:` text shown when the step fails.
    pub why: Option<String>,
    /// Whether a failure fails the case or only warns.
    pub severity: StepSeverity,
    /// What the step does.
    pub action: Action,
}

/// `severity:` of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StepSeverity {
    /// A failure fails the case (default).
    #[default]
    Fail,
    /// A failure is a warning; the case goes on.
    Warn,
}

/// The gateway side a step acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The LAN side.
    Lan,
    /// The WAN side.
    Wan,
}

impl Side {
    /// `lan` or `wan`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Lan => "lan",
            Side::Wan => "wan",
        }
    }

    /// The side as an index into per-side arrays: LAN 0, WAN 1.
    pub fn index(self) -> usize {
        match self {
            Side::Lan => 0,
            Side::Wan => 1,
        }
    }

    /// The other side of the gateway.
    pub fn other(self) -> Side {
        match self {
            Side::Lan => Side::Wan,
            Side::Wan => Side::Lan,
        }
    }
}

/// What a step does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// An emulated host on `side` sends `packet` into the gateway.
    Send {
        /// The sending side.
        side: Side,
        /// The packet, with defaults filled in.
        packet: PacketSpec,
    },
    /// A frame matching `pattern` must come out on `side` in the window.
    Expect {
        /// The side watched.
        side: Side,
        /// The pattern.
        pattern: PacketSpec,
        /// Window end, from the reference time.
        within: Duration,
        /// Window start, from the reference time.
        after: Option<Duration>,
    },
    /// No frame matching `pattern` may come out on `side` in the window.
    ExpectNo {
        /// The side watched.
        side: Side,
        /// The pattern.
        pattern: PacketSpec,
        /// Window end.
        within: Duration,
    },
    /// No frame at all (noise aside) may come out on `side` in the window.
    ExpectNothing {
        /// The side watched.
        side: Side,
        /// Window end.
        within: Duration,
    },
    /// Let time pass.
    Wait(Duration),
    /// An annotation.
    Note(String),
    /// Bind (`Some`) or unbind (`None`) variables, in order.
    Set(Vec<(String, Option<String>)>),
}

/// Index of a flow in [`Case::flows`].
pub type FlowId = usize;

/// A named conversation from a LAN client to a WAN server (DSL.md §4).
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// The flow's name.
    pub name: String,
    /// TCP, UDP or ICMP echo.
    pub proto: Proto,
    /// IPv4 (translated) or IPv6 (not translated).
    pub family: Family,
    /// The LAN client.
    pub client: Host,
    /// The client's port; `None`: a live run picks one.
    pub client_port: Option<u16>,
    /// The WAN server.
    pub server: Addr,
    /// The server's port (TCP/UDP).
    pub server_port: Option<u16>,
    /// The echo id (ICMP flows).
    pub icmp_id: Option<u16>,
}

/// An emulated host of the testbed, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// Its name (`lan`, `wan2`, `gw`, `gw.lan`, or a testbed's own).
    pub name: String,
    /// The side it is on.
    pub side: Side,
    /// Whether it is the gateway itself (`gw`, `gw.lan`).
    pub is_gateway: bool,
    /// Its MAC, when known.
    pub mac: Option<[u8; 6]>,
    /// Its IPv4 address.
    pub ipv4: Option<Ipv4Addr>,
    /// Its IPv6 address.
    pub ipv6: Option<Ipv6Addr>,
}

/// An address position: a host, a literal, a variable, or anything.
#[derive(Clone, Debug, PartialEq)]
pub enum Addr {
    /// A named host (its address of the sentence's family is used).
    Host(Host),
    /// A literal address.
    Literal(IpAddr),
    /// A variable or flow attribute.
    Expr(Expr),
    /// `*`: anything (pattern) or the runner's choice (send).
    Any,
    /// `{a, b}`: one of these (patterns only).
    Set(Vec<Addr>),
}

/// Protocol of a packet sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP or ICMPv6.
    Icmp,
    /// Any IP packet (`ipv4`, `ipv6`).
    Ip,
    /// ARP.
    Arp,
    /// Any Ethernet frame.
    Eth,
}

/// IP version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// A packet to send or a pattern to match, typed (DSL.md §3).
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
    /// Source endpoint.
    pub src: Option<Endpoint>,
    /// Destination endpoint.
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
    /// `has <...>`.
    pub has_options: Vec<TcpOptionSpec>,
    /// `lacks <...>`: option kinds.
    pub lacks_options: Vec<u8>,
    /// The payload.
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

/// An address and an optional port.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// The address.
    pub addr: Addr,
    /// The port (TCP/UDP) when written.
    pub port: Option<Value>,
}

/// `field OP value`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldTest {
    /// Which header field.
    pub field: Field,
    /// The operator.
    pub op: Op,
    /// The value.
    pub value: Value,
    /// Whether the compiler filled this in as a send default (§3.9).
    pub default: bool,
}

/// Comparison operators.
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
    /// One value.
    One(Expr),
    /// `{a, b}`.
    Set(Vec<Expr>),
    /// `a..b`, inclusive.
    Range(Expr, Expr),
}

/// An expression: a constant, a variable, a flow attribute, or arithmetic.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number.
    Int(u64),
    /// An address.
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

/// Attributes of a flow readable as `$F.attr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowAttr {
    /// The client's port or ICMP id as seen on the WAN side.
    Port,
    /// The client's address as seen on the WAN side.
    Addr,
    /// The client's port on the LAN side.
    Lport,
}

impl FlowAttr {
    /// The attribute's name.
    pub fn name(self) -> &'static str {
        match self {
            FlowAttr::Port => "port",
            FlowAttr::Addr => "addr",
            FlowAttr::Lport => "lport",
        }
    }
}

/// A TCP option entry in a send or a pattern (DSL.md §3.5).
#[derive(Clone, Debug, PartialEq)]
pub enum TcpOptionSpec {
    /// `mss N` (kind 2).
    Mss(Value),
    /// `sackOK` (kind 4).
    SackPermitted,
    /// `ts val N ecr N` (kind 8).
    Timestamps {
        /// TSval.
        val: Value,
        /// TSecr.
        ecr: Value,
    },
    /// `nop` (kind 1).
    Nop,
    /// `eol` (kind 0).
    Eol,
    /// `wscale N` (kind 3).
    WindowScale(Value),
    /// `sack L:R ...` (kind 5), relative in flows.
    Sack(Vec<(Value, Value)>),
    /// `fo [HEX]` (kind 34).
    FastOpen(Cookie),
    /// `fo-exp [HEX]` (kind 254, magic 0xF989).
    FastOpenExp(Cookie),
    /// `kind N [HEX]`.
    Raw {
        /// Option kind.
        kind: u8,
        /// Option data (after kind and length); `None` in a pattern: any.
        data: Option<Vec<u8>>,
    },
}

impl TcpOptionSpec {
    /// The option kind on the wire.
    pub fn kind(&self) -> u8 {
        match self {
            TcpOptionSpec::Eol => 0,
            TcpOptionSpec::Nop => 1,
            TcpOptionSpec::Mss(_) => 2,
            TcpOptionSpec::WindowScale(_) => 3,
            TcpOptionSpec::SackPermitted => 4,
            TcpOptionSpec::Sack(_) => 5,
            TcpOptionSpec::Timestamps { .. } => 8,
            TcpOptionSpec::FastOpen(_) => 34,
            TcpOptionSpec::FastOpenExp(_) => 254,
            TcpOptionSpec::Raw { kind, .. } => *kind,
        }
    }

    /// Bytes this option takes on the wire in a send (for the 40-byte check).
    pub fn wire_len(&self) -> usize {
        match self {
            TcpOptionSpec::Eol | TcpOptionSpec::Nop => 1,
            TcpOptionSpec::Mss(_) => 4,
            TcpOptionSpec::WindowScale(_) => 3,
            TcpOptionSpec::SackPermitted => 2,
            TcpOptionSpec::Sack(e) => 2 + 8 * e.len(),
            TcpOptionSpec::Timestamps { .. } => 10,
            TcpOptionSpec::FastOpen(c) => 2 + c.wire_len(),
            TcpOptionSpec::FastOpenExp(c) => 4 + c.wire_len(),
            TcpOptionSpec::Raw { data, .. } => 2 + data.as_ref().map_or(0, Vec::len),
        }
    }
}

/// A TFO cookie position.
#[derive(Clone, Debug, PartialEq)]
pub enum Cookie {
    /// No cookie: a cookie request.
    Request,
    /// These bytes.
    Bytes(Vec<u8>),
    /// `*`: any TFO option (pattern) or 8 random bytes (send).
    Any,
    /// `$c`: binds (pattern) or uses (send) a variable holding hex bytes.
    Var(String),
}

impl Cookie {
    fn wire_len(&self) -> usize {
        match self {
            Cookie::Request => 0,
            Cookie::Bytes(b) => b.len(),
            Cookie::Any | Cookie::Var(_) => 8,
        }
    }
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

/// The header fields a sentence may name (DSL.md §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Ethernet source MAC.
    EthSrc,
    /// Ethernet destination MAC.
    EthDst,
    /// EtherType.
    EthType,
    /// 802.1Q VLAN id.
    Vlan,
    /// IP source address.
    Src,
    /// IP destination address.
    Dst,
    /// IPv4 TTL.
    Ttl,
    /// IPv6 hop limit.
    Hlim,
    /// IPv4 TOS / IPv6 traffic class.
    Tos,
    /// DSCP (upper six bits of TOS).
    Dscp,
    /// ECN (lower two bits of TOS).
    Ecn,
    /// IPv4 identification.
    IpId,
    /// IPv4 don't-fragment bit.
    Df,
    /// IPv4 more-fragments bit.
    Mf,
    /// Fragment offset (8-byte units).
    Frag,
    /// IP length field (IPv4 total length / IPv6 payload length).
    IpLen,
    /// IPv6 flow label.
    FlowLabel,
    /// IP protocol / next header.
    IpProto,
    /// IPv4 header checksum.
    IpCsum,
    /// TCP/UDP source port.
    Sport,
    /// TCP/UDP destination port.
    Dport,
    /// TCP sequence number.
    Seq,
    /// TCP acknowledgment number.
    Ack,
    /// TCP window.
    Win,
    /// TCP urgent pointer.
    Urg,
    /// TCP reserved bits (4 bits incl. AE).
    TcpRes,
    /// TCP checksum.
    TcpCsum,
    /// UDP length.
    UdpLen,
    /// UDP checksum.
    UdpCsum,
    /// ICMP type.
    IcmpType,
    /// ICMP code.
    IcmpCode,
    /// ICMP echo id.
    IcmpId,
    /// ICMP echo sequence.
    IcmpSeq,
    /// MTU of frag-needed / packet-too-big.
    Mtu,
    /// ICMP checksum.
    IcmpCsum,
    /// `csum=*`: every checksum check.
    Csum,
    /// ARP operation (1 request, 2 reply).
    ArpOp,
}

/// How a field's values are written and how wide they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// An unsigned integer of this many bits.
    Int(u32),
    /// An IP address (or host name).
    Addr,
    /// A MAC address.
    Mac,
    /// ECN: a word or 0..3.
    Ecn,
}

impl Field {
    /// The field's canonical name in sentences.
    pub fn name(self) -> &'static str {
        use Field::*;
        match self {
            EthSrc => "eth.src",
            EthDst => "eth.dst",
            EthType => "eth.type",
            Vlan => "vlan",
            Src => "src",
            Dst => "dst",
            Ttl => "ttl",
            Hlim => "hlim",
            Tos => "tos",
            Dscp => "dscp",
            Ecn => "ecn",
            IpId => "ip.id",
            Df => "df",
            Mf => "mf",
            Frag => "frag",
            IpLen => "len",
            FlowLabel => "flow",
            IpProto => "proto",
            IpCsum => "ip.csum",
            Sport => "sport",
            Dport => "dport",
            Seq => "seq",
            Ack => "ack",
            Win => "win",
            Urg => "urg",
            TcpRes => "tcp.res",
            TcpCsum => "tcp.csum",
            UdpLen => "udp.len",
            UdpCsum => "udp.csum",
            IcmpType => "type",
            IcmpCode => "code",
            IcmpId => "icmp.id",
            IcmpSeq => "icmp.seq",
            Mtu => "mtu",
            IcmpCsum => "icmp.csum",
            Csum => "csum",
            ArpOp => "arp.op",
        }
    }

    /// How the field's values are written.
    pub fn kind(self) -> FieldKind {
        use Field::*;
        match self {
            EthSrc | EthDst => FieldKind::Mac,
            Src | Dst => FieldKind::Addr,
            Ecn => FieldKind::Ecn,
            EthType | IpCsum | Sport | Dport | Win | Urg | TcpCsum | UdpLen | UdpCsum | IcmpId | IcmpSeq | IpId
            | IpLen | IcmpCsum | Csum | Mtu | ArpOp => FieldKind::Int(16),
            Vlan => FieldKind::Int(12),
            Ttl | Hlim | Tos | IpProto | IcmpType | IcmpCode => FieldKind::Int(8),
            Dscp => FieldKind::Int(6),
            Df | Mf => FieldKind::Int(1),
            Frag => FieldKind::Int(13),
            FlowLabel => FieldKind::Int(20),
            Seq | Ack => FieldKind::Int(32),
            TcpRes => FieldKind::Int(4),
        }
    }

    /// Whether the field is one header checksum (`ip.csum`, `tcp.csum`, `udp.csum`, `icmp.csum`).
    pub fn is_checksum(self) -> bool {
        matches!(self, Field::IpCsum | Field::TcpCsum | Field::UdpCsum | Field::IcmpCsum)
    }

    /// Whether arithmetic on this field wraps modulo 2^32 (sequence space).
    pub fn wraps(self) -> bool {
        matches!(self, Field::Seq | Field::Ack)
    }
}

/// Words for ECN values.
pub const ECN_WORDS: [(&str, u64); 4] = [("not-ect", 0), ("ect1", 1), ("ect0", 2), ("ce", 3)];

/// TCP flag letters in tcpdump order with their bits.
pub const TCP_FLAGS: [(char, u8); 8] = [
    ('F', 0x01),
    ('S', 0x02),
    ('R', 0x04),
    ('P', 0x08),
    ('.', 0x10),
    ('U', 0x20),
    ('E', 0x40),
    ('W', 0x80),
];

/// Formats TCP flag bits in tcpdump order (`S.E`), `none` when empty.
pub fn flags_text(bits: u8) -> String {
    if bits == 0 {
        return "none".into();
    }
    TCP_FLAGS
        .iter()
        .filter(|(_, b)| bits & b != 0)
        .map(|(c, _)| *c)
        .collect()
}
