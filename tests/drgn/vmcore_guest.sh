#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/drgn/vmcore_check.py: the state of
# tests/scenarios/drgn_live.sh (ltd_domain_scenarios.ko variant=nolock read,
# unbound, bound again and read again, left bound; ures_sample.ko loaded),
# then the debugfs files the drgn scripts mirror, each line prefixed "LTD| "
# between "LTD-DEBUGFS-BEGIN <file>" and "LTD-DEBUGFS-END <file>", the
# vmcoreinfo note's physical address
# ("LTEST-VMCOREINFO: <paddr> <size>", from /sys/kernel/vmcoreinfo), and
# "LTEST-VMCORE": qemu-run then dumps guest memory, the guest idling until
# it has.
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_domain_scenarios
DEV=/dev/ltd_dom
DRV=/sys/bus/platform/drivers/ltd_dom
DBG=/sys/kernel/debug
FILES="lifetime_debug/domains lifetime_debug/objects lifetime_debug/reports
lifetime_debug/refcount_classes lifetime_debug/stats ures/instances"

insmod "$LT_MODDIR/$MOD.ko" variant=nolock || fail "insmod $MOD variant=nolock"
for _ in $(seq 100); do
	[ -c "$DEV" ] && break
	sleep 0.05
done
[ "$(dd if="$DEV" bs=64 count=1 status=none)" = "ltd_dom data" ] || fail "read $DEV"
echo ltd_dom > "$DRV/unbind" || fail "unbind"
echo ltd_dom > "$DRV/bind" || fail "bind"
for _ in $(seq 100); do
	[ -c "$DEV" ] && break
	sleep 0.05
done
[ "$(dd if="$DEV" bs=64 count=1 status=none)" = "ltd_dom data" ] || fail "read $DEV again"
insmod "$LT_MODDIR/ures_sample.ko" || fail "insmod ures_sample"
sleep 1
[ -r /sys/kernel/vmcoreinfo ] || fail "no /sys/kernel/vmcoreinfo (CONFIG_VMCORE_INFO)"

# Kernel messages must not interleave with the copies on the console.
dmesg -n 1
for f in $FILES; do
	[ -r "$DBG/$f" ] || fail "$DBG/$f missing"
	echo "LTD-DEBUGFS-BEGIN $f"
	sed 's/^/LTD| /' "$DBG/$f"
	echo "LTD-DEBUGFS-END $f"
done
echo "LTEST-VMCOREINFO: $(cat /sys/kernel/vmcoreinfo)"
echo "LTEST-VMCORE"
# The VM is stopped while QEMU dumps it; this only has to outlast the time
# qemu-run takes to notice the line.
sleep 10
dmesg -n 7
echo "vmcore guest: done"
exit 0
