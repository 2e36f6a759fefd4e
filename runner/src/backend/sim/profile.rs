//! Quirk profiles of the simulated gateway: each one known misbehaviour of real CPE, combinable
//! with `+` (`syn-data-drop+ecn-bleach`). The empty profile is the compliant gateway.

use std::collections::BTreeSet;
use std::fmt;

/// One known misbehaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quirk {
    /// Drops TCP SYNs that carry payload.
    SynDataDrop,
    /// Overwrites TCP option 34 (TFO) with NOPs.
    TfoStrip,
    /// Removes all TCP options but MSS, SACK, timestamps, window scale.
    OptionsStrip,
    /// Clears the IP ECN field and TCP ECE/CWR.
    EcnBleach,
    /// Endpoint-dependent mapping with random ports.
    Symmetric,
    /// Address-and-port-dependent filtering.
    Apdf,
    /// No hairpinning.
    NoHairpin,
    /// UDP mappings expire after 30 s.
    UdpTimeout30s,
    /// Clamps the MSS of SYNs to 1400.
    MssClamp1400,
    /// Drops ICMP errors instead of translating them.
    NoIcmpErrors,
    /// Forwards without decrementing TTL / hop limit.
    NoTtlDecrement,
    /// Forgets the TCP/UDP (and ICMP echo id) checksum update after NAT.
    BadChecksum,
    /// Sets the IPv4 id of forwarded packets to 0.
    IpidZero,
    /// Clears DF on forwarded IPv4.
    DfClear,
    /// Drops expiring packets without sending Time Exceeded.
    NoTimeExceeded,
    /// Drops TCP RSTs.
    RstDrop,
    /// An inbound ICMP error deletes the mapping it concerns.
    IcmpKillsMapping,
    /// Rewrites the TCP timestamp value of outbound segments.
    TsRewrite,
    /// Shifts outbound TCP sequence numbers (and inbound acks back).
    IsnRewrite,
    /// TCP established mappings expire after 300 s.
    TcpTimeoutShort,
    /// Forwards unsolicited inbound IPv4 TCP/UDP to the first LAN host (a default DMZ).
    DmzHost,
    /// Answers an unsolicited inbound TCP SYN at once with a RST.
    SynRst,
    /// Drops an inbound SYN without ACK on an existing TCP mapping.
    NoSimultaneousOpen,
    /// Rewrites the MSS of every TCP SYN to 1452, raising smaller values.
    MssFixed1452,
    /// Applies the incremental checksum update to a UDP checksum of 0 ("none").
    UdpZeroCsum,
    /// Half-open and closing TCP mappings expire after 120 s.
    TcpTransitory120s,
    /// ICMP query mappings expire after 30 s.
    IcmpTimeout30s,
    /// No IPv6 stateful filter: unsolicited inbound IPv6 is forwarded.
    Ipv6Open,
    /// Forwards LAN IPv6 packets whose source is outside the LAN prefix, WAN ones from inside it.
    V6SpoofForwarded,
    /// Forwards IPv6 packets with a multicast source, a forbidden address or a type 0 routing header.
    V6BogonForwarded,
    /// Drops outbound TCP segments that start beyond the next expected sequence number.
    SeqHoleDrop,
    /// Drops a TCP SYN with data and a Fast Open option and then every new SYN of that client.
    TfoBlacklist,
    /// Drops an IPv4 fragment that arrives before the first fragment of its datagram.
    FragOrderDrop,
    /// Drops IPv4 packets with DF too big for the next link without Fragmentation Needed.
    NoFragNeeded,
    /// Drops IPv6 packets too big for the next link without Packet Too Big.
    V6NoPtb,
    /// Forwards ICMP errors without checking their checksums.
    IcmpCsumUnchecked,
    /// The IPv6 filter prohibits inbound IPsec: ESP and AH from the WAN, unsolicited IKE.
    V6IpsecBlocked,
}

impl Quirk {
    /// Every quirk, in the order `gatecheck gateways` lists them.
    pub const ALL: [Quirk; 37] = [
        Quirk::SynDataDrop,
        Quirk::TfoStrip,
        Quirk::OptionsStrip,
        Quirk::EcnBleach,
        Quirk::Symmetric,
        Quirk::Apdf,
        Quirk::NoHairpin,
        Quirk::UdpTimeout30s,
        Quirk::MssClamp1400,
        Quirk::NoIcmpErrors,
        Quirk::NoTtlDecrement,
        Quirk::BadChecksum,
        Quirk::IpidZero,
        Quirk::DfClear,
        Quirk::NoTimeExceeded,
        Quirk::RstDrop,
        Quirk::IcmpKillsMapping,
        Quirk::TsRewrite,
        Quirk::IsnRewrite,
        Quirk::TcpTimeoutShort,
        Quirk::DmzHost,
        Quirk::SynRst,
        Quirk::NoSimultaneousOpen,
        Quirk::MssFixed1452,
        Quirk::UdpZeroCsum,
        Quirk::TcpTransitory120s,
        Quirk::IcmpTimeout30s,
        Quirk::Ipv6Open,
        Quirk::V6SpoofForwarded,
        Quirk::V6BogonForwarded,
        Quirk::SeqHoleDrop,
        Quirk::TfoBlacklist,
        Quirk::FragOrderDrop,
        Quirk::NoFragNeeded,
        Quirk::V6NoPtb,
        Quirk::IcmpCsumUnchecked,
        Quirk::V6IpsecBlocked,
    ];

    /// The canonical name (`syn-data-drop`).
    pub fn name(self) -> &'static str {
        match self {
            Quirk::SynDataDrop => "syn-data-drop",
            Quirk::TfoStrip => "tfo-strip",
            Quirk::OptionsStrip => "options-strip",
            Quirk::EcnBleach => "ecn-bleach",
            Quirk::Symmetric => "symmetric",
            Quirk::Apdf => "apdf",
            Quirk::NoHairpin => "no-hairpin",
            Quirk::UdpTimeout30s => "udp-timeout-30s",
            Quirk::MssClamp1400 => "mss-clamp-1400",
            Quirk::NoIcmpErrors => "no-icmp-errors",
            Quirk::NoTtlDecrement => "no-ttl-decrement",
            Quirk::BadChecksum => "bad-checksum",
            Quirk::IpidZero => "ipid-zero",
            Quirk::DfClear => "df-clear",
            Quirk::NoTimeExceeded => "no-time-exceeded",
            Quirk::RstDrop => "rst-drop",
            Quirk::IcmpKillsMapping => "icmp-kills-mapping",
            Quirk::TsRewrite => "ts-rewrite",
            Quirk::IsnRewrite => "isn-rewrite",
            Quirk::TcpTimeoutShort => "tcp-timeout-short",
            Quirk::DmzHost => "dmz-host",
            Quirk::SynRst => "syn-rst",
            Quirk::NoSimultaneousOpen => "no-simultaneous-open",
            Quirk::MssFixed1452 => "mss-fixed-1452",
            Quirk::UdpZeroCsum => "udp-zero-csum",
            Quirk::TcpTransitory120s => "tcp-transitory-120s",
            Quirk::IcmpTimeout30s => "icmp-timeout-30s",
            Quirk::Ipv6Open => "ipv6-open",
            Quirk::V6SpoofForwarded => "v6-spoof-forwarded",
            Quirk::V6BogonForwarded => "v6-bogon-forwarded",
            Quirk::SeqHoleDrop => "seq-hole-drop",
            Quirk::TfoBlacklist => "tfo-blacklist",
            Quirk::FragOrderDrop => "frag-order-drop",
            Quirk::NoFragNeeded => "no-frag-needed",
            Quirk::V6NoPtb => "v6-no-ptb",
            Quirk::IcmpCsumUnchecked => "icmp-csum-unchecked",
            Quirk::V6IpsecBlocked => "v6-ipsec-blocked",
        }
    }

    /// One line for `gatecheck gateways`.
    pub fn description(self) -> &'static str {
        match self {
            Quirk::SynDataDrop => "drops TCP SYNs that carry payload (breaks TCP Fast Open)",
            Quirk::TfoStrip => "overwrites TCP option 34 (Fast Open) with NOPs",
            Quirk::OptionsStrip => "removes every TCP option but MSS, SACK, timestamps and window scale",
            Quirk::EcnBleach => "clears the IP ECN field and the TCP ECE/CWR flags",
            Quirk::Symmetric => "endpoint-dependent mapping with random external ports",
            Quirk::Apdf => "address-and-port-dependent filtering of inbound traffic (IPv4 and IPv6)",
            Quirk::NoHairpin => "does not hairpin LAN traffic sent to its own external address",
            Quirk::UdpTimeout30s => "expires idle UDP mappings after 30 s",
            Quirk::MssClamp1400 => "clamps the MSS of TCP SYNs to 1400",
            Quirk::NoIcmpErrors => "drops ICMP errors instead of translating them",
            Quirk::NoTtlDecrement => "forwards without decrementing TTL or hop limit",
            Quirk::BadChecksum => "forgets the TCP/UDP/ICMP checksum update after translation",
            Quirk::IpidZero => "sets the IPv4 identification of forwarded packets to 0",
            Quirk::DfClear => "clears the DF bit of forwarded IPv4 packets",
            Quirk::NoTimeExceeded => "drops packets whose TTL expires without an ICMP Time Exceeded",
            Quirk::RstDrop => "drops TCP RST segments",
            Quirk::IcmpKillsMapping => "deletes a mapping when an ICMP error for it arrives",
            Quirk::TsRewrite => "rewrites the TCP timestamp value of outbound segments",
            Quirk::IsnRewrite => "shifts outbound TCP sequence numbers by 100000 (and inbound acks back)",
            Quirk::TcpTimeoutShort => "expires established TCP mappings after 300 s",
            Quirk::DmzHost => "forwards unsolicited inbound IPv4 TCP/UDP to the first LAN host (DMZ by default)",
            Quirk::SynRst => "answers an unsolicited inbound TCP SYN at once with a RST",
            Quirk::NoSimultaneousOpen => {
                "drops an inbound SYN (without ACK) on an existing mapping: no TCP simultaneous open"
            }
            Quirk::MssFixed1452 => "rewrites the MSS of every TCP SYN to 1452, raising smaller values",
            Quirk::UdpZeroCsum => "applies the incremental checksum update to a UDP checksum of 0, corrupting it",
            Quirk::TcpTransitory120s => "expires half-open and closing TCP mappings after 120 s",
            Quirk::IcmpTimeout30s => "expires ICMP query mappings after 30 s",
            Quirk::Ipv6Open => "has no IPv6 stateful filter: unsolicited inbound IPv6 is forwarded",
            Quirk::V6SpoofForwarded => {
                "forwards LAN IPv6 packets from outside the LAN prefix (no BCP 38) and WAN ones from inside it"
            }
            Quirk::V6BogonForwarded => {
                "forwards IPv6 packets with a multicast source, a forbidden address (IPv4-mapped, ULA, ...) or a type 0 \
                 routing header"
            }
            Quirk::SeqHoleDrop => "drops outbound TCP segments that leave a sequence gap (in-window, out of order)",
            Quirk::TfoBlacklist => "drops a TFO SYN with data, then blocks every new TCP connection of that client",
            Quirk::FragOrderDrop => {
                "drops an IPv4 fragment that arrives before its datagram's first fragment (needs the L4 header first)"
            }
            Quirk::NoFragNeeded => {
                "drops IPv4 packets with DF too big for the next link without ICMP Fragmentation Needed (a PMTUD black hole)"
            }
            Quirk::V6NoPtb => {
                "drops IPv6 packets too big for the next link without ICMPv6 Packet Too Big (a PMTUD black hole)"
            }
            Quirk::IcmpCsumUnchecked => {
                "forwards ICMP errors with a bad ICMP or quoted IPv4 header checksum: the ICMP checksum recomputed, \
                 the quoted one updated and still wrong (as Linux does)"
            }
            Quirk::V6IpsecBlocked => {
                "IPv6 filter drops inbound ESP and AH (also on an outbound pair) and unsolicited IKE on UDP 500"
            }
        }
    }
}

/// A set of quirks; empty = compliant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    quirks: BTreeSet<Quirk>,
}

/// An unknown profile name.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown profile `{name}`{hint}; known: {known}")]
pub struct ProfileError {
    name: String,
    hint: String,
    known: String,
}

impl Profile {
    /// Parses `a+b+c` (empty or `compliant`: no quirks).
    pub fn parse(s: &str) -> Result<Profile, ProfileError> {
        let mut quirks = BTreeSet::new();
        for part in s
            .split('+')
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "compliant")
        {
            match Quirk::ALL.iter().find(|q| q.name() == part) {
                Some(q) => {
                    quirks.insert(*q);
                }
                None => {
                    let names: Vec<&str> = Quirk::ALL.iter().map(|q| q.name()).collect();
                    return Err(ProfileError {
                        name: part.to_string(),
                        hint: dsl::names::suggestion(part, names.iter().copied()),
                        known: names.join(", "),
                    });
                }
            }
        }
        Ok(Profile { quirks })
    }

    /// Whether the profile has a quirk.
    pub fn has(&self, q: Quirk) -> bool {
        self.quirks.contains(&q)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.quirks.iter().map(|q| q.name()).collect();
        f.write_str(&names.join("+"))
    }
}
