//! Send defaults (docs/language.md §3.9): written into the spec as fields, so that `explain`
//! shows them and the runner builds frames from the spec alone.

use crate::icmp;
use crate::plan::*;

/// The TTL (IPv4) and hop limit (IPv6) of a send.
const DEFAULT_HOP_LIMIT: u64 = 64;
/// The TCP window of a send.
const DEFAULT_TCP_WINDOW: u64 = 65535;

/// Adds every default field the send does not write.
pub(super) fn fill_defaults(spec: &mut PacketSpec) {
    let proto = spec.proto.unwrap_or(Proto::Eth);
    match spec.family {
        Some(Family::V4) => {
            default_field(spec, Field::Ttl, int(DEFAULT_HOP_LIMIT));
            default_tos(spec);
            default_field(spec, Field::Df, int(u64::from(proto == Proto::Tcp)));
            default_field(spec, Field::IpId, Value::Any);
        }
        Some(Family::V6) => {
            default_field(spec, Field::Hlim, int(DEFAULT_HOP_LIMIT));
            default_tos(spec);
            default_field(spec, Field::FlowLabel, int(0));
        }
        None => {}
    }
    if proto == Proto::Tcp {
        default_field(spec, Field::Win, int(DEFAULT_TCP_WINDOW));
        default_field(spec, Field::Urg, int(0));
        if spec.flow.is_none() {
            default_field(spec, Field::Seq, int(0));
            default_field(spec, Field::Ack, int(0));
        }
        spec.options.get_or_insert_with(Vec::new);
    }
    if proto == Proto::Icmp && spec.flow.is_some() {
        default_field(spec, Field::IcmpSeq, int(0));
    }
    if proto == Proto::Icmp && spec.flow.is_none() {
        let v6 = spec.family == Some(Family::V6);
        if spec.icmp_type.is_some_and(|t| icmp::is_echo(v6, t)) {
            default_field(spec, Field::IcmpId, int(0));
            default_field(spec, Field::IcmpSeq, int(0));
        }
        if spec.icmp_code.is_none() && !has_field(spec, Field::IcmpCode) {
            spec.icmp_code = Some(0);
        }
    }
    if proto != Proto::Arp {
        spec.payload.get_or_insert(PayloadSpec::Bytes(Vec::new()));
    }
}

fn int(n: u64) -> Value {
    Value::One(Expr::Int(n))
}

fn has_field(spec: &PacketSpec, f: Field) -> bool {
    spec.fields.iter().any(|t| t.field == f)
}

/// Adds `f = v` as a default unless the send writes `f`.
fn default_field(spec: &mut PacketSpec, f: Field, v: Value) {
    if !has_field(spec, f) {
        spec.fields.push(FieldTest {
            field: f,
            op: Op::Eq,
            value: v,
            default: true,
        });
    }
}

/// `tos=0` unless the send writes `tos`, `dscp` or `ecn`.
fn default_tos(spec: &mut PacketSpec) {
    if !has_field(spec, Field::Dscp) && !has_field(spec, Field::Ecn) {
        default_field(spec, Field::Tos, int(0));
    }
}
