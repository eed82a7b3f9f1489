#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ures_sample under unbind/bind stress. Runs in the guest as root.
#
# 1. An fd opened before unbind: a reader sleeping in an ioctl is woken with
#    ENODEV, read/ioctl/write fail with ENODEV, poll reports POLLERR|POLLHUP,
#    the mapping raises SIGBUS.
# 2. 4 threads loop open/read/ioctl/poll/write/close and one sleeps in the
#    WAIT ioctl while the driver is unbound and bound again (500 cycles). A
#    revocation that waited for the sleeper forever would trip the hung-task
#    detector; any errno but ENODEV/ENOENT/ENXIO fails the stress program.
# 3. After unbind and close, no ures instance is left: the driver's
#    live_instances is 0, and after rmmod the ures core is back where it was.
#
# No splat is expected: KASAN, lockdep, hung-task or a WARNING fail the run.
# lt-timeout: 300
set -u
# wait_until; this script keeps its own fail().
. "$LT_REPO/tests/guest/lib.sh"

NAME=ures_sample
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
PARAM=/sys/module/$NAME/parameters/live_instances
URES_STATS=/sys/kernel/debug/ures/stats
CYCLES=${URES_STRESS_CYCLES:-500}
BUDGET=${URES_STRESS_BUDGET:-150}
OUT=/tmp/ures_stress.out
STRESS_PID=

fail() {
	echo "URES-STRESS-FAIL: $*"
	if [ -n "$STRESS_PID" ]; then
		kill -TERM "$STRESS_PID" 2>/dev/null
		wait "$STRESS_PID" 2>/dev/null
		cat "$OUT" 2>/dev/null
	fi
	exit 1
}


ures_live() {
	awk '$1 == "live:" { print $2 }' "$URES_STATS"
}

live_is() {
	[ "$(cat "$PARAM")" = "$1" ]
}

# shellcheck disable=SC2317 # called through wait_until
ures_live_is() {
	[ "$(ures_live)" = "$1" ]
}

field() {
	sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$OUT"
}

[ -n "${LT_MODDIR:-}" ] || fail "LT_MODDIR not set"
[ -n "${LT_BIN:-}" ] || fail "LT_BIN not set"
STRESS=$LT_BIN/ures_stress
[ -x "$STRESS" ] || fail "$STRESS missing"
[ -r "$URES_STATS" ] || fail "$URES_STATS missing (CONFIG_URES, debugfs)"

echo 30 > /proc/sys/kernel/hung_task_timeout_secs || fail "hung_task_timeout_secs"
base=$(ures_live)
echo "ures instances before insmod: $base"

insmod "$LT_MODDIR/$NAME.ko" || fail "insmod $NAME"
wait_until 5 test -c "$DEV" || fail "$DEV did not appear"
live_is 1 || fail "live_instances: $(cat "$PARAM"), want 1"

# --- 1. one fd across unbind ---------------------------------------------
"$STRESS" revoked -m "$DEV" "$DRV/unbind" "$NAME" || fail "revoked-fd checks"
wait_until 5 live_is 0 ||
	fail "live_instances after close: $(cat "$PARAM"), want 0"
echo "$NAME" > "$DRV/bind" || fail "bind after revoked-fd checks"
wait_until 5 test -c "$DEV" || fail "$DEV did not come back"

# --- 2. stress ------------------------------------------------------------
"$STRESS" stress -t 4 -W -w -p 5 "$DEV" > "$OUT" 2>&1 &
STRESS_PID=$!
sleep 1
start=$SECONDS
i=0
while [ $i -lt "$CYCLES" ]; do
	echo "$NAME" > "$DRV/unbind" || fail "unbind, cycle $i"
	echo "$NAME" > "$DRV/bind" || fail "bind, cycle $i"
	i=$((i + 1))
	kill -0 "$STRESS_PID" 2>/dev/null || fail "stress program died, cycle $i"
	if [ $((SECONDS - start)) -ge "$BUDGET" ]; then
		echo "time budget of ${BUDGET}s reached after $i cycles"
		break
	fi
done
elapsed=$((SECONDS - start))
sleep 1
kill -TERM "$STRESS_PID"
wait "$STRESS_PID"
rc=$?
STRESS_PID=
cat "$OUT"
echo "bind/unbind cycles: $i in ${elapsed}s"
[ $rc -eq 0 ] || fail "stress program failed (exit $rc)"
[ $i -ge 50 ] || fail "only $i bind/unbind cycles"
opens=$(field opens)
enodev=$(field enodev)
pollhup=$(field pollhup)
[ "${opens:-0}" -gt 0 ] || fail "the stress program never opened $DEV"
[ $((${enodev:-0} + ${pollhup:-0})) -gt 0 ] ||
	fail "no revocation seen by the stress program"

# --- 3. leaks -------------------------------------------------------------
echo "$NAME" > "$DRV/unbind" || fail "final unbind"
wait_until 5 live_is 0 ||
	fail "live_instances after unbind and close: $(cat "$PARAM"), want 0"
rmmod "$NAME" || fail "rmmod $NAME"
wait_until 5 ures_live_is "$base" ||
	fail "ures instances after rmmod: $(ures_live), want $base"
cat "$URES_STATS"

if dmesg | grep -Eq "blocked for more than|BUG: |WARNING: "; then
	dmesg | grep -E -A5 "blocked for more than|BUG: |WARNING: " | head -40
	fail "kernel splat during the stress"
fi
echo "URES-STRESS-PASS: cycles=$i opens=$opens enodev=$enodev pollhup=$pollhup"
exit 0
