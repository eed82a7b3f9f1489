#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runtime annotations through kprobes (lifetime_debug/annotate), on the
# ltd_domain_scenarios variant "ann": its read() is guarded by a pair of the
# driver's own functions (no lock, no lockdep map) that remove() revokes, a
# "bus callback" touches devm data without device_lock, and a kref release
# sleeps.
#
# 1. guard + revoke annotations: the guarded read is closed at unbind, silent;
# 2. owner annotation: the bus callback is owner-bound, silent;
# 3. annotations removed: the read is reported at once, the bus callback at
#    unbind; the kprobes are gone;
# 4. nosleep-release on a release that sleeps: reported;
# 5. malformed or impossible lines: rejected with the right error, nothing
#    installed, no kprobe leaked;
# 6. rmmod: annotations on the module's functions are removed with it.
# lt-expect-splat: ^BUG: LIFETIME: unprotected-access in ltd_dom_(read_ann|ann_bus_cb)\+
# lt-expect-splat: ^BUG: LIFETIME: sleeping-nosleep-release in ltd_dom_ann_release\+
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 300
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_domain_scenarios
NAME=ltd_dom
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
ANN=/sys/kernel/debug/lifetime_debug/annotate
KPL=/sys/kernel/debug/kprobes/list
PARAMS=/sys/module/$MOD/parameters
GUARD="guard ltd_dom_ann_enter ltd_dom_ann_exit if=zero"
REVOKE="revoke ltd_dom_ann_revoke"
OWNER="owner ltd_dom_ann_bus_cb"
NOSLEEP="nosleep-release ltd_dom_ann_release"


nreports() {
	dmesg | grep -Ec "BUG: LIFETIME: $1" || true
}

annotate() {
	echo "$1" > "$ANN" || fail "annotate '$1' rejected"
	echo "  annotated: $1"
}

nprobes() {
	wc -l < "$KPL"
}

[ -w "$ANN" ] || fail "$ANN missing"
base_probes=$(nprobes)
echo "kprobes before: $base_probes"
insmod "$LT_MODDIR/$MOD.ko" variant=ann || fail "insmod"
wait_dev "$DEV"

# --- 1. guard + revoke -------------------------------------------------
echo "--- 1. guard and revoke annotations"
annotate "$GUARD"
annotate "$REVOKE"
expect_eq "kprobes installed" "$(nprobes)" $((base_probes + 3))
cat "$ANN"
data=$(dd if=$DEV bs=64 count=1 2>/dev/null)
expect_eq "read" "$data" "ltd_dom data"
echo $NAME > $DRV/unbind || fail "unbind"
cat "$ANN"
grep -q "^$GUARD hits=[1-9]" "$ANN" || fail "guard never held"
grep -q "^$REVOKE hits=[1-9]" "$ANN" || fail "revoke never called"
expect_eq "reports with guard and revoke" "$(nreports unprotected-access)" 0

# --- 2. owner ------------------------------------------------------------
echo "--- 2. owner annotation"
echo $NAME > $DRV/bind || fail "bind"
wait_dev "$DEV"
annotate "$OWNER"
echo 1 > $PARAMS/bus_event || fail "bus_event"
echo $NAME > $DRV/unbind || fail "unbind"
grep -q "^$OWNER hits=[1-9]" "$ANN" || fail "owner callback not seen"
expect_eq "reports with owner" "$(nreports unprotected-access)" 0

# --- 3. without the annotations ----------------------------------------
echo "--- 3. annotations removed"
annotate "-$GUARD"
annotate "-$REVOKE"
annotate "-$OWNER"
expect_eq "annotations left" "$(wc -l < "$ANN")" 0
expect_eq "kprobes after removal" "$(nprobes)" "$base_probes"
echo $NAME > $DRV/bind || fail "bind"
wait_dev "$DEV"
dd if=$DEV bs=64 count=1 > /dev/null 2>&1
expect_eq "read reported at once" "$(nreports 'unprotected-access in ltd_dom_read_ann\+')" 1
echo 1 > $PARAMS/bus_event || fail "bus_event"
echo $NAME > $DRV/unbind || fail "unbind"
expect_eq "bus callback reported at unbind" \
	"$(nreports 'unprotected-access in ltd_dom_ann_bus_cb\+')" 1
dmesg | grep -A6 "BUG: LIFETIME: unprotected-access in ltd_dom_ann_bus_cb" | sed 's/^/    | /'

# --- 4. nosleep-release ------------------------------------------------
echo "--- 4. nosleep-release"
echo 1 > $PARAMS/kref_put || fail "kref_put"
expect_eq "report before the annotation" "$(nreports sleeping-nosleep-release)" 0
annotate "$NOSLEEP"
echo 1 > $PARAMS/kref_put || fail "kref_put"
expect_eq "nosleep release that sleeps" \
	"$(nreports 'sleeping-nosleep-release in ltd_dom_ann_release\+')" 1
grep -q "^$NOSLEEP hits=[1-9]" "$ANN" || fail "release not counted"

# --- 5. bad input ------------------------------------------------------
echo "--- 5. bad input"
listing=$(cat "$ANN")
probes=$(nprobes)
tried=0
while IFS='|' read -r line want; do
	[ -n "$line" ] || continue
	if err=$(echo "$line" 2>&1 > "$ANN"); then
		fail "'$line' accepted"
	fi
	case "$err" in
	*"$want"*) ;;
	*) fail "'$line': got '$err', want '$want'" ;;
	esac
	[ "$(cat "$ANN")" = "$listing" ] || fail "'$line' changed the listing"
	[ "$(nprobes)" = "$probes" ] || fail "'$line' leaked a kprobe"
	echo "  rejected: '$line' ($want)"
	tried=$((tried + 1))
done <<'EOF'
bogus ltd_dom_ann_enter|Invalid argument
guard ltd_dom_ann_enter|Invalid argument
guard a b c d|Invalid argument
guard ltd_dom_ann_enter ltd_dom_ann_exit if=maybe|Invalid argument
owner 9abc|Invalid argument
owner a;b|Invalid argument
nosleep-release|Invalid argument
revoke|Invalid argument
owner no_such_function_xyz|No such file or directory
guard ltd_dom_ann_enter no_such_exit_fn|No such file or directory
owner kprobe_int3_handler|Invalid argument
nosleep-release ltd_dom_ann_release|Invalid argument
-owner ltd_dom_ann_bus_cb|No such file or directory
EOF
echo "bad input: $tried lines rejected, listing and kprobes unchanged"

# --- 6. module unload ----------------------------------------------------
echo "--- 6. rmmod"
rmmod $MOD || fail "rmmod"
expect_eq "annotations after rmmod" "$(wc -l < "$ANN")" 0
expect_eq "kprobes after rmmod" "$(nprobes)" "$base_probes"
expect_dmesg "annotate: removed 'nosleep-release ltd_dom_ann_release' \(module unloaded\)"
expect_eq "debug_locks" "$(debug_locks)" 1
echo "ANNOTATE-PASS"
exit 0
