//! `flows:` (docs/language.md §4): each flow's name, protocol, client, server and ports, known
//! when the case compiles.

use super::cx::{CaseCx, Mode};
use super::packet::proto_keyword;
use super::value::Slot;
use crate::fields;
use crate::names;
use crate::plan::*;
use crate::sentence::{self, ast};
use crate::source::Span;
use crate::yaml::{Node, NodeKind};

impl CaseCx<'_> {
    /// Reads `flows:`.
    pub(crate) fn read_flows(&mut self, node: &Node) {
        let NodeKind::Map(pairs) = &node.kind else {
            self.error(
                node.span,
                format!(
                    "`flows` must be a mapping of name to flow sentence, found {}",
                    node.kind_name()
                ),
                "expected a mapping",
            );
            return;
        };
        for (k, v) in pairs {
            let Some(key) = k.as_scalar() else { continue };
            let name = key.value.clone();
            let mut d = Vec::new();
            // A rejected name is still read as a flow, so that its uses raise no further errors.
            let ok = super::vars::check_var_name(&name, k.span, "flow", &mut d);
            self.diags.extend(d);
            if ok && self.testbed.host(&name).is_some() {
                self.error(
                    k.span,
                    format!("`{name}` is a host name: flows, variables and hosts share one namespace"),
                    "rename the flow",
                );
                continue;
            }
            if self.consts.contains_key(&name) || self.bound.contains(&name) {
                self.error(
                    k.span,
                    format!("`{name}` is both a flow and a variable: they share one namespace"),
                    "rename one",
                );
                continue;
            }
            let Some(s) = fields::scalar(v, "a flow sentence", &mut self.diags) else {
                continue;
            };
            match sentence::parse_flow(&s.value, s) {
                Ok(p) => {
                    if let Some(f) = self.flow(&name, &p) {
                        self.flow_index.insert(name, self.flows.len());
                        self.flows.push(f);
                        self.flow_mapped.push(false);
                        self.syn_seen.push([false, false]);
                    }
                }
                Err(d) => self.push(super::step::cut_hint(d, s)),
            }
        }
    }

    /// One flow sentence: `PROTO CLIENT[:PORT] -> SERVER[:PORT]`, `id=N` for ICMP.
    fn flow(&mut self, name: &str, p: &ast::Packet) -> Option<Flow> {
        let (proto, family) = self.flow_proto(p)?;
        if let Some(w) = p.icmp_words.first() {
            self.error(
                w.span,
                "an ICMP flow is an echo conversation: write `icmp CLIENT -> SERVER id=N`",
                "no type words in a flow",
            );
            return None;
        }
        let Some(ep) = &p.endpoints else {
            self.error(
                p.span,
                format!("the flow `{name}` needs endpoints: `PROTO CLIENT[:PORT] -> SERVER[:PORT]`"),
                "no endpoints",
            );
            return None;
        };
        if let Some(f) = &p.flags {
            self.error(
                f.span,
                "a flow has no flags: write them in the steps",
                "remove the flags",
            );
        }
        let client = self.flow_client_host(ep, family)?;
        let server = self.flow_server(ep, family)?;
        let (client_port, server_port) = self.flow_ports(name, ep, proto, family)?;
        let icmp_id = self.flow_clauses(p, proto, family)?;
        Some(Flow {
            name: name.to_string(),
            proto,
            family,
            client,
            client_port,
            server,
            server_port,
            icmp_id,
        })
    }

    /// A flow's protocol keyword: TCP, UDP or ICMP, of either family (noted as a need).
    fn flow_proto(&mut self, p: &ast::Packet) -> Option<(Proto, Family)> {
        let Some((proto, Some(family))) =
            proto_keyword(&p.head.text).filter(|(pr, _)| matches!(pr, Proto::Tcp | Proto::Udp | Proto::Icmp))
        else {
            let hint = names::suggestion(&p.head.text, ["tcp", "udp", "icmp", "tcp6", "udp6", "icmp6"]);
            self.error(
                p.head.span,
                format!(
                    "a flow is tcp, udp, icmp, tcp6, udp6 or icmp6, not `{}`{hint}",
                    p.head.text
                ),
                "expected PROTO CLIENT[:PORT] -> SERVER[:PORT]",
            );
            return None;
        };
        self.needs.insert(if family == Family::V6 {
            Capability::Ipv6
        } else {
            Capability::Ipv4
        });
        Some((proto, family))
    }

    /// A flow's client: a LAN host, not the gateway.
    fn flow_client_host(&mut self, ep: &ast::Endpoints, family: Family) -> Option<Host> {
        match self.addr(&ep.src.addr, Some(family), Mode::Send)? {
            Addr::Host(h) if h.side == Side::Lan && !h.is_gateway => Some(h),
            _ => {
                self.error(
                    ep.src.addr.span(),
                    "a flow's client is a LAN host (flows run LAN → WAN)",
                    "expected lan, lan2 or a LAN host of the testbed",
                );
                None
            }
        }
    }

    /// A flow's server: a WAN host (not the gateway) or a literal address beyond the WAN side.
    fn flow_server(&mut self, ep: &ast::Endpoints, family: Family) -> Option<Addr> {
        match self.addr(&ep.dst.addr, Some(family), Mode::Send)? {
            Addr::Host(h) if h.side == Side::Wan && !h.is_gateway => Some(Addr::Host(h)),
            a @ Addr::Literal(_) => Some(a),
            _ => {
                self.error(
                    ep.dst.addr.span(),
                    "a flow's server is a WAN host or an address beyond the WAN side",
                    "expected wan, wan2, a WAN host or a literal address",
                );
                None
            }
        }
    }

    /// The client and server ports: none in an ICMP flow, a server port in any other.
    fn flow_ports(
        &mut self,
        name: &str,
        ep: &ast::Endpoints,
        proto: Proto,
        family: Family,
    ) -> Option<(Option<u16>, Option<u16>)> {
        if proto == Proto::Icmp && (ep.src.port.is_some() || ep.dst.port.is_some()) {
            let at = ep
                .src
                .port
                .as_ref()
                .or(ep.dst.port.as_ref())
                .map_or(ep.span, ast::Value::span);
            self.error(
                at,
                "an ICMP flow has no ports; it carries an echo id: `id=N`",
                "no ports in an ICMP flow",
            );
            return None;
        }
        let client_port = self.flow_port(ep.src.port.as_ref(), family)?;
        let server_port = self.flow_port(ep.dst.port.as_ref(), family)?;
        if proto != Proto::Icmp && server_port.is_none() {
            self.error(
                ep.dst.span,
                format!("the flow `{name}` needs a server port"),
                "write SERVER:PORT",
            );
            return None;
        }
        Some((client_port, server_port))
    }

    /// One port of a flow: a constant, `*` or none (`Some(None)`: a live run picks one).
    fn flow_port(&mut self, v: Option<&ast::Value>, family: Family) -> Option<Option<u16>> {
        let Some(v) = v else { return Some(None) };
        match self.value(v, flow_slot("port", family), Mode::Send)? {
            Value::One(Expr::Int(n)) => Some(Some(n as u16)),
            Value::Any => Some(None),
            _ => {
                self.error(
                    v.span(),
                    "a flow's ports must be known when the case compiles (a number, or a `vars`/matrix variable)",
                    "not a constant",
                );
                None
            }
        }
    }

    /// A flow's clauses: only `id=N` (the echo id), and only in an ICMP flow.
    fn flow_clauses(&mut self, p: &ast::Packet, proto: Proto, family: Family) -> Option<Option<u16>> {
        let mut icmp_id = None;
        for c in &p.clauses {
            match c {
                ast::Clause::Field(f) if proto == Proto::Icmp && f.name.text == "id" && f.op.text == "=" => {
                    match self.value(&f.value, flow_slot("id", family), Mode::Send)? {
                        Value::One(Expr::Int(n)) => icmp_id = Some(n as u16),
                        _ => {
                            self.error(
                                f.value.span(),
                                "a flow's echo id must be a number known when the case compiles",
                                "not a constant",
                            );
                            return None;
                        }
                    }
                }
                other => {
                    let what = if proto == Proto::Icmp {
                        "only `id=N`"
                    } else {
                        "no clauses"
                    };
                    self.error(
                        clause_span(other),
                        format!("a flow sentence takes {what}; write the rest in the steps"),
                        "not in a flow",
                    );
                    return None;
                }
            }
        }
        Some(icmp_id)
    }
}

/// The slot of a 16-bit flow value (a port or the echo id).
fn flow_slot(name: &str, family: Family) -> Slot<'_> {
    Slot {
        kind: FieldKind::Int(16),
        name,
        family: Some(family),
    }
}

/// Where a clause is written.
fn clause_span(c: &ast::Clause) -> Span {
    match c {
        ast::Clause::Field(f) => f.span,
        ast::Clause::FlagsTest { span, .. } => *span,
        ast::Clause::Options(o) => o.span,
        ast::Clause::Payload(p) => p.span,
        ast::Clause::Inner { keyword, .. } => *keyword,
        ast::Clause::Fragment(f) => f.span,
    }
}
