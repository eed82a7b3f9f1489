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

driver_begin atm-nicstar-timer recall
load atm
insmod_recall atm-nicstar-timer nicstar
timer_fired ns_poll 3
unload nicstar
driver_end
