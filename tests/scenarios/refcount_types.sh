#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 100 refcount types get 100 lockdep classes; unloading the module that
# holds their release functions unregisters them: they leave the sanitizer's
# list and lockdep's classes (zapped). No report, lockdep on.
# lt-timeout: 300
. "$LT_REPO/tests/guest/lib.sh"

# lockdep_stat NAME: a value of /proc/lockdep_stats ("lock-classes")
lockdep_stat() {
	sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" /proc/lockdep_stats | head -1
}

# expect_ge WHAT GOT MIN
expect_ge() {
	[ "$2" -ge "$3" ] || fail "$1: got $2, want at least $3"
	echo "ok: $1 = $2 (>= $3)"
}

before=$(stat refcount_classes)
unreg_before=$(stat refcount_classes_unregistered)
keys_before=$(lockdep_stat lock-classes)
zapped_before=$(lockdep_stat "zapped classes")
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=types || fail "insmod"
keys_loaded=$(lockdep_stat lock-classes)
expect_eq "new refcount classes" "$(($(stat refcount_classes) - before))" 100
grep -c 'refcount:ltd_type_release_' /sys/kernel/debug/lifetime_debug/refcount_classes |
	{ read -r n; expect_eq "classes listed" "$n" 100; }
rmmod ltd_refcount_scenarios || fail "rmmod"
expect_eq "classes unregistered at unload" \
	"$(($(stat refcount_classes_unregistered) - unreg_before))" 100
expect_eq "classes listed after unload" \
	"$(grep -c 'refcount:ltd_type_release_' /sys/kernel/debug/lifetime_debug/refcount_classes)" 0
# One lockdep class per type while loaded, all zapped at unload (the unload
# path registers classes of its own: count the zapped ones, not the total).
expect_ge "lockdep classes added by the load" "$((keys_loaded - keys_before))" 100
# Lockdep frees zapped classes after an RCU grace period: wait for them.
# shellcheck disable=SC2317 # called through wait_until
zapped_ge() {
	[ $(($(lockdep_stat "zapped classes") - zapped_before)) -ge "$1" ]
}
wait_until 10 zapped_ge 100
expect_ge "lockdep classes zapped by the unload" \
	"$(($(lockdep_stat "zapped classes") - zapped_before))" 100
# Reloading reuses the freed slots: 100 classes again, none of the fallback.
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=types || fail "insmod again"
expect_eq "classes listed after reload" \
	"$(grep -c 'refcount:ltd_type_release_' /sys/kernel/debug/lifetime_debug/refcount_classes)" 100
rmmod ltd_refcount_scenarios || fail "rmmod again"
expect_eq "classes unregistered at the second unload" \
	"$(($(stat refcount_classes_unregistered) - unreg_before))" 200
expect_eq "debug_locks" "$(debug_locks)" 1
expect_eq "fallback puts" "$(stat refcount_fallback_puts)" 0
expect_no_dmesg "BUG: LIFETIME"
cat "$STATS"
exit 0
