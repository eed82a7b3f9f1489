#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# w83877f_wdt, upstream d0212f095ab5 ("watchdog: Fix possible use-after-free
# by calling del_timer_sync()", its w83877f_wdt.c half) reverted:
# wdt_turnoff(), called by the module exit, stops the ping timer with
# del_timer() again. A legacy x86 I/O-port driver that cannot probe (it
# reserves ports 0x3f0-0x3f1 and 0x443 and writes the chip's config
# registers), so it loads in the guest with no hardware. The ordinary
# sequence: load, open /dev/watchdog (arms the 250 ms ping timer), keep it
# alive for a second so wdt_timer_ping() runs, magic close ('V'), unload.
# No timer callback runs during the unload. Expected:
# unpinned-module-reference in wdt_timer_ping, reported at rmmod.
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin w83877f-wdt-timer recall
insmod_recall w83877f-wdt-timer w83877f_wdt
expect_dmesg "WDT driver for W83877F initialised"
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
unload w83877f_wdt
driver_end
