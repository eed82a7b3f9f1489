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

DOM=$LT_MODDIR/ltd_domain_scenarios.ko
DRV=/sys/bus/platform/drivers/ltd_dom
report() { sed -n '/^=====/,/^=====/p' "$NEWS" | grep -v '^ *\(? \|0x\)' | head -${1:-40}; }

say "2. The devm_kzalloc() bug, from one ordinary read: nothing raced, nothing was freed"
echo "   (ltd_dom keeps its data in devm_kzalloc() memory and read() copies it with no guard)"
insmod "$DOM" variant=nolock
dd if=/dev/ltd_dom bs=64 count=1 2>/dev/null | head -1
news
report 30
echo ltd_dom > $DRV/unbind
rmmod ltd_domain_scenarios

say "3. A guard that unbind does not close: a debugfs file left behind, reported at unbind"
insmod "$DOM" variant=debugfs
cat /sys/kernel/debug/ltd_dom/data
news
echo "(read: no report yet, the file has a guard: debugfs active users)"
echo ltd_dom > $DRV/unbind
news
grep -E '^BUG: LIFETIME|guards|^The object' "$NEWS"
rmmod ltd_domain_scenarios

say "4. The same driver on ures: silence, and -ENODEV after unbind"
insmod "$DOM" variant=ures
exec 3</dev/ltd_dom
dd bs=64 count=1 <&3 2>/dev/null | head -1
echo ltd_dom > $DRV/unbind
dd bs=64 count=1 <&3 2>&1 >/dev/null | head -1
exec 3<&-
news
grep -E '^BUG:|^WARNING:' "$NEWS" || echo "(no report, no warning)"
rmmod ltd_domain_scenarios

say "5. A sleeping final put: kref_put() under a spinlock; the release takes a mutex"
echo "   (the put is not final, nothing sleeps, might_sleep() stays silent:"
echo "    the sanitizer still reports it, because the release it could run sleeps)"
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=sleeping
news
report 40
rmmod ltd_refcount_scenarios

say "6. Forcing the race: open, unbind, read: KASAN's use-after-free, with the domain story"
insmod "$LT_MODDIR/ures_sample_devm.ko"
exec 3</dev/ures_sample_devm
echo ures_sample_devm > /sys/bus/platform/drivers/ures_sample_devm/unbind
dd bs=16 count=1 <&3 >/dev/null 2>&1
exec 3<&-
news
echo "(the driver's cdev lives in devm memory too: the sanitizer reports the VFS"
echo " reaching it at open, then KASAN the read after unbind, with the story)"
grep -E '^BUG: (KASAN|LIFETIME)|^The object belonged|^The access is' "$NEWS" | head -8

say "7. Domains and refcount classes (lifetime_debug/domains, refcount_classes excerpt)"
insmod "$DOM" variant=mutex
cat /sys/kernel/debug/lifetime_debug/domains
cat /sys/kernel/debug/lifetime_debug/objects
head -1 /sys/kernel/debug/lifetime_debug/refcount_classes
grep -E 'ltd_demo_release|kobject|device' /sys/kernel/debug/lifetime_debug/refcount_classes | head -4

say "8. The same state through drgn on the live kernel (tools/drgn/)"
T=$LT_REPO/tools/drgn
cp "$LT_BUILD/vmlinux" /tmp/vmlinux
drgn_run() { drgn -k -q -s /tmp/vmlinux "$@"; }
echo "\$ lifetime_domains.py"
drgn_run "$T/lifetime_domains.py"
addr=$(awk 'NR == 2 { print $1 }' /sys/kernel/debug/lifetime_debug/objects)
echo "\$ lifetime_whois.py $addr"
drgn_run "$T/lifetime_whois.py" "$addr" | head -12
echo "\$ lifetime_reports.py --summary"
drgn_run "$T/lifetime_reports.py" --summary
rm -f /tmp/vmlinux

say "9. lifetime_debug/stats (excerpt)"
grep -E '^(reports|bugs|objects_tagged|foreign_accesses|teardowns|refcount_classes):|^bugs' \
	/sys/kernel/debug/lifetime_debug/stats
