#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# gpio-mockup: two simulated chips on the platform bus. Lines read and
# requested through the GPIO character device (libgpiod) and pulled through
# the driver's debugfs files (devres data behind each file); the chip is
# unbound with a line request, a chip fd and a debugfs file still open, the
# stale files are used, the chip is bound again and the module removed.
# lt-driver: gpio-mockup
# lt-subsystem: gpio
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin gpio-mockup gpio
load gpio-mockup gpio_mockup_ranges=-1,8,-1,4 gpio_mockup_named_lines
DEV=gpio-mockup.0
DRV=gpio-mockup
wait_until 5 test -e /sys/bus/platform/drivers/$DRV/$DEV || fail "$DEV not bound"
chip=$(ls /sys/bus/platform/devices/$DEV/ | grep -m1 '^gpiochip')
[ -n "$chip" ] || fail "no gpiochip under $DEV"
wait_dev /dev/$chip
dbg=/sys/kernel/debug/gpio-mockup/$chip

step "gpiodetect lists the chips" sh -c "gpiodetect | grep -q gpio-mockup-A"
step "gpioinfo" gpioinfo $chip
step "pull line 3 up through debugfs" sh -c "echo 1 > $dbg/3"
expect_eq "gpioget line 3" "$(gpioget $chip 3)" 1
step "pull line 3 down" sh -c "echo 0 > $dbg/3"
expect_eq "gpioget line 3" "$(gpioget $chip 3)" 0
step "read a debugfs pull file" cat $dbg/2

# Files open across unbind: a line request held by gpioset, the chip
# device, a debugfs file.
gpioset --mode=signal $chip 5=1 &
setter=$!
wait_until 5 sh -c "gpioinfo $chip | grep -q 'line   5:.*used'" || fail "gpioset did not request line 5"
exec 3<"/dev/$chip"
exec 4<>"$dbg/4"
unbind platform $DRV $DEV
stale "chip fd: gpioinfo" gpioinfo /dev/fd/3
stale "debugfs read" dd bs=16 count=1 status=none <&4
stale "debugfs write" sh -c 'echo 1 >&4'
kill $setter; wait $setter 2>/dev/null
exec 3<&- 4<&-
bind platform $DRV $DEV
chip=$(ls /sys/bus/platform/devices/$DEV/ | grep -m1 '^gpiochip')
wait_dev /dev/$chip
step "gpioget after rebind" gpioget $chip 0
unload gpio_mockup
driver_end
