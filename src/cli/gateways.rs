//! `gatecheck gateways`: the backends and their profiles, a line each.

use super::exit::EXIT_OK;
use super::output::Output;

/// Prints every backend and quirk profile with what it changes, a line each, then how profiles
/// combine.
pub fn run(out: &Output) -> u8 {
    let mut s = String::from(
        "sim                      built-in simulated gateway: compliant NAT, virtual time (the default)\n",
    );
    for q in runner::backend::sim::Quirk::ALL {
        s.push_str(&format!("sim:{:<21} {}\n", q.name(), q.description()));
    }
    s.push_str("\nnetns                    a Linux kernel gateway in network namespaces (root): nft masquerade,\n                         RFC 6092 stateful IPv6 filter, UDP conntrack timers 300 s (`gatecheck lab up`)\n");
    for p in runner::backend::netns::profile::NetnsProfile::all().iter().skip(1) {
        let name = p.name();
        let changes = p.changes();
        s.push_str(&format!(
            "{:<24} {}\n",
            name,
            changes.first().map(String::as_str).unwrap_or("")
        ));
        for c in changes.iter().skip(1) {
            s.push_str(&format!("{:<24} {c}\n", ""));
        }
    }
    s.push_str("\nProfiles combine with `+`: sim:syn-data-drop+ecn-bleach, netns:tfo-strip+ecn-bleach\n");
    out.stdout(&s);
    EXIT_OK
}
