#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark guest (tests/bench/run boots this; a benchmark, never a test).
# Prints "BENCH <name> <value>" for timings and "BENCH-INFO <name> <value>"
# for everything else; tests/bench/run compares boots with
# lifetime_debug.enabled=0 and =1.
STATS=/sys/kernel/debug/lifetime_debug/stats
PARAMS=/sys/module/lifetime_debug/parameters

echo "BENCH boot_s $(cut -d' ' -f1 /proc/uptime)"

stat() { awk -v k="$1:" '$1 == k { print $2; exit }' "$STATS"; }

echo "BENCH-INFO enabled $(stat enabled)"
echo "BENCH-INFO cmdline_enabled $(cat $PARAMS/enabled)"
echo "BENCH-INFO refcount_budget $(cat $PARAMS/refcount_classes)"
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

# kref microbenchmarks in the kernel.
insmod "$LT_MODDIR/ltd_bench.ko" || { echo "bench: insmod ltd_bench failed"; exit 1; }
rmmod ltd_bench || echo "bench: rmmod ltd_bench failed"
dmesg | sed -n 's/.*ltd_bench: \([a-z_]*\) ns_per_op=\([0-9]*\) iters=\([0-9]*\).*/\1 \2 \3/p' |
while read -r name ns it; do
	echo "BENCH ${name}_ns $ns"
	echo "BENCH-INFO ${name}_iters $it"
done

echo "BENCH-INFO refcount_classes_end $(stat refcount_classes)"
echo "BENCH-INFO refcount_puts_end $(stat refcount_puts)"
exit 0
