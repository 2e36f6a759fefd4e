//! Safety checks of the `wire` backend: it only drives interfaces dedicated to the gateway under
//! test. An interface that is missing, down, or carries an address or a route of this host is
//! refused unless the user names it in `--allow-host-interface`; offloads that alter frames are
//! named.

use crate::backend::host_tools;

/// Why an interface may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such interface.
    #[error("interface `{0}` does not exist")]
    Missing(String),
    /// It is down.
    #[error("interface `{0}` is down; bring it up (`ip link set {0} up`)")]
    Down(String),
    /// It carries addresses of this host.
    #[error(
        "interface `{name}` carries addresses of this host ({addrs}); gatecheck would send test traffic on a network this host uses. Use a dedicated interface, or pass --allow-host-interface {name}"
    )]
    HostAddress {
        /// The interface.
        name: String,
        /// Its addresses.
        addrs: String,
    },
    /// Routes of this host go through it.
    #[error(
        "routes of this host go through interface `{name}` ({routes}); pass --allow-host-interface {name} if that is intended"
    )]
    HostRoute {
        /// The interface.
        name: String,
        /// The routes.
        routes: String,
    },
}

/// Checks an interface for the `wire` backend; returns warnings about offloads on success.
pub fn check_interface(name: &str, allowed: &[String]) -> Result<Vec<String>, Refusal> {
    let link =
        host_tools::run("ip", &["-o", "link", "show", "dev", name], None).map_err(|_| Refusal::Missing(name.into()))?;
    if !link.contains("state UP") && !link.contains(",UP") {
        return Err(Refusal::Down(name.into()));
    }
    if !allowed.iter().any(|a| a == name) {
        let addrs = host_tools::run("ip", &["-o", "addr", "show", "dev", name], None).unwrap_or_default();
        let list: Vec<&str> = addrs
            .lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                it.position(|w| w == "inet" || w == "inet6")?;
                it.next()
            })
            .filter(|a| !a.starts_with("fe80:"))
            .collect();
        if !list.is_empty() {
            return Err(Refusal::HostAddress {
                name: name.into(),
                addrs: list.join(", "),
            });
        }
        let mut routes = Vec::new();
        for fam in ["-4", "-6"] {
            let r = host_tools::run("ip", &[fam, "route", "show", "dev", name], None).unwrap_or_default();
            routes.extend(
                r.lines()
                    .filter(|l| !l.starts_with("fe80::") && !l.starts_with("multicast"))
                    .map(str::to_string),
            );
        }
        if !routes.is_empty() {
            return Err(Refusal::HostRoute {
                name: name.into(),
                routes: routes.join("; "),
            });
        }
    }
    Ok(offload_warnings(name))
}

/// Offloads that change frames between the wire and the socket, named (needs ethtool).
pub fn offload_warnings(name: &str) -> Vec<String> {
    let Ok(k) = host_tools::run("ethtool", &["-k", name], None) else {
        return vec![];
    };
    let altering = [
        "generic-receive-offload",
        "large-receive-offload",
        "rx-vlan-offload",
        "tx-checksumming",
        "tcp-segmentation-offload",
        "generic-segmentation-offload",
    ];
    k.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(f, v)| altering.contains(&f.trim()) && v.trim_start().starts_with("on"))
        .map(|(f, _)| {
            format!(
                "{name}: {} is on and may alter frames (ethtool -K {name} ...)",
                f.trim()
            )
        })
        .collect()
}
