#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Profile guest (tests/bench/profile boots this): one workload under
# "perf record -e cpu-clock -a -g", the sanitizer's counters around it, and
# perf's self and children tables. A profile, never a test.
#
#   profile.sh ltd_bench CASE     one case of ltd_bench.ko (insmod only=CASE)
#   profile.sh gpio-mockup        pread() of a gpio-mockup debugfs line file
#   profile.sh gpio-sim           a gpio-sim line toggled through the GPIO cdev
STATS=/sys/kernel/debug/lifetime_debug/stats
MS=${LT_PROFILE_MS:-3000}
modprobe() { command modprobe -d "$LT_MODROOT" "$@"; }
die() { echo "profile: $*"; exit 1; }
command -v perf >/dev/null || die "no perf in the root (Debian: linux-perf)"
[ -r $STATS ] || STATS=/dev/null

case "$1" in
ltd_bench)
	[ -n "$2" ] || die "ltd_bench needs a case name"
	run=(insmod "$LT_MODDIR/ltd_bench.ko" target_ms="$MS" only="$2") ;;
gpio-mockup)
	modprobe gpio-mockup gpio_mockup_ranges=-1,8 || die "modprobe gpio-mockup"
	sleep 1
	chip=$(ls /sys/bus/platform/devices/gpio-mockup.0/ | grep -m1 '^gpiochip')
	run=("$LT_BIN/ltd_bench_read" -t "$MS" -s 64 "read=/sys/kernel/debug/gpio-mockup/$chip/0") ;;
gpio-sim)
	cfg=/sys/kernel/config/gpio-sim/prof
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	modprobe gpio-sim || die "modprobe gpio-sim"
	mkdir $cfg $cfg/bank0 && echo 8 > $cfg/bank0/num_lines && echo 1 > $cfg/live ||
		die "gpio-sim configfs"
	chip=$(cat $cfg/bank0/chip_name)
	sleep 1
	run=("$LT_BIN/ltd_bench_drv" -t "$MS" drv_gpio_toggle gpio "/dev/$chip" 3) ;;
*)
	die "unknown workload '$1'" ;;
esac

echo "profile: lifetime_debug.enabled=$(cat /sys/module/lifetime_debug/parameters/enabled 2>/dev/null)"
cp $STATS /tmp/stats0
cd /tmp && perf record -q -e cpu-clock -F 4000 -a -g -o /tmp/perf.data -- "${run[@]}" ||
	die "perf record ${run[*]} failed"
cp $STATS /tmp/stats1
dmesg | sed -n 's/.*\(ltd_bench: [a-z_]* ns_per_op=[0-9.]*\).*/\1/p'
echo "profile: sanitizer counters during the workload"
paste /tmp/stats0 /tmp/stats1 | awk '$2 != $4 { print "  " $1, $4 - $2 }'
report() { perf report -i /tmp/perf.data --stdio --sort sym -g none "$@" 2>/dev/null | grep -v '^#\|^$'; }
echo "profile: self (% of samples, >= 0.7%)"
report --no-children --percent-limit 0.7 | head -40
echo "profile: with children (>= 3%)"
report --children --percent-limit 3 | head -50
echo "profile: done"
