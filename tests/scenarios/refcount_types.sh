#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 100 refcount types get 100 lockdep classes; unloading the module that
# holds their release functions unregisters them. No report, lockdep on.
# lt-timeout: 300
. "$LT_REPO/tests/guest/lib.sh"

before=$(stat refcount_classes)
unreg_before=$(stat refcount_classes_unregistered)
keys_before=$(awk '/lock-classes:/ { print $2; exit }' /proc/lockdep_stats)
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=types || fail "insmod"
expect_eq "new refcount classes" "$(($(stat refcount_classes) - before))" 100
grep -c 'refcount:ltd_type_release_' /sys/kernel/debug/lifetime_debug/refcount_classes |
	{ read -r n; expect_eq "classes listed" "$n" 100; }
rmmod ltd_refcount_scenarios || fail "rmmod"
expect_eq "classes unregistered at unload" \
	"$(($(stat refcount_classes_unregistered) - unreg_before))" 100
expect_eq "classes listed after unload" \
	"$(grep -c 'refcount:ltd_type_release_' /sys/kernel/debug/lifetime_debug/refcount_classes)" 0
echo "lockdep lock-classes: before $keys_before, after $(awk '/lock-classes:/ { print $2; exit }' /proc/lockdep_stats)"
# Reloading reuses the freed slots.
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=types || fail "insmod again"
rmmod ltd_refcount_scenarios || fail "rmmod again"
expect_eq "debug_locks" "$(debug_locks)" 1
expect_eq "fallback puts" "$(stat refcount_fallback_puts)" 0
expect_no_dmesg "BUG: LIFETIME"
cat "$STATS"
exit 0
