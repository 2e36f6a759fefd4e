//! Writes a [`Testbed`] back out as a testbed file with every value spelled out (the resolved
//! testbed of a repro bundle): reading the text back gives the same testbed.

use super::{HostConf, SideConf, Testbed, mac_text};
use std::fmt::Write;

impl Testbed {
    /// The testbed as a testbed file (docs/language.md §5), all defaults and derived values
    /// written out.
    pub fn to_yaml(&self) -> String {
        let mut s = String::from("# gatecheck testbed, every value written out\n");
        if let Some(g) = &self.gateway {
            let _ = writeln!(s, "gateway: {}", quoted(g));
        }
        side(&mut s, "lan", &self.lan);
        side(&mut s, "wan", &self.wan);
        let caps: Vec<&str> = self.capabilities.iter().map(|c| c.name()).collect();
        let _ = writeln!(s, "capabilities: [{}]", caps.join(", "));
        if !self.noise.is_empty() {
            let noise: Vec<String> = self
                .noise
                .iter()
                .map(|(p, port)| quoted(&format!("{p} {port}")))
                .collect();
            let _ = writeln!(s, "noise: [{}]", noise.join(", "));
        }
        s
    }
}

fn side(s: &mut String, name: &str, side: &SideConf) {
    let _ = writeln!(s, "{name}:");
    if let Some(i) = &side.interface {
        let _ = writeln!(s, "  interface: {}", quoted(i));
    }
    let _ = writeln!(s, "  gateway: {}", host(&side.gateway));
    if let Some(r) = side.router {
        let _ = writeln!(s, "  router: {r}");
    }
    let _ = writeln!(s, "  mtu: {}", side.mtu);
    if !side.hosts.is_empty() {
        let _ = writeln!(s, "  hosts:");
        for h in &side.hosts {
            let _ = writeln!(s, "    {}: {}", h.name, host(h));
        }
    }
}

fn host(h: &HostConf) -> String {
    let mut parts = Vec::new();
    if let Some(m) = h.mac {
        parts.push(format!("mac: \"{}\"", mac_text(m)));
    }
    if let Some((a, p)) = h.ipv4 {
        parts.push(format!("ipv4: {a}/{p}"));
    }
    if let Some((a, p)) = h.ipv6 {
        parts.push(format!("ipv6: \"{a}/{p}\""));
    }
    format!("{{{}}}", parts.join(", "))
}

/// A YAML double-quoted string.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;
    use crate::testbed::Testbed;
    use std::path::Path;

    fn reread(t: &Testbed) -> Testbed {
        let text = t.to_yaml();
        Testbed::from_source(&SourceFile::new(Path::new("resolved.yaml"), text.clone()))
            .unwrap_or_else(|d| panic!("the written testbed does not read back: {d:?}\n{text}"))
    }

    #[test]
    fn the_builtin_testbed_reads_back_the_same() {
        let t = Testbed::builtin();
        assert_eq!(reread(&t), t);
    }

    #[test]
    fn a_bench_testbed_with_interfaces_router_noise_and_fewer_capabilities_reads_back_the_same() {
        let mut t = Testbed::builtin();
        t.gateway = Some("wire".into());
        t.lan.interface = Some("enp3s0".into());
        t.wan.interface = Some("enp4s0".into());
        t.wan.router = Some("203.0.113.1".parse().unwrap());
        t.wan.gateway.mac = None;
        t.wan.hosts.truncate(1);
        t.noise = vec![("udp".into(), 5678), ("tcp".into(), 8080)];
        t.capabilities.remove(&crate::plan::Capability::Ipv6);
        assert_eq!(reread(&t), t);
    }

    #[test]
    fn a_testbed_with_a_small_wan_mtu_reads_back_the_same() {
        let mut t = Testbed::builtin();
        t.wan.mtu = 1400;
        t.capabilities = t.derived_capabilities();
        assert!(t.capabilities.contains(&crate::plan::Capability::SmallWanMtu));
        assert_eq!(reread(&t), t);
    }
}
