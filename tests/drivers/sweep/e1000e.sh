#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# e1000e: QEMU's 82574L on the PCI root bus behind user-mode networking.
# MSI-X interrupts (rx, tx, other), NAPI, the watchdog timer and its work,
# runtime PM. The link comes up, the slirp gateway answers pings, ethtool
# reads driver info, statistics (which must grow), the register dump; the
# rings are resized. Runtime PM (interface down, power/control auto, then
# up) only with LT_E1000E_RPM=1: it freezes the TCG guest.
# The function is hot-unplugged (PCI remove) while a socket bound to the
# interface is open and pings run, the bus is rescanned, the driver is
# unbound and bound again through sysfs with the interface up and a bound
# socket open, and the module is removed with the interface up.
# lt-driver: e1000e
# lt-subsystem: net
# lt-timeout: 420
# lt-qemu: -device e1000e,netdev=n0 -netdev user,id=n0,restrict=on
set -u
. "$LT_REPO/tests/drivers/lib.sh"

# shellcheck source=../net.sh
. "$LT_REPO/tests/drivers/net.sh"

driver_begin e1000e net
load e1000e
wait_until 10 pci_of e1000e >/dev/null || fail "no PCI function bound to e1000e"
BDF=$(pci_of e1000e)
IF=$(netif_of "$BDF")
[ -n "$IF" ] || fail "$BDF: no network interface"
echo "e1000e: $BDF $IF"
PM=/sys/bus/pci/devices/$BDF/power
bring_up "$IF"
step "MSI-X vectors named for $IF" sh -c "grep -q '$IF-rx-0' /proc/interrupts"
step "ethtool -i names the driver" sh -c "ethtool -i $IF | grep -q 'driver: e1000e'"
rx0=$(ethtool -S "$IF" | awk '$1 == "rx_packets:" { print $2 }')
irq0=$(irqs_of "$IF")
ping_gw "$IF" 5
rx1=$(ethtool -S "$IF" | awk '$1 == "rx_packets:" { print $2 }')
irq1=$(irqs_of "$IF")
[ "$rx1" -ge $((rx0 + 5)) ] || fail "ethtool -S rx_packets $rx0 -> $rx1, want +5"
echo "ok: rx_packets $rx0 -> $rx1"
[ "$irq1" -gt "$irq0" ] || fail "no interrupts on $IF ($irq0 -> $irq1)"
echo "ok: interrupts on $IF $irq0 -> $irq1"
step "ethtool -d (register dump)" ethtool -d "$IF"
step "ethtool -G rx 128 tx 128" ethtool -G "$IF" rx 128 tx 128
step "ethtool -g shows rx 128" sh -c "ethtool -g $IF | sed -n '/Current/,\$p' | grep -q '^RX:[[:space:]]*128'"
wait_until 15 grep -qx 1 "/sys/class/net/$IF/carrier" || fail "$IF: no carrier after ring resize"
ping_gw "$IF" 3

# Runtime PM: interface down, power/control auto: the function suspends;
# bringing the interface up resumes it. Off unless LT_E1000E_RPM=1 is on
# the kernel command line ('# lt-append: LT_E1000E_RPM=1'): under QEMU 7.2
# TCG the whole guest freezes ~10 s after 'auto' (e1000e runtime suspend).
if [ "${LT_E1000E_RPM:-0}" = 1 ]; then
	step "ip link set $IF down" ip link set "$IF" down
	step "power/control auto" sh -c "echo auto > $PM/control"
	if wait_until 20 grep -qx suspended "$PM/runtime_status"; then
		echo "ok: $BDF runtime-suspended"
		stale "ethtool -i while suspended" ethtool -i "$IF"
		stale "ethtool -S while suspended" sh -c "ethtool -S $IF | head -3"
	else
		fail "$BDF did not runtime-suspend (status $(cat $PM/runtime_status))"
	fi
	step "ip link set $IF up (resume)" ip link set "$IF" up
	wait_until 15 grep -qx 1 "/sys/class/net/$IF/carrier" || fail "$IF: no carrier after resume"
	step "runtime status active" grep -qx active "$PM/runtime_status"
	ping_gw "$IF" 3
	step "power/control on" sh -c "echo on > $PM/control"

fi

# Hot-unplug with a bound socket open and pings running.
hold_start "$IF"
flood_start
pci_remove "$BDF"
[ -e "/sys/class/net/$IF" ] && fail "$IF still registered after remove"
hold_check "PCI remove"
flood_stop
stale "ethtool -i on the removed $IF" ethtool -i "$IF"
pci_rescan
wait_until 10 pci_of e1000e >/dev/null || fail "e1000e did not bind after rescan"
BDF=$(pci_of e1000e)
IF=$(netif_of "$BDF")
bring_up "$IF"
ping_gw "$IF" 3

# Unbind and bind through the driver's sysfs files, interface up; then
# unbind again while runtime-suspended.
hold_start "$IF"
flood_start
unbind pci e1000e "$BDF"
[ -e "/sys/class/net/$IF" ] && fail "$IF still registered after unbind"
hold_check "unbind"
flood_stop
bind pci e1000e "$BDF"
IF=$(netif_of "$BDF")
bring_up "$IF"
ping_gw "$IF" 3
if [ "${LT_E1000E_RPM:-0}" = 1 ]; then
	step "ip link set $IF down" ip link set "$IF" down
	step "power/control auto" sh -c "echo auto > $PM/control"
	wait_until 20 grep -qx suspended "$PM/runtime_status" || fail "$BDF did not runtime-suspend again"
fi
unbind pci e1000e "$BDF"
bind pci e1000e "$BDF"
IF=$(netif_of "$BDF")
bring_up "$IF"
ping_gw "$IF" 3
unload e1000e
[ -e "/sys/class/net/$IF" ] && fail "$IF survived rmmod"
driver_end
