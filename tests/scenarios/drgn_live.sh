#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The drgn scripts of tools/drgn/ against the live kernel, checked against
# the debugfs files they mirror. Known state first: ltd_domain_scenarios.ko
# variant=nolock, read once (one unprotected-access report) and left bound
# (a devres domain with one tagged object); ures_sample.ko (a ures instance
# owning tagged memory, and a devres domain of its own device). Then, in one
# drgn process (loading vmlinux's DWARF is the slow part under TCG),
# tests/drgn/check.py compares what the scripts print with
# lifetime_debug/{domains,objects,reports,refcount_classes} and
# ures/instances, and looks every tagged object up with lifetime_whois.
# Two scripts also run as commands: lifetime_domains.py --debugfs must diff
# clean with the debugfs file, and lifetime_whois.py must refuse a bad
# address with exit status 1.
#
# vmlinux is copied to /tmp first and its build ID checked against the
# running kernel: the build directory may be rebuilt while the guest runs.
# lt-expect-splat: ^BUG: LIFETIME: unprotected-access in ltd_dom_read_nolock
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 900
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_domain_scenarios
NAME=ltd_dom
DEV=/dev/$NAME
DRV=/sys/bus/platform/drivers/$NAME
DBG=/sys/kernel/debug
TOOLS=$LT_REPO/tools/drgn
VMLINUX=/tmp/vmlinux
TITLE='BUG: LIFETIME: unprotected-access in ltd_dom_read_nolock'


# shellcheck disable=SC2317 # called through wait_until
reported() {
	dmesg | grep -q "$TITLE"
}

# drgn_run ARGS...: drgn on the live kernel with the copied vmlinux
drgn_run() {
	drgn -k -q -s "$VMLINUX" "$@"
}

command -v drgn >/dev/null || fail "no drgn in the guest (python3-drgn: scripts/deps installs it)"
[ -r "$LT_BUILD/vmlinux" ] || fail "$LT_BUILD/vmlinux missing"
[ -r "$DBG/lifetime_debug/domains" ] || fail "$DBG/lifetime_debug/domains missing"
t0=$(date +%s)
cp "$LT_BUILD/vmlinux" "$VMLINUX" || fail "copy vmlinux to /tmp"
echo "vmlinux copied in $(($(date +%s) - t0)) s"

insmod "$LT_MODDIR/$MOD.ko" variant=nolock || fail "insmod $MOD variant=nolock"
wait_until 5 test -c "$DEV" || fail "$DEV did not appear"
[ "$(dd if="$DEV" bs=64 count=1 status=none)" = "ltd_dom data" ] || fail "read $DEV"
wait_until 5 reported || fail "no report at the read of $DEV"
# Unbind and bind again: the first devm object ends (the ended ring), a new
# one is tagged; its read is the same report, deduplicated.
echo "$NAME" > "$DRV/unbind" || fail "unbind $NAME"
echo "$NAME" > "$DRV/bind" || fail "bind $NAME"
wait_until 5 test -c "$DEV" || fail "$DEV did not appear again"
[ "$(dd if="$DEV" bs=64 count=1 status=none)" = "ltd_dom data" ] || fail "read $DEV again"
expect_eq "reports printed" "$(dmesg | grep -c "BUG: LIFETIME")" 1
echo "ok: one report, $NAME bound a second time"
insmod "$LT_MODDIR/ures_sample.ko" || fail "insmod ures_sample"
grep -q '^ures_sample ' "$DBG/ures/instances" || fail "no ures_sample instance"
echo "ok: ures_sample loaded"
for f in domains objects; do
	echo "--- lifetime_debug/$f"
	cat "$DBG/lifetime_debug/$f"
done
echo "--- ures/instances"
cat "$DBG/ures/instances"

t0=$(date +%s)
drgn_run "$LT_REPO/tests/drgn/check.py" --live --vmlinux "$VMLINUX" --debugfs "$DBG" \
	--expect-report 'unprotected-access in ltd_dom_read_nolock' --expect-ended "$NAME"
rc=$?
echo "check.py: exit $rc after $(($(date +%s) - t0)) s"
[ $rc -eq 0 ] || fail "the drgn scripts disagree with debugfs (see FAIL lines above)"

t0=$(date +%s)
drgn_run "$TOOLS/lifetime_domains.py" --debugfs > /tmp/domains.drgn ||
	fail "lifetime_domains.py --debugfs: exit $?"
diff -u "$DBG/lifetime_debug/domains" /tmp/domains.drgn ||
	fail "lifetime_domains.py --debugfs differs from lifetime_debug/domains"
echo "ok: lifetime_domains.py --debugfs = lifetime_debug/domains ($(($(date +%s) - t0)) s)"

drgn_run "$TOOLS/lifetime_whois.py" 0xnot-an-address > /tmp/whois.out 2> /tmp/whois.err
rc=$?
expect_eq "lifetime_whois.py bad address: exit status" "$rc" 1
grep -q "bad address" /tmp/whois.err ||
	fail "lifetime_whois.py bad address: '$(cat /tmp/whois.err)'"
echo "ok: lifetime_whois.py: $(cat /tmp/whois.err)"

echo "$NAME" > "$DRV/unbind" || fail "unbind $NAME"
rmmod ures_sample "$MOD" || fail "rmmod"
[ "$(dmesg | grep -c "BUG: LIFETIME")" -eq 1 ] || fail "reports besides the one at the read"
echo "drgn live: all checks passed"
exit 0
