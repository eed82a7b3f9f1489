#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sc520_wdt, upstream 90b7c1411322 ("watchdog: sc520_wdt: Fix possible
# use-after-free in wdt_turnoff()") reverted: wdt_turnoff(), called by the
# module exit (nowayout off), stops the ping timer with del_timer() again.
# The AMD Elan SC520 driver cannot probe: it ioremap()s the MMCR watchdog
# register at 0xfffefcb0 (BIOS ROM in QEMU: reads return ROM bytes, writes
# are dropped), so it loads in the guest with no hardware. The ordinary
# sequence: load, open /dev/watchdog (arms the ping timer), keep it alive
# for a second so wdt_timer_ping() runs, magic close ('V'), unload. No
# timer callback runs during the unload. Expected:
# unpinned-module-reference in wdt_timer_ping, reported at rmmod.
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin sc520-wdt-timer recall
insmod_recall sc520-wdt-timer sc520_wdt
expect_dmesg "WDT driver for SC520 initialised"
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
unload sc520_wdt
driver_end
