#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# gpio-mockup, upstream 303e6da99429 ("gpio: mockup: remove gpio debugfs
# when remove device") reverted: the per-line debugfs files (devm private
# data pointing into the devm chip) are no longer removed at unbind. The
# ordinary sequence: load, pull a line through its debugfs file and read it
# back, close the file, unbind the chip, unload. Nothing touches the files
# after unbind. Expected: unprotected-access in gpio_mockup_debugfs_read or
# _write, reported at unbind (the teardown did not remove the debugfs file
# that guarded the access).
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin gpio-mockup-debugfs recall
insmod_recall gpio-mockup-debugfs gpio-mockup gpio_mockup_ranges=-1,8
DEV=gpio-mockup.0
DRV=gpio-mockup
wait_until 5 test -e /sys/bus/platform/drivers/$DRV/$DEV || fail "$DEV not bound"
chip=$(ls /sys/bus/platform/devices/$DEV/ | grep -m1 '^gpiochip')
[ -n "$chip" ] || fail "no gpiochip under $DEV"
dbg=/sys/kernel/debug/gpio-mockup/$chip
wait_until 5 test -e "$dbg/3" || fail "$dbg/3 missing"
step "pull line 3 up through debugfs" sh -c "echo 1 > $dbg/3"
step "read line 3 through debugfs" cat "$dbg/3"
unbind platform $DRV $DEV
unload gpio_mockup
driver_end
