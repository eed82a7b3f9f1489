#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# e1000: QEMU's 82540EM on the PCI root bus behind user-mode networking.
# Real INTx interrupts, NAPI polling, the watchdog timer and its work,
# reset work. The link comes up, the slirp gateway answers pings, ethtool
# reads driver info, statistics (which must grow), the register dump and
# runs the offline self-test; the rings are resized (down/up). The function
# is hot-unplugged (PCI remove) while a socket bound to the interface is open
# and pings run, the bus is rescanned, the driver is unbound and bound again
# through sysfs with the interface up and a bound socket open, and the
# module is removed with the interface up.
# lt-driver: e1000
# lt-subsystem: net
# lt-timeout: 420
# lt-qemu: -device e1000,netdev=n0 -netdev user,id=n0,restrict=on
set -u
. "$LT_REPO/tests/drivers/lib.sh"
# Without /lib/modules on the host root the guest cannot bind the test
# kernel's module tree there: point modprobe at it.

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

driver_begin e1000 net
load e1000
wait_until 10 pci_of e1000 >/dev/null || fail "no PCI function bound to e1000"
BDF=$(pci_of e1000)
IF=$(netif_of "$BDF")
[ -n "$IF" ] || fail "$BDF: no network interface"
echo "e1000: $BDF $IF"
bring_up "$IF"
step "ethtool -i names the driver" sh -c "ethtool -i $IF | grep -q 'driver: e1000'"
step "ethtool -i names $BDF" sh -c "ethtool -i $IF | grep -q 'bus-info: $BDF'"
rx0=$(ethtool -S "$IF" | awk '$1 == "rx_packets:" { print $2 }')
irq0=$(irqs_of "$IF")
ping_gw "$IF" 5
rx1=$(ethtool -S "$IF" | awk '$1 == "rx_packets:" { print $2 }')
irq1=$(irqs_of "$IF")
[ "$rx1" -ge $((rx0 + 5)) ] || fail "ethtool -S rx_packets $rx0 -> $rx1, want +5"
echo "ok: rx_packets $rx0 -> $rx1"
[ "$irq1" -gt "$irq0" ] || fail "no interrupts on $IF ($irq0 -> $irq1)"
echo "ok: interrupts on $IF $irq0 -> $irq1"
step "ethtool -d (register dump)" sh -c "ethtool -d $IF | grep -qi 'ctrl'"
step "ethtool -G rx 128 tx 128" ethtool -G "$IF" rx 128 tx 128
step "ethtool -g shows rx 128" sh -c "ethtool -g $IF | sed -n '/Current/,\$p' | grep -q '^RX:[[:space:]]*128'"
wait_until 15 grep -qx 1 "/sys/class/net/$IF/carrier" || fail "$IF: no carrier after ring resize"
ping_gw "$IF" 3
stale "ethtool -t offline" ethtool -t "$IF" offline
wait_until 15 grep -qx 1 "/sys/class/net/$IF/carrier" || fail "$IF: no carrier after self-test"
ping_gw "$IF" 3

# Hot-unplug with a bound socket open and pings running.
hold_start "$IF"
flood_start
pci_remove "$BDF"
[ -e "/sys/class/net/$IF" ] && fail "$IF still registered after remove"
hold_check "PCI remove"
flood_stop
stale "ethtool -i on the removed $IF" ethtool -i "$IF"
pci_rescan
wait_until 10 pci_of e1000 >/dev/null || fail "e1000 did not bind after rescan"
BDF=$(pci_of e1000)
IF=$(netif_of "$BDF")
bring_up "$IF"
ping_gw "$IF" 3

# Unbind and bind through the driver's sysfs files, interface up.
hold_start "$IF"
flood_start
unbind pci e1000 "$BDF"
[ -e "/sys/class/net/$IF" ] && fail "$IF still registered after unbind"
hold_check "unbind"
flood_stop
bind pci e1000 "$BDF"
IF=$(netif_of "$BDF")
bring_up "$IF"
ping_gw "$IF" 3
unload e1000
[ -e "/sys/class/net/$IF" ] && fail "$IF survived rmmod"
driver_end
