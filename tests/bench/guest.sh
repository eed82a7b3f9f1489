#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark guest (tests/bench/run boots this; a benchmark, never a test).
# Prints "BENCH <name> <value>" for timings and "BENCH-INFO <name> <value>"
# for everything else; tests/bench/run compares boots with
# lifetime_debug.enabled=0 and =1, and with the same kernel built without
# the sanitizer.
STATS=/sys/kernel/debug/lifetime_debug/stats
PARAMS=/sys/module/lifetime_debug/parameters

echo "BENCH boot_s $(cut -d' ' -f1 /proc/uptime)"

stat() { awk -v k="$1:" '$1 == k { print $2; exit }' "$STATS"; }

[ -r "$STATS" ] || STATS=/dev/null
echo "BENCH-INFO enabled $(stat enabled)"
echo "BENCH-INFO cmdline_enabled $(cat $PARAMS/enabled 2>/dev/null)"
echo "BENCH-INFO refcount_budget $(cat $PARAMS/refcount_classes 2>/dev/null)"
echo "BENCH-INFO refcount_classes_boot $(stat refcount_classes)"
echo "BENCH-INFO refcount_puts_boot $(stat refcount_puts)"

# Syscall and pipe loops: no sanitizer-tagged memory involved.
"$LT_BIN/ltd_bench_pipe" -t 400 || exit 1

# fork + exec of a small binary (slow: about 80 ms each under TCG + KASAN).
n=30
t0=$(date +%s%N)
for ((i = 0; i < n; i++)); do /bin/true; done
t1=$(date +%s%N)
echo "BENCH exec_ns $(((t1 - t0) / n))"

# A kernel built without the sanitizer (tests/bench/run's third baseline):
# only the workloads above, which need no sanitizer module.
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

# kref, refcount and tagged-load microbenchmarks in the kernel.
before=$(dom_snap)
insmod "$LT_MODDIR/ltd_bench.ko" || { echo "bench: insmod ltd_bench failed"; exit 1; }
rmmod ltd_bench || echo "bench: rmmod ltd_bench failed"
dom_delta ltd_bench "$before"
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

# Reads of devres data through a misc device: ltd_domain_scenarios
# variant=mutex copies its devm data under a mutex that remove() takes (a
# guarded foreign access per read; silent at unbind). /dev/zero for scale.
before=$(dom_snap)
insmod "$LT_MODDIR/ltd_domain_scenarios.ko" variant=mutex ||
	{ echo "bench: insmod ltd_domain_scenarios failed"; exit 1; }
out=$("$LT_BIN/ltd_bench_read" -t 400 cdev_read=/dev/ltd_dom zero_read=/dev/zero) ||
	{ echo "bench: ltd_bench_read failed"; exit 1; }
echo "$out"
rmmod ltd_domain_scenarios || echo "bench: rmmod ltd_domain_scenarios failed"
dom_delta cdev_read "$before"
val() { awk -v k="$1" '$1 == "BENCH" && $2 == k { print $3 }' <<<"$out"; }
ratio cdev_vs_zero_read_ratio "$(val cdev_read_ns)" "$(val zero_read_ns)"

echo "BENCH-INFO refcount_classes_end $(stat refcount_classes)"
echo "BENCH-INFO refcount_puts_end $(stat refcount_puts)"
# Tagged objects and domains alive at the end (header lines excluded).
DBG=/sys/kernel/debug/lifetime_debug
echo "BENCH-INFO tags_end $(grep -vc '^#' $DBG/objects)"
echo "BENCH-INFO domains_end $(grep -vc '^#' $DBG/domains)"
echo "BENCH-INFO reports_end $(stat reports)"
exit 0
