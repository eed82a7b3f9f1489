#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The unconverted driver, ures_sample_devm, under the same unbind/bind stress
# as ures_sample: its file operations use devm_kzalloc() memory that unbind
# frees under open files, so KASAN must report a use-after-free. Runs in the
# guest as root.
#
# The stress stops at the first report (later accesses to freed memory could
# corrupt what reuses it); if the race did not hit within the budget, one fd
# is held across an unbind and read, which hits it every time.
#
# The lifetime sanitizer also reports the same bug without the race: the
# file operations (and chrdev_open() on the devm-embedded cdev) make
# unprotected accesses to device-managed memory.
# lt-expect-splat: BUG: KASAN: .*use-after-free
# lt-expect-splat: ^BUG: LIFETIME: unprotected-access in
# lt-timeout: 300
set -u
# wait_until; this script keeps its own fail().
. "$LT_REPO/tests/guest/lib.sh"

NAME=ures_sample_devm
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
CYCLES=${URES_STRESS_CYCLES:-500}
BUDGET=${URES_STRESS_BUDGET:-150}
OUT=/tmp/ures_stress_devm.out
UAF='BUG: KASAN: .*use-after-free'
STRESS_PID=

fail() {
	echo "URES-STRESS-DEVM-FAIL: $*"
	if [ -n "$STRESS_PID" ]; then
		kill -TERM "$STRESS_PID" 2>/dev/null
		wait "$STRESS_PID" 2>/dev/null
	fi
	exit 1
}


uaf_seen() {
	dmesg | grep -Eq "$UAF"
}

bound() {
	[ -e "$DRV/$NAME" ]
}

[ -n "${LT_MODDIR:-}" ] || fail "LT_MODDIR not set"
[ -n "${LT_BIN:-}" ] || fail "LT_BIN not set"
STRESS=$LT_BIN/ures_stress
[ -x "$STRESS" ] || fail "$STRESS missing"
uaf_seen && fail "a use-after-free was reported before the test"

echo 30 > /proc/sys/kernel/hung_task_timeout_secs || fail "hung_task_timeout_secs"
insmod "$LT_MODDIR/$NAME.ko" || fail "insmod $NAME"
wait_until 5 test -c "$DEV" || fail "$DEV did not appear"

# --- 1. stress until KASAN reports ------------------------------------------
# poll() without timeout: a poll table entry on the freed wait queue would
# corrupt memory after the report rather than add to it.
"$STRESS" stress -t 4 -p 0 "$DEV" > "$OUT" 2>&1 &
STRESS_PID=$!
sleep 1
start=$SECONDS
i=0
while [ $i -lt "$CYCLES" ]; do
	echo "$NAME" > "$DRV/unbind" || fail "unbind, cycle $i"
	echo "$NAME" > "$DRV/bind" || fail "bind, cycle $i"
	i=$((i + 1))
	if [ $((i % 10)) -eq 0 ] && uaf_seen; then
		break
	fi
	[ $((SECONDS - start)) -lt "$BUDGET" ] || break
done
kill -TERM "$STRESS_PID" 2>/dev/null
wait "$STRESS_PID"
STRESS_PID=
cat "$OUT"
if uaf_seen; then
	how="stress, after $i bind/unbind cycles"
else
	# --- 2. the deterministic way: open, unbind, read ------------------
	echo "no use-after-free after $i cycles; holding one fd across unbind"
	bound || echo "$NAME" > "$DRV/bind" || fail "bind"
	wait_until 5 test -c "$DEV" || fail "$DEV did not come back"
	"$STRESS" hold "$DEV" "$DRV/unbind" "$NAME"
	how="open, unbind, read"
fi

uaf_seen || fail "no KASAN use-after-free report"
dmesg | grep -E -A12 "$UAF" | head -30
echo "URES-STRESS-DEVM-PASS: KASAN reported the use-after-free ($how)"
exit 0
