//! RFC 6092 REC-34 (docs/ipv6-filter.md): an unsolicited inbound TCP SYN is answered with an
//! ICMPv6 Destination Unreachable, code 1 (administratively prohibited), after at least 6 s in
//! which the LAN host did not send the SYN or SYN-ACK of the same flow — a simultaneous open
//! (REC-31) gets that long to happen. The only thing the simulated gateway does on its own
//! rather than in answer to a frame, so it is driven by [`SimGateway::advance`].

use super::SimGateway;
use crate::codec::ethernet::ethertype;
use crate::codec::{EthernetRepr, FrameRepr, Icmpv6Repr, Ipv6Repr, Mac, Net, Transport, icmpv6, ip_proto};
use dsl::plan::Side;
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

/// How long the filter waits before answering (REC-34: at least 6 s).
pub const REJECT_AFTER: Duration = Duration::from_secs(6);

/// At most this many answers wait at once; a flood of SYNs pushes the oldest out.
const MAX_PENDING: usize = 64;

/// A TCP flow seen from the LAN: LAN address and port, remote address and port.
pub type TcpFlow = (Ipv6Addr, u16, Ipv6Addr, u16);

/// One answer waiting for its time.
struct Pending {
    due: Duration,
    flow: TcpFlow,
    /// The SYN as it arrived, from its IPv6 header on (what the error quotes).
    packet: Vec<u8>,
}

/// The answers the IPv6 filter owes.
#[derive(Default)]
pub struct Rejections {
    pending: Vec<Pending>,
}

impl Rejections {
    /// An unsolicited SYN of `flow` arrived at `now`: answer it later unless the LAN host opens
    /// the flow first (a repeated SYN keeps the first one's time).
    pub fn hold(&mut self, flow: TcpFlow, packet: &[u8], now: Duration) {
        if self.pending.iter().any(|p| p.flow == flow) {
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
        }
        self.pending.push(Pending {
            due: now + REJECT_AFTER,
            flow,
            packet: packet.to_vec(),
        });
    }

    /// The LAN host sent the SYN or SYN-ACK of `flow`: no answer is owed.
    pub fn cancel(&mut self, flow: TcpFlow) {
        self.pending.retain(|p| p.flow != flow);
    }

    /// When the next answer is due.
    pub fn next_due(&self) -> Option<Duration> {
        self.pending.iter().map(|p| p.due).min()
    }

    /// The SYNs whose answer is due at `now`, in order, taken out.
    fn take_due(&mut self, now: Duration) -> Vec<Vec<u8>> {
        let (due, later): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.due <= now);
        self.pending = later;
        due.into_iter().map(|p| p.packet).collect()
    }
}

impl SimGateway {
    /// When the gateway will next emit a frame on its own (not in answer to one), if ever.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.v6.rejections.next_due()
    }

    /// Lets virtual time reach `now` (monotonic, since creation): what the gateway emits on its
    /// own by then, in order.
    pub fn advance(&mut self, now: Duration) -> Vec<(Side, Vec<u8>)> {
        self.now = self.now.max(now);
        self.send_due_rejections();
        std::mem::take(&mut self.out)
    }

    /// Answers, from the gateway's WAN address, every unsolicited SYN whose time has come.
    pub(super) fn send_due_rejections(&mut self) {
        let Some((me, _)) = self.ifaces[1].v6 else {
            return;
        };
        for syn in self.v6.rejections.take_due(self.now) {
            let Some(src) = syn
                .get(8..24)
                .and_then(|a| <[u8; 16]>::try_from(a).ok())
                .map(Ipv6Addr::from)
            else {
                continue;
            };
            let icmp = Icmpv6Repr::dst_unreachable(icmpv6::codes::ADMIN_PROHIBITED, &syn);
            let v6 = Ipv6Repr::new(me, src, ip_proto::ICMPV6, 0);
            let eth = EthernetRepr {
                dst: Mac::BROADCAST,
                src: Mac(self.ifaces[1].mac),
                ethertype: ethertype::IPV6,
                vlan: None,
            };
            // The link-layer destination is filled in by neighbour resolution.
            if let Ok(b) = FrameRepr::new(eth, Net::Ipv6(v6), Transport::Icmpv6(Box::new(icmp)), vec![]).to_bytes() {
                self.emit(Side::Wan, IpAddr::V6(src), b);
            }
        }
    }
}
