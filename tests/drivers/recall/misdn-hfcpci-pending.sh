#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hfcpci, upstream 175302f6b79e ("mISDN: hfcpci: Fix use-after-free bug
# in hfcpci_softirq") reverted: the module exit waits for the poll timer
# with del_timer_sync() only when timer_pending() is true. As in
# misdn-hfcpci-timer: a PCI mISDN
# driver: loaded with poll= other than the default 128, HFC_init() arms
# the software poll timer before registering the PCI driver, card or not
# (hfcpci_softirq() walks no devices and re-arms itself every poll/8000 s:
# poll=64 is 8 ms), so it loads in the guest with no hardware. The ordinary
# sequence: load the mISDN core, load the driver with poll=64, let
# hfcpci_softirq() run, unload. Expected: unpinned-module-reference in
# hfcpci_softirq; missed (declared hole): the timer is pending, the wait runs.
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

# timer_fired FUNC SECONDS: trace timer expiries for SECONDS and check that
# the timer callback FUNC ran at least once (timer:timer_expire_entry)
timer_fired() {
	local t=/sys/kernel/tracing n

	echo 0 > $t/tracing_on || fail "$DRIVER: no tracefs"
	echo > $t/trace
	echo 1 > $t/events/timer/timer_expire_entry/enable || fail "$DRIVER: timer_expire_entry"
	echo 1 > $t/tracing_on
	sleep "$2"
	echo 0 > $t/tracing_on
	echo 0 > $t/events/timer/timer_expire_entry/enable
	n=$(grep -c "function=$1 " $t/trace)
	echo > $t/trace
	[ "$n" -gt 0 ] || fail "$DRIVER: $1 did not run in $2 s"
	echo "step: $1 ran $n times in $2 s"
}

driver_begin misdn-hfcpci-pending recall
load mISDN_core
insmod_recall misdn-hfcpci-pending hfcpci poll=64
expect_dmesg "HFC_init: Using alternative poll value of 64"
timer_fired hfcpci_softirq 1
unload hfcpci
driver_end
