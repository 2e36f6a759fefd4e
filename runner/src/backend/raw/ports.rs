//! Raw frames on real (or veth) interfaces: the ports of `wire` and `netns`. One AF_PACKET
//! socket per interface ([`PacketSocket`]) carries both send and receive, so the runner never
//! reads its own frames back (a socket does not see what it sent; another socket on the same
//! interface would, marked `PACKET_OUTGOING`). Frames arrive in each socket's
//! memory-mapped receive ring, which sits under tokio's `AsyncFd`: the engine takes a frame the
//! moment the kernel queues it, on its own thread, with no reader thread, no polling loop and no
//! system call per check; each frame carries the kernel's receive timestamp.

use crate::backend::raw::afpacket::PacketSocket;
use crate::backend::raw::link;
use crate::backend::{GatewayPorts, PortsError, Received};
use dsl::plan::Side;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

/// Receive ring of each socket: 512 frames of up to 16 KiB. In the lab a flood lost frames into
/// a socket with Linux's default receive buffer (208 KiB: 0.03 to 0.22 % of them) and none into
/// one of several MiB.
const SOCKET_BUFFER: usize = 8 << 20;

/// How long one reading of the two clocks serves to convert kernel timestamps.
const CLOCK_PAIR_LIFE: Duration = Duration::from_millis(1);

/// Converts the kernel's receive timestamps (wall clock) into the engine's clock (tokio's
/// `Instant`) without reading either clock per frame: one reading of both clocks serves every
/// frame whose timestamp lies within [`CLOCK_PAIR_LIFE`] after it. Drift between the two clocks
/// over that time is far below a microsecond; a step of the wall clock puts the next timestamp
/// outside the window and forces a new reading.
struct KernelClock {
    wall: SystemTime,
    mono: Instant,
}

/// The widest bracket of engine-clock readings around a wall-clock reading that is accepted at
/// once; a wider one (the thread was preempted between the reads) is read again.
const CLOCK_BRACKET: Duration = Duration::from_micros(20);

impl KernelClock {
    /// Reads both clocks as nearly at once as possible: the wall clock between two readings of
    /// the engine clock, read again (a few times at most, keeping the tightest) when the thread
    /// was preempted in between. A pair read milliseconds apart would shift every frame it
    /// converts by as much.
    fn read() -> KernelClock {
        let mut best = Self::bracketed();
        for _ in 0..7 {
            if best.0 <= CLOCK_BRACKET {
                break;
            }
            let next = Self::bracketed();
            if next.0 < best.0 {
                best = next;
            }
        }
        best.1
    }

    /// One reading of the wall clock between two of the engine clock: the bracket's width and
    /// the pair. The engine time of the pair is the bracket's end, the latest the wall clock can
    /// have been read: a frame is then never placed before the moment it really arrived (at
    /// worst a bracket's width after it), so a gateway's answer never appears to precede the
    /// send that caused it.
    fn bracketed() -> (Duration, KernelClock) {
        let before = Instant::now();
        let wall = SystemTime::now();
        let after = Instant::now();
        (after - before, KernelClock { wall, mono: after })
    }

    /// The engine-clock time of a frame the kernel stamped `kernel` (now, if it did not).
    fn at(&mut self, kernel: Option<SystemTime>) -> Instant {
        let Some(k) = kernel else { return Instant::now() };
        match k.duration_since(self.wall) {
            Ok(after) if after <= CLOCK_PAIR_LIFE => self.mono + after,
            _ => {
                *self = KernelClock::read();
                match self.wall.duration_since(k) {
                    Ok(age) => self.mono.checked_sub(age).unwrap_or(self.mono),
                    // Stamped after the clocks were read (a race of nanoseconds): now.
                    Err(_) => self.mono,
                }
            }
        }
    }
}

/// Two interfaces, LAN and WAN, opened for raw frames.
pub struct RawPorts {
    ports: [AsyncFd<PacketSocket>; 2],
    clock: KernelClock,
    /// Which port to read first next time, so a flood on one side cannot starve the other.
    first: usize,
    caveat: Option<String>,
}

fn setup_err(e: impl std::fmt::Display) -> PortsError {
    PortsError::Setup(e.to_string())
}

/// Opens the two sockets, inside network namespace `netns` when given: a short-lived thread
/// enters it and creates them there; this process's own namespace is untouched.
fn open_sockets(netns: Option<&str>, names: [&str; 2]) -> Result<[PacketSocket; 2], PortsError> {
    let (netns, names) = (netns.map(str::to_string), names.map(str::to_string));
    std::thread::spawn(move || -> Result<[PacketSocket; 2], PortsError> {
        if let Some(ns) = &netns {
            let f = std::fs::File::open(format!("/var/run/netns/{ns}"))
                .map_err(|e| setup_err(format!("network namespace {ns}: {e}")))?;
            nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(|e| setup_err(format!("cannot enter namespace {ns}: {e}")))?;
        }
        for name in &names {
            if !link::is_up(name).map_err(setup_err)? {
                return Err(setup_err(format!("interface {name} is down")));
            }
        }
        let lan = PacketSocket::open(&names[0], SOCKET_BUFFER).map_err(setup_err)?;
        let wan = PacketSocket::open(&names[1], SOCKET_BUFFER).map_err(setup_err)?;
        Ok([lan, wan])
    })
    .join()
    .map_err(|_| setup_err("opening the interfaces panicked"))?
}

impl RawPorts {
    /// Opens `lan_if` and `wan_if` (in namespace `netns` when given). Must be called inside a
    /// tokio runtime with I/O enabled: the sockets register with its reactor.
    pub fn open(netns: Option<&str>, lan_if: &str, wan_if: &str) -> Result<RawPorts, PortsError> {
        let [lan, wan] = open_sockets(netns, [lan_if, wan_if])?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(setup_err("raw sockets opened outside the engine's runtime"));
        }
        let register = |s: PacketSocket| {
            // SAFETY: a PacketSocket owns its descriptor for its whole life and always returns it.
            unsafe { AsyncFd::register_with_interest(s, Interest::READABLE) }
                .map_err(|e| setup_err(format!("cannot watch the socket: {e}")))
        };
        Ok(RawPorts {
            ports: [register(lan)?, register(wan)?],
            first: 0,
            caveat: None,
            clock: KernelClock::read(),
        })
    }

    /// A note every result through these ports carries (e.g. no fresh gateway on `wire`).
    pub fn set_caveat(&mut self, text: &str) {
        self.caveat = Some(text.to_string());
    }

    /// Takes one waiting frame from port `i`'s receive ring; `None` when none is waiting.
    fn read_port(&mut self, i: usize) -> Option<Received> {
        loop {
            let got = self.ports[i]
                .get_mut()
                .try_recv_with(|data, meta| (!meta.outgoing).then(|| (data.to_vec(), meta.kernel_time)))?;
            let Some((bytes, kernel_time)) = got else {
                continue;
            };
            let at = self.clock.at(kernel_time);
            return Some(Received {
                side: if i == 0 { Side::Lan } else { Side::Wan },
                at,
                bytes,
                toward_gateway: false,
            });
        }
    }
}

impl GatewayPorts for RawPorts {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError> {
        let i = match side {
            Side::Lan => 0,
            Side::Wan => 1,
        };
        self.ports[i].get_ref().send(frame).map_err(|e| PortsError::Send {
            side: side.name(),
            reason: e.to_string(),
        })
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        // Bounded: each round either returns or clears a readiness the reactor reported.
        for _ in 0..64 {
            let order = [self.first, 1 - self.first];
            self.first = 1 - self.first;
            for i in order {
                if let Some(r) = self.read_port(i) {
                    return Poll::Ready(Some(r));
                }
            }
            // Nothing waiting: ask the reactor to wake us, and read again if it says a socket
            // became readable in the meantime.
            let mut again = false;
            for port in &self.ports {
                match port.poll_read_ready(cx) {
                    Poll::Ready(Ok(mut guard)) => {
                        guard.clear_ready();
                        again = true;
                    }
                    Poll::Ready(Err(_)) => return Poll::Ready(None),
                    Poll::Pending => {}
                }
            }
            if !again {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn try_recv(&mut self) -> Option<Received> {
        // The rings are memory: look at both without touching the reactor.
        let order = [self.first, 1 - self.first];
        self.first = 1 - self.first;
        order.into_iter().find_map(|i| self.read_port(i))
    }

    fn freshness_caveat(&self) -> Option<String> {
        self.caveat.clone()
    }

    fn take_dropped(&mut self) -> u64 {
        self.ports
            .iter()
            .map(|p| u64::from(p.get_ref().take_drops().unwrap_or(0)))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversion the engine used before: read both clocks for every frame.
    fn direct(k: SystemTime) -> Instant {
        let now = Instant::now();
        SystemTime::now()
            .duration_since(k)
            .ok()
            .and_then(|age| now.checked_sub(age))
            .unwrap_or(now)
    }

    fn close(a: Instant, b: Instant) -> bool {
        let d = if a > b { a - b } else { b - a };
        d < Duration::from_millis(5)
    }

    #[test]
    fn kernel_timestamps_convert_like_a_fresh_reading_of_both_clocks() {
        let mut clock = KernelClock::read();
        for _ in 0..1000 {
            // Never earlier than the moment the timestamp was taken: an answer never appears
            // to precede the send that caused it.
            let t = Instant::now();
            let k = SystemTime::now();
            let at = clock.at(Some(k));
            assert!(at >= t, "a frame placed {:?} before it arrived", t - at);
            assert!(close(at, direct(k)));
        }
        // A frame stamped a second ago (queued while the engine was busy) and one from before a
        // wall-clock step: both outside the window, so the clocks are read again.
        let old = SystemTime::now() - Duration::from_secs(1);
        assert!(close(clock.at(Some(old)), direct(old)));
        let stepped = SystemTime::now() + Duration::from_secs(3600);
        let at = clock.at(Some(stepped));
        assert!(
            at <= Instant::now(),
            "a timestamp from the future is taken as now at the latest"
        );
        // After the step, ordinary timestamps still convert correctly.
        let k = SystemTime::now();
        assert!(close(clock.at(Some(k)), direct(k)));
        // No kernel timestamp: now.
        let t0 = Instant::now();
        let got = clock.at(None);
        assert!(got >= t0 && got <= Instant::now());
    }
}
