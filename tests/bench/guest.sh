#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark guest (tests/bench/run boots this; a benchmark, never a test).
# Prints "BENCH <name> <value>" for timings and "BENCH-INFO <name> <value>"
# for everything else; tests/bench/run compares boots with
# lifetime_debug.enabled=0 and =1, and with the same kernel built without
# the sanitizer (which runs everything up to the memory figures).
#
# Order: boot time; syscall, pipe and exec loops; real drivers (drv_*);
# memory after the drivers; then, with the sanitizer built in, the
# microbenchmarks of ltd_bench.ko (kref, refcount, tagged loads, reads of
# /dev/ltd_bench) and of ltd_domain_scenarios; the sanitizer's metadata
# per tagged object (enabled=1); the metadata at the end.
STATS=/sys/kernel/debug/lifetime_debug/stats
PARAMS=/sys/module/lifetime_debug/parameters
T=${LT_BENCH_MS:-400}	# target ms per workload

echo "BENCH boot_s $(cut -d' ' -f1 /proc/uptime)"
echo "BENCH-INFO cpus $(nproc)"
CS=/sys/devices/system/clocksource/clocksource0
echo "BENCH-INFO clocksource $(cat $CS/current_clocksource)"

[ -r "$STATS" ] || STATS=/dev/null
stat() { awk -v k="$1:" '$1 == k { print $2; exit }' "$STATS"; }
# The sanitizer's own live allocations; "n/a" until the kernel has the line.
meta() { local v; v=$(stat meta_bytes); echo "${v:-n/a}"; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 * 1024; exit }' /proc/meminfo; }

echo "BENCH-INFO enabled $(stat enabled)"
echo "BENCH-INFO cmdline_enabled $(cat $PARAMS/enabled 2>/dev/null)"
echo "BENCH-INFO refcount_budget $(cat $PARAMS/refcount_classes 2>/dev/null)"
echo "BENCH-INFO refcount_classes_boot $(stat refcount_classes)"
echo "BENCH-INFO refcount_puts_boot $(stat refcount_puts)"
echo "BENCH-INFO meta_bytes_boot $(meta)"

# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local n=$(($1 * 20))

	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}

# Syscall and pipe loops: no sanitizer-tagged memory involved.
"$LT_BIN/ltd_bench_pipe" -t "$T" || exit 1

# fork + exec of a small binary.
n=30
t0=$(date +%s%N)
for ((i = 0; i < n; i++)); do /bin/true; done
t1=$(date +%s%N)
echo "BENCH exec_ns $(((t1 - t0) / n))"

# === Real drivers ===
# modprobe from the booted kernel's module tree (tests/bench/run puts the
# matching one in LT_MODROOT, also for the kernel built without the
# sanitizer). A driver that cannot be set up is skipped with a message:
# its drv_* figures are then missing for this boot.
modprobe() { command modprobe -d "$LT_MODROOT" "$@"; }
drv() { "$LT_BIN/ltd_bench_drv" -t "$T" "$@" || echo "bench: ltd_bench_drv $1 failed"; }
rd() { "$LT_BIN/ltd_bench_read" -t "$T" -s 64 "$@" || echo "bench: ltd_bench_read $1 failed"; }
skip() { echo "bench: skipped: $*"; }

# gpio-sim (configfs): a line toggled through the GPIO character device
# (v2 uAPI), and the driver's sysfs value attribute (devm data under the
# chip's lock).
gpio_sim() {
	local cfg=/sys/kernel/config/gpio-sim/bench dev chip

	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || return 1
	modprobe gpio-sim || return 1
	mkdir $cfg $cfg/bank0 && echo 8 > $cfg/bank0/num_lines &&
		echo 1 > $cfg/live || return 1
	dev=$(cat $cfg/dev_name)
	chip=$(cat $cfg/bank0/chip_name)
	wait_for 5 test -c /dev/"$chip" || return 1
	drv drv_gpio_toggle gpio /dev/"$chip" 3
	rd drv_gpio_sysfs_read=/sys/devices/platform/"$dev"/"$chip"/sim_gpio0/value
	echo 0 > $cfg/live
	rmdir $cfg/bank0 $cfg
	rmmod gpio_sim
}
gpio_sim || skip "gpio-sim"

# gpio-mockup: its debugfs line files (devm chip data behind each file).
gpio_mockup() {
	local chip

	modprobe gpio-mockup gpio_mockup_ranges=-1,8 || return 1
	wait_for 5 test -d /sys/bus/platform/devices/gpio-mockup.0 || return 1
	chip=$(ls /sys/bus/platform/devices/gpio-mockup.0/ | grep -m1 '^gpiochip')
	[ -n "$chip" ] || return 1
	rd drv_gpio_debugfs_read=/sys/kernel/debug/gpio-mockup/"$chip"/0
	rmmod gpio_mockup
}
gpio_mockup || skip "gpio-mockup"

# i2c-stub through i2c-dev: SMBus byte writes and reads of a fake chip.
i2c_stub() {
	local a bus=

	modprobe i2c-dev && modprobe i2c-stub chip_addr=0x50 || return 1
	for a in /sys/bus/i2c/devices/i2c-*; do
		grep -q "SMBus stub driver" "$a/name" 2>/dev/null && bus=${a##*/}
	done
	[ -n "$bus" ] && wait_for 5 test -c /dev/"$bus" || return 1
	drv drv_i2c_xfer i2c /dev/"$bus" 0x50
	rmmod i2c_stub i2c_dev
}
i2c_stub || skip "i2c-stub"

# uinput -> input core -> evdev: key events written and read back.
input() {
	modprobe uinput && wait_for 5 test -c /dev/uinput || return 1
	drv drv_input_event input
	rmmod uinput
}
input || skip "uinput"

# netdevsim: two linked ports; UDP broadcasts out of one (xmit), in through
# the other's NAPI; the port's statistics (sysfs, ndo_get_stats64) and a
# debugfs knob of the device.
netdevsim() {
	local bus=/sys/bus/netdevsim p0 p1 c dbg

	modprobe netdevsim || return 1
	echo "7 2" > $bus/new_device || return 1
	wait_for 5 sh -c "[ \$(ls $bus/devices/netdevsim7/net 2>/dev/null | wc -l) -eq 2 ]" ||
		return 1
	read -r p0 p1 <<<"$(ls $bus/devices/netdevsim7/net | sort | tr '\n' ' ')"
	ip link set "$p0" up && ip link set "$p1" up || return 1
	ip addr add 10.11.0.1/24 dev "$p0" && ip addr add 10.11.0.2/24 dev "$p1" || return 1
	exec 7</proc/self/ns/net
	echo "7:$(cat /sys/class/net/"$p0"/ifindex) 7:$(cat /sys/class/net/"$p1"/ifindex)" \
		> $bus/link_device || return 1
	exec 7<&-
	wait_for 5 grep -qx 1 /sys/class/net/"$p0"/carrier || return 1
	# Both ports are in this namespace: accept a local source on p1.
	for c in all "$p1"; do
		echo 1 > /proc/sys/net/ipv4/conf/"$c"/accept_local
		echo 0 > /proc/sys/net/ipv4/conf/"$c"/rp_filter
	done
	drv drv_net_udp udp "$p0" "$p1" 10.11.0.255 9999
	rd drv_net_sysfs_read=/sys/class/net/"$p0"/statistics/tx_packets
	# debugfs attributes cannot seek: open, read, close each time.
	dbg=/sys/kernel/debug/netdevsim/netdevsim7/ports/0
	rd -o drv_net_debugfs_read=$dbg/ethtool/ring/rx_max_pending
	echo 7 > $bus/del_device
	rmmod netdevsim
}
netdevsim || skip "netdevsim"

# === Memory after the same workload ===
sync
echo 3 > /proc/sys/vm/drop_caches
echo "BENCH-INFO mem_slab $(meminfo Slab)"
echo "BENCH-INFO mem_sunreclaim $(meminfo SUnreclaim)"
echo "BENCH-INFO mem_vmalloc $(meminfo VmallocUsed)"
echo "BENCH-INFO meta_bytes_drivers $(meta)"

# A kernel built without the sanitizer (tests/bench/run's third baseline)
# stops here: the test modules need the sanitizer's symbols.
if [ ! -d /sys/kernel/debug/lifetime_debug ]; then
	echo "BENCH-INFO built_in no"
	exit 0
fi
echo "BENCH-INFO built_in yes"

# "BENCH <name> <a / b>", 3 decimals; nothing if a value is missing.
ratio() {
	awk -v n="$1" -v a="$2" -v b="$3" \
		'BEGIN { if (a > 0 && b > 0) printf "BENCH %s %.3f\n", n, a / b }'
}

# Domain counters around a workload: "BENCH-INFO <prefix>_<counter> <delta>".
DOM_STATS="owner_accesses foreign_accesses foreign_access_records objects_tagged"
dom_snap() { for k in $DOM_STATS; do echo "$k $(stat "$k")"; done; }
dom_delta() {
	local prefix=$1 before=$2 k v
	for k in $DOM_STATS; do
		v=$(awk -v k="$k" '$1 == k { print $2 }' <<<"$before")
		echo "BENCH-INFO ${prefix}_$k $(($(stat "$k") - v))"
	done
}

# === Microbenchmarks (ltd_bench.ko, run at load) ===
before=$(dom_snap)
insmod "$LT_MODDIR/ltd_bench.ko" target_ms="$T" ||
	{ echo "bench: insmod ltd_bench failed"; exit 1; }
declare -A ns
while read -r name val it; do
	[ -n "$name" ] || continue
	echo "BENCH ${name}_ns $val"
	echo "BENCH-INFO ${name}_iters $it"
	ns[$name]=$val
done < <(dmesg | sed -n 's/.*ltd_bench: \([a-z_]*\) ns_per_op=\([0-9.]*\) iters=\([0-9]*\).*/\1 \2 \3/p')
# Within this boot: tagged over untagged loads (off: the same memory kind).
ratio tagged_owner_vs_untagged_ratio "${ns[tagged_owner_load]}" "${ns[untagged_load]}"
ratio tagged_foreign_vs_untagged_ratio "${ns[tagged_foreign_load]}" "${ns[untagged_load]}"

# copy_to_user() from devm memory: read() of /dev/ltd_bench, 64 B and 4 KiB.
"$LT_BIN/ltd_bench_read" -t "$T" -s 64 tagged_copy64_read=/dev/ltd_bench ||
	echo "bench: ltd_bench_read /dev/ltd_bench failed"
"$LT_BIN/ltd_bench_read" -t "$T" -s 4096 tagged_copy4k_read=/dev/ltd_bench ||
	echo "bench: ltd_bench_read /dev/ltd_bench failed"
dom_delta ltd_bench "$before"

# The sanitizer's metadata per tagged object: N more devm objects.
N=1000
m0=$(meta)
t0=$(stat objects_tagged)
if echo $N > /sys/module/ltd_bench/parameters/tag_objects; then
	echo "BENCH-INFO meta_objects $N"
	echo "BENCH-INFO meta_objects_tagged $(($(stat objects_tagged) - t0))"
	echo "BENCH-INFO meta_bytes_before_objects $m0"
	echo "BENCH-INFO meta_bytes_after_objects $(meta)"
else
	echo "bench: tag_objects failed"
fi
rmmod ltd_bench || echo "bench: rmmod ltd_bench failed"

# Reads of devres data through a misc device: ltd_domain_scenarios
# variant=mutex copies its devm data under a mutex that remove() takes (a
# guarded foreign access per read; silent at unbind). /dev/zero for scale.
before=$(dom_snap)
insmod "$LT_MODDIR/ltd_domain_scenarios.ko" variant=mutex ||
	{ echo "bench: insmod ltd_domain_scenarios failed"; exit 1; }
out=$("$LT_BIN/ltd_bench_read" -t "$T" tagged_cdev_read=/dev/ltd_dom zero_read=/dev/zero) ||
	{ echo "bench: ltd_bench_read failed"; exit 1; }
echo "$out"
rmmod ltd_domain_scenarios || echo "bench: rmmod ltd_domain_scenarios failed"
dom_delta cdev_read "$before"
val() { awk -v k="$1" '$1 == "BENCH" && $2 == k { print $3 }' <<<"$out"; }
ratio cdev_vs_zero_read_ratio "$(val tagged_cdev_read_ns)" "$(val zero_read_ns)"

echo "BENCH-INFO refcount_classes_end $(stat refcount_classes)"
echo "BENCH-INFO refcount_puts_end $(stat refcount_puts)"
# Tagged objects and domains alive at the end (header lines excluded).
DBG=/sys/kernel/debug/lifetime_debug
echo "BENCH-INFO tags_end $(grep -vc '^#' $DBG/objects)"
echo "BENCH-INFO domains_end $(grep -vc '^#' $DBG/domains)"
echo "BENCH-INFO reports_end $(stat reports)"
echo "BENCH-INFO meta_bytes_end $(meta)"
exit 0
