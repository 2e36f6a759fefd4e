//! The first design of the raw-frame path, kept as the comparison point of `gatecheck bench
//! --gateway netns`: pnet_datalink channels, one per interface, and a reader thread per port
//! feeding the engine through a channel. The runner uses [`crate::rawport`] (AF_PACKET under
//! tokio's `AsyncFd`, kernel timestamps); the bench shows why (docs/netns.md).

use crate::backend::{GatewayPorts, PortsError, Received};
use dsl::plan::Side;
use pnet_datalink::{Channel, Config, DataLinkSender};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::mpsc;

/// Read buffer of each socket (the issue asks for at least 64 KiB).
const READ_BUFFER: usize = 1 << 20;

/// Two interfaces, LAN and WAN, opened for raw frames.
pub struct PnetTestbed {
    tx: [Arc<Mutex<Box<dyn DataLinkSender>>>; 2],
    rx: mpsc::UnboundedReceiver<Received>,
    stop: Arc<AtomicBool>,
    readers: Vec<JoinHandle<()>>,
}

fn setup_err(e: impl std::fmt::Display) -> PortsError {
    PortsError::Setup(e.to_string())
}

impl PnetTestbed {
    /// Opens `lan_if` and `wan_if`, inside network namespace `netns` when given (the sockets are
    /// created there by a thread that enters it; this process's own namespace is untouched).
    pub fn open(netns: Option<&str>, lan_if: &str, wan_if: &str) -> Result<PnetTestbed, PortsError> {
        let (netns, names) = (netns.map(str::to_string), [lan_if.to_string(), wan_if.to_string()]);
        let opened = std::thread::spawn(move || -> Result<Vec<_>, PortsError> {
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
        .map_err(|_| setup_err("opening the interfaces panicked"))??;
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
        Ok(PnetTestbed {
            tx: [lan, wan],
            rx: rxq,
            stop,
            readers,
        })
    }
}

impl GatewayPorts for PnetTestbed {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError> {
        let i = match side {
            Side::Lan => 0,
            Side::Wan => 1,
        };
        let mut tx = self.tx[i].lock().map_err(|_| PortsError::Send {
            side: side.name(),
            reason: "sender poisoned".into(),
        })?;
        match tx.send_to(frame, None) {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(PortsError::Send {
                side: side.name(),
                reason: e.to_string(),
            }),
            None => Err(PortsError::Send {
                side: side.name(),
                reason: "the frame does not fit the send buffer".into(),
            }),
        }
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for PnetTestbed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for h in self.readers.drain(..) {
            let _ = h.join();
        }
    }
}
