#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Robustness of domain tagging:
# 1. failslab on the sanitizer's own metadata allocations (they are
#    GFP_NOWAIT; with ignore-gfp-wait the driver's GFP_KERNEL ones still
#    succeed): the object stays untagged, the sanitizer says "degraded" once,
#    the driver works, nothing is reported, nothing crashes;
# 2. stress: readers racing bind/unbind of the guarded variants (mutex,
#    srcu, ures) for STRESS_CYCLES cycles: no report, no splat, lockdep on.
# lt-timeout: 600
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_domain_scenarios
NAME=ltd_dom
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
FS=/sys/kernel/debug/failslab
CYCLES=${STRESS_CYCLES:-800}


# --- 1. failslab -------------------------------------------------------------
echo "--- 1. failslab on metadata allocations"
[ -d $FS ] || fail "$FS missing (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)"
fail_before=$(stat metadata_alloc_failures)
tagged_before=$(stat objects_tagged)
echo 100 > $FS/probability
echo 1 > $FS/interval
echo -1 > $FS/times
echo 0 > $FS/space
echo Y > $FS/task-filter
echo Y > $FS/ignore-gfp-wait
echo 0 > $FS/verbose
# Probe runs in insmod's context: only its allocations may fail.
bash -c "echo 1 > /proc/self/make-it-fail && exec insmod $LT_MODDIR/$MOD.ko variant=nolock" ||
	fail "insmod under failslab"
echo 0 > $FS/probability
wait_dev "$DEV"
failures=$(($(stat metadata_alloc_failures) - fail_before))
echo "injected metadata allocation failures: $failures"
[ "$failures" -ge 1 ] || fail "no metadata allocation failed under failslab"
expect_eq "objects tagged under failslab" "$(stat objects_tagged)" "$tagged_before"
expect_dmesg "lifetime_debug: degraded: out of memory for metadata" "degradation not announced"
expect_eq "degradation messages" "$(dmesg | grep -c 'lifetime_debug: degraded: out of memory')" 1
data=$(dd if=$DEV bs=64 count=1 2>/dev/null)
expect_eq "read of the untracked object" "$data" "ltd_dom data"
expect_no_dmesg "BUG: LIFETIME"
echo $NAME > $DRV/unbind || fail "unbind"
rmmod $MOD || fail "rmmod"
expect_eq "degraded[nomem] counted" "$([ "$(stat 'degraded[nomem]')" -ge 1 ] && echo yes)" yes

# --- 2. stress -----------------------------------------------------------------
for v in mutex srcu ures; do
	echo "--- 2. stress variant $v: 3 readers, $CYCLES bind/unbind cycles"
	insmod "$LT_MODDIR/$MOD.ko" variant=$v || fail "insmod $v"
	wait_dev "$DEV"
	pids=
	for r in 1 2 3; do
		(while :; do dd if=$DEV bs=64 count=1 of=/dev/null 2>/dev/null; done) &
		pids="$pids $!"
	done
	i=0
	start=$SECONDS
	while [ $i -lt "$CYCLES" ]; do
		echo $NAME > $DRV/unbind || fail "$v: unbind, cycle $i"
		echo $NAME > $DRV/bind || fail "$v: bind, cycle $i"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # word splitting wanted
	kill $pids 2>/dev/null
	wait 2>/dev/null
	echo "  $v: $i cycles in $((SECONDS - start)) s, teardowns so far $(stat teardowns)"
	rmmod $MOD || fail "rmmod $v"
	expect_no_dmesg "BUG: LIFETIME"
done
expect_no_dmesg "BUG: KASAN"
expect_eq "debug_locks" "$(debug_locks)" 1
echo "foreign accesses $(stat foreign_accesses), records $(stat foreign_access_records), lost $(stat foreign_access_records_lost)"
echo "DOMAIN-ROBUST-PASS"
exit 0
