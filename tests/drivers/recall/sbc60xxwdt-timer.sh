#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sbc60xxwdt, upstream c08a6b31e491 ("watchdog: Fix possible use-after-free
# in wdt_startup()") reverted: wdt_turnoff(), called by the module exit,
# stops the ping timer with del_timer() again. A legacy x86 I/O-port
# driver that cannot probe (it only reserves port 0x443 and reads it), so
# it loads in the guest with no hardware. The ordinary sequence: load, open
# /dev/watchdog (arms the 250 ms ping timer), keep it alive for a second so
# wdt_timer_ping() runs, magic close ('V': wdt_turnoff()), unload. No timer
# callback runs during the unload. Expected: unpinned-module-reference in
# wdt_timer_ping, reported at rmmod (stopped by timer_delete() in the exit,
# nothing waited for it afterwards).
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin sbc60xxwdt-timer recall
insmod_recall sbc60xxwdt-timer sbc60xxwdt
expect_dmesg "WDT driver for 60XX single board computer initialised"
wait_dev /dev/watchdog
exec 3>/dev/watchdog
echo "step: opened /dev/watchdog (ping timer armed)"
for i in 1 2 3 4; do
	step "keepalive $i" sh -c 'printf k >&3'
	sleep 0.3
done
step "magic close" sh -c 'printf V >&3'
exec 3>&-
expect_dmesg "Watchdog timer is now disabled"
unload sbc60xxwdt
driver_end
