//! The raw-frame socket against a real veth pair in a namespace this test creates and removes:
//! frames arrive byte for byte with a kernel timestamp taken between the send and the read, a
//! VLAN tag the kernel takes off is put back, the sender never reads its own frames, and the
//! runner's testbed wakes the engine when a frame arrives. Needs root; without it, says so and
//! skips.

mod common;

use dsl::plan::Side;
use runner::backend::raw::afpacket::PacketSocket;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

/// A namespace with a veth pair `va` <-> `vb`, both up, removed on drop.
struct VethNs(String);

impl VethNs {
    fn new() -> Option<VethNs> {
        if !common::root_and_tools_for("afpacket_veth (a namespace and a veth pair)", &["ip"]) {
            return None;
        }
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("gc-afp-{}-{n}", std::process::id());
        let ns = VethNs(name.clone());
        for args in [
            vec!["netns", "add", &name],
            vec!["-n", &name, "link", "add", "va", "type", "veth", "peer", "name", "vb"],
            vec!["-n", &name, "link", "set", "va", "mtu", "9000", "up"],
            vec!["-n", &name, "link", "set", "vb", "mtu", "9000", "up"],
        ] {
            let st = Command::new("ip").args(&args).status().expect("ip runs");
            assert!(st.success(), "ip {args:?} failed");
        }
        Some(ns)
    }

    /// Opens a ring socket on `ifname` inside the namespace.
    fn open(&self, ifname: &str) -> PacketSocket {
        let (ns, ifname) = (self.0.clone(), ifname.to_string());
        std::thread::spawn(move || {
            let f = std::fs::File::open(format!("/var/run/netns/{ns}")).unwrap();
            nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            PacketSocket::open(&ifname, 1 << 20).unwrap()
        })
        .join()
        .unwrap()
    }
}

impl Drop for VethNs {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// A frame from an emulated host with a made-up EtherType, so nothing in the kernel answers it.
fn frame(tag: Option<u16>, fill: u8, len: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 0xbb, 0x02, 0, 0, 0, 0, 0xaa];
    if let Some(tci) = tag {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&tci.to_be_bytes());
    }
    f.extend_from_slice(&[0x88, 0xb5]);
    f.resize(len, fill);
    f
}

/// Waits (bounded) for the next frame on `sock` that is not the kernel's own chatter.
fn next_frame(sock: &mut PacketSocket, wait: Duration) -> Option<(Vec<u8>, runner::backend::raw::afpacket::RecvMeta)> {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if let Some(got) = sock.try_recv_with(|d, m| (d.to_vec(), m)) {
            if got.0.len() >= 14 && got.0[..6] == [0x02, 0, 0, 0, 0, 0xbb] {
                return Some(got);
            }
            continue;
        }
        std::thread::yield_now();
    }
    None
}

#[test]
fn frames_cross_a_veth_pair_exactly_with_kernel_timestamps_and_vlan_tags() {
    let Some(ns) = VethNs::new() else { return };
    let a = ns.open("va");
    let mut b = ns.open("vb");
    let mut a_rx = ns.open("va");

    for (tag, len) in [(None, 60), (None, 1514), (Some(0x0064), 64), (None, 9000)] {
        let sent = frame(tag, 0x5a, len);
        let before = SystemTime::now();
        a.send(&sent).expect("send");
        let (got, meta) = next_frame(&mut b, Duration::from_secs(2))
            .unwrap_or_else(|| panic!("frame of {len} bytes (tag {tag:?}) not received"));
        let after = SystemTime::now();
        assert_eq!(
            got, sent,
            "the frame must arrive exactly as sent (tag {tag:?}, {len} bytes)"
        );
        assert!(!meta.outgoing && !meta.truncated);
        let k = meta.kernel_time.expect("kernel timestamp");
        assert!(
            k >= before - Duration::from_millis(1) && k <= after,
            "kernel time outside send..read"
        );
        // Another socket on the sending interface sees it, marked as outgoing.
        let (echo, m) = next_frame(&mut a_rx, Duration::from_secs(2)).expect("the second socket on va sees the frame");
        assert_eq!(echo, sent);
        assert!(m.outgoing, "a frame this host sent must be marked outgoing");
    }
    // The sending socket itself never reads its own frames back.
    let mut a = a;
    assert!(
        next_frame(&mut a, Duration::from_millis(200)).is_none(),
        "the sender read its own frame"
    );
}

#[test]
fn the_raw_testbed_wakes_the_engine_when_a_frame_arrives() {
    let Some(ns) = VethNs::new() else { return };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _in = rt.enter();
    // The testbed watches va (as LAN) and vb (as WAN); a frame sent on LAN comes out on WAN.
    let mut tb = runner::backend::raw::RawPorts::open(Some(&ns.0), "va", "vb").expect("open");
    let sent = frame(None, 0x11, 100);
    let got = rt.block_on(async {
        // Nothing is waiting yet: the wait must end by a wake-up from the reactor, not a poll.
        let waiter = async {
            loop {
                match runner::backend::recv(&mut tb).await {
                    Some(r) if r.bytes.get(..6) == Some(&[0x02, 0, 0, 0, 0, 0xbb][..]) => return r,
                    Some(_) => {}
                    None => panic!("testbed closed"),
                }
            }
        };
        let sender = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let s = ns.open("va");
            s.send(&sent).unwrap();
            s
        };
        let (r, _s) = tokio::time::timeout(Duration::from_secs(3), async { tokio::join!(waiter, sender) })
            .await
            .expect("the engine was not woken by the arriving frame");
        r
    });
    assert_eq!(got.side, Side::Wan);
    assert_eq!(got.bytes, sent);
}

#[test]
fn the_raw_ports_refuse_an_interface_that_is_down_or_missing() {
    let Some(ns) = VethNs::new() else { return };
    let rt = runner::backend::Clock::Real.runtime().unwrap();
    let _in = rt.enter();
    let open = |lan: &str, wan: &str| match runner::backend::raw::RawPorts::open(Some(&ns.0), lan, wan) {
        Ok(_) => "opened".to_string(),
        Err(e) => e.to_string(),
    };
    assert_eq!(open("va", "vb"), "opened");
    assert_eq!(open("va", "vz"), "testbed: interface vz not found");
    let st = Command::new("ip")
        .args(["-n", &ns.0, "link", "set", "vb", "down"])
        .status();
    assert!(st.is_ok_and(|s| s.success()));
    assert_eq!(open("va", "vb"), "testbed: interface vb is down");
    assert_eq!(open("vz", "vb"), "testbed: interface vz not found", "checked in order");
}
