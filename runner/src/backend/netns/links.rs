//! What a testbed file may change in the `netns` lab: the MTU of each side's link. The lab's
//! addresses and MACs are the built-in testbed's (docs/language.md §5), so a testbed file for
//! `netns` must give those (or leave some out) and may set `mtu:` on each side (docs/netns.md).

use dsl::testbed::{DEFAULT_MTU, HostConf, MAX_MTU, SideConf, Testbed};

/// The MTUs the lab gives the gateway's interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabLinks {
    /// The MTU of `lan0`.
    pub lan_mtu: u16,
    /// The MTU of `wan0`.
    pub wan_mtu: u16,
}

impl Default for LabLinks {
    fn default() -> LabLinks {
        LabLinks {
            lan_mtu: DEFAULT_MTU,
            wan_mtu: DEFAULT_MTU,
        }
    }
}

/// The MTU of the tester's ends of the veths: the largest a testbed may give a side, so the
/// runner can send every frame it builds and the gateway's interface alone decides what it takes.
pub const TESTER_MTU: u16 = MAX_MTU;

/// A testbed file the lab cannot stand for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the netns lab has the built-in testbed's addresses and MACs (docs/language.md §5), but the testbed file {what}; \
     a testbed file for netns may only leave some of them out and set `mtu:` on each side"
)]
pub struct NotTheLabTestbed {
    what: String,
}

impl LabLinks {
    /// The links of a lab for `testbed`, which must have the built-in testbed's addresses.
    /// Interface names, capabilities and noise classes are not the lab's business.
    pub fn for_testbed(testbed: &Testbed) -> Result<LabLinks, NotTheLabTestbed> {
        let lab = Testbed::builtin();
        for (name, side, lab_side) in [("lan", &testbed.lan, &lab.lan), ("wan", &testbed.wan, &lab.wan)] {
            same_side(name, side, lab_side).map_err(|what| NotTheLabTestbed { what })?;
        }
        Ok(LabLinks {
            lan_mtu: testbed.lan.mtu,
            wan_mtu: testbed.wan.mtu,
        })
    }
}

/// Why a side differs from the lab's, if it does.
fn same_side(name: &str, side: &SideConf, lab: &SideConf) -> Result<(), String> {
    if let Some(r) = side.router {
        return Err(format!("names a {name} router ({r}), and the lab has none"));
    }
    same_host(&side.gateway, &lab.gateway)?;
    for h in &side.hosts {
        match lab.hosts.iter().find(|l| l.name == h.name) {
            Some(l) => same_host(h, l)?,
            None => {
                let known: Vec<&str> = lab.hosts.iter().map(|l| l.name.as_str()).collect();
                return Err(format!(
                    "defines the {name} host `{}`, and the lab's {name} hosts are {}",
                    h.name,
                    known.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Why a host differs from the lab's host of the same name, if it does.
fn same_host(h: &HostConf, lab: &HostConf) -> Result<(), String> {
    let differs = |what: &str, given: String, lab: String| {
        Err(format!("gives `{}` the {what} {given} where the lab has {lab}", h.name))
    };
    if let (Some(m), Some(l)) = (h.mac, lab.mac)
        && m != l
    {
        return differs("MAC", dsl::testbed::mac_text(m), dsl::testbed::mac_text(l));
    }
    if let (Some((a, p)), Some((la, lp))) = (h.ipv4, lab.ipv4)
        && (a, p) != (la, lp)
    {
        return differs("IPv4 address", format!("{a}/{p}"), format!("{la}/{lp}"));
    }
    if let (Some((a, p)), Some((la, lp))) = (h.ipv6, lab.ipv6)
        && (a, p) != (la, lp)
    {
        return differs("IPv6 address", format!("{a}/{p}"), format!("{la}/{lp}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_testbed_with_mtus_is_the_lab_and_other_addresses_are_refused_by_name() {
        let mut t = Testbed::builtin();
        assert_eq!(LabLinks::for_testbed(&t), Ok(LabLinks::default()));
        t.wan.mtu = 1400;
        t.lan.interface = Some("enp3s0".into());
        t.wan.hosts.truncate(1);
        t.lan.hosts[0].ipv6 = None;
        assert_eq!(
            LabLinks::for_testbed(&t),
            Ok(LabLinks {
                lan_mtu: 1500,
                wan_mtu: 1400
            })
        );
        let mut other = t.clone();
        other.wan.gateway.ipv4 = Some(("198.51.100.2".parse().unwrap(), 24));
        let e = LabLinks::for_testbed(&other).unwrap_err().to_string();
        assert!(
            e.contains("gives `gw` the IPv4 address 198.51.100.2/24 where the lab has 203.0.113.2/24"),
            "{e}"
        );
        let mut other = t.clone();
        other.lan.hosts[1].mac = Some([2, 0, 0, 0, 1, 0x99]);
        let e = LabLinks::for_testbed(&other).unwrap_err().to_string();
        assert!(e.contains("`lan2` the MAC 02:00:00:00:01:99"), "{e}");
        let mut other = t.clone();
        other.lan.hosts.push(HostConf {
            name: "printer".into(),
            mac: None,
            ipv4: None,
            ipv6: None,
        });
        let e = LabLinks::for_testbed(&other).unwrap_err().to_string();
        assert!(
            e.contains("the lan host `printer`, and the lab's lan hosts are lan, lan2"),
            "{e}"
        );
        let mut other = t;
        other.wan.router = Some("203.0.113.1".parse().unwrap());
        assert!(
            LabLinks::for_testbed(&other)
                .unwrap_err()
                .to_string()
                .contains("wan router")
        );
    }
}
