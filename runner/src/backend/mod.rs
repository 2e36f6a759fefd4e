//! The backends: what the engine runs a case against, each behind [`GatewayPorts`] — two ports
//! into a gateway. One folder each: [`sim`] (the built-in simulated gateway), [`netns`] (a Linux
//! kernel gateway in network namespaces, reached through raw sockets), [`raw`] (raw-socket ports:
//! the `wire` backend on two NICs, and the tester side of `netns`), [`replay`] (a recorded
//! capture played back, for `gatecheck verify`). [`GatewaySpec::open`] opens any of them.

pub mod host_tools;
pub mod netns;
mod ports;
pub mod raw;
pub mod replay;
pub mod sim;

pub use ports::{GatewayPorts, PortsError, Received, recv};

use sim::Profile;

/// The gateway backends, as `--gateway` names them.
pub const BACKENDS: [&str; 3] = ["sim", "netns", "wire"];

/// The forms `--gateway` takes, for help and error texts.
pub const FORMS: &str = "sim[:PROFILE], netns[:PROFILE] or wire";

/// Which gateway the cases run against.
#[derive(Clone, Debug)]
pub enum GatewaySpec {
    /// The built-in simulated gateway with a profile of quirks.
    Sim(Profile),
    /// A Linux kernel gateway in network namespaces, one fresh lab per case.
    Netns(netns::profile::NetnsProfile),
    /// Two real interfaces cabled to a gateway (named by the testbed file).
    Wire,
}

impl GatewaySpec {
    /// Parses `sim`, `sim:PROFILE` (`sim:syn-data-drop+ecn-bleach`), `netns`, `netns:PROFILE`
    /// or `wire`; an unknown backend's error names the forms and the closest backend.
    pub fn parse(s: &str) -> Result<GatewaySpec, String> {
        let (backend, profile) = s.split_once(':').unwrap_or((s, ""));
        match backend {
            "sim" => Profile::parse(profile).map(GatewaySpec::Sim).map_err(|e| e.to_string()),
            "netns" => netns::profile::NetnsProfile::parse(profile).map(GatewaySpec::Netns),
            "wire" if profile.is_empty() => Ok(GatewaySpec::Wire),
            "wire" => Err("the wire backend takes no profile: the gateway is whatever is cabled".into()),
            other => Err(format!(
                "unknown gateway backend `{other}`: expected {FORMS}{}",
                dsl::names::suggestion(other, BACKENDS)
            )),
        }
    }

    /// Whether a case's [`CaseResult::duration`](crate::result::CaseResult::duration) on this
    /// gateway is virtual: `sim` runs each case on tokio's paused clock, the others on real time.
    pub fn has_virtual_clock(&self) -> bool {
        self.clock() == Clock::Paused
    }

    /// The clock a case on this gateway runs on.
    pub fn clock(&self) -> Clock {
        match self {
            GatewaySpec::Sim(_) => Clock::Paused,
            GatewaySpec::Netns(_) | GatewaySpec::Wire => Clock::Real,
        }
    }

    /// Opens a fresh gateway for one case, inside `rt` (the runtime of [`GatewaySpec::clock`]):
    /// the one way every backend is opened. `seed` makes the simulated gateway's choices
    /// repeatable.
    pub fn open(&self, testbed: &dsl::Testbed, seed: u64, rt: &tokio::runtime::Runtime) -> Result<Opened, String> {
        let _in_runtime = rt.enter();
        match self {
            GatewaySpec::Sim(profile) => Ok(Opened::new(sim::SimPorts::new(testbed, profile, seed))),
            GatewaySpec::Netns(profile) => netns::open(testbed, profile),
            GatewaySpec::Wire => raw::open_wire(testbed),
        }
    }

    /// The backend name (`sim`).
    pub fn backend(&self) -> &'static str {
        match self {
            GatewaySpec::Sim(_) => "sim",
            GatewaySpec::Netns(_) => "netns",
            GatewaySpec::Wire => "wire",
        }
    }

    /// The profile as written (`compliant` when empty).
    pub fn profile(&self) -> String {
        match self {
            GatewaySpec::Sim(p) => {
                let s = p.to_string();
                if s.is_empty() { "compliant".into() } else { s }
            }
            GatewaySpec::Netns(p) => p.name().strip_prefix("netns:").unwrap_or("compliant").to_string(),
            GatewaySpec::Wire => "as cabled".into(),
        }
    }
}

/// The clock a backend runs cases on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// tokio's paused clock: waits cost nothing (`sim`, `replay`).
    Paused,
    /// Real time (`netns`, `wire`).
    Real,
}

impl Clock {
    /// A current-thread runtime on this clock, for one case; the error says why none could start.
    pub fn runtime(self) -> Result<tokio::runtime::Runtime, String> {
        let mut b = tokio::runtime::Builder::new_current_thread();
        match self {
            Clock::Paused => b.enable_time().start_paused(true),
            Clock::Real => b.enable_all(),
        };
        b.build().map_err(|e| format!("could not start the engine: {e}"))
    }
}

/// A gateway opened for one case: its ports, a note for reports when it cannot be fresh (docs/
/// language.md §2.1 rule 9), and what removes it afterwards.
pub struct Opened {
    /// The two ports the engine sends into and reads from.
    pub ports: Box<dyn GatewayPorts>,
    /// Removes what was built for the case (a `netns` lab), after the case.
    pub teardown: Option<Box<dyn FnOnce() -> Result<(), String> + Send>>,
}

impl Opened {
    /// A gateway with nothing to remove afterwards.
    pub fn new(ports: impl GatewayPorts + 'static) -> Opened {
        Opened {
            ports: Box::new(ports),
            teardown: None,
        }
    }
}
