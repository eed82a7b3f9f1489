#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# File operations without .owner: a file of /dev/ltd_dom is held open by a
# background process, yet nothing pins ltd_domain_scenarios, so rmmod
# succeeds and the open file is left pointing at the unloaded module's code.
# The lifetime sanitizer reports the unpinned module reference at unload.
#
# The holder is left running with its file open: closing it would read the
# file operations from the unloaded module (the fops have no .release and no
# .flush, but the struct itself is gone). The guest reboots right after this
# script without killing it.
# lt-expect-splat: ^BUG: LIFETIME: unpinned-module-reference in ltd_dom_
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 300
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_domain_scenarios
NAME=ltd_dom
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
TS='^\[ *[0-9.]+\] '
TITLE="${TS}BUG: LIFETIME: unpinned-module-reference in ltd_dom_"


# shellcheck disable=SC2317 # called through wait_until
holds_dev() {
	[ "$(readlink "/proc/$HOLDER/fd/0" 2>/dev/null)" = "$DEV" ]
}

# shellcheck disable=SC2317 # called through wait_until
reported() {
	dmesg | grep -Eq -- "$TITLE"
}

[ -r "$LT_MODDIR/$MOD.ko" ] || fail "$LT_MODDIR/$MOD.ko missing"
[ -r "$STATS" ] || fail "$STATS missing"
before=$(counter 'bugs[unpinned-module-reference]')
[ -n "$before" ] || fail "no bugs[unpinned-module-reference] in $STATS"

insmod "$LT_MODDIR/$MOD.ko" variant=module || fail "insmod"
[ -e "$DRV/$NAME" ] || fail "$NAME did not bind"
wait_until 5 test -c "$DEV" || fail "$DEV did not appear"

# shellcheck disable=SC2217 # holding the file open is the point
sleep 1000 < "$DEV" &
HOLDER=$!
wait_until 5 holds_dev || fail "pid $HOLDER did not open $DEV"
echo "pid $HOLDER holds $DEV open"
expect_eq "module refcount with the file open" "$(cat /sys/module/$MOD/refcnt)" 0
expect_no_dmesg "BUG: LIFETIME"

rmmod "$MOD" || fail "rmmod refused: something pins the module after all"
[ ! -d "/sys/module/$MOD" ] || fail "module still loaded after rmmod"
echo "unloaded with the file open"

wait_until 2 reported || fail "no unpinned-module-reference report at unload"
echo "ok: dmesg has /$TITLE/"
block=$(dmesg | RE="$TITLE" awk '
	!inside && $0 ~ ENVIRON["RE"] { inside = 1; print; next }
	inside { print; if ($0 ~ /==========/) inside = 0 }')
printf '%s\n' "$block" | sed 's/^/    | /'
printf '%s\n' "$block" | grep -q "$MOD" ||
	fail "the report does not name module $MOD"
echo "ok: the report names module $MOD"
delta=$(($(counter 'bugs[unpinned-module-reference]') - before))
[ "$delta" -ge 1 ] || fail "bugs[unpinned-module-reference] did not grow"
echo "ok: bugs[unpinned-module-reference] +$delta"

kill -0 "$HOLDER" 2>/dev/null || fail "the holder died"
echo "leaving pid $HOLDER with its file open; the guest reboots without closing it"
echo "DOMAIN-MODULE-PASS"
exit 0
