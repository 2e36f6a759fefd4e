//! `gatecheck lab up [PROFILE] | status | down`: keep a `netns` lab standing so a person can
//! watch it (`ip netns exec gc-ID-t tcpdump -i tlan`), and remove labs, including those left by a
//! killed run.

use super::exit::{EXIT_ERROR, EXIT_OK, EXIT_USAGE};
use super::output::Output;
use runner::backend::host_tools;
use runner::backend::netns::{lab, links::LabLinks, profile::NetnsProfile};
use std::path::{Path, PathBuf};

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

/// Runs a lab subcommand; returns the exit code.
pub fn run(out: &Output, c: LabCommand) -> u8 {
    if !host_tools::is_root() {
        out.error("the netns lab needs root (network namespaces); run as root, e.g. with sudo");
        return EXIT_ERROR;
    }
    let done = match c {
        LabCommand::Up { profile, testbed } => up(out, profile.as_deref(), testbed.as_deref()),
        LabCommand::Status => status(out),
        LabCommand::Down { id } => down(out, id),
    };
    done.unwrap_or_else(|code| code)
}

/// `lab up`: builds a lab of `profile` (`netns`, `netns:PROFILE` or PROFILE) with the MTUs of
/// `testbed`, keeps it standing and says how to watch and remove it.
fn up(out: &Output, profile: Option<&str>, testbed: Option<&Path>) -> Result<u8, u8> {
    let text = profile.unwrap_or_default();
    let text = text
        .strip_prefix("netns")
        .map(|s| s.trim_start_matches(':'))
        .unwrap_or(text);
    let profile = NetnsProfile::parse(text).map_err(|e| {
        out.error(&e);
        EXIT_USAGE
    })?;
    let testbed = out.testbed(testbed).ok_or(EXIT_USAGE)?;
    let links = LabLinks::for_testbed(&testbed).map_err(|e| {
        out.error(&e.to_string());
        EXIT_USAGE
    })?;
    let l = lab::Lab::up_with(profile, links).map_err(|e| {
        out.error(&e.to_string());
        EXIT_ERROR
    })?;
    let (gw, t, name) = (l.gw_ns.clone(), l.tester_ns.clone(), l.profile.name());
    let id = l.keep();
    out.stdout(&format!(
        "lab {id} is up ({name})\n  gateway namespace: {gw} (lan0 192.168.0.1 mtu {}, wan0 203.0.113.2 mtu {})\n  tester namespace:  {t} (tlan, twan)\n  watch:  ip netns exec {t} tcpdump -ni tlan\n  remove: gatecheck lab down --id {id}\n",
        links.lan_mtu, links.wan_mtu
    ));
    Ok(EXIT_OK)
}

/// `lab status`: every lab on this machine, and whether the run that made it still runs.
fn status(out: &Output) -> Result<u8, u8> {
    let labs = lab::labs().map_err(|e| {
        out.error(&e.to_string());
        EXIT_ERROR
    })?;
    if labs.is_empty() {
        out.stdout("no labs\n");
    }
    for l in labs {
        let owner = match (l.pid, l.owner_alive) {
            _ if l.kept => "kept standing by `gatecheck lab up`".to_string(),
            (Some(p), true) => format!("made by pid {p} (running)"),
            (Some(p), false) => format!("made by pid {p} (gone: a leftover)"),
            (None, _) => "owner unknown (a leftover)".into(),
        };
        out.stdout(&format!("{}  {}  {owner}\n", l.id, l.profile));
    }
    Ok(EXIT_OK)
}

/// `lab down`: removes lab `id`, or every lab; one that cannot be removed makes the exit code an
/// error, the others are still removed.
fn down(out: &Output, id: Option<String>) -> Result<u8, u8> {
    let ids: Vec<String> = match id {
        Some(i) => vec![i],
        None => lab::labs()
            .map_err(|e| {
                out.error(&e.to_string());
                EXIT_ERROR
            })?
            .into_iter()
            .map(|l| l.id)
            .collect(),
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
    Ok(code)
}
