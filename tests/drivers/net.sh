# SPDX-License-Identifier: GPL-2.0
# Helpers for the sweep scripts of PCI network drivers (e1000, e1000e,
# virtio-net), run in the guest after tests/drivers/lib.sh (source this file).

# netif_of BDF: the network interface of PCI function BDF
netif_of() {
	ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -1
}

# irqs_of NAME: interrupts counted on the lines named NAME*, all CPUs
irqs_of() {
	awk -v n="$1" 'index($NF, n) == 1 {
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i
	} END { print t + 0 }' /proc/interrupts
}

# bring_up IF: up, the slirp guest address, carrier
bring_up() {
	step "ip link set $1 up" ip link set "$1" up
	step "ip addr add 10.0.2.15/24 dev $1" ip addr add 10.0.2.15/24 dev "$1"
	wait_until 15 grep -qx 1 "/sys/class/net/$1/carrier" || fail "$1: no carrier"
	step "$1 operstate up" grep -qx up "/sys/class/net/$1/operstate"
}

# ping_gw IF [COUNT]: ICMP echo to the slirp gateway, all answered
ping_gw() {
	step "ping 10.0.2.2 on $1" $PY /tmp/netpci.py ping 10.0.2.2 "${2:-5}" "$1"
}

# hold_start IF: a socket (and a packet socket, if the kernel has them)
# bound to IF, held open; hold_check WHAT: its stale send must fail
hold_start() {
	rm -f /tmp/hold.ready /tmp/hold.go
	$PY /tmp/netpci.py hold "$1" 10.0.2.2 &
	HOLD=$!
	wait_until 10 test -e /tmp/hold.ready || fail "socket holder did not start"
	echo "step: socket bound to $1 held open"
}

hold_check() {
	touch /tmp/hold.go
	wait $HOLD || fail "$1: send on a socket bound to the removed interface did not fail"
	echo "ok: $1: stale socket send failed"
}

# flood_start / flood_stop: pings to the gateway running in the background
flood_start() {
	rm -f /tmp/flood.stop /tmp/flood.ready
	$PY /tmp/netpci.py flood 10.0.2.2 60 &
	FLOOD=$!
	wait_until 15 test -e /tmp/flood.ready || fail "background pings get no answer"
	echo "step: pings running"
}

flood_stop() {
	touch /tmp/flood.stop
	wait $FLOOD
}

cat > /tmp/netpci.py <<'PY'
# ping DST COUNT [IF]: ICMP echo through a raw socket, exit 0 if all answered
# flood DST SECONDS: pings until told to stop or SECONDS pass, errors ignored;
#                    /tmp/flood.ready after the first answer
# hold IF DST: UDP (and packet) socket bound to IF, held until /tmp/hold.go,
#              then sent on; exit 0 if the stale send failed
import os, socket, struct, sys, time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def echo(s, dst, ident, seq, timeout):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"lifetime" * 7
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    s.sendto(body, (dst, 0))
    deadline = time.time() + timeout
    while time.time() < deadline:
        s.settimeout(max(deadline - time.time(), 0.01))
        try:
            pkt, addr = s.recvfrom(2048)
        except socket.timeout:
            return False
        ihl = (pkt[0] & 15) * 4
        t, _, _, rid, rseq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
        if t == 0 and addr[0] == dst and rseq == seq:
            return True
    return False


def raw(ifname=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if ifname:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    return s


cmd = sys.argv[1]
if cmd == "ping":
    dst, count = sys.argv[2], int(sys.argv[3])
    s = raw(sys.argv[4] if len(sys.argv) > 4 else None)
    ok = sum(echo(s, dst, os.getpid() & 0xffff, i, 2) for i in range(count))
    print("ping %s: %d/%d answered" % (dst, ok, count), flush=True)
    sys.exit(0 if ok == count else 1)
elif cmd == "flood":
    dst, secs = sys.argv[2], float(sys.argv[3])
    end = time.time() + secs
    ok = err = lost = seq = 0
    s = raw()
    while time.time() < end and not os.path.exists("/tmp/flood.stop"):
        seq = (seq + 1) & 0xffff
        try:
            if echo(s, dst, os.getpid() & 0xffff, seq, 0.2):
                ok += 1
                if ok == 1:
                    open("/tmp/flood.ready", "w").close()
            else:
                lost += 1
        except OSError:
            err += 1
            time.sleep(0.05)
    print("flood %s: %d answered, %d lost, %d send errors" % (dst, ok, lost, err), flush=True)
elif cmd == "hold":
    ifname, dst = sys.argv[2], sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.sendto(b"held", (dst, 9))
    pk = None
    try:
        pk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        pk.bind((ifname, 0))
        print("hold: packet socket bound to", ifname, flush=True)
    except OSError as e:
        print("hold: no packet socket:", e, flush=True)
    open("/tmp/hold.ready", "w").close()
    while not os.path.exists("/tmp/hold.go"):
        time.sleep(0.05)
    rc = 0
    try:
        s.sendto(b"stale", (dst, 9))
        print("stale: UDP send on a socket bound to the removed %s: ok" % ifname, flush=True)
        rc = 2
    except OSError as e:
        print("stale: UDP send on a socket bound to the removed %s: errno %d %s"
              % (ifname, e.errno, e.strerror), flush=True)
    if pk:
        try:
            pk.recv(2048, socket.MSG_DONTWAIT)
            print("stale: packet socket recv: data", flush=True)
        except OSError as e:
            print("stale: packet socket recv: errno %d %s" % (e.errno, e.strerror), flush=True)
        try:
            pk.send(b"\xff" * 14 + b"x" * 46)
            print("stale: packet socket send: ok", flush=True)
            rc = 2
        except OSError as e:
            print("stale: packet socket send: errno %d %s" % (e.errno, e.strerror), flush=True)
    sys.exit(rc)
PY
