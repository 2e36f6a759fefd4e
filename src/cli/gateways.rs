//! `gatecheck gateways`: the backends and their profiles, a line each.

use super::EXIT_OK;
use super::output::Output;

/// Prints the list.
pub fn run(out: &Output) -> u8 {
    let mut s = String::from(
        "sim                      built-in simulated gateway: compliant NAT, virtual time (the default)\n",
    );
    for q in runner::sim::Quirk::ALL {
        s.push_str(&format!("sim:{:<21} {}\n", q.name(), q.description()));
    }
    s.push_str("\nProfiles combine with `+`: sim:syn-data-drop+ecn-bleach\n");
    out.stdout(&s);
    EXIT_OK
}
