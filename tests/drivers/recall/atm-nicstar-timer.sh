#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nicstar, upstream 34e7434ba4e9 ("atm: nicstar: Fix possible use-after-free
# in nicstar_cleanup()") reverted: the module exit stops the ns_poll()
# timer with del_timer() again. A PCI ATM driver: with no card present
# nicstar_init() still registers the PCI driver and arms the 1 s poll
# timer (ns_poll() walks no cards and re-arms itself), so it loads in the
# guest with no hardware. The ordinary sequence: load the ATM core, load
# the driver, let ns_poll() run a few times, unload. No timer callback runs
# during the unload. Expected: unpinned-module-reference in ns_poll,
# reported at rmmod (stopped by timer_delete() in the exit, nothing waited
# for it afterwards).
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

driver_begin atm-nicstar-timer recall
load atm
insmod_recall atm-nicstar-timer nicstar
timer_fired ns_poll 3
unload nicstar
driver_end
