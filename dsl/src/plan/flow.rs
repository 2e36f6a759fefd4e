//! Flows: named conversations a sentence can name instead of its endpoints.

use super::{Addr, Family, Host, Proto};

/// Index of a flow in [`Case::flows`](super::Case::flows).
pub type FlowId = usize;

/// A named conversation from a LAN client to a WAN server (docs/language.md §4).
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// The name steps write instead of the endpoints.
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
    /// The attribute as written after `$flow.`.
    pub fn name(self) -> &'static str {
        match self {
            FlowAttr::Port => "port",
            FlowAttr::Addr => "addr",
            FlowAttr::Lport => "lport",
        }
    }
}
