//! Profiles of the `netns` lab: real kernel configuration (nftables rules and conntrack timers),
//! named like the simulated quirks wherever the kernel can express them.

use crate::sim::{Profile, Quirk};

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
        | Quirk::V6NoPtb => Ok(()),
        Quirk::Apdf => Err("Linux conntrack always filters by address and port; the compliant lab already behaves so"),
        _ => Err("not expressible in this lab's kernel configuration"),
    }
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
        let forward: String = forward.iter().map(|r| format!("    {r}\n")).collect();
        let mut rules = format!(
            "flush ruleset\n\
             table ip nat {{\n  chain postrouting {{\n    type nat hook postrouting priority srcnat; policy accept;\n    oifname \"wan0\" {masq}\n  }}\n}}\n\
             table ip filter {{\n  chain forward {{\n    type filter hook forward priority filter; policy accept;\n{forward}  }}\n}}\n\
             table ip6 filter {{\n  chain forward {{\n    type filter hook forward priority filter; policy drop;\n    ct state established,related accept\n    iifname \"lan0\" oifname \"wan0\" accept\n  }}\n}}\n"
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
