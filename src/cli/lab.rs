//! `gatecheck lab up [PROFILE] | status | down`: keep a `netns` lab standing so a person can
//! watch it (`ip netns exec gc-ID-t tcpdump -i tlan`), and remove labs, including those left by a
//! killed run.

use super::exit::{EXIT_ERROR, EXIT_OK, EXIT_USAGE};
use super::output::Output;
use runner::backend::host_tools;
use runner::backend::netns::{lab, links::LabLinks, profile::NetnsProfile};
use std::path::PathBuf;

/// The lab subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum LabCommand {
    /// Build a lab and leave it standing: `netns` or `netns:PROFILE` (or just PROFILE).
    Up {
        /// The profile (default: compliant).
        profile: Option<String>,
        /// A testbed file with the built-in addresses whose sides set `mtu:` (docs/netns.md).
        #[arg(long)]
        testbed: Option<PathBuf>,
    },
    /// List the labs on this machine and whether their owner is still running.
    Status,
    /// Remove labs: all of them, or one.
    Down {
        /// Only this lab id.
        #[arg(long)]
        id: Option<String>,
    },
}

/// Runs a lab subcommand.
pub fn run(out: &Output, c: LabCommand) -> u8 {
    if !host_tools::is_root() {
        out.error("the netns lab needs root (network namespaces); run as root, e.g. with sudo");
        return EXIT_ERROR;
    }
    match c {
        LabCommand::Up { profile, testbed } => {
            let text = profile.unwrap_or_default();
            let text = text
                .strip_prefix("netns")
                .map(|s| s.trim_start_matches(':'))
                .unwrap_or(&text)
                .to_string();
            let p = match NetnsProfile::parse(&text) {
                Ok(p) => p,
                Err(e) => {
                    out.error(&e);
                    return EXIT_USAGE;
                }
            };
            let Some(testbed) = out.testbed(testbed.as_deref()) else {
                return EXIT_USAGE;
            };
            let links = match LabLinks::for_testbed(&testbed) {
                Ok(l) => l,
                Err(e) => {
                    out.error(&e.to_string());
                    return EXIT_USAGE;
                }
            };
            match lab::Lab::up_with(p, links) {
                Ok(l) => {
                    let (gw, t, name) = (l.gw_ns.clone(), l.tester_ns.clone(), l.profile.name());
                    let id = l.keep();
                    out.stdout(&format!(
                        "lab {id} is up ({name})\n  gateway namespace: {gw} (lan0 192.168.0.1 mtu {}, wan0 203.0.113.2 mtu {})\n  tester namespace:  {t} (tlan, twan)\n  watch:  ip netns exec {t} tcpdump -ni tlan\n  remove: gatecheck lab down --id {id}\n",
                        links.lan_mtu, links.wan_mtu
                    ));
                    EXIT_OK
                }
                Err(e) => {
                    out.error(&e.to_string());
                    EXIT_ERROR
                }
            }
        }
        LabCommand::Status => match lab::labs() {
            Ok(labs) if labs.is_empty() => {
                out.stdout("no labs\n");
                EXIT_OK
            }
            Ok(labs) => {
                for l in labs {
                    let owner = match (l.pid, l.owner_alive) {
                        _ if l.kept => "kept standing by `gatecheck lab up`".to_string(),
                        (Some(p), true) => format!("made by pid {p} (running)"),
                        (Some(p), false) => format!("made by pid {p} (gone: a leftover)"),
                        (None, _) => "owner unknown (a leftover)".into(),
                    };
                    out.stdout(&format!("{}  {}  {owner}\n", l.id, l.profile));
                }
                EXIT_OK
            }
            Err(e) => {
                out.error(&e.to_string());
                EXIT_ERROR
            }
        },
        LabCommand::Down { id } => {
            let ids: Vec<String> = match (&id, lab::labs()) {
                (Some(i), _) => vec![i.clone()],
                (None, Ok(labs)) => labs.into_iter().map(|l| l.id).collect(),
                (None, Err(e)) => {
                    out.error(&e.to_string());
                    return EXIT_ERROR;
                }
            };
            let mut code = EXIT_OK;
            for i in &ids {
                match lab::remove(i) {
                    Ok(()) => out.stdout(&format!("removed lab {i}\n")),
                    Err(e) => {
                        out.error(&e.to_string());
                        code = EXIT_ERROR;
                    }
                }
            }
            if ids.is_empty() {
                out.stdout("no labs\n");
            }
            code
        }
    }
}
