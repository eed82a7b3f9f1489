#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Open /dev/ltd_dom, unbind the driver, read from the file still open: the
# read copies devm data that unbind freed. KASAN reports the use-after-free
# in ltd_dom_read_uaf, and the lifetime sanitizer adds the domain story to
# that report: the object belonged to the devres domain of device ltd_dom,
# ended by driver unbind.
# lt-expect-splat: ^BUG: KASAN: slab-use-after-free in ltd_dom_read_uaf
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 300
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_domain_scenarios
NAME=ltd_dom
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
TS='^\[ *[0-9.]+\] '
UAF="${TS}BUG: KASAN: slab-use-after-free in ltd_dom_read_uaf([+ ]|\$)"
STORY="${TS}(lifetime_debug: )?The object belonged to devres domain of device ltd_dom \\(driver ltd_dom\\), ended by driver unbind"


# kasan_block: the KASAN report, from its title to its closing separator
kasan_block() {
	dmesg | RE="$UAF" awk '
		!inside && $0 ~ ENVIRON["RE"] { inside = 1; print; next }
		inside { print; if ($0 ~ /==========/) exit }'
}

[ -r "$LT_MODDIR/$MOD.ko" ] || fail "$LT_MODDIR/$MOD.ko missing"
expect_no_dmesg "BUG: KASAN"
insmod "$LT_MODDIR/$MOD.ko" variant=uaf || fail "insmod"
[ -e "$DRV/$NAME" ] || fail "$NAME did not bind"
wait_until 5 test -c "$DEV" || fail "$DEV did not appear"

exec 3<"$DEV" || fail "open $DEV"
echo "opened $DEV"
echo "$NAME" > "$DRV/unbind" || fail "unbind"
[ -e "$DRV/$NAME" ] && fail "still bound after unbind"
echo "unbound with the file open"
expect_no_dmesg "BUG: (KASAN|LIFETIME)"

# Freed memory reads as zeros at best: only the kernel log matters.
dd bs=64 count=1 status=none <&3 > /dev/null 2>&1
echo "read the open file after unbind"
exec 3<&-

expect_dmesg "$UAF" "no KASAN slab-use-after-free report in ltd_dom_read_uaf"
block=$(kasan_block)
printf '%s\n' "$block" | sed 's/^/    | /'
printf '%s\n' "$block" | grep -Eq "$STORY" ||
	fail "the KASAN report lacks 'The object belonged to devres domain of device ltd_dom (driver ltd_dom), ended by driver unbind'"
echo "ok: the KASAN report tells the domain story"
printf '%s\n' "$block" | grep -q 'Allocated by task' ||
	fail "the KASAN report has no allocation stack"
printf '%s\n' "$block" | grep -q ltd_dom_probe ||
	fail "the KASAN report's allocation stack lacks ltd_dom_probe"
printf '%s\n' "$block" | grep -q 'Freed by task' ||
	fail "the KASAN report has no free stack"
echo "ok: allocated in ltd_dom_probe, freed stack present"
expect_eq "KASAN reports" "$(dmesg | grep -c 'BUG: KASAN: ')" 1

rmmod "$MOD" || fail "rmmod"
echo "DOMAIN-UAF-PASS"
exit 0
