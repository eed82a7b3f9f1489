#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# virtio-rng: a virtio-rng-pci function, rate-limited by QEMU to 8 KiB/s so
# that readers wait on the virtqueue, behind rng-core's /dev/hwrng (misc
# device) and its fill kthread (quality 1024). /dev/hwrng reads return the
# bytes asked, not zeroes; rng_current, rng_available and rng_quality are
# read and written. The virtio device is unbound from virtio_rng with
# /dev/hwrng open and a reader waiting for data: the reader must end, the
# stale fd must fail, then work again after the rebind. The PCI function is
# hot-unplugged and rescanned, and both modules are removed.
# lt-driver: virtio-rng
# lt-subsystem: hwrng
# lt-timeout: 300
# lt-qemu: -device virtio-rng-pci,max-bytes=8192,period=1000
set -u
. "$LT_REPO/tests/drivers/lib.sh"

SYS=/sys/class/misc/hw_random

# vdev_of DRIVER: the first virtio device bound to DRIVER
vdev_of() {
	local d

	for d in /sys/bus/virtio/drivers/"$1"/virtio*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
	return 1
}

# find_rng: VDEV, its PCI function BDF, the hwrng name RNG (current)
find_rng() {
	wait_until 10 vdev_of virtio_rng >/dev/null || fail "no virtio device bound to virtio_rng"
	VDEV=$(vdev_of virtio_rng)
	BDF=$(basename "$(dirname "$(readlink -f /sys/bus/virtio/devices/$VDEV)")")
	wait_until 5 grep -q '^virtio_rng' $SYS/rng_current || fail "virtio_rng is not the current hwrng"
	RNG=$(cat $SYS/rng_current)
	echo "virtio-rng: $VDEV on $BDF, $RNG"
}

# bytes_from N [FD]: bytes a read of N from /dev/hwrng (or FD) returns
bytes_from() {
	if [ $# -gt 1 ]; then
		dd bs="$1" count=1 iflag=fullblock status=none <&"$2" | wc -c
	else
		dd if=/dev/hwrng bs="$1" count=1 iflag=fullblock status=none | wc -c
	fi
}

fill_thread() {
	grep -qx hwrng /proc/[0-9]*/comm 2>/dev/null
}

driver_begin virtio-rng hwrng
load rng_core default_quality=1024
load virtio_rng
wait_dev /dev/hwrng
find_rng
step "rng_available lists $RNG" grep -qw "$RNG" $SYS/rng_available
expect_eq "rng_quality" "$(cat $SYS/rng_quality)" 1024
expect_eq "default_quality" "$(cat /sys/module/rng_core/parameters/default_quality)" 1024
wait_until 5 fill_thread || fail "no hwrng fill kthread"
echo "ok: the hwrng fill kthread runs"
irq0=$(awk -v n="$VDEV-" 'index($NF, n) == 1 { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i } END { print t + 0 }' /proc/interrupts)
expect_eq "read 4096 bytes" "$(bytes_from 4096)" 4096
step "the bytes are not all zero" sh -c "dd if=/dev/hwrng bs=256 count=1 status=none | od -An -tx1 | grep -q '[1-9a-f]'"
irq1=$(awk -v n="$VDEV-" 'index($NF, n) == 1 { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i } END { print t + 0 }' /proc/interrupts)
[ "$irq1" -gt "$irq0" ] || fail "no interrupts on $VDEV ($irq0 -> $irq1)"
echo "ok: interrupts on $VDEV $irq0 -> $irq1"
step "rng_current none" sh -c "echo none > $SYS/rng_current"
expect_eq "rng_current" "$(cat $SYS/rng_current)" none
wait_until 5 sh -c '! grep -qx hwrng /proc/[0-9]*/comm 2>/dev/null' || fail "fill kthread survives rng_current none"
echo "ok: no fill kthread without a current rng"
if dd if=/dev/hwrng bs=16 count=1 status=none >/dev/null 2>&1; then
	fail "read with no current hwrng succeeded"
fi
echo "ok: read with no current hwrng fails"
step "rng_current $RNG" sh -c "echo $RNG > $SYS/rng_current"
wait_until 5 fill_thread || fail "no fill kthread after reselecting $RNG"
step "rng_quality 512" sh -c "echo 512 > $SYS/rng_quality"
expect_eq "rng_quality" "$(cat $SYS/rng_quality)" 512
step "rng_quality 1024" sh -c "echo 1024 > $SYS/rng_quality"

# Unbind with /dev/hwrng open and a reader waiting for data (64 KiB at
# 8 KiB/s).
exec 3</dev/hwrng
dd if=/dev/hwrng of=/tmp/rng.out bs=65536 count=1 iflag=fullblock status=none &
reader=$!
sleep 1
kill -0 $reader 2>/dev/null || fail "the reader did not wait"
unbind virtio virtio_rng "$VDEV"
expect_eq "rng_current after unbind" "$(cat $SYS/rng_current)" none
wait_until 20 sh -c "! kill -0 $reader 2>/dev/null" || fail "reader hangs after unbind"
wait $reader
echo "stale: waiting reader: exit $?, $(wc -c </tmp/rng.out) bytes"
if dd bs=16 count=1 status=none <&3 >/dev/null 2>&1; then
	fail "stale read with no hwrng succeeded"
fi
echo "ok: stale read fails"
bind virtio virtio_rng "$VDEV"
find_rng
expect_eq "read 64 bytes from the old fd after rebind" "$(bytes_from 64 3)" 64

# Hot-unplug with the fd open and a reader waiting.
dd if=/dev/hwrng of=/tmp/rng.out bs=65536 count=1 iflag=fullblock status=none &
reader=$!
sleep 1
pci_remove "$BDF"
expect_eq "rng_current after remove" "$(cat $SYS/rng_current)" none
wait_until 20 sh -c "! kill -0 $reader 2>/dev/null" || fail "reader hangs after remove"
wait $reader
echo "stale: waiting reader: exit $?, $(wc -c </tmp/rng.out) bytes"
stale "read after remove" dd bs=16 count=1 status=none <&3
pci_rescan
find_rng
expect_eq "read after rescan" "$(bytes_from 64 3)" 64
stale "rmmod rng_core with /dev/hwrng open" rmmod rng_core
exec 3<&-
unload virtio_rng rng_core
driver_end
