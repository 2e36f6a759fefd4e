//! What a testbed can offer and a case can need.

/// What a testbed can offer and a case can need (docs/language.md §5): a case whose needs the
/// testbed lacks is skipped.
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

    /// The capability a file's word names (`small-wan-mtu`).
    pub fn named(word: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == word)
    }

    /// The closed list as an error label says it: `ipv4, ipv6, lan2, wan2, small-wan-mtu`.
    pub fn list() -> String {
        Capability::ALL.map(Capability::name).join(", ")
    }
}
