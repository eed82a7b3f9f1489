#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# netdevsim: a simulated device with two ports on the netdevsim bus. Both
# netdevs are brought up with iproute2, queried and configured with ethtool
# (driver info, rings set through debugfs maxima and ethtool -G, channels),
# linked and sent traffic (received through the peer's NAPI) by sockets
# bound to the ports, and a page is held from the port's page pool through the
# pp_hold debugfs file. The device is deleted with debugfs files (the device
# directory, a port's ethtool knob, pp_hold holding a page) and a bound
# socket still open; the stale files and socket are used; a new device is
# created and the module is removed with it still present.
# lt-driver: netdevsim
# lt-subsystem: net
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin netdevsim net
load netdevsim
BUS=/sys/bus/netdevsim
ID=7
step "new_device $ID with 2 ports" sh -c "echo '$ID 2' > $BUS/new_device"
DEV=netdevsim$ID
wait_until 5 sh -c "[ \$(ls $BUS/devices/$DEV/net 2>/dev/null | wc -l) -eq 2 ]" ||
	fail "$DEV: two netdevs did not appear"
read -r P0 P1 <<<"$(ls $BUS/devices/$DEV/net | sort | tr '\n' ' ')"
echo "ports: $P0 $P1"
dbg=/sys/kernel/debug/netdevsim/$DEV
[ -d "$dbg/ports/0" ] || fail "no $dbg/ports/0"

step "ip link set $P0 up" ip link set "$P0" up
step "ip link set $P1 up" ip link set "$P1" up
step "ip addr add on $P0" ip addr add 10.11.0.1/24 dev "$P0"
step "ip addr add on $P1" ip addr add 10.12.0.1/24 dev "$P1"
step "$P0 is UP" sh -c "ip -o link show $P0 | grep -q '<[^>]*,UP'"
step "address listed" sh -c "ip -o -4 addr show dev $P0 | grep -q 10.11.0.1/24"
step "ip -s link" ip -s link show "$P0"

# ethtool: driver info, rings (maxima from debugfs), channels.
step "ethtool -i names the driver" sh -c "ethtool -i $P0 | grep -q 'driver: netdevsim'"
stale "ethtool -S (netdevsim has no ethtool stats)" ethtool -S "$P0"
step "debugfs: rx_max_pending = 4096" sh -c "echo 4096 > $dbg/ports/0/ethtool/ring/rx_max_pending"
expect_eq "debugfs read back rx_max_pending" "$(cat $dbg/ports/0/ethtool/ring/rx_max_pending)" 4096
step "ethtool -g shows the debugfs maximum" sh -c "ethtool -g $P0 | sed -n '/maximums/,/Current/p' | grep -q '^RX:[[:space:]]*4096'"
step "ethtool -G rx 1000" ethtool -G "$P0" rx 1000
step "ethtool -g shows rx 1000" sh -c "ethtool -g $P0 | sed -n '/Current/,\$p' | grep -q '^RX:[[:space:]]*1000'"
step "ethtool -l" ethtool -l "$P0"
step "ethtool -L combined 1" ethtool -L "$P0" combined 1
# get_err makes the driver's FEC getter fail with that errno.
step "debugfs: get_err = 95" sh -c "echo 95 > $dbg/ports/0/ethtool/get_err"
if ethtool --show-fec "$P0" >/dev/null 2>&1; then fail "ethtool --show-fec succeeded with get_err set"; fi
echo "ok: ethtool --show-fec fails with get_err set"
step "debugfs: get_err = 0" sh -c "echo 0 > $dbg/ports/0/ethtool/get_err"
step "ethtool --show-fec after get_err cleared" ethtool --show-fec "$P0"

# Device-level debugfs knobs.
for f in max_macs test1 fw_update_status fw_update_overwrite_mask; do
	step "debugfs read $f" cat "$dbg/$f"
done
step "debugfs write max_macs" sh -c "echo 17 > $dbg/max_macs"
expect_eq "max_macs read back" "$(cat $dbg/max_macs)" 17

# Traffic: the ports are linked (link_device takes netns fds, so it needs
# CONFIG_NET_NS); datagrams broadcast out of P0 are received through P1's
# NAPI poll by a socket bound to P1; unlinked, P0 counts its xmits as
# drops. A socket bound to P0 stays open.
cat > /tmp/nsim_sock.py <<'PYEOF'
import os, socket, sys, time
tx_if, rx_if, linked = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, tx_if.encode())
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("10.11.0.1", 0))
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, rx_if.encode())
r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
r.bind(("0.0.0.0", 9999))
r.settimeout(2)
for i in range(20):
    s.sendto(b"nsim%d" % i, ("10.11.0.255", 9999))
got = 0
if linked:
    try:
        while got < 20:
            data, addr = r.recvfrom(100)
            if data.startswith(b"nsim"):
                got += 1
    except socket.timeout:
        pass
    print("received %d of 20 datagrams on %s" % (got, rx_if), flush=True)
    if got != 20:
        print("SCENARIO-FAIL: netdevsim: %s received %d of 20" % (rx_if, got), flush=True)
        sys.exit(1)
print("step: sent 20 datagrams on", tx_if, flush=True)
open("/tmp/nsim_sock.ready", "w").close()
while not os.path.exists("/tmp/nsim_sock.go"):
    time.sleep(0.05)
try:
    s.sendto(b"stale", ("10.11.0.255", 9999))
    print("stale: socket send after del_device: ok", flush=True)
    sys.exit(2)
except OSError as e:
    print("stale: socket send after del_device: errno", e.errno, e.strerror, flush=True)
try:
    print("stale: recv on a socket bound to a deleted port:", r.recv(100, socket.MSG_DONTWAIT), flush=True)
except OSError as e:
    print("stale: recv on a socket bound to a deleted port: errno", e.errno, flush=True)
PYEOF
if [ -e /proc/self/ns/net ]; then exec 7</proc/self/ns/net; else exec 7</dev/null; fi
linked=0
if echo "7:$(cat /sys/class/net/$P0/ifindex) 7:$(cat /sys/class/net/$P1/ifindex)" > $BUS/link_device 2>/dev/null; then
	linked=1
	echo "step: linked $P0 and $P1"
	wait_until 5 grep -qx 1 /sys/class/net/$P0/carrier || fail "$P0: no carrier after link_device"
	step "ip addr add 10.11.0.2/24 on $P1" ip addr add 10.11.0.2/24 dev "$P1"
	# Both ports are in this namespace: P1 receives packets whose source
	# address is local (P0's); accept them instead of dropping martians.
	for c in all "$P1"; do
		echo 1 > "/proc/sys/net/ipv4/conf/$c/accept_local"
		echo 0 > "/proc/sys/net/ipv4/conf/$c/rp_filter"
	done
else
	echo "netdevsim: link_device refused (no CONFIG_NET_NS?): no carrier, no traffic"
fi
exec 7<&-
tx0=$(cat /sys/class/net/$P0/statistics/tx_packets)
drop0=$(cat /sys/class/net/$P0/statistics/tx_dropped)
$PY /tmp/nsim_sock.py "$P0" "$P1" $linked &
sockpid=$!
wait_until 15 sh -c "test -e /tmp/nsim_sock.ready || ! kill -0 $sockpid 2>/dev/null" ||
	fail "socket helper did not start"
[ -e /tmp/nsim_sock.ready ] || fail "traffic between the linked ports"
tx1=$(cat /sys/class/net/$P0/statistics/tx_packets)
if [ $linked = 1 ]; then
	[ "$tx1" -ge $((tx0 + 20)) ] || fail "tx_packets $tx0 -> $tx1, want +20"
	echo "ok: tx_packets $tx0 -> $tx1"
else
	# Unlinked, the port still has carrier: its xmit drops and counts.
	drop1=$(cat /sys/class/net/$P0/statistics/tx_dropped)
	[ "$drop1" -ge $((drop0 + 20)) ] || fail "tx_dropped $drop0 -> $drop1, want +20"
	echo "ok: unlinked port: tx_dropped $drop0 -> $drop1"
fi
step "ip -s link" ip -s link show "$P0"

# A page held from the port's page pool.
step "pp_hold: take a page" sh -c "echo 1 > $dbg/ports/0/pp_hold"
expect_eq "pp_hold" "$(cat $dbg/ports/0/pp_hold)" y

# Files open across del_device.
exec 3<"$dbg/max_macs"
exec 4<>"$dbg/ports/0/ethtool/get_err"
exec 5<>"$dbg/ports/0/pp_hold"
exec 6<"$dbg/ports/0/ethtool/ring/rx_max_pending"
step "del_device $ID" sh -c "echo $ID > $BUS/del_device"
[ -e "$BUS/devices/$DEV" ] && fail "$DEV still on the bus"
[ -e "/sys/class/net/$P0" ] && fail "$P0 still registered"
echo "step: deleted $DEV"
touch /tmp/nsim_sock.go
wait $sockpid || fail "send on a socket bound to the deleted $P0 did not fail (exit $?)"
if dd bs=16 count=1 status=none <&3 >/dev/null 2>&1; then
	fail "stale debugfs read of max_macs succeeded"
fi
echo "ok: stale max_macs read fails"
stale "debugfs read get_err" dd bs=16 count=1 status=none <&4
stale "debugfs write get_err" sh -c 'echo 5 >&4'
stale "debugfs read pp_hold" dd bs=16 count=1 status=none <&5
stale "debugfs write pp_hold 0" sh -c 'echo 0 >&5'
stale "debugfs read rx_max_pending" dd bs=16 count=1 status=none <&6
stale "ethtool -i on the deleted port" ethtool -i "$P0"
stale "ip link show deleted port" ip link show "$P0"
exec 3<&- 4<&- 5<&- 6<&-

# Again, and rmmod with a device present.
step "new_device $ID again, 1 port" sh -c "echo '$ID 1' > $BUS/new_device"
wait_until 5 sh -c "ls $BUS/devices/$DEV/net 2>/dev/null | grep -q ." || fail "no netdev after re-create"
P0=$(ls $BUS/devices/$DEV/net | head -1)
step "ip link set $P0 up again" ip link set "$P0" up
step "pp_hold again" sh -c "echo 1 > $dbg/ports/0/pp_hold"
exec 3<"$dbg/ports/0/pp_hold"
stale "rmmod with a debugfs file open" rmmod netdevsim
exec 3<&-
[ -d /sys/module/netdevsim ] && unload netdevsim
[ -e "/sys/class/net/$P0" ] && fail "$P0 survived rmmod"
driver_end
