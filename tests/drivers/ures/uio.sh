#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The UIO core converted to ures (patches/ures/0002) under uio_pci_generic
# on QEMU's edu PCI device. First upstream's uio, for the one thing the
# conversion changes most: a mapping of BAR0 survives the unbind and still
# reaches the device, and survives the hot-unplug (the rescan may move the
# BAR elsewhere). Then the converted uio.ko with the in-tree
# uio_pci_generic.ko: ordinary use (BAR0 through maps/map0 and mmap offset
# 0, identification and liveness registers, interrupts raised, polled for,
# counted by read() and re-enabled by write()); the function unbound and
# then hot-unplugged under an open file shared by dup() and fork(), a
# mapping of BAR0, a reader asleep in read() and one in poll(): the
# sleepers wake with ENODEV and POLLERR|POLLHUP, every operation on the
# stale files fails with ENODEV, the old mapping raises SIGBUS; the function
# bound again (and rescanned) and used; a stress of concurrent
# open/read/poll/write/mmap/close threads and sleepers in read() and
# poll() against unbind/bind and hot-unplug/rescan cycles; an
# open file still pins uio_pci_generic. The scorer requires a log without
# any report (sanitizer, KASAN, WARN, lockdep, hung task).
# lt-timeout: 600
# lt-qemu: -device edu
set -u
. "$LT_REPO/tests/drivers/lib.sh"

CYCLES=${URES_UIO_CYCLES:-500}
DRV=uio_pci_generic
DRVDIR=/sys/bus/pci/drivers/$DRV

# edu_bind: let uio_pci_generic (no ID table) take QEMU's edu device
edu_bind() {
	echo "1234 11e8" > "$DRVDIR/new_id" || fail "new_id for edu"
	wait_until 10 pci_of $DRV >/dev/null || fail "edu not bound to $DRV"
	BDF=$(pci_of $DRV)
	wait_dev /dev/uio0
	echo "step: edu $BDF bound to $DRV, /dev/uio0"
}

# hold_start / hold_check WHAT: files, mapping and sleepers across WHAT
hold_start() {
	rm -f /tmp/uio.ready
	"$LT_BIN/uio_edu" hold /dev/uio0 /tmp/uio.ready &
	HOLD=$!
	wait_until 20 test -e /tmp/uio.ready || fail "uio_edu hold did not start"
}

hold_check() {
	wait $HOLD || fail "stale /dev/uio0 after $1"
	echo "ok: stale /dev/uio0 after $1: sleepers woken, ENODEV, SIGBUS"
}

driver_begin uio ures

# mapwait_start / mapwait_end: BAR0 mapped across what happens in between
mapwait_start() {
	rm -f /tmp/uio.ready /tmp/uio.go
	"$LT_BIN/uio_edu" mapwait /dev/uio0 /tmp/uio.ready /tmp/uio.go | sed "s/^/$1: /" &
	MAPW=$!
	wait_until 20 test -e /tmp/uio.ready || fail "uio_edu mapwait did not start"
}

mapwait_end() {
	touch /tmp/uio.go
	wait $MAPW
}

# --- Upstream uio: a mapping of BAR0 outlives the unbind and the unplug ----
load $DRV
edu_bind
step "upstream: ordinary use" "$LT_BIN/uio_edu" use /dev/uio0
mapwait_start "upstream, unbind"
unbind pci $DRV "$BDF"
mapwait_end
bind pci $DRV "$BDF"
wait_dev /dev/uio0
echo "upstream: BAR0 at $(cat /sys/class/uio/uio0/maps/map0/addr) before the unplug"
mapwait_start "upstream, PCI remove and rescan"
pci_remove "$BDF"
pci_rescan
wait_until 10 pci_of $DRV >/dev/null || fail "edu not bound to $DRV after rescan"
wait_dev /dev/uio0
echo "upstream: BAR0 at $(cat /sys/class/uio/uio0/maps/map0/addr) after the rescan"
mapwait_end
unload $DRV uio

# --- The converted uio ------------------------------------------------------
insmod_ures uio uio
load $DRV
edu_bind
for a in name version maps/map0/addr maps/map0/size maps/map0/offset; do
	echo "sysfs: uio0/$a: $(cat /sys/class/uio/uio0/$a)"
done
[ $(($(cat /sys/class/uio/uio0/maps/map0/size))) -ge 4096 ] || fail "map0 smaller than a page"
step "ordinary use" "$LT_BIN/uio_edu" use /dev/uio0

# The same mapping across the unbind as upstream.
mapwait_start "converted, unbind"
unbind pci $DRV "$BDF"
mapwait_end
bind pci $DRV "$BDF"
wait_dev /dev/uio0

# Unbind with files open, mapped, and sleepers.
hold_start
unbind pci $DRV "$BDF"
hold_check unbind
[ -e /dev/uio0 ] && fail "/dev/uio0 still there after unbind"
bind pci $DRV "$BDF"
wait_dev /dev/uio0
step "use after rebind" "$LT_BIN/uio_edu" use /dev/uio0

# Hot-unplug with files open, mapped, and sleepers.
hold_start
pci_remove "$BDF"
hold_check "PCI remove"
pci_rescan
wait_until 10 pci_of $DRV >/dev/null || fail "edu not bound to $DRV after rescan"
BDF=$(pci_of $DRV)
wait_dev /dev/uio0
step "use after rescan" "$LT_BIN/uio_edu" use /dev/uio0

# Stress: workers on /dev/uio0 while the function is unbound and bound.
# Every tenth cycle is a hot-unplug and rescan instead.
"$LT_BIN/uio_stress" -c "$CYCLES" -r 10 -t 4 /dev/uio0 "$DRVDIR" "$BDF" ||
	fail "uio_stress"
echo "step: stress, $CYCLES cycles"
wait_dev /dev/uio0
step "use after the stress" "$LT_BIN/uio_edu" use /dev/uio0

# An open file still pins the driver module, as upstream.
exec 3<> /dev/uio0
stale "rmmod $DRV while /dev/uio0 is open" rmmod $DRV
[ -d /sys/module/$DRV ] || fail "$DRV unloaded under an open /dev/uio0"
exec 3>&-
unload $DRV uio
driver_end
