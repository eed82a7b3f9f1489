#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Past the refcount class budget new types share the fallback class: said
# once, counted, and lockdep stays on.
# lt-append: lifetime_debug.refcount_classes=16
# lt-timeout: 300
. "$LT_REPO/tests/guest/lib.sh"

expect_eq "budget parameter" "$(cat /sys/module/lifetime_debug/parameters/refcount_classes)" 16
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=types || fail "insmod"
rmmod ltd_refcount_scenarios || fail "rmmod"
classes=$(stat refcount_classes)
[ "$classes" -le 15 ] || fail "refcount_classes $classes over the budget of 16 (fallback included)"
echo "ok: $classes classes within the budget"
[ "$(stat refcount_fallback_puts)" -ge 100 ] || fail "fallback class not used"
echo "ok: fallback puts $(stat refcount_fallback_puts)"
expect_eq "budget degradation said" "$(dmesg | grep -c 'refcount class budget (lifetime_debug.refcount_classes) exhausted')" 1
[ "$(stat 'degraded[class_budget]')" -ge 100 ] || fail "degraded[class_budget] not counted"
expect_eq "debug_locks" "$(debug_locks)" 1
expect_no_dmesg "BUG: LIFETIME"
exit 0
