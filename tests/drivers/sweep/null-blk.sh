#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# null_blk: the module-parameter device (nullb0, softirq completions) and
# two configfs devices (/sys/kernel/config/nullb/NAME): one completing from
# an hrtimer (irqmode=2), one from softirq (irqmode=1), memory backed, one
# of them throttled (mbps: bandwidth hrtimer). Data written with dd is read
# back and compared. A configfs device is powered off while a dd streams
# from it and another fd holds it open; the stale fd is used and the unload
# refused while it pins the module; the powered-off device is powered on
# again, then removed (rmdir) with an fd open; the module is unloaded.
# lt-driver: null_blk
# lt-subsystem: block
# lt-timeout: 400
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin null_blk block
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config ||
	fail "mount configfs"
load null_blk nr_devices=1 irqmode=1 memory_backed=1 gb=1 bs=512
CFG=/sys/kernel/config/nullb
wait_until 5 test -d $CFG || fail "$CFG missing"

# wait_blk NAME: wait for the block device node
wait_blk() {
	wait_until 5 test -b "/dev/$1" || fail "/dev/$1 did not appear"
}

# rw DEV: write a pattern with O_DIRECT, read it back through the page
# cache and with O_DIRECT, compare
rw() {
	head -c 1048576 /dev/urandom > /tmp/pat
	dd if=/tmp/pat of=/dev/$1 bs=64k oflag=direct seek=3 status=none || fail "dd write to $1"
	dd if=/dev/$1 of=/tmp/back bs=64k iflag=direct skip=3 count=16 status=none || fail "dd read from $1"
	cmp -s /tmp/pat /tmp/back || fail "$1: data read back (O_DIRECT) differs"
	echo 3 > /proc/sys/vm/drop_caches
	dd if=/dev/$1 of=/tmp/back bs=64k skip=3 count=16 status=none || fail "dd buffered read from $1"
	cmp -s /tmp/pat /tmp/back || fail "$1: data read back (buffered) differs"
	echo "step: $1: 1 MiB written and read back"
}

# The module-parameter device.
wait_blk nullb0
expect_eq "nullb0 size (512-byte sectors)" "$(cat /sys/block/nullb0/size)" 2097152
expect_eq "nullb0 logical block size" "$(cat /sys/block/nullb0/queue/logical_block_size)" 512
rw nullb0

# mk NAME IRQMODE [ATTR=VALUE...]: a configfs device, powered on
mk() {
	local n=$1 irq=$2 kv

	shift 2
	step "mkdir nullb/$n" mkdir $CFG/$n
	step "$n: size 256 MB" sh -c "echo 256 > $CFG/$n/size"
	step "$n: irqmode $irq" sh -c "echo $irq > $CFG/$n/irqmode"
	step "$n: memory_backed" sh -c "echo 1 > $CFG/$n/memory_backed"
	step "$n: blocksize 4096" sh -c "echo 4096 > $CFG/$n/blocksize"
	for kv in "$@"; do
		step "$n: $kv" sh -c "echo ${kv#*=} > $CFG/$n/${kv%%=*}"
	done
	step "$n: power on" sh -c "echo 1 > $CFG/$n/power"
	wait_blk $n
	expect_eq "$n power" "$(cat $CFG/$n/power)" 1
	expect_eq "$n logical block size" "$(cat /sys/block/$n/queue/logical_block_size)" 4096
}

step "features lists irqmode" grep -q irqmode $CFG/features
mk nbtimer 2 completion_nsec=200000
mk nbsoft 1 mbps=20
rw nbtimer
rw nbsoft
expect_eq "nbsoft size (512-byte sectors)" "$(cat /sys/block/nbsoft/size)" 524288

# Power off the throttled device while dd streams from it and fd 5 holds it.
exec 5<>/dev/nbsoft
dd if=/dev/nbsoft of=/dev/null bs=64k iflag=direct status=none 2>/tmp/dd.err &
ddpid=$!
sleep 1
kill -0 $ddpid 2>/dev/null || fail "dd from nbsoft ended early: $(cat /tmp/dd.err)"
step "nbsoft: power off during I/O, fds open" sh -c "echo 0 > $CFG/nbsoft/power"
wait_until 20 sh -c "! kill -0 $ddpid 2>/dev/null" || fail "dd still running 20 s after power off"
wait $ddpid
rc=$?
echo "stale: streaming dd after power off: exit $rc: $(tail -1 /tmp/dd.err)"
[ -e /dev/nbsoft ] && fail "/dev/nbsoft still present after power off"
stale "held fd: O_DIRECT read" dd bs=4k count=1 iflag=direct status=none of=/dev/null <&5
stale "held fd: buffered read" dd bs=4k count=1 skip=100 status=none of=/dev/null <&5
stale "held fd: write" sh -c 'dd if=/dev/zero bs=4k count=1 oflag=direct status=none >&5'
stale "held fd: BLKGETSIZE64" $PY -c "
import fcntl, struct
print(struct.unpack('Q', fcntl.ioctl(5, 0x80081272, bytes(8)))[0])"
stale "held fd: BLKFLSBUF" $PY -c "import fcntl; fcntl.ioctl(5, 0x1261)"
if rmmod null_blk 2>/dev/null; then
	fail "rmmod null_blk succeeded with a held fd"
fi
echo "ok: rmmod null_blk refused (held fd, configfs items)"
exec 5<&-
step "nbsoft: power on again" sh -c "echo 1 > $CFG/nbsoft/power"
wait_blk nbsoft
rw nbsoft

# Remove the hrtimer device with an fd open.
exec 5</dev/nbtimer
step "nbtimer: power off" sh -c "echo 0 > $CFG/nbtimer/power"
step "rmdir nbtimer with an fd open" rmdir $CFG/nbtimer
stale "held fd after rmdir: read" dd bs=4k count=1 iflag=direct status=none of=/dev/null <&5
exec 5<&-
exec 5</dev/nbsoft
step "rmdir nbsoft while powered, fd open" rmdir $CFG/nbsoft
[ -e /dev/nbsoft ] && fail "/dev/nbsoft still present after rmdir"
stale "held fd after rmdir: read" dd bs=4k count=1 iflag=direct status=none of=/dev/null <&5
exec 5<&-
rw nullb0
unload null_blk
[ -e /dev/nullb0 ] && fail "/dev/nullb0 still present after unload"
driver_end
