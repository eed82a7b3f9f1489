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

# shellcheck source=../net.sh
. "$LT_REPO/tests/drivers/net.sh"

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
