//! One AF_PACKET socket bound to one interface: the raw-frame I/O under the `wire` and `netns`
//! backends. It sends frames exactly as built (`send()`), and receives every frame the interface
//! sees through a memory-mapped receive ring (`PACKET_RX_RING`, TPACKET_V2): checking for a frame
//! is a read of shared memory, not a system call, and each frame carries the kernel's receive
//! timestamp. It tells apart frames this host sent out (`PACKET_OUTGOING`), puts back VLAN tags
//! the kernel took off, and reports the kernel's drop counter. Nothing blocks on receive, so the
//! socket sits under a tokio `AsyncFd` (the ring makes it readable) with no reader thread.
//!
//! It replaces the first design, pnet_datalink's channel read by a thread per port, which fell
//! short of a bare socket loop (docs/netns.md "Speed" has the figures; the comparison is the
//! runner's `pnet_design` bench). [`PacketSocket::recv_copy`] (plain `recvmsg`) is what the
//! bench's bare loop uses.

use nix::libc;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

/// `ETH_P_ALL` in network byte order: every protocol.
const ETH_P_ALL_BE: u16 = (libc::ETH_P_ALL as u16).to_be();

/// A frame read from the socket: its length, and what the kernel said about it.
#[derive(Clone, Copy, Debug)]
pub struct RecvMeta {
    /// Bytes written into the buffer.
    pub len: usize,
    /// The frame was longer than the buffer (the rest is lost).
    pub truncated: bool,
    /// This host sent the frame out of the interface (not one that arrived on it).
    pub outgoing: bool,
    /// When the kernel received it (`SO_TIMESTAMPNS`, the system clock), when it said.
    pub kernel_time: Option<SystemTime>,
}

/// Size of one ring slot: the TPACKET_V2 header, the address, and a frame of up to 16 KiB
/// (jumbo frames fit; longer frames are cut and flagged).
const SLOT: usize = 1 << 14;
/// Ring block size (a multiple of the page size and of the slot).
const BLOCK: usize = 1 << 20;

/// The memory-mapped receive ring shared with the kernel.
#[derive(Debug)]
struct Ring {
    base: *mut u8,
    len: usize,
    slots: usize,
    next: usize,
}

// SAFETY: the mapping belongs to the ring alone; the kernel hands slots over through `tp_status`.
unsafe impl Send for Ring {}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are the mapping made in `PacketSocket::open`, unmapped once.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// An AF_PACKET socket bound to one interface, carrying both send and receive.
#[derive(Debug)]
pub struct PacketSocket {
    // Field order: the ring is unmapped before the descriptor is closed.
    ring: Option<Ring>,
    fd: OwnedFd,
    name: String,
}

fn last_error(what: &str, name: &str) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{name}: {what}: {e}"))
}

impl PacketSocket {
    /// Opens a socket on interface `name` of the calling thread's network namespace: bound to it,
    /// promiscuous (a physical gateway sends to the emulated hosts' MACs, not the NIC's), with a
    /// receive buffer of `rcvbuf` bytes (forced past `rmem_max` when root) and kernel timestamps.
    pub fn open(name: &str, rcvbuf: usize) -> io::Result<PacketSocket> {
        Self::open_with(name, rcvbuf, true)
    }

    /// The same socket without a receive ring: frames are read with [`PacketSocket::recv_copy`].
    pub fn open_plain(name: &str, rcvbuf: usize) -> io::Result<PacketSocket> {
        Self::open_with(name, rcvbuf, false)
    }

    fn open_with(name: &str, rcvbuf: usize, ring: bool) -> io::Result<PacketSocket> {
        let ifindex = super::link::index(name)?;
        // SAFETY: FFI; the result is checked and owned at once.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                i32::from(ETH_P_ALL_BE),
            )
        };
        if raw < 0 {
            return Err(last_error("cannot open a raw socket", name));
        }
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mut sock = PacketSocket {
            ring: None,
            fd,
            name: name.to_string(),
        };
        let size = i32::try_from(rcvbuf).unwrap_or(i32::MAX);
        if sock.set_opt(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &size).is_err() {
            sock.set_opt(libc::SOL_SOCKET, libc::SO_RCVBUF, &size)
                .map_err(|_| last_error("cannot size the receive buffer", name))?;
        }
        sock.set_opt(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &1i32)
            .map_err(|_| last_error("cannot enable kernel timestamps", name))?;
        if ring {
            sock.map_ring(rcvbuf)
                .map_err(|e| io::Error::new(e.kind(), format!("{name}: receive ring: {e}")))?;
        }
        // SAFETY: an all-zero sockaddr_ll is valid; the fields are set below.
        let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_protocol = ETH_P_ALL_BE;
        addr.sll_ifindex = ifindex as i32;
        // SAFETY: `addr` is a valid sockaddr_ll of the given size.
        let rc = unsafe {
            libc::bind(
                sock.fd.as_raw_fd(),
                (&raw const addr).cast(),
                size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if rc < 0 {
            return Err(last_error("cannot bind the raw socket", name));
        }
        // SAFETY: an all-zero packet_mreq is valid; the fields are set below.
        let mut mreq: libc::packet_mreq = unsafe { zeroed() };
        mreq.mr_ifindex = ifindex as i32;
        mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
        sock.set_opt(libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &mreq)
            .map_err(|_| last_error("cannot make the interface promiscuous", name))?;
        // Frames of other interfaces may have queued between socket() and bind(): drop them.
        if ring {
            while sock.try_recv_with(|_, _| ()).is_some() {}
        } else {
            let mut scratch = [0u8; 64];
            while let Ok(Some(_)) = sock.recv_copy(&mut scratch) {}
        }
        Ok(sock)
    }

    /// Sets up a TPACKET_V2 receive ring of about `bytes` and maps it.
    fn map_ring(&mut self, bytes: usize) -> io::Result<()> {
        self.set_opt(
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &(libc::tpacket_versions::TPACKET_V2 as i32),
        )?;
        let blocks = bytes.div_ceil(BLOCK).max(1);
        let req = libc::tpacket_req {
            tp_block_size: BLOCK as u32,
            tp_block_nr: blocks as u32,
            tp_frame_size: SLOT as u32,
            tp_frame_nr: (blocks * BLOCK / SLOT) as u32,
        };
        self.set_opt(libc::SOL_PACKET, libc::PACKET_RX_RING, &req)?;
        let len = blocks * BLOCK;
        // SAFETY: maps the ring the kernel just allocated for this descriptor; checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                self.fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        self.ring = Some(Ring {
            base: base.cast(),
            len,
            slots: blocks * BLOCK / SLOT,
            next: 0,
        });
        Ok(())
    }

    /// Takes the next frame from the receive ring without blocking and hands `f` its bytes (as on
    /// the wire: a VLAN tag the kernel took off is put back) and what the kernel said about it;
    /// `None` when no frame is waiting.
    pub fn try_recv_with<R>(&mut self, f: impl FnOnce(&[u8], RecvMeta) -> R) -> Option<R> {
        let ring = self.ring.as_mut()?;
        // SAFETY: slot `next` lies inside the mapping; the kernel owns it until it sets
        // TP_STATUS_USER (read with Acquire), and gets it back when we store TP_STATUS_KERNEL
        // (Release) after the last read. Offsets come from the kernel and are bounded by SLOT.
        unsafe {
            let slot = ring.base.add(ring.next * SLOT);
            let status = &*(slot as *const AtomicU32);
            let st = status.load(Ordering::Acquire);
            if st & libc::TP_STATUS_USER == 0 {
                return None;
            }
            let hdr: libc::tpacket2_hdr = std::ptr::read(slot.cast());
            let addr: libc::sockaddr_ll = std::ptr::read_unaligned(slot.add(tpacket2_hdr_aligned()).cast());
            let mac = usize::from(hdr.tp_mac).min(SLOT);
            let snap = (hdr.tp_snaplen as usize).min(SLOT - mac);
            let data = std::slice::from_raw_parts(slot.add(mac), snap);
            let meta = RecvMeta {
                len: snap,
                truncated: hdr.tp_len as usize > snap,
                outgoing: addr.sll_pkttype == libc::PACKET_OUTGOING,
                kernel_time: Some(SystemTime::UNIX_EPOCH + Duration::new(hdr.tp_sec.into(), hdr.tp_nsec)),
            };
            let out = if st & libc::TP_STATUS_VLAN_VALID != 0 && data.len() >= 12 {
                let tpid = if st & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                    hdr.tp_vlan_tpid
                } else {
                    0x8100
                };
                let mut tagged = Vec::with_capacity(data.len() + 4);
                tagged.extend_from_slice(&data[..12]);
                tagged.extend_from_slice(&tpid.to_be_bytes());
                tagged.extend_from_slice(&hdr.tp_vlan_tci.to_be_bytes());
                tagged.extend_from_slice(&data[12..]);
                f(
                    &tagged,
                    RecvMeta {
                        len: tagged.len(),
                        ..meta
                    },
                )
            } else {
                f(data, meta)
            };
            status.store(libc::TP_STATUS_KERNEL, Ordering::Release);
            ring.next = (ring.next + 1) % ring.slots;
            Some(out)
        }
    }

    fn set_opt<T>(&self, level: i32, name: i32, value: &T) -> io::Result<()> {
        // SAFETY: `value` points at a live T of the size passed.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (value as *const T).cast(),
                size_of::<T>() as u32,
            )
        };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// The interface's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends one frame, exactly these bytes. Blocks only while the interface's queue is full.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        loop {
            // SAFETY: the buffer is valid for its length.
            let n = unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
            if n >= 0 {
                return if n as usize == frame.len() {
                    Ok(())
                } else {
                    Err(io::Error::other(format!(
                        "{}: short send ({n} of {} bytes)",
                        self.name,
                        frame.len()
                    )))
                };
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Reads one waiting frame into `buf` with `recvmsg()`, without blocking; `None` when nothing
    /// is waiting. Only for a socket opened with [`PacketSocket::open_plain`] (the bench's bare
    /// loop): a socket with a receive ring delivers through [`PacketSocket::try_recv_with`].
    pub fn recv_copy(&self, buf: &mut [u8]) -> io::Result<Option<RecvMeta>> {
        // SAFETY: all-zero values of these C structs are valid; pointers are set to live buffers.
        let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
        let mut cmsg = [0u64; 8]; // 64 bytes, 8-aligned: room for one timespec control message.
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_name = (&raw mut addr).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_ll>() as u32;
        msg.msg_iov = &raw mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.as_mut_ptr().cast();
        msg.msg_controllen = size_of_val(&cmsg);
        let n = loop {
            // SAFETY: `msg` points at live buffers of the sizes it states.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &raw mut msg, libc::MSG_DONTWAIT | libc::MSG_TRUNC) };
            if n >= 0 {
                break n as usize;
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(None),
                _ => return Err(e),
            }
        };
        let mut kernel_time = None;
        // SAFETY: the kernel filled `msg`; the CMSG macros walk within msg_controllen.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&raw const msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SO_TIMESTAMPNS {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    kernel_time = Some(SystemTime::UNIX_EPOCH + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
                }
                c = libc::CMSG_NXTHDR(&raw const msg, c);
            }
        }
        Ok(Some(RecvMeta {
            len: n.min(buf.len()),
            truncated: n > buf.len(),
            outgoing: addr.sll_pkttype == libc::PACKET_OUTGOING,
            kernel_time,
        }))
    }

    /// Frames the kernel dropped for this socket since the last call (its buffer was full).
    pub fn take_drops(&self) -> io::Result<u32> {
        // SAFETY: all-zero tpacket_stats is valid; the kernel fills it within `len`.
        let mut stats: libc::tpacket_stats = unsafe { zeroed() };
        let mut len = size_of::<libc::tpacket_stats>() as u32;
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&raw mut stats).cast(),
                &raw mut len,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(stats.tp_drops)
    }
}

/// Where the address follows the TPACKET_V2 header in a slot.
const fn tpacket2_hdr_aligned() -> usize {
    (size_of::<libc::tpacket2_hdr>() + libc::TPACKET_ALIGNMENT - 1) & !(libc::TPACKET_ALIGNMENT - 1)
}

impl AsRawFd for PacketSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
