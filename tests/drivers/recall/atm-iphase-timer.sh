#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iphase, upstream 1c72e6ab66b9 ("atm: iphase: fix possible use-after-free
# in ia_module_exit()") reverted: the module exit stops the ia_led_timer()
# timer with del_timer() again. A PCI ATM driver: with no card present
# ia_module_init() still registers the PCI driver and arms the LED timer
# (first run after 3 s, then every 250 ms; ia_led_timer() walks no cards
# and re-arms itself), so it loads in the guest with no hardware. The
# ordinary sequence: load the ATM core and the S/UNI PHY module iphase
# links against, load the driver, let ia_led_timer() run a few times,
# unload. No timer callback runs during the unload. Expected:
# unpinned-module-reference in ia_led_timer, reported at rmmod.
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

driver_begin atm-iphase-timer recall
load atm
load suni
insmod_recall atm-iphase-timer iphase
timer_fired ia_led_timer 4
unload iphase
driver_end
