//! The `netns` lab: a real Linux kernel gateway in a network namespace, cabled by two veth pairs to
//! a tester namespace, with the built-in testbed's addresses and MACs (docs/language.md §5) and a profile
//! of kernel configuration. Names carry a unique prefix so parallel labs never collide; a lab is
//! removed by [`Lab::down`], on drop, or — after a SIGKILL — by the next `lab down`.

use super::links::{LabLinks, TESTER_MTU};
use super::profile::NetnsProfile;
use crate::backend::host_tools::{self, CmdError};
use std::path::PathBuf;

/// Every namespace a lab creates starts with this.
pub const PREFIX: &str = "gc-";

/// A lab standing in two namespaces.
#[derive(Debug)]
pub struct Lab {
    /// The lab's unique id (part of every name).
    pub id: String,
    /// The gateway namespace (interfaces `lan0`, `wan0`).
    pub gw_ns: String,
    /// The tester namespace (interfaces `tlan`, `twan`: the ends the runner uses).
    pub tester_ns: String,
    /// The misbehaviours the gateway's ruleset was built with.
    pub profile: NetnsProfile,
    /// The MTUs of the gateway's interfaces.
    pub links: LabLinks,
    /// Whether dropping the value removes the lab.
    pub remove_on_drop: bool,
}

/// A lab found on the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabInfo {
    /// The id in its namespaces' names (`gc-ID-gw`), what `gatecheck lab down --id` takes.
    pub id: String,
    /// The process that made it, if recorded (`None` also for labs kept by `lab up`).
    pub pid: Option<u32>,
    /// Whether `gatecheck lab up` left it standing on purpose.
    pub kept: bool,
    /// Whether that process is still alive.
    pub owner_alive: bool,
    /// The profile it was built with, as its marker file recorded it.
    pub profile: String,
}

fn marker_dir() -> PathBuf {
    PathBuf::from("/run/gatecheck/labs")
}

fn new_id() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{:06x}", (std::process::id() ^ t.rotate_left(7)) & 0xff_ffff)
}

impl Lab {
    /// Builds a lab with a profile and 1500-byte links. On any failure, what was made is
    /// removed again.
    pub fn up(profile: NetnsProfile) -> Result<Lab, CmdError> {
        Lab::up_with(profile, LabLinks::default())
    }

    /// Builds a lab with a profile and the links' MTUs. On any failure, what was made is removed
    /// again.
    pub fn up_with(profile: NetnsProfile, links: LabLinks) -> Result<Lab, CmdError> {
        let id = new_id();
        let lab = Lab {
            gw_ns: format!("{PREFIX}{id}-gw"),
            tester_ns: format!("{PREFIX}{id}-t"),
            id,
            profile,
            links,
            remove_on_drop: true,
        };
        // The owner is written down before the first namespace exists: another run that starts
        // meanwhile must not take the half-built lab for a leftover and remove it.
        let _ = std::fs::create_dir_all(marker_dir());
        let _ = std::fs::write(
            marker_dir().join(&lab.id),
            format!("{} {}\n", std::process::id(), lab.profile.name()),
        );
        lab.build()?;
        Ok(lab)
    }

    /// The two namespaces, cabled and configured.
    fn build(&self) -> Result<(), CmdError> {
        host_tools::run("ip", &["netns", "add", &self.gw_ns], None)?;
        host_tools::run("ip", &["netns", "add", &self.tester_ns], None)?;
        self.cable()?;
        self.configure_gateway()
    }

    /// The two veth pairs between the namespaces, with the built-in testbed's MACs and the
    /// gateway's addresses, their MTUs, up.
    fn cable(&self) -> Result<(), CmdError> {
        let (gw, t) = (self.gw_ns.as_str(), self.tester_ns.as_str());
        // No duplicate address detection in the gateway: its link-local addresses are usable at
        // once, so it can resolve IPv6 neighbours from the first case step.
        host_tools::in_ns(
            gw,
            "sysctl",
            &[
                "-qw",
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
            ],
            None,
        )?;
        // The veth pairs are created inside the namespaces: nothing touches the host's interfaces.
        host_tools::run(
            "ip",
            &[
                "-n", gw, "link", "add", "lan0", "type", "veth", "peer", "name", "tlan", "netns", t,
            ],
            None,
        )?;
        host_tools::run(
            "ip",
            &[
                "-n", gw, "link", "add", "wan0", "type", "veth", "peer", "name", "twan", "netns", t,
            ],
            None,
        )?;
        // No IPv6 on the tester side: its ends carry no addresses and must not speak (RS/MLD).
        host_tools::in_ns(
            t,
            "sysctl",
            &[
                "-qw",
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ],
            None,
        )?;
        for (ns, dev, mac) in [
            (gw, "lan0", "02:00:00:00:01:01"),
            (gw, "wan0", "02:00:00:00:02:01"),
            (t, "tlan", "02:00:00:00:01:64"),
            (t, "twan", "02:00:00:00:02:03"),
        ] {
            host_tools::run("ip", &["-n", ns, "link", "set", dev, "address", mac], None)?;
        }
        for (dev, v4, v6) in [
            ("lan0", "192.168.0.1/24", "3fff:0:0:1::1/64"),
            ("wan0", "203.0.113.2/24", "3fff:0:0:2::2/64"),
        ] {
            host_tools::run("ip", &["-n", gw, "addr", "add", v4, "dev", dev], None)?;
            host_tools::run("ip", &["-n", gw, "addr", "add", v6, "dev", dev, "nodad"], None)?;
        }
        self.set_mtus()?;
        for (ns, dev) in [
            (gw, "lo"),
            (gw, "lan0"),
            (gw, "wan0"),
            (t, "lo"),
            (t, "tlan"),
            (t, "twan"),
        ] {
            host_tools::run("ip", &["-n", ns, "link", "set", dev, "up"], None)?;
        }
        Ok(())
    }

    /// The gateway's forwarding, its nftables ruleset (the profile's), and conntrack's timers.
    fn configure_gateway(&self) -> Result<(), CmdError> {
        let gw = self.gw_ns.as_str();
        // Frames the gateway generates itself (a RST from `reject with tcp reset`) cross the veth
        // with their checksum left to an offload that never happens: the tester read them with a
        // wrong TCP checksum until transmit offload was off (docs/netns.md).
        for dev in ["lan0", "wan0"] {
            host_tools::in_ns(gw, "ethtool", &["-K", dev, "tx", "off"], None)?;
        }
        host_tools::in_ns(
            gw,
            "sysctl",
            &["-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"],
            None,
        )?;
        host_tools::in_ns(gw, "nft", &["-f", "-"], Some(&self.profile.ruleset()))?;
        // Conntrack exists in the namespace once the NAT table is loaded; then its timers.
        let udp = self.profile.udp_timeout_secs().to_string();
        host_tools::in_ns(
            gw,
            "sysctl",
            &[
                "-qw",
                &format!("net.netfilter.nf_conntrack_udp_timeout={udp}"),
                &format!("net.netfilter.nf_conntrack_udp_timeout_stream={udp}"),
                // Linux keeps an ICMP query 30 s and a half-open TCP connection 120 s; RFC 5508
                // REQ-2 asks for at least 60 s and RFC 5382 REQ-5 for at least 4 min.
                "net.netfilter.nf_conntrack_icmp_timeout=120",
                "net.netfilter.nf_conntrack_tcp_timeout_syn_sent=300",
                "net.netfilter.nf_conntrack_tcp_timeout_syn_recv=300",
            ],
            None,
        )?;
        Ok(())
    }

    /// Gives the gateway's interfaces the links' MTUs (after their addresses: below 1280 Linux
    /// takes IPv6 off an interface) and the tester's ends room for any frame the runner builds.
    fn set_mtus(&self) -> Result<(), CmdError> {
        let (gw, t) = (self.gw_ns.as_str(), self.tester_ns.as_str());
        for (ns, dev, mtu) in [
            (gw, "lan0", self.links.lan_mtu),
            (gw, "wan0", self.links.wan_mtu),
            (t, "tlan", TESTER_MTU),
            (t, "twan", TESTER_MTU),
        ] {
            host_tools::run("ip", &["-n", ns, "link", "set", dev, "mtu", &mtu.to_string()], None)?;
        }
        Ok(())
    }

    /// Flushes conntrack and neighbour tables: a fresh gateway for the next case
    /// (docs/language.md §2.1 rule 9).
    pub fn reset(&self) -> Result<(), CmdError> {
        host_tools::in_ns(&self.gw_ns, "nft", &["-f", "-"], Some(&self.profile.ruleset()))?;
        for dev in ["lan0", "wan0"] {
            host_tools::run("ip", &["-n", &self.gw_ns, "neigh", "flush", "dev", dev], None)?;
        }
        Ok(())
    }

    /// Removes the lab's namespaces (their veths and tables go with them) and its marker file,
    /// reporting what failed; dropping a lab removes it too, silently.
    pub fn down(mut self) -> Result<(), CmdError> {
        self.remove_on_drop = false;
        remove(&self.id)
    }

    /// Keeps the lab standing after this value is dropped (`gatecheck lab up`).
    pub fn keep(mut self) -> String {
        self.remove_on_drop = false;
        let _ = std::fs::write(marker_dir().join(&self.id), format!("kept {}\n", self.profile.name()));
        self.id.clone()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if self.remove_on_drop {
            let _ = remove(&self.id);
        }
    }
}

/// Removes the namespaces (and with them the veths) of a lab, and its marker.
pub fn remove(id: &str) -> Result<(), CmdError> {
    let mut first_err = None;
    for ns in [format!("{PREFIX}{id}-gw"), format!("{PREFIX}{id}-t")] {
        if namespaces()?.contains(&ns) {
            if let Err(e) = host_tools::run("ip", &["netns", "del", &ns], None) {
                first_err.get_or_insert(e);
            }
        }
    }
    let _ = std::fs::remove_file(marker_dir().join(id));
    first_err.map_or(Ok(()), Err)
}

/// The network namespaces on the machine.
pub fn namespaces() -> Result<Vec<String>, CmdError> {
    let out = host_tools::run("ip", &["netns", "list"], None)?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect())
}

/// Every lab on the machine (namespaces with the prefix), with its owner if recorded.
pub fn labs() -> Result<Vec<LabInfo>, CmdError> {
    let mut ids: Vec<String> = namespaces()?
        .into_iter()
        .filter_map(|n| {
            n.strip_prefix(PREFIX)
                .and_then(|r| r.rsplit_once('-'))
                .map(|(id, _)| id.to_string())
        })
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids
        .into_iter()
        .map(|id| {
            let marker = std::fs::read_to_string(marker_dir().join(&id)).unwrap_or_default();
            let mut it = marker.split_whitespace();
            let first = it.next();
            let kept = first == Some("kept");
            let pid = first.and_then(|p| p.parse::<u32>().ok());
            let profile = it.next().unwrap_or("unknown").to_string();
            let owner_alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
            LabInfo {
                id,
                pid,
                kept,
                owner_alive,
                profile,
            }
        })
        .collect())
}
