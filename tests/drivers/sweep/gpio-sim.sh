#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# gpio-sim: a simulated chip with two banks built through configfs (line
# names, a hog), used through the GPIO character device (libgpiod tools)
# and the driver's sysfs pull/value files (devres attributes); edge events
# through the simulated interrupt domain (irq_sim, irq_work) seen by
# gpiomon. The chip is unbound with a line request, a line-event monitor,
# a chip fd and a sysfs pull file still open; the stale files are used; the
# chip is bound again, then taken down from configfs ('live' = 0) with
# files open again, the configfs tree removed and the module unloaded. The
# sequences follow tools/testing/selftests/gpio/gpio-sim.sh.
# lt-driver: gpio-sim
# lt-subsystem: gpio
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin gpio-sim gpio
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config ||
	fail "mount configfs"
load gpio-sim
CFG=/sys/kernel/config/gpio-sim
wait_until 5 test -d $CFG || fail "$CFG missing"

# Configure: bank0 with 8 named lines and a hog on line 7, bank1 with 4.
step "mkdir chip" mkdir $CFG/sim
step "mkdir bank0" mkdir $CFG/sim/bank0
step "mkdir bank1" mkdir $CFG/sim/bank1
step "bank0 label" sh -c "echo lt-sim-a > $CFG/sim/bank0/label"
step "bank0 num_lines" sh -c "echo 8 > $CFG/sim/bank0/num_lines"
step "bank1 label" sh -c "echo lt-sim-b > $CFG/sim/bank1/label"
step "bank1 num_lines" sh -c "echo 4 > $CFG/sim/bank1/num_lines"
for l in 0 2; do
	step "line$l" mkdir $CFG/sim/bank0/line$l
	step "line$l name" sh -c "echo lt-line$l > $CFG/sim/bank0/line$l/name"
done
step "hog on line 7" mkdir -p $CFG/sim/bank0/line7/hog
step "hog name" sh -c "echo lt-hog > $CFG/sim/bank0/line7/hog/name"
step "hog direction" sh -c "echo output-high > $CFG/sim/bank0/line7/hog/direction"
expect_eq "chip_name before live" "$(cat $CFG/sim/bank0/chip_name)" none
step "live = 1" sh -c "echo 1 > $CFG/sim/live"
expect_eq "live" "$(cat $CFG/sim/live)" 1
DEV=$(cat $CFG/sim/dev_name)
DRV=gpio-sim
case "$DEV" in gpio-sim.*) ;; *) fail "dev_name '$DEV'" ;; esac
[ -e /sys/bus/platform/drivers/$DRV/$DEV ] || fail "$DEV not bound"
chip=$(cat $CFG/sim/bank0/chip_name)
chipb=$(cat $CFG/sim/bank1/chip_name)
wait_dev /dev/$chip
wait_dev /dev/$chipb
sim=/sys/devices/platform/$DEV/$chip

# Ordinary use.
step "gpiodetect lists both banks" sh -c \
	"gpiodetect | grep -q '$chip \[lt-sim-a\] (8 lines)' && gpiodetect | grep -q '$chipb \[lt-sim-b\] (4 lines)'"
step "gpioinfo" gpioinfo $chip $chipb
step "gpioinfo shows the line names" sh -c "gpioinfo $chip | grep -q 'line   2:.*\"lt-line2\"'"
step "gpioinfo shows the hog" sh -c "gpioinfo $chip | grep -q 'line   7:.*\"lt-hog\".*output.*used'"
step "gpiofind by line name" sh -c "gpiofind lt-line0 | grep -q '^$chip 0$'"
gpioset $chip 7=0 2>/dev/null
rc=$?
[ $rc -ne 0 ] || fail "gpioset on the hogged line 7 succeeded"
echo "ok: hogged line 7 refused (exit $rc)"
expect_eq "sysfs value of the hog" "$(cat $sim/sim_gpio7/value)" 1
expect_eq "default pull" "$(cat $sim/sim_gpio0/pull)" pull-down
step "pull line 0 up" sh -c "echo pull-up > $sim/sim_gpio0/pull"
expect_eq "pull read back" "$(cat $sim/sim_gpio0/pull)" pull-up
expect_eq "gpioget line 0 after pull-up" "$(gpioget $chip 0)" 1
step "pull line 0 down" sh -c "echo pull-down > $sim/sim_gpio0/pull"
expect_eq "gpioget line 0 after pull-down" "$(gpioget $chip 0)" 0
if echo foobar > $sim/sim_gpio0/pull 2>/dev/null; then
	fail "invalid pull accepted"
fi
echo "ok: invalid pull rejected"
if echo 1 > $sim/sim_gpio0/value 2>/dev/null; then
	fail "write to value accepted"
fi
echo "ok: value is read-only"
expect_eq "gpioget with bias pull-up" "$(gpioget --bias=pull-up $chip 1)" 1
expect_eq "bank1 line 3" "$(gpioget $chipb 3)" 0

# Edge events through the simulated interrupt: gpiomon on line 3, the pull
# toggled through sysfs.
gpiomon --num-events=2 --format='%e %o' $chip 3 > /tmp/mon.out &
mon=$!
wait_until 5 sh -c "gpioinfo $chip | grep -q 'line   3:.*input.*used'" || fail "gpiomon did not request line 3"
step "pull line 3 up (rising edge)" sh -c "echo pull-up > $sim/sim_gpio3/pull"
step "pull line 3 down (falling edge)" sh -c "echo pull-down > $sim/sim_gpio3/pull"
wait_until 10 sh -c "! kill -0 $mon 2>/dev/null" || fail "gpiomon saw fewer than 2 events: $(cat /tmp/mon.out)"
wait $mon || fail "gpiomon exit $?"
expect_eq "gpiomon events" "$(tr '\n' ' ' < /tmp/mon.out)" "1 3 0 3 "

# An output line driven by gpioset, read back through sysfs.
gpioset --mode=signal $chip 5=1 &
setter=$!
wait_until 5 sh -c "gpioinfo $chip | grep -q 'line   5:.*output.*used'" || fail "gpioset did not request line 5"
expect_eq "sysfs value of the driven line 5" "$(cat $sim/sim_gpio5/value)" 1

# Unbind with files open: the line request (gpioset), a line-event monitor
# armed on the simulated interrupt, the chip fd, a sysfs pull file.
gpiomon --num-events=1 $chip 4 > /tmp/mon2.out 2>&1 &
mon=$!
wait_until 5 sh -c "gpioinfo $chip | grep -q 'line   4:.*used'" || fail "gpiomon did not request line 4"
exec 3<"/dev/$chip"
exec 4<>"$sim/sim_gpio0/pull"
unbind platform $DRV $DEV
expect_eq "chip_name while unbound" "$(cat $CFG/sim/bank0/chip_name)" ""
stale "chip fd: gpioinfo" gpioinfo /dev/fd/3
stale "chip fd: gpioget" gpioget /dev/fd/3 0
stale "sysfs pull read" dd bs=16 count=1 status=none <&4
stale "sysfs pull write" sh -c 'echo pull-up >&4'
wait_until 5 sh -c "! kill -0 $mon 2>/dev/null"
echo "stale: gpiomon after unbind: $(kill -0 $mon 2>/dev/null && echo running || echo exited): $(tail -1 /tmp/mon2.out)"
kill $mon $setter 2>/dev/null
wait $mon $setter 2>/dev/null
exec 3<&- 4<&-
bind platform $DRV $DEV
chip=$(cat $CFG/sim/bank0/chip_name)
wait_dev /dev/$chip
sim=/sys/devices/platform/$DEV/$chip
expect_eq "gpioget line 0 after rebind" "$(gpioget $chip 0)" 0
step "pull line 0 up after rebind" sh -c "echo pull-up > $sim/sim_gpio0/pull"
expect_eq "gpioget line 0 after rebind" "$(gpioget $chip 0)" 1
step "hog back after rebind" sh -c "gpioinfo $chip | grep -q 'line   7:.*\"lt-hog\".*used'"

# Take the device down from configfs with files open.
gpioset --mode=signal $chip 6=1 &
setter=$!
wait_until 5 sh -c "gpioinfo $chip | grep -q 'line   6:.*output.*used'" || fail "gpioset did not request line 6"
exec 3<"/dev/$chip"
exec 4<"$sim/sim_gpio6/value"
step "live = 0 with files open" sh -c "echo 0 > $CFG/sim/live"
[ -e /sys/bus/platform/devices/$DEV ] && fail "$DEV still present"
[ -e /dev/$chip ] && fail "/dev/$chip still present"
stale "chip fd after live=0: gpioinfo" gpioinfo /dev/fd/3
stale "sysfs value after live=0" dd bs=16 count=1 status=none <&4
kill $setter 2>/dev/null
wait $setter 2>/dev/null
exec 3<&- 4<&-

# Live again, then the whole tree removed.
step "live = 1 again" sh -c "echo 1 > $CFG/sim/live"
chip=$(cat $CFG/sim/bank0/chip_name)
wait_dev /dev/$chip
expect_eq "gpioget line 1 after re-live" "$(gpioget $chip 1)" 0
step "live = 0" sh -c "echo 0 > $CFG/sim/live"
step "rmdir hog" rmdir $CFG/sim/bank0/line7/hog
for l in 0 2 7; do
	step "rmdir line$l" rmdir $CFG/sim/bank0/line$l
done
step "rmdir banks" rmdir $CFG/sim/bank0 $CFG/sim/bank1
step "rmdir chip" rmdir $CFG/sim
unload gpio_sim
driver_end
