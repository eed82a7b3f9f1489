#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# i2c-dev, upstream 1413ef638aba ("i2c: dev: Fix the race between the
# release of i2c_dev and cdev") reverted: the i2c_dev, whose embedded cdev
# an open /dev/i2c-N references, is kfree()d at adapter removal instead of
# at the release of an embedded struct device. The ordinary sequence: load
# the reverted i2c-dev, create an i2c-stub adapter, use /dev/i2c-N with
# i2c-tools and through a held-open descriptor, close it, remove the
# adapter (rmmod i2c-stub), unload i2c-dev. Nothing is open at removal, so
# nothing is freed under a user; expected, predictively at the removal's
# kfree(): "unpinned-cdev in i2cdev_detach_adapter" (the memory holds a
# cdev added without a parent that pins it).
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin i2c-dev-cdev recall
insmod_recall i2c-dev-cdev i2c-dev
load i2c-stub chip_addr=0x50
bus=
for d in /sys/bus/i2c/devices/i2c-*; do
	[ -e "$d/name" ] || continue
	grep -q "SMBus stub" "$d/name" && bus=${d##*/i2c-}
done
[ -n "$bus" ] || fail "no i2c-stub adapter"
wait_dev /dev/i2c-$bus
step "i2cset byte" i2cset -y "$bus" 0x50 0x10 0x5a
expect_eq "i2cget byte" "$(i2cget -y "$bus" 0x50 0x10)" 0x5a
exec 3<>/dev/i2c-$bus
step "i2cdetect" i2cdetect -y -r "$bus"
exec 3<&-
unload i2c_stub
unload i2c_dev
driver_end
