//! Profiles of the `netns` lab: real kernel configuration (nftables rules and conntrack timers),
//! named like the simulated quirks wherever the kernel can express them.

use crate::backend::sim::{FORBIDDEN_V6, Prefix6, Profile, Quirk};

/// The quirks the Linux lab can reproduce, with the reason for those it cannot.
pub fn netns_support(q: Quirk) -> Result<(), &'static str> {
    match q {
        Quirk::SynDataDrop
        | Quirk::TfoStrip
        | Quirk::EcnBleach
        | Quirk::MssClamp1400
        | Quirk::Symmetric
        | Quirk::UdpTimeout30s
        | Quirk::NoFragNeeded
        | Quirk::V6NoPtb
        | Quirk::V6IpsecBlocked => Ok(()),
        Quirk::Apdf => Err(
            "Linux conntrack filters IPv4 by address and port in every profile, so the compliant lab's IPv4 already \
             behaves so (its IPv6 filter is endpoint-independent)",
        ),
        Quirk::IcmpCsumUnchecked => Err(
            "Linux's NAT checks the ICMP checksum of every error it translates, whatever nf_conntrack_checksum says; \
             the quoted IPv4 header's checksum it never checks, so the compliant lab already forwards those",
        ),
        _ => Err("not expressible in this lab's kernel configuration"),
    }
}

/// The interior IPv6 prefix of the lab: the built-in testbed's LAN.
fn lan_prefix() -> Option<Prefix6> {
    dsl::Testbed::builtin().lan.gateway.ipv6
}

/// `a/len` for nft, the address masked to the prefix.
fn prefix_text((a, len): Prefix6) -> String {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len.min(128)))
    };
    format!("{}/{len}", std::net::Ipv6Addr::from(u128::from(a) & mask))
}

/// The ip6 forward chain's rules (docs/ipv6-filter.md has each rule's recommendation).
fn ipv6_filter(has: impl Fn(Quirk) -> bool) -> Vec<String> {
    let forbidden = FORBIDDEN_V6
        .iter()
        .map(|p| prefix_text(*p))
        .collect::<Vec<_>>()
        .join(", ");
    let mut r = vec![
        format!("ip6 saddr {{ ff00::/8, {forbidden} }} drop"),
        format!("ip6 daddr {{ {forbidden} }} drop"),
        "rt type 0 drop".to_string(),
    ];
    if let Some(p) = lan_prefix().map(prefix_text) {
        r.push(format!("iifname \"lan0\" ip6 saddr != {p} drop"));
        r.push(format!("iifname \"wan0\" ip6 saddr {p} drop"));
    }
    let blocked = has(Quirk::V6IpsecBlocked);
    let rules = [
        (
            true,
            "icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } ct state invalid drop",
        ),
        (blocked, "iifname \"wan0\" ip6 nexthdr { esp, ah } drop"),
        (blocked, "iifname \"wan0\" meta l4proto esp drop"),
        (
            true,
            "iifname \"lan0\" oifname \"wan0\" meta l4proto udp update @eif_udp { ip6 saddr . udp sport }",
        ),
        (
            true,
            "iifname \"lan0\" oifname \"wan0\" meta l4proto tcp update @eif_tcp { ip6 saddr . tcp sport }",
        ),
        (true, "ct state established,related accept"),
        (true, "iifname \"lan0\" oifname \"wan0\" accept"),
        (!blocked, "ip6 nexthdr { esp, ah } accept"),
        (!blocked, "meta l4proto { esp, 139 } accept"),
        (!blocked, "udp dport 500 accept"),
        (true, "icmpv6 type echo-request accept"),
        (true, "ip6 daddr . udp dport @eif_udp accept"),
        (true, "ip6 daddr . tcp dport @eif_tcp accept"),
    ];
    r.extend(rules.iter().filter(|(on, _)| *on).map(|(_, rule)| rule.to_string()));
    r
}

/// A lab profile: a set of supported quirks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetnsProfile {
    profile: Profile,
}

impl NetnsProfile {
    /// Parses `syn-data-drop+ecn-bleach` (empty: compliant), rejecting quirks the lab cannot do.
    pub fn parse(s: &str) -> Result<NetnsProfile, String> {
        let profile = Profile::parse(s).map_err(|e| e.to_string())?;
        for q in Quirk::ALL {
            if profile.has(q) {
                netns_support(q).map_err(|why| format!("`{}` has no netns profile: {why}", q.name()))?;
            }
        }
        Ok(NetnsProfile { profile })
    }

    /// `netns` or `netns:a+b`.
    pub fn name(&self) -> String {
        let p = self.profile.to_string();
        if p.is_empty() {
            "netns".into()
        } else {
            format!("netns:{p}")
        }
    }

    /// The UDP conntrack timeout: above 120 s for a compliant gateway (RFC 4787 REQ-5), 30 s with
    /// `udp-timeout-30s`.
    pub fn udp_timeout_secs(&self) -> u32 {
        if self.profile.has(Quirk::UdpTimeout30s) {
            30
        } else {
            300
        }
    }

    /// The nftables ruleset of the gateway namespace.
    pub fn ruleset(&self) -> String {
        let has = |q| self.profile.has(q);
        let masq = if has(Quirk::Symmetric) {
            "masquerade fully-random"
        } else {
            "masquerade"
        };
        let mut forward = Vec::new();
        if has(Quirk::SynDataDrop) {
            forward.push("tcp flags & (syn | ack) == syn @ih,0,8 0-255 counter drop");
        }
        if has(Quirk::TfoStrip) {
            forward.push("tcp flags syn reset tcp option fastopen");
        }
        if has(Quirk::EcnBleach) {
            forward.push("ip ecn != not-ect ip ecn set not-ect");
            forward.push("tcp flags == syn | ecn | cwr tcp flags set syn");
            forward.push("tcp flags == syn | ack | ecn tcp flags set syn | ack");
        }
        if has(Quirk::MssClamp1400) {
            forward.push("tcp flags syn tcp option maxseg size > 1400 tcp option maxseg size set 1400");
        }
        // RFC 5508 REQ-3: an error whose ICMP checksum fails is INVALID to conntrack; without this
        // rule one from the LAN would leave untranslated, with its private source.
        forward.push("icmp type { destination-unreachable, time-exceeded, parameter-problem } ct state invalid drop");
        let forward: String = forward.iter().map(|r| format!("    {r}\n")).collect();
        let forward6: String = ipv6_filter(has).iter().map(|r| format!("    {r}\n")).collect();
        let udp = self.udp_timeout_secs();
        let mut rules = format!(
            "flush ruleset\n\
             table ip nat {{\n  chain postrouting {{\n    type nat hook postrouting priority srcnat; policy accept;\n    oifname \"wan0\" {masq}\n  }}\n}}\n\
             table ip filter {{\n  chain forward {{\n    type filter hook forward priority filter; policy accept;\n{forward}  }}\n}}\n\
             table ip6 filter {{\n  set eif_udp {{ type ipv6_addr . inet_service; flags dynamic,timeout; timeout {udp}s; }}\n  \
             set eif_tcp {{ type ipv6_addr . inet_service; flags dynamic,timeout; timeout 2h4m; }}\n  \
             chain forward {{\n    type filter hook forward priority filter; policy drop;\n{forward6}  }}\n}}\n"
        );
        rules.push_str(&super::pmtu::output_tables(&self.profile));
        rules
    }

    /// What this profile changes, one line per rule or setting (for `gatecheck gateways`).
    pub fn changes(&self) -> Vec<String> {
        let mut v = Vec::new();
        let ruleset = self.ruleset();
        let compliant = NetnsProfile::default().ruleset();
        for line in ruleset.lines() {
            if !compliant.lines().any(|c| c == line) {
                v.push(format!("nft: {}", line.trim()));
            }
        }
        for line in compliant.lines() {
            if !ruleset.lines().any(|r| r == line) {
                v.push(format!("nft: without `{}`", line.trim()));
            }
        }
        if self.udp_timeout_secs() != NetnsProfile::default().udp_timeout_secs() {
            v.push(format!(
                "sysctl: nf_conntrack_udp_timeout{{,_stream}}={}",
                self.udp_timeout_secs()
            ));
        }
        v
    }

    /// Every rule of every supported profile, for `gatecheck gateways` and the docs.
    pub fn all() -> Vec<NetnsProfile> {
        let mut v = vec![NetnsProfile::default()];
        for q in Quirk::ALL {
            if netns_support(q).is_ok() {
                v.push(NetnsProfile::parse(q.name()).unwrap_or_default());
            }
        }
        v
    }
}
