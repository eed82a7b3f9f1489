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

driver_begin atm-iphase-timer recall
load atm
load suni
insmod_recall atm-iphase-timer iphase
timer_fired ia_led_timer 4
unload iphase
driver_end
