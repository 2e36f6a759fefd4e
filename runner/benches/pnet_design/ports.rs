//! The first design of the raw-frame ports, kept for comparison: a pnet_datalink channel per
//! interface, and a reader thread per port feeding the engine through a channel. The runner's
//! own ports (`runner::backend::raw::RawPorts`: AF_PACKET with a receive ring under tokio's
//! `AsyncFd`, no reader thread) replaced it; this bench shows why.

use dsl::plan::Side;
use pnet_datalink::{Channel, Config, DataLinkSender};
use runner::backend::{GatewayPorts, PortsError, Received};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::mpsc;

/// Read buffer of each socket: 1 MiB, so that a burst does not overflow it while the reader
/// thread is descheduled.
const READ_BUFFER: usize = 1 << 20;

/// Two interfaces, LAN and WAN, opened through pnet_datalink.
pub struct PnetPorts {
    tx: [Arc<Mutex<Box<dyn DataLinkSender>>>; 2],
    rx: mpsc::UnboundedReceiver<Received>,
    stop: Arc<AtomicBool>,
    readers: Vec<JoinHandle<()>>,
}

fn setup_err(e: impl std::fmt::Display) -> PortsError {
    PortsError::Setup(e.to_string())
}

/// One interface's pnet channel: its sending and its receiving half.
type PnetChannel = (Box<dyn DataLinkSender>, Box<dyn pnet_datalink::DataLinkReceiver>);

/// Opens a pnet channel on each of `names`, inside network namespace `netns` when given (a
/// short-lived thread enters it and opens them there; this process's own namespace is untouched).
fn open_channels(netns: Option<&str>, names: [&str; 2]) -> Result<Vec<PnetChannel>, PortsError> {
    let (netns, names) = (netns.map(str::to_string), names.map(str::to_string));
    std::thread::spawn(move || {
        if let Some(ns) = &netns {
            let f = std::fs::File::open(format!("/var/run/netns/{ns}"))
                .map_err(|e| setup_err(format!("network namespace {ns}: {e}")))?;
            nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(|e| setup_err(format!("cannot enter namespace {ns}: {e}")))?;
        }
        let ifaces = pnet_datalink::interfaces();
        let mut out = Vec::new();
        for name in &names {
            let iface = ifaces
                .iter()
                .find(|i| &i.name == name)
                .ok_or_else(|| setup_err(format!("interface {name} not found")))?;
            if !iface.is_up() {
                return Err(setup_err(format!("interface {name} is down")));
            }
            let config = Config {
                read_buffer_size: READ_BUFFER,
                write_buffer_size: 1 << 16,
                read_timeout: Some(Duration::from_millis(50)),
                promiscuous: true,
                ..Config::default()
            };
            match pnet_datalink::channel(iface, config) {
                Ok(Channel::Ethernet(tx, rx)) => out.push((tx, rx)),
                Ok(_) => return Err(setup_err(format!("{name}: not an Ethernet channel"))),
                Err(e) => return Err(setup_err(format!("{name}: cannot open a raw socket: {e}"))),
            }
        }
        Ok(out)
    })
    .join()
    .map_err(|_| setup_err("opening the interfaces panicked"))?
}

impl PnetPorts {
    /// Opens `lan_if` and `wan_if`, inside network namespace `netns` when given, and starts a
    /// reader thread on each.
    pub fn open(netns: Option<&str>, lan_if: &str, wan_if: &str) -> Result<PnetPorts, PortsError> {
        let opened = open_channels(netns, [lan_if, wan_if])?;
        let (txq, rxq) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let mut tx = Vec::new();
        let mut readers = Vec::new();
        for (i, (t, mut r)) in opened.into_iter().enumerate() {
            tx.push(Arc::new(Mutex::new(t)));
            let side = if i == 0 { Side::Lan } else { Side::Wan };
            let (q, stop) = (txq.clone(), stop.clone());
            readers.push(std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match r.next() {
                        Ok(frame) => {
                            let rec = Received {
                                side,
                                at: tokio::time::Instant::now(),
                                bytes: frame.to_vec(),
                                toward_gateway: false,
                            };
                            if q.send(rec).is_err() {
                                return;
                            }
                        }
                        Err(e)
                            if matches!(
                                e.kind(),
                                std::io::ErrorKind::TimedOut
                                    | std::io::ErrorKind::WouldBlock
                                    | std::io::ErrorKind::Interrupted
                            ) => {}
                        Err(_) => return,
                    }
                }
            }));
        }
        let [lan, wan]: [Arc<Mutex<Box<dyn DataLinkSender>>>; 2] =
            tx.try_into().map_err(|_| setup_err("two interfaces expected"))?;
        Ok(PnetPorts {
            tx: [lan, wan],
            rx: rxq,
            stop,
            readers,
        })
    }
}

impl GatewayPorts for PnetPorts {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError> {
        let i = match side {
            Side::Lan => 0,
            Side::Wan => 1,
        };
        let err = |reason: String| PortsError::Send {
            side: side.name(),
            reason,
        };
        let mut tx = self.tx[i].lock().map_err(|_| err("sender poisoned".into()))?;
        match tx.send_to(frame, None) {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(err(e.to_string())),
            None => Err(err("the frame does not fit the send buffer".into())),
        }
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for PnetPorts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for h in self.readers.drain(..) {
            let _ = h.join();
        }
    }
}
