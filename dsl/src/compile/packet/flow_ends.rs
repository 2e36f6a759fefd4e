//! A flow sentence's endpoints, filled by side and verb (docs/language.md §4): the client's own
//! address and port on the LAN, the gateway's address and the mapped port on the WAN of an IPv4
//! (translated) flow, and for ICMP flows the echo type and id.

use super::super::cx::{CaseCx, Mode};
use super::Place;
use crate::icmp;
use crate::plan::*;

impl CaseCx<'_> {
    /// Fills the endpoints of a sentence that names flow `id`.
    pub(super) fn fill_flow(&mut self, spec: &mut PacketSpec, id: FlowId, place: Place) {
        // Outbound (client -> server) or inbound (server -> client) as seen on this side.
        let outbound = place.inner
            || matches!(
                (place.side, place.mode),
                (Side::Lan, Mode::Send) | (Side::Wan, Mode::Pattern | Mode::Negative)
            );
        let f = &self.flows[id];
        let (client_addr, client_port) = self.flow_client(id, place.side);
        let server = Endpoint {
            addr: f.server.clone(),
            port: f.server_port.map(|p| Value::One(Expr::Int(p as u64))),
        };
        let client = Endpoint {
            addr: client_addr,
            port: if f.proto == Proto::Icmp { None } else { client_port },
        };
        (spec.src, spec.dst) = if outbound {
            (Some(client), Some(server))
        } else {
            (Some(server), Some(client))
        };
        if f.proto == Proto::Icmp {
            self.fill_echo(spec, id, place.side, outbound);
        }
        if place.mode == Mode::Pattern && place.side == Side::Wan && !place.inner {
            self.flow_mapped[id] = true;
        }
    }

    /// The client's end of flow `id` as seen on `side`: its own address and port on the LAN
    /// (and on both sides of an IPv6 flow); on the WAN of a translated flow, the gateway's
    /// address and the port the gateway mapped it to.
    fn flow_client(&self, id: FlowId, side: Side) -> (Addr, Option<Value>) {
        let f = &self.flows[id];
        if side == Side::Lan || f.family != Family::V4 {
            let port = match f.client_port {
                Some(p) => Expr::Int(p as u64),
                None => Expr::FlowAttr(id, FlowAttr::Lport),
            };
            return (Addr::Host(f.client.clone()), Some(Value::One(port)));
        }
        let addr = match self.testbed.host("gw") {
            Some(gw) => Addr::Host(gw),
            None => Addr::Expr(Expr::FlowAttr(id, FlowAttr::Addr)),
        };
        (addr, Some(Value::One(Expr::FlowAttr(id, FlowAttr::Port))))
    }

    /// An ICMP flow's echo request (outbound) or reply (inbound), code 0, and its echo id: the
    /// flow's on the LAN, the mapped one on the WAN of a translated flow.
    fn fill_echo(&self, spec: &mut PacketSpec, id: FlowId, side: Side, outbound: bool) {
        let f = &self.flows[id];
        let v6 = f.family == Family::V6;
        spec.icmp_type.get_or_insert(if outbound {
            icmp::echo_request(v6)
        } else {
            icmp::echo_reply(v6)
        });
        spec.icmp_code.get_or_insert(0);
        if spec.fields.iter().any(|t| t.field == Field::IcmpId) {
            return;
        }
        let id_value = if side == Side::Wan && !v6 {
            Expr::FlowAttr(id, FlowAttr::Port)
        } else {
            Expr::Int(f.icmp_id.unwrap_or(0) as u64)
        };
        spec.fields.push(FieldTest {
            field: Field::IcmpId,
            op: Op::Eq,
            value: Value::One(id_value),
            default: true,
        });
    }
}
