#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# virtio-net: a virtio-net-pci function (MSI-X: config, rx and tx vectors,
# NAPI) behind user-mode networking. The link comes up, the slirp gateway
# answers pings, ethtool reads driver info, per-queue statistics (which must
# grow), channels and rings. With a socket bound to the interface and pings
# running, the virtio device is unbound from virtio_net and bound again, the
# PCI function is unbound from virtio-pci and bound again, and the function
# is hot-unplugged and rescanned; the module is removed with the interface up.
# lt-driver: virtio-net
# lt-subsystem: net
# lt-timeout: 420
# lt-qemu: -device virtio-net-pci,netdev=n0 -netdev user,id=n0,restrict=on
set -u
. "$LT_REPO/tests/drivers/lib.sh"

# shellcheck source=../net.sh
. "$LT_REPO/tests/drivers/net.sh"

# vdev_of DRIVER: the first virtio device bound to DRIVER
vdev_of() {
	local d

	for d in /sys/bus/virtio/drivers/"$1"/virtio*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
	return 1
}

# find_nic: VDEV, its PCI function BDF and its interface IF
find_nic() {
	wait_until 10 vdev_of virtio_net >/dev/null || fail "no virtio device bound to virtio_net"
	VDEV=$(vdev_of virtio_net)
	BDF=$(basename "$(dirname "$(readlink -f /sys/bus/virtio/devices/$VDEV)")")
	wait_until 5 sh -c "ls /sys/bus/virtio/devices/$VDEV/net 2>/dev/null | grep -q ." ||
		fail "$VDEV: no network interface"
	IF=$(ls /sys/bus/virtio/devices/$VDEV/net | head -1)
	echo "virtio-net: $VDEV on $BDF, $IF"
}

rxq0() {
	cat "/sys/class/net/$IF/statistics/rx_packets"
}

driver_begin virtio-net net
load virtio_net
find_nic
bring_up "$IF"
step "ethtool -i names the driver" sh -c "ethtool -i $IF | grep -q 'driver: virtio_net'"
step "ethtool -l" ethtool -l "$IF"
step "ethtool -g" ethtool -g "$IF"
step "ethtool -k" ethtool -k "$IF"
step "ethtool -S" sh -c "ethtool -S $IF | grep -q rx0_kicks"
rx0=$(rxq0)
irq0=$(irqs_of "$VDEV-")
ping_gw "$IF" 5
rx1=$(rxq0)
irq1=$(irqs_of "$VDEV-")
[ "$rx1" -ge $((rx0 + 5)) ] || fail "rx_packets $rx0 -> $rx1, want +5"
echo "ok: rx_packets $rx0 -> $rx1"
[ "$irq1" -gt "$irq0" ] || fail "no interrupts on $VDEV ($irq0 -> $irq1)"
echo "ok: interrupts on $VDEV-* $irq0 -> $irq1"
step "MSI-X vectors named for $VDEV" sh -c "grep -q '$VDEV-input.0' /proc/interrupts"

# The virtio device off and on virtio_net.
hold_start "$IF"
flood_start
unbind virtio virtio_net "$VDEV"
[ -e "/sys/class/net/$IF" ] && fail "$IF still registered after unbind"
hold_check "virtio unbind"
flood_stop
stale "ethtool -i on the unbound $IF" ethtool -i "$IF"
bind virtio virtio_net "$VDEV"
find_nic
bring_up "$IF"
ping_gw "$IF" 3

# The PCI function off and on virtio-pci.
hold_start "$IF"
flood_start
unbind pci virtio-pci "$BDF"
[ -e "/sys/class/net/$IF" ] && fail "$IF still registered after PCI unbind"
hold_check "PCI unbind"
flood_stop
bind pci virtio-pci "$BDF"
find_nic
bring_up "$IF"
ping_gw "$IF" 3

# Hot-unplug and rescan.
hold_start "$IF"
flood_start
pci_remove "$BDF"
[ -e "/sys/class/net/$IF" ] && fail "$IF still registered after remove"
hold_check "PCI remove"
flood_stop
pci_rescan
find_nic
bring_up "$IF"
ping_gw "$IF" 3
unload virtio_net
[ -e "/sys/class/net/$IF" ] && fail "$IF survived rmmod"
driver_end
