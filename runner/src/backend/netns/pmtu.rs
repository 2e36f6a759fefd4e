//! The lab's path-MTU quirks (docs/netns.md): rules on the gateway's own output that drop the
//! ICMP error a packet too big for the next link gets, the black hole of `no-frag-needed`
//! (IPv4) and `v6-no-ptb` (IPv6). Linux sends that error from the forwarding path, before the
//! forward hook, so only the output hook can stop it.

use crate::backend::sim::{Profile, Quirk};

/// The tables these quirks add to the gateway's ruleset (empty without them).
pub fn output_tables(profile: &Profile) -> String {
    let mut out = String::new();
    for (quirk, family, rule) in [
        (
            Quirk::NoFragNeeded,
            "ip",
            "icmp type destination-unreachable icmp code frag-needed drop",
        ),
        (Quirk::V6NoPtb, "ip6", "icmpv6 type packet-too-big drop"),
    ] {
        if profile.has(quirk) {
            out.push_str(&format!(
                "table {family} pmtu {{\n  chain output {{\n    type filter hook output priority filter; policy accept;\n    {rule}\n  }}\n}}\n"
            ));
        }
    }
    out
}
