//! Writes typed plans back in the sentence notation: used by `explain` and by reports
//! ("expected versus observed" tables speak the language the case was written in).

use crate::compile::proto_word;
use crate::icmp;
use crate::plan::*;
use crate::testbed::mac_text;

/// Text of an expression. `send`: `*` is shown as `auto` (the runner's choice).
pub fn expr_text(e: &Expr, flows: &[Flow]) -> String {
    match e {
        Expr::Int(n) => n.to_string(),
        Expr::Ip(std::net::IpAddr::V4(a)) => a.to_string(),
        Expr::Ip(std::net::IpAddr::V6(a)) => format!("[{a}]"),
        Expr::Mac(m) => mac_text(*m),
        Expr::Host(h) => h.name.clone(),
        Expr::Var(v) => format!("${v}"),
        Expr::FlowAttr(id, a) => format!("${}.{}", flows.get(*id).map_or("?", |f| f.name.as_str()), a.name()),
        Expr::Add(a, b) => format!("{}+{}", expr_text(a, flows), expr_text(b, flows)),
        Expr::Sub(a, b) => format!("{}-{}", expr_text(a, flows), expr_text(b, flows)),
    }
}

/// How a number in `field` is written: checksums in hex with four digits (`0x1234`), as tools
/// print them; every other number in decimal. Expected values (`explain`) and observed values
/// (reports) both go through here.
pub fn field_number_text(field: Field, n: u64) -> String {
    if field.is_checksum() {
        format!("{n:#06x}")
    } else {
        n.to_string()
    }
}

/// Text of a field's value: [`value_text`], with numbers written as [`field_number_text`] says.
pub fn field_value_text(field: Field, v: &Value, flows: &[Flow], send: bool) -> String {
    if !field.is_checksum() {
        return value_text(v, flows, send);
    }
    let e = |x: &Expr| match x {
        Expr::Int(n) => field_number_text(field, *n),
        other => expr_text(other, flows),
    };
    match v {
        Value::One(x) => e(x),
        Value::Set(items) => format!("{{{}}}", items.iter().map(e).collect::<Vec<_>>().join(", ")),
        Value::Range(a, b) => format!("{}..{}", e(a), e(b)),
        Value::Any => value_text(v, flows, send),
    }
}

/// Text of a value.
pub fn value_text(v: &Value, flows: &[Flow], send: bool) -> String {
    match v {
        Value::Any if send => "auto".into(),
        Value::Any => "*".into(),
        Value::One(e) => expr_text(e, flows),
        Value::Set(items) => format!(
            "{{{}}}",
            items.iter().map(|e| expr_text(e, flows)).collect::<Vec<_>>().join(", ")
        ),
        Value::Range(a, b) => format!("{}..{}", expr_text(a, flows), expr_text(b, flows)),
    }
}

fn addr_text(a: &Addr, flows: &[Flow], send: bool) -> String {
    match a {
        Addr::Host(h) => h.name.clone(),
        Addr::Literal(std::net::IpAddr::V4(ip)) => ip.to_string(),
        Addr::Literal(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        Addr::Expr(e) => expr_text(e, flows),
        Addr::Any if send => "auto".into(),
        Addr::Any => "*".into(),
        Addr::Set(items) => format!(
            "{{{}}}",
            items
                .iter()
                .map(|a| addr_text(a, flows, send))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn endpoint_text(e: &Endpoint, flows: &[Flow], send: bool) -> String {
    let a = addr_text(&e.addr, flows, send);
    match &e.port {
        Some(p) => format!("{a}:{}", value_text(p, flows, send)),
        None => a,
    }
}

fn cookie_text(c: &Cookie) -> String {
    match c {
        Cookie::Request => String::new(),
        Cookie::Bytes(b) => format!(" {}", hex(b)),
        Cookie::Any => " *".into(),
        Cookie::Var(v) => format!(" ${v}"),
    }
}

/// Lowercase hex of bytes.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Text of one TCP option entry.
pub fn option_text(o: &TcpOptionSpec, flows: &[Flow], send: bool) -> String {
    let v = |x: &Value| value_text(x, flows, send);
    match o {
        TcpOptionSpec::Mss(x) => format!("mss {}", v(x)),
        TcpOptionSpec::SackPermitted => "sackOK".into(),
        TcpOptionSpec::Timestamps { val, ecr } => format!("ts val {} ecr {}", v(val), v(ecr)),
        TcpOptionSpec::Nop => "nop".into(),
        TcpOptionSpec::Eol => "eol".into(),
        TcpOptionSpec::WindowScale(x) => format!("wscale {}", v(x)),
        TcpOptionSpec::Sack(blocks) => {
            let b: Vec<String> = blocks.iter().map(|(l, r)| format!("{}:{}", v(l), v(r))).collect();
            format!("sack {}", b.join(" "))
        }
        TcpOptionSpec::FastOpen(c) => format!("fo{}", cookie_text(c)),
        TcpOptionSpec::FastOpenExp(c) => format!("fo-exp{}", cookie_text(c)),
        TcpOptionSpec::Raw { kind, data } => match data {
            Some(d) if !d.is_empty() => format!("kind {kind} {}", hex(d)),
            _ => format!("kind {kind}"),
        },
    }
}

fn options_text(list: &[TcpOptionSpec], flows: &[Flow], send: bool) -> String {
    format!(
        "<{}>",
        list.iter()
            .map(|o| option_text(o, flows, send))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Text of a payload clause.
pub fn payload_text(p: &PayloadSpec, flows: &[Flow], send: bool) -> String {
    match p {
        PayloadSpec::Bytes(b)
            if b.iter()
                .all(|c| c.is_ascii_graphic() || *c == b' ' || matches!(c, b'\n' | b'\r' | b'\t' | 0)) =>
        {
            let mut s = String::from("data \"");
            for c in b {
                match c {
                    b'\n' => s.push_str("\\n"),
                    b'\r' => s.push_str("\\r"),
                    b'\t' => s.push_str("\\t"),
                    0 => s.push_str("\\0"),
                    b'"' => s.push_str("\\\""),
                    b'\\' => s.push_str("\\\\"),
                    c => s.push(*c as char),
                }
            }
            s.push('"');
            s
        }
        PayloadSpec::Bytes(b) => format!("data 0x{}", hex(b)),
        PayloadSpec::Len(v) => format!("data len {}", value_text(v, flows, send)),
        PayloadSpec::Fill(v) => format!("data fill {}", value_text(v, flows, send)),
        PayloadSpec::Any => "data *".into(),
    }
}

/// A packet spec in the sentence notation, normalized: endpoints resolved from flows, defaults
/// shown, fields in the order written (defaults after).
pub fn packet_text(p: &PacketSpec, flows: &[Flow], send: bool) -> String {
    let proto = p.proto.unwrap_or(Proto::Eth);
    let v6 = p.family == Some(Family::V6);
    let mut out = vec![proto_word(proto, p.family).to_string()];
    if let Some(t) = p.icmp_type {
        match icmp::type_word(v6, t) {
            Some(w) => out.push(w.into()),
            None => out.push(format!("type={t}")),
        }
        if let Some(c) = p.icmp_code {
            match icmp::code_word(v6, t, c) {
                Some(w) => out.push(w.into()),
                None if c != 0 || icmp::is_error_type(v6, t) => out.push(format!("code={c}")),
                None => {}
            }
        }
    }
    if let (Some(s), Some(d)) = (&p.src, &p.dst) {
        out.push(format!(
            "{} -> {}",
            endpoint_text(s, flows, send),
            endpoint_text(d, flows, send)
        ));
    }
    if let Some(f) = p.flags {
        out.push(flags_text(f));
    }
    for f in &p.fields {
        if f.field == Field::IcmpType && p.icmp_type.is_some() {
            continue;
        }
        out.push(format!(
            "{}{}{}",
            f.field.name(),
            f.op.symbol(),
            field_value_text(f.field, &f.value, flows, send)
        ));
    }
    if p.flags_has != 0 {
        out.push(format!("flags has {}", flags_text(p.flags_has)));
    }
    if p.flags_lacks != 0 {
        out.push(format!("flags lacks {}", flags_text(p.flags_lacks)));
    }
    if let Some(o) = &p.options {
        out.push(options_text(o, flows, send));
    }
    if !p.has_options.is_empty() {
        out.push(format!("has {}", options_text(&p.has_options, flows, send)));
    }
    if !p.lacks_options.is_empty() {
        let kinds: Vec<String> = p
            .lacks_options
            .iter()
            .map(|&k| option_name(k).map_or_else(|| format!("kind {k}"), str::to_string))
            .collect();
        out.push(format!("lacks <{}>", kinds.join(", ")));
    }
    if let Some(pl) = &p.payload {
        out.push(payload_text(pl, flows, send));
    }
    if let Some(f) = &p.fragment {
        let mut t = format!("fragment {}", f.size);
        if !f.order.is_empty() {
            let order: Vec<String> = f.order.iter().map(u16::to_string).collect();
            t.push_str(&format!(" order {}", order.join(",")));
        }
        out.push(t);
    }
    if let Some(i) = &p.inner {
        out.push(format!("inner ({})", packet_text(i, flows, send)));
    }
    out.join(" ")
}

/// One line per step, as `gatecheck explain` prints them.
pub fn explain(case: &Case) -> String {
    let mut s = format!("case {} — {}\n", case.id, case.title);
    for f in &case.flows {
        let port = |p: Option<u16>| p.map_or("auto".to_string(), |p| p.to_string());
        let proto = proto_word(f.proto, Some(f.family));
        let server = match &f.server {
            Addr::Host(h) => h.name.clone(),
            other => addr_text(other, &case.flows, true),
        };
        let ends = if f.proto == Proto::Icmp {
            format!("{} -> {} id={}", f.client.name, server, f.icmp_id.unwrap_or(0))
        } else {
            format!(
                "{}:{} -> {}:{}",
                f.client.name,
                port(f.client_port),
                server,
                port(f.server_port)
            )
        };
        let nat = if f.family == Family::V4 {
            "translated"
        } else {
            "not translated"
        };
        s.push_str(&format!("flow {}: {proto} {ends} ({nat})\n", f.name));
    }
    for st in &case.steps {
        let line = st.location.line;
        let body = match &st.action {
            Action::Send { side, packet } => {
                let rel = if packet.flow.is_some() && packet.proto == Some(Proto::Tcp) {
                    seq_note(packet)
                } else {
                    String::new()
                };
                format!(
                    "{:<3}  send     {}{rel}",
                    side.name(),
                    packet_text(packet, &case.flows, true)
                )
            }
            Action::Expect {
                side,
                pattern,
                within,
                after,
            } => {
                let a = after.map_or(String::new(), |a| format!(" after {}", crate::duration::format(a)));
                format!(
                    "{:<3}  expect   {}  [within {}{a}]",
                    side.name(),
                    packet_text(pattern, &case.flows, false),
                    crate::duration::format(*within)
                )
            }
            Action::ExpectNo { side, pattern, within } => {
                format!(
                    "{:<3}  expect no {}  [within {}]",
                    side.name(),
                    packet_text(pattern, &case.flows, false),
                    crate::duration::format(*within)
                )
            }
            Action::ExpectNothing { side, within } => format!(
                "{:<3}  expect nothing  [within {}]",
                side.name(),
                crate::duration::format(*within)
            ),
            Action::Wait(d) => format!("-    wait     {}", crate::duration::format(*d)),
            Action::Note(t) => format!("-    note     {t}"),
            Action::Set(v) => {
                let parts: Vec<String> = v
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or("null")))
                    .collect();
                format!("-    set      {}", parts.join(", "))
            }
        };
        let sev = if st.severity == StepSeverity::Warn {
            "  (severity: warn)"
        } else {
            ""
        };
        s.push_str(&format!("{:>3}  L{:<4} {body}{sev}\n", st.number, line));
    }
    s
}

fn seq_note(p: &PacketSpec) -> String {
    let has = |f: Field| p.fields.iter().any(|t| t.field == f);
    let mut parts = Vec::new();
    if !has(Field::Seq) {
        parts.push(if p.flags.is_some_and(|f| f & tcp_flag::SYN != 0) {
            "seq=0"
        } else {
            "seq=next"
        });
    }
    if p.flags.is_some_and(|f| f & tcp_flag::ACK != 0) && !has(Field::Ack) {
        parts.push("ack=next");
    }
    let implied = if parts.is_empty() {
        String::new()
    } else {
        format!(" {}", parts.join(" "))
    };
    format!("{implied}  [seq/ack relative]")
}
