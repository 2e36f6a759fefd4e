//! What the kernel says about a network interface of the calling thread's network namespace:
//! its index (what a raw socket binds to) and whether it is up. Asked with `if_nametoindex` and
//! the `SIOCGIFFLAGS` ioctl, which answer for the namespace the thread is in (unlike
//! `/sys/class/net`, which shows the namespace that mounted it).

use nix::libc;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The kernel's index of interface `name`; a `NotFound` error naming it when there is none.
pub fn index(name: &str) -> io::Result<u32> {
    let cname = c_name(name)?;
    // SAFETY: plain FFI with a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(cname.as_ptr()) };
    if index == 0 { Err(not_found(name)) } else { Ok(index) }
}

/// Whether interface `name` is up (`IFF_UP`, what `ip link set NAME up` sets); a `NotFound`
/// error naming it when there is none.
pub fn is_up(name: &str) -> io::Result<bool> {
    let cname = c_name(name)?;
    let bytes = cname.as_bytes_with_nul();
    if bytes.len() > libc::IFNAMSIZ {
        return Err(not_found(name));
    }
    // SAFETY: FFI; the result is checked and owned at once.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor nobody else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: an all-zero ifreq is valid; the name is set below.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (to, from) in request.ifr_name.iter_mut().zip(bytes) {
        *to = *from as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS reads the name and writes the flags of a live ifreq.
    let rc = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS as _, &raw mut request) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return Err(if e.raw_os_error() == Some(libc::ENODEV) {
            not_found(name)
        } else {
            e
        });
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    let flags = unsafe { request.ifr_ifru.ifru_flags };
    Ok(i32::from(flags) & libc::IFF_UP != 0)
}

fn c_name(name: &str) -> io::Result<CString> {
    CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name with a NUL byte"))
}

fn not_found(name: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("interface {name} not found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_found_and_up_and_a_made_up_name_is_not_found() {
        assert!(index("lo").unwrap() > 0);
        assert!(is_up("lo").unwrap());
        for missing in ["gc-no-such-if", "a-name-longer-than-ifnamsiz"] {
            let e = is_up(missing).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::NotFound, "{missing}: {e}");
            assert_eq!(e.to_string(), format!("interface {missing} not found"));
            assert_eq!(index(missing).unwrap_err().kind(), io::ErrorKind::NotFound);
        }
    }
}
