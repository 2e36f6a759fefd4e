//! TCP control flags, displayed in tcpdump order `FSRP.UEW`.

use std::fmt;
use std::str::FromStr;

use super::WireError;

/// The eight TCP flags (byte 13 of the header) plus the low nibble of byte 12
/// (three reserved bits and AE, RFC 9768, formerly NS), kept separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags {
    /// Flag bits: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80.
    pub bits: u8,
    /// Low nibble of header byte 12: reserved bits 0x0e and AE 0x01.
    pub reserved: u8,
}

impl TcpFlags {
    /// FIN: the sender has no more data (takes one sequence number).
    pub const FIN: u8 = dsl::plan::tcp_flag::FIN;
    /// SYN: synchronizes sequence numbers, opening a connection (takes one sequence number).
    pub const SYN: u8 = dsl::plan::tcp_flag::SYN;
    /// RST: resets the connection.
    pub const RST: u8 = dsl::plan::tcp_flag::RST;
    /// PSH: asks the receiver to hand the data on at once.
    pub const PSH: u8 = dsl::plan::tcp_flag::PSH;
    /// ACK: the acknowledgment number is valid.
    pub const ACK: u8 = dsl::plan::tcp_flag::ACK;
    /// URG: the urgent pointer is valid.
    pub const URG: u8 = dsl::plan::tcp_flag::URG;
    /// ECE: ECN-Echo (RFC 3168), congestion seen, or ECN offered on a SYN.
    pub const ECE: u8 = dsl::plan::tcp_flag::ECE;
    /// CWR: congestion window reduced (RFC 3168), or ECN offered on a SYN.
    pub const CWR: u8 = dsl::plan::tcp_flag::CWR;
    /// AE (accurate ECN, RFC 9768) bit within `reserved`.
    pub const AE: u8 = 0x01;

    /// tcpdump letters in display order, with their bits: the case language's letters.
    const ORDER: [(char, u8); 8] = dsl::plan::TCP_FLAGS;

    /// Flags from the flag bits, reserved bits zero.
    pub const fn new(bits: u8) -> Self {
        TcpFlags { bits, reserved: 0 }
    }

    /// True if every bit in `mask` is set.
    pub fn has(&self, mask: u8) -> bool {
        self.bits & mask == mask
    }

    /// True if SYN is set.
    pub fn syn(&self) -> bool {
        self.has(Self::SYN)
    }

    /// True if ACK is set.
    pub fn ack(&self) -> bool {
        self.has(Self::ACK)
    }

    /// True if FIN is set.
    pub fn fin(&self) -> bool {
        self.has(Self::FIN)
    }

    /// True if RST is set.
    pub fn rst(&self) -> bool {
        self.has(Self::RST)
    }

    /// True if SYN is set and ACK is not: the segment that asks to open a connection (a SYN-ACK
    /// answers one).
    pub fn syn_without_ack(&self) -> bool {
        self.bits & (Self::SYN | Self::ACK) == Self::SYN
    }
}

impl fmt::Display for TcpFlags {
    /// tcpdump style (`S.E`), `none` when no flag is set; non-zero reserved
    /// bits are appended as ` res=0x1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bits == 0 {
            f.write_str("none")?;
        }
        for (c, bit) in Self::ORDER {
            if self.bits & bit != 0 {
                write!(f, "{c}")?;
            }
        }
        if self.reserved != 0 {
            write!(f, " res={:#x}", self.reserved)?;
        }
        Ok(())
    }
}

impl FromStr for TcpFlags {
    type Err = WireError;

    /// Parses tcpdump letters in any order (`S.E`, `.S`) or `none`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "none" {
            return Ok(TcpFlags::default());
        }
        let mut bits = 0;
        for c in s.chars() {
            let (_, bit) = Self::ORDER
                .iter()
                .find(|(l, _)| *l == c)
                .ok_or_else(|| WireError::malformed("tcp flags", format!("unknown flag {c:?}")))?;
            bits |= bit;
        }
        Ok(TcpFlags::new(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_in_tcpdump_order() {
        let f = TcpFlags::new(TcpFlags::ECE | TcpFlags::ACK | TcpFlags::SYN);
        assert_eq!(f.to_string(), "S.E");
        assert_eq!(TcpFlags::new(0xff).to_string(), "FSRP.UEW");
        assert_eq!(TcpFlags::default().to_string(), "none");
        let ae = TcpFlags {
            bits: TcpFlags::SYN,
            reserved: TcpFlags::AE,
        };
        assert_eq!(ae.to_string(), "S res=0x1");
    }

    #[test]
    fn a_connection_request_is_a_syn_without_ack_whatever_else_is_set() {
        for (letters, request) in [
            ("S", true),
            ("SEW", true),
            ("SP", true),
            ("S.", false),
            (".", false),
            ("none", false),
        ] {
            let f: TcpFlags = letters.parse().unwrap();
            assert_eq!(f.syn_without_ack(), request, "{letters}");
        }
    }

    #[test]
    fn parse_back() {
        for bits in 0..=255u8 {
            let f = TcpFlags::new(bits);
            assert_eq!(f.to_string().parse::<TcpFlags>().unwrap(), f);
        }
        assert!("SX".parse::<TcpFlags>().is_err());
    }
}
