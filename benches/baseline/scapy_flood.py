#!/usr/bin/env python3
"""Baseline for `gatecheck bench --gateway netns`: the same job with scapy.

Run inside a lab's tester namespace (the bench does this itself when scapy is installed):
    ip netns exec gc-ID-t python3 benches/baseline/scapy_flood.py SECS
One open L2 socket on tlan sends the bench's UDP frame as fast as it can while an AsyncSniffer on
twan counts the translated frames; prints `frames_per_second=N matched=M`. Every loop is bounded
by SECS.
"""
import sys
import time

from scapy.all import AsyncSniffer, Ether, IP, UDP, Raw, conf

secs = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
frame = bytes(
    Ether(src="02:00:00:00:01:64", dst="02:00:00:00:01:01")
    / IP(src="192.168.0.100", dst="203.0.113.3", ttl=64)
    / UDP(sport=5000, dport=9)
    / Raw(b"x")
)
matched = 0


def count(pkt):
    global matched
    if IP in pkt and pkt[IP].src == "203.0.113.2" and UDP in pkt and pkt[UDP].dport == 9:
        matched += 1


sniffer = AsyncSniffer(iface="twan", prn=count, store=False)
sniffer.start()
time.sleep(0.3)
sock = conf.L2socket(iface="tlan")
start = time.monotonic()
while time.monotonic() - start < secs:
    sock.send(frame)
elapsed = time.monotonic() - start
time.sleep(0.3)
sniffer.stop()
sock.close()
print(f"frames_per_second={matched / elapsed:.0f} matched={matched}")
