#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A put under mutex M of a refcount whose release takes M: lockdep reports
# the cycle, naming the refcount class (the release function).
# lt-expect-splat: ^WARNING: possible circular locking dependency detected
# lt-timeout: 300
. "$LT_REPO/tests/guest/lib.sh"

insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=cycle || fail "insmod"
expect_dmesg "WARNING: possible circular locking dependency detected"
expect_dmesg "refcount:ltd_cycle_release"
expect_dmesg "ltd_scenario_mutex"
dmesg | sed -n '/possible circular locking/,/stack backtrace/p' | head -40
exit 0
