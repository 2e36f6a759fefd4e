//! TCP flags: their bits, and the letters sentences write them with (docs/language.md §3.3).

/// The bits of the eight classic TCP flags in the flags byte.
pub mod tcp_flag {
    /// FIN: the sender has finished sending.
    pub const FIN: u8 = 0x01;
    /// SYN: synchronize sequence numbers.
    pub const SYN: u8 = 0x02;
    /// RST: reset the connection.
    pub const RST: u8 = 0x04;
    /// PSH: push.
    pub const PSH: u8 = 0x08;
    /// ACK: the acknowledgment number is significant.
    pub const ACK: u8 = 0x10;
    /// URG: the urgent pointer is significant.
    pub const URG: u8 = 0x20;
    /// ECE: ECN echo.
    pub const ECE: u8 = 0x40;
    /// CWR: congestion window reduced.
    pub const CWR: u8 = 0x80;
}

/// TCP flag letters in tcpdump order with their bits.
pub const TCP_FLAGS: [(char, u8); 8] = [
    ('F', tcp_flag::FIN),
    ('S', tcp_flag::SYN),
    ('R', tcp_flag::RST),
    ('P', tcp_flag::PSH),
    ('.', tcp_flag::ACK),
    ('U', tcp_flag::URG),
    ('E', tcp_flag::ECE),
    ('W', tcp_flag::CWR),
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
