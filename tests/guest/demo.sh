#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the demo (see tests/demo).
set -u
echo "LTEST-DEMO-BEGIN"
say() { printf '\n### %s\n' "$*"; }
# Kernel messages since the last mark, without timestamps, in $NEWS.
NEWS=/tmp/news
mark=0
news() {
	dmesg | sed "1,${mark}d" | sed 's/^\[[^]]*\] //' > "$NEWS"
	mark=$(dmesg | wc -l)
}

say "1. Kernel $(uname -r) with the sanitizer built in and on"
zcat /proc/config.gz | grep -E '^CONFIG_(LIFETIME_DEBUG|URES)[A-Z_]*='
dmesg | grep -E 'lifetime_debug:' | sed 's/^\[[^]]*\] //'
grep . /sys/module/lifetime_debug/parameters/*
mark=$(dmesg | wc -l)

say "2. A sleeping final put: kref_put() under a spinlock; the release takes a mutex"
echo "   (the put is not final, nothing sleeps, might_sleep() stays silent:"
echo "    the sanitizer still reports it, because the release it could run sleeps)"
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=sleeping
news
sed -n '/^=====/,/^=====/p' "$NEWS"
rmmod ltd_refcount_scenarios

say "3. The same driver on ures: after unbind every file operation gets -ENODEV"
insmod "$LT_MODDIR/ures_sample.ko"
"$LT_BIN/ures_stress" revoked -m /dev/ures_sample /sys/bus/platform/drivers/ures_sample/unbind ures_sample
news
grep -E '^BUG:|^WARNING:' "$NEWS" || echo "(no report, no warning)"

say "4. The classic devm_kzalloc() bug: open the char device, unbind, read"
insmod "$LT_MODDIR/ures_sample_devm.ko"
exec 3</dev/ures_sample_devm
echo ures_sample_devm > /sys/bus/platform/drivers/ures_sample_devm/unbind
dd bs=16 count=1 <&3 >/dev/null 2>&1
exec 3<&-
echo "KASAN catches it only because the race was forced:"
news
grep -E '^BUG: KASAN|^(Read|Write) of size|^The buggy address belongs' "$NEWS" | head -4
echo "(the sanitizer's predictive report for this driver, without forcing the race, is not built yet)"

say "5. Refcount classes (lifetime_debug/refcount_classes, excerpt)"
head -1 /sys/kernel/debug/lifetime_debug/refcount_classes
grep -E 'ltd_demo_release|queue_release_one_tty|kobject|device' /sys/kernel/debug/lifetime_debug/refcount_classes | head -6

say "6. cat /sys/kernel/debug/lifetime_debug/stats"
cat /sys/kernel/debug/lifetime_debug/stats
