#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# virtio-blk: a 64 MiB virtio-blk-pci disk on QEMU's null-co block driver
# (reads return zeroes, writes are dropped): blk-mq, MSI-X virtqueue
# interrupts, the config-change work. Direct and buffered reads and writes
# with dd, which must move the bytes asked and show in the disk's stat
# counters; the size and a block ioctl are checked. The virtio device is
# unbound and bound again with the disk open; the PCI function is
# hot-unplugged while a dd loop reads and an fd stays open, the stale fd is
# read, written and queried, the bus rescanned and the module removed.
# lt-driver: virtio-blk
# lt-subsystem: block
# lt-timeout: 420
# lt-qemu: -blockdev driver=null-co,node-name=d0,size=67108864,read-zeroes=on -device virtio-blk-pci,drive=d0
set -u
. "$LT_REPO/tests/drivers/lib.sh"

# vdev_of DRIVER: the first virtio device bound to DRIVER
vdev_of() {
	local d

	for d in /sys/bus/virtio/drivers/"$1"/virtio*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
	return 1
}

# find_disk: VDEV, its PCI function BDF, its disk DISK and /dev node
find_disk() {
	wait_until 10 vdev_of virtio_blk >/dev/null || fail "no virtio device bound to virtio_blk"
	VDEV=$(vdev_of virtio_blk)
	BDF=$(basename "$(dirname "$(readlink -f /sys/bus/virtio/devices/$VDEV)")")
	wait_until 5 sh -c "ls /sys/bus/virtio/devices/$VDEV/block 2>/dev/null | grep -q ." ||
		fail "$VDEV: no disk"
	DISK=$(ls /sys/bus/virtio/devices/$VDEV/block | head -1)
	wait_until 5 test -b "/dev/$DISK" || fail "/dev/$DISK did not appear"
	echo "virtio-blk: $VDEV on $BDF, $DISK"
}

# ios N: reads (1) or writes (5) completed on DISK
ios() {
	awk -v f="$1" '{ print $f }' "/sys/block/$DISK/stat"
}

# bytes_read ARGS...: bytes dd copies from DISK to stdout
bytes_read() {
	dd if="/dev/$DISK" status=none "$@" | wc -c
}

BLKGETSIZE64='import fcntl, struct, sys; print(struct.unpack("Q", fcntl.ioctl(int(sys.argv[1]), 0x80081272, bytes(8)))[0])'

driver_begin virtio-blk block
load virtio_blk
find_disk
expect_eq "size in sectors" "$(cat /sys/block/$DISK/size)" 131072
expect_eq "BLKGETSIZE64" "$($PY -c "$BLKGETSIZE64" 3 3</dev/$DISK)" 67108864
r0=$(ios 1)
w0=$(ios 5)
irq0=$(awk -v n="$VDEV-" 'index($NF, n) == 1 { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i } END { print t + 0 }' /proc/interrupts)
expect_eq "direct read of 8 MiB" "$(bytes_read bs=1M count=8 iflag=direct)" 8388608
expect_eq "buffered read of the whole disk" "$(bytes_read bs=1M)" 67108864
step "the disk reads back zeroes" sh -c "dd if=/dev/$DISK bs=1M count=4 iflag=direct status=none | cmp -s - /dev/zero -n 4194304"
step "direct write of 4 MiB" dd if=/dev/zero of="/dev/$DISK" bs=1M count=4 oflag=direct status=none
step "buffered write and fsync" dd if=/dev/zero of="/dev/$DISK" bs=64k count=16 seek=100 conv=fsync status=none
r1=$(ios 1)
w1=$(ios 5)
irq1=$(awk -v n="$VDEV-" 'index($NF, n) == 1 { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i } END { print t + 0 }' /proc/interrupts)
[ "$r1" -gt "$r0" ] || fail "reads completed $r0 -> $r1"
[ "$w1" -gt "$w0" ] || fail "writes completed $w0 -> $w1"
[ "$irq1" -gt "$irq0" ] || fail "no interrupts on $VDEV ($irq0 -> $irq1)"
echo "ok: reads $r0 -> $r1, writes $w0 -> $w1, interrupts $irq0 -> $irq1"

# The virtio device off and on virtio_blk with the disk open.
exec 3</dev/$DISK
unbind virtio virtio_blk "$VDEV"
[ -e "/sys/block/$DISK" ] && fail "$DISK still registered after unbind"
n=$(dd bs=4k count=1 iflag=direct status=none <&3 2>/dev/null | wc -c)
[ "$n" = 0 ] || fail "direct read of the unbound disk returned $n bytes"
echo "ok: stale direct read returns no data (capacity 0 or error)"
stale "BLKGETSIZE64 on the unbound disk" $PY -c "$BLKGETSIZE64" 3
exec 3<&-
bind virtio virtio_blk "$VDEV"
find_disk
expect_eq "direct read after rebind" "$(bytes_read bs=1M count=2 iflag=direct)" 2097152

# Hot-unplug with a dd loop reading and fds open.
exec 3</dev/$DISK
exec 4<>/dev/$DISK
(while dd if="/dev/$DISK" of=/dev/null bs=64k iflag=direct status=none; do :; done) &
reader=$!
sleep 1
kill -0 $reader 2>/dev/null || fail "dd reader loop ended before the unplug"
pci_remove "$BDF"
[ -e "/sys/block/$DISK" ] && fail "$DISK still registered after remove"
wait_until 20 sh -c "! kill -0 $reader 2>/dev/null" || fail "dd reader hangs after the unplug"
wait $reader
echo "ok: dd reader ended after the unplug"
n=$(dd bs=4k count=1 iflag=direct status=none <&3 2>/dev/null | wc -c)
[ "$n" = 0 ] || fail "direct read of the unplugged disk returned $n bytes"
echo "ok: stale direct read returns no data (capacity 0 or error)"
stale "buffered read of the unplugged disk" dd bs=4k count=1 skip=200 status=none <&3
if dd if=/dev/zero bs=4k count=1 oflag=direct status=none >&4 2>/dev/null; then
	fail "direct write to the unplugged disk succeeded"
fi
echo "ok: stale direct write fails"
stale "BLKGETSIZE64 on the unplugged disk" $PY -c "$BLKGETSIZE64" 3
stale "fsync of the unplugged disk" $PY -c 'import os; os.fsync(4)'
exec 3<&- 4<&-
pci_rescan
find_disk
expect_eq "direct read after rescan" "$(bytes_read bs=1M count=2 iflag=direct)" 2097152
unload virtio_blk
[ -e "/sys/block/$DISK" ] && fail "$DISK survived rmmod"
driver_end
