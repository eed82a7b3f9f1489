#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tun: a TUN interface created through /dev/net/tun (TUNSETIFF), brought up
# with iproute2; IPv4/UDP packets written into the fd are received by a
# socket on the host side, datagrams sent to the tunnel's peer are read from
# the fd. The interface is deleted with the fd still open (stale read/write
# then fail), a second, persistent interface is deleted with its fd open,
# the fds are closed and the module removed.
# lt-driver: tun
# lt-subsystem: net
# lt-timeout: 240
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin tun net
load tun
wait_dev /dev/net/tun

cat > /tmp/tun.py <<'PYEOF'
import fcntl, os, select, socket, struct, subprocess, sys, time

TUNSETIFF = 0x400454ca
TUNSETPERSIST = 0x400454cb
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def step(what):
    print("step:", what, flush=True)


def fail(what):
    print("SCENARIO-FAIL: tun:", what, flush=True)
    sys.exit(1)


def ip(*args):
    r = subprocess.run(["ip"] + list(args))
    if r.returncode:
        fail("ip %s (exit %d)" % (" ".join(args), r.returncode))
    step("ip " + " ".join(args))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def udp_packet(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def stat(ifname, name):
    with open("/sys/class/net/%s/statistics/%s" % (ifname, name)) as f:
        return int(f.read())


def open_tun(name, persist=False):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI)
    got = fcntl.ioctl(fd, TUNSETIFF, ifr)
    if got[:len(name)].decode() != name:
        fail("TUNSETIFF named %r" % got[:16])
    if persist:
        fcntl.ioctl(fd, TUNSETPERSIST, 1)
    step("TUNSETIFF %s%s" % (name, " persistent" if persist else ""))
    return fd


fd = open_tun("tun0")
ip("addr", "add", "10.31.0.1/24", "dev", "tun0")
ip("link", "set", "tun0", "up")
with open("/sys/class/net/tun0/operstate") as f:
    st = f.read().strip()
if st not in ("up", "unknown"):
    fail("tun0 operstate %s" % st)
step("tun0 operstate %s" % st)

# Write into the fd: the kernel receives UDP datagrams from the peer.
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("10.31.0.1", 5000))
rx.settimeout(5)
rx0 = stat("tun0", "rx_packets")
for i in range(10):
    n = os.write(fd, udp_packet("10.31.0.2", "10.31.0.1", 6000, 5000, b"in%d" % i))
    if n <= 28:
        fail("write into the tun fd returned %d" % n)
for i in range(10):
    data, addr = rx.recvfrom(100)
    if data != b"in%d" % i or addr != ("10.31.0.2", 6000):
        fail("socket got %r from %r" % (data, addr))
step("10 datagrams written into the fd received by a socket")
if stat("tun0", "rx_packets") < rx0 + 10:
    fail("rx_packets did not grow by 10")
step("rx_packets %d -> %d" % (rx0, stat("tun0", "rx_packets")))

# Read from the fd: datagrams sent to the peer come out of it.
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.bind(("10.31.0.1", 0))
got = 0
for i in range(10):
    tx.sendto(b"out%d" % i, ("10.31.0.2", 7000))
deadline = time.time() + 5
while got < 10 and time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 1)
    if not r:
        continue
    pkt = os.read(fd, 2048)
    if pkt[0] >> 4 == 4 and pkt[9] == 17 and pkt[28:].startswith(b"out"):
        got += 1
if got != 10:
    fail("read %d of 10 datagrams from the fd" % got)
step("10 datagrams read from the fd")
subprocess.run(["ip", "-s", "link", "show", "tun0"])
subprocess.run(["ethtool", "-i", "tun0"])

# A reader blocked in read() when the interface is deleted.
pid = os.fork()
if pid == 0:
    try:
        n = len(os.read(fd, 2048))
        print("stale: blocked read returned %d bytes" % n, flush=True)
    except OSError as e:
        print("stale: blocked read: errno %d %s" % (e.errno, e.strerror), flush=True)
    os._exit(0)
time.sleep(0.5)
ip("link", "del", "tun0")
if os.path.exists("/sys/class/net/tun0"):
    fail("tun0 still registered")
_, status = os.waitpid(pid, 0)
step("blocked reader returned")
for what, op in (("read", lambda: os.read(fd, 2048)),
                 ("write", lambda: os.write(fd, udp_packet("10.31.0.2", "10.31.0.1", 6000, 5000, b"x")))):
    try:
        r = op()
        fail("stale %s on a deleted tun succeeded: %r" % (what, r))
    except OSError as e:
        print("stale: %s after delete: errno %d %s" % (what, e.errno, e.strerror), flush=True)
try:
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"tun0", IFF_TUN | IFF_NO_PI))
    print("stale: TUNSETIFF on the detached fd re-created tun0", flush=True)
except OSError as e:
    print("stale: TUNSETIFF after delete: errno %d" % e.errno, flush=True)
os.close(fd)
step("closed the tun0 fd")

# Persistent interface: close the fd, reattach, delete with the fd open.
fd = open_tun("tun1", persist=True)
os.close(fd)
if not os.path.exists("/sys/class/net/tun1"):
    fail("persistent tun1 vanished on close")
step("persistent tun1 survives close")
fd = open_tun("tun1")
ip("addr", "add", "10.32.0.1/24", "dev", "tun1")
ip("link", "set", "tun1", "up")
os.write(fd, udp_packet("10.32.0.2", "10.32.0.1", 6000, 5001, b"p"))
ip("link", "del", "tun1")
try:
    os.write(fd, b"x" * 40)
    fail("stale write on deleted tun1 succeeded")
except OSError as e:
    print("stale: write after delete of tun1: errno %d %s" % (e.errno, e.strerror), flush=True)
# Left open until after the interface is gone: the close runs tun_chr_close
# on a detached file.
fd2 = open_tun("tun2")
ip("link", "set", "tun2", "up")
print("tun2 left open over exit of the helper", flush=True)
sys.exit(0)
PYEOF
step "tun sequence" $PY /tmp/tun.py
[ -e /sys/class/net/tun2 ] && fail "tun2 survived the close of its fd"
echo "ok: tun2 gone with its fd"
unload tun
driver_end
