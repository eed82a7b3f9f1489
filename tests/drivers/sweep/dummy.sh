#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dummy: rtnl_link interfaces created with iproute2. Addresses added and
# removed, traffic sent through a socket bound to the interface (counted by
# the driver's per-CPU lstats), MTU and MAC changed, queried with ethtool.
# The interface is deleted with the bound socket (and a packet socket when
# the kernel has AF_PACKET) still open, the stale sockets are used; the
# module is removed with a dummy interface still present.
# lt-driver: dummy
# lt-subsystem: net
# lt-timeout: 240
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin dummy net
load dummy numdummies=0
IF=dum0
step "ip link add $IF type dummy" ip link add "$IF" type dummy
step "ip link set $IF up" ip link set "$IF" up
step "$IF is UP" sh -c "ip -o link show $IF | grep -q '<[^>]*,UP'"
step "ip addr add 10.21.0.1/24" ip addr add 10.21.0.1/24 dev "$IF"
step "ip addr add 10.21.1.1/24" ip addr add 10.21.1.1/24 dev "$IF"
step "both addresses listed" sh -c "[ \$(ip -o -4 addr show dev $IF | grep -c 10.21.) -eq 2 ]"
step "ip addr del 10.21.1.1/24" ip addr del 10.21.1.1/24 dev "$IF"
step "ip link set mtu 1400" ip link set "$IF" mtu 1400
expect_eq "mtu" "$(cat /sys/class/net/$IF/mtu)" 1400
step "ip link set address" ip link set "$IF" address 02:00:00:00:21:01
expect_eq "address" "$(cat /sys/class/net/$IF/address)" 02:00:00:00:21:01
step "route via $IF" ip route add 10.22.0.0/24 dev "$IF"
step "ethtool -i names the driver" sh -c "ethtool -i $IF | grep -q 'driver: dummy'"
step "ethtool -k" ethtool -k "$IF"

cat > /tmp/dummy_sock.py <<'PYEOF'
import os, socket, sys, time
ifname = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
s.bind(("10.21.0.1", 0))
for _ in range(25):
    s.sendto(b"lifetime" * 16, ("10.22.0.9", 9))
pk = None
try:
    pk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    pk.bind((ifname, 0))
    pk.send(b"\xff" * 6 + b"\x02\x00\x00\x00\x21\x01" + b"\x88\xb5" + b"x" * 46)
    print("packet socket bound to", ifname, flush=True)
except OSError as e:
    print("no packet socket:", e, flush=True)
print("sent 25 datagrams on", ifname, flush=True)
open("/tmp/dummy_sock.ready", "w").close()
while not os.path.exists("/tmp/dummy_sock.go"):
    time.sleep(0.05)
rc = 0
try:
    s.sendto(b"stale", ("10.22.0.9", 9))
    print("stale: UDP send after delete: ok", flush=True)
    rc = 2
except OSError as e:
    print("stale: UDP send after delete: errno", e.errno, e.strerror, flush=True)
if pk:
    try:
        pk.send(b"\xff" * 14 + b"x" * 46)
        print("stale: packet send after delete: ok", flush=True)
        rc = 2
    except OSError as e:
        print("stale: packet send after delete: errno", e.errno, e.strerror, flush=True)
    pk.close()
s.close()
sys.exit(rc)
PYEOF
tx0=$(cat /sys/class/net/$IF/statistics/tx_packets)
$PY /tmp/dummy_sock.py "$IF" &
sockpid=$!
wait_until 10 test -e /tmp/dummy_sock.ready || fail "socket helper did not start"
tx1=$(cat /sys/class/net/$IF/statistics/tx_packets)
[ "$tx1" -ge $((tx0 + 25)) ] || fail "tx_packets $tx0 -> $tx1, want +25"
echo "ok: tx_packets $tx0 -> $tx1"
step "ip -s link" ip -s link show "$IF"

step "ip link del $IF" ip link del "$IF"
[ -e /sys/class/net/$IF ] && fail "$IF still registered"
touch /tmp/dummy_sock.go
wait $sockpid || fail "send on sockets bound to the deleted $IF did not fail (exit $?)"
stale "ip link show deleted $IF" ip link show "$IF"

step "ip link add dum1 type dummy" ip link add dum1 type dummy
step "ip link set dum1 up" ip link set dum1 up
step "ip addr add on dum1" ip addr add 10.23.0.1/24 dev dum1
unload dummy
[ -e /sys/class/net/dum1 ] && fail "dum1 survived rmmod"
driver_end
