//! The gateway a run's cases run against: which one (`--gateway`, else the testbed's, else
//! `sim`), and what must be true or done before the first case opens it.

use crate::cli::exit::{EXIT_ERROR, EXIT_USAGE};
use crate::cli::output::Output;
use runner::backend::GatewaySpec;
use runner::backend::netns::{lab, links::LabLinks};

/// The gateway of a run.
pub struct Gateway {
    /// What it is.
    pub spec: GatewaySpec,
    /// As the user wrote it (or the default), for messages, captures and bundles.
    pub text: String,
}

impl Gateway {
    /// `--gateway` when given, else the testbed's `gateway:`, else `sim`.
    pub fn resolve(out: &Output, given: Option<&str>, testbed: &dsl::Testbed) -> Result<Gateway, u8> {
        let text = given
            .map(str::to_string)
            .or(testbed.gateway.clone())
            .unwrap_or_else(|| "sim".into());
        match GatewaySpec::parse(&text) {
            Ok(spec) => Ok(Gateway { spec, text }),
            Err(e) => {
                out.error(&format!("--gateway {text}: {e}"));
                Err(EXIT_USAGE)
            }
        }
    }

    /// Checks what the backend needs before a case opens it: for `wire`, two testbed interfaces
    /// that are safe to send on (`allow_host` names host interfaces the user allowed); for
    /// `netns`, a testbed the lab can build, and no lab left by a killed run.
    pub fn prepare(&self, out: &Output, testbed: &dsl::Testbed, allow_host: &[String]) -> Result<(), u8> {
        match self.spec {
            GatewaySpec::Wire => check_wire_interfaces(out, testbed, allow_host),
            GatewaySpec::Netns(_) => {
                // The lab has the built-in addresses; a testbed file may only change its MTUs.
                if let Err(e) = LabLinks::for_testbed(testbed) {
                    out.error(&e.to_string());
                    return Err(EXIT_USAGE);
                }
                remove_leftover_labs(out);
                Ok(())
            }
            GatewaySpec::Sim(_) => Ok(()),
        }
    }

    /// How many cases run at once: `jobs` (default: the number of cores), but one at a time on
    /// `wire`, which has one gateway on one pair of interfaces.
    pub fn workers(&self, jobs: Option<usize>) -> usize {
        if let GatewaySpec::Wire = self.spec {
            return 1;
        }
        jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// The `if_description` of the `lan` and `wan` interfaces in captures: which interface of the
    /// testbed (the tester ends `tlan`/`twan` on `netns`) and which gateway.
    pub fn interface_descriptions(&self, testbed: &dsl::Testbed) -> [String; 2] {
        let describe = |side: &dsl::testbed::SideConf, netns_end: &str| {
            let iface = match self.spec {
                GatewaySpec::Netns(_) => Some(netns_end.to_string()),
                GatewaySpec::Wire => side.interface.clone(),
                GatewaySpec::Sim(_) => None,
            };
            match iface {
                Some(i) => format!("testbed interface {i}, gateway {}", self.text),
                None => format!("simulated link, gateway {}", self.text),
            }
        };
        [describe(&testbed.lan, "tlan"), describe(&testbed.wan, "twan")]
    }
}

/// `wire` sends on the testbed's two interfaces: both must be named, and neither may carry this
/// host's addresses or routes unless allowed; offloads that alter frames are warned about.
fn check_wire_interfaces(out: &Output, testbed: &dsl::Testbed, allow_host: &[String]) -> Result<(), u8> {
    let (Some(lan), Some(wan)) = (&testbed.lan.interface, &testbed.wan.interface) else {
        out.error("--gateway wire needs a testbed file whose lan and wan sides name an `interface:`");
        return Err(EXIT_USAGE);
    };
    for name in [lan, wan] {
        match runner::backend::raw::safety::check_interface(name, allow_host) {
            Ok(warnings) => {
                for w in warnings {
                    out.stderr(&format!("warning: {w}\n"));
                }
            }
            Err(refusal) => {
                out.error(&refusal.to_string());
                return Err(EXIT_ERROR);
            }
        }
    }
    Ok(())
}

/// Removes the labs left by a run that was killed (its pid is gone) before new ones are built.
fn remove_leftover_labs(out: &Output) {
    let Ok(labs) = lab::labs() else {
        return;
    };
    for l in labs.iter().filter(|l| !l.kept && !l.owner_alive) {
        match lab::remove(&l.id) {
            Ok(()) => out.stderr(&format!(
                "removed lab {} left by a run that ended without cleaning up\n",
                l.id
            )),
            Err(e) => out.error(&e.to_string()),
        }
    }
}
