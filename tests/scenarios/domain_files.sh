#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Memory files reach, freed under them, one boot: every variant of
# ltd_file_scenarios.ko.
#
# The module registers the platform device ltd_file, which binds at once and
# creates /dev/ltd_file; a read returns the driver's state. Each variant
# opens and reads the device, then unbinds the driver (with a file held
# open across the unbind where the variant says so), and unloads:
#
#   cdev_noparent  cdev_add() of a cdev embedded in the state, no parent;
#                  remove() kfree()s the state. No file open at unbind.
#                  -> unpinned-cdev in ltd_file_remove_noparent (predictive)
#   cdev_parent    cdev_device_add(); the device's release frees the
#                  state. A file open across unbind, read after it.
#                  -> silent
#   priv_noref     private_data points at a kref'd state, no reference
#                  taken; remove() puts the last one. A file open across
#                  unbind (never used after it).
#                  -> freed-while-open in ltd_file_state_release
#   priv_ref       the same with a reference per open file. A file open
#                  across unbind, read after it.
#                  -> silent
#
# A reported variant must give exactly one report, with the title, the
# what-line and the stacks named below; a silent one none, and its state
# must really have been freed (the fileref records go back to where they
# were: the check ran and found nothing). Every variant runs, also after one
# failed; the script fails at the end naming the failed variants.
# lt-expect-splat: ^BUG: LIFETIME: unpinned-cdev in ltd_file_remove_noparent\+
# lt-expect-splat: ^BUG: LIFETIME: freed-while-open in ltd_file_state_release\+
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 300
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_file_scenarios
NAME=ltd_file
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
DATA="ltd_file data"
TS='^\[ *[0-9.]+\] '
ANY_REPORT='BUG: LIFETIME: '

VARIANTS=${LTD_FILE_VARIANTS:-"cdev_noparent cdev_parent priv_noref priv_ref"}

# expected VARIANT: "TYPE FUNCTION" of its report, nothing if silent
expected() {
	case $1 in
	cdev_noparent)	echo "unpinned-cdev ltd_file_remove_noparent" ;;
	priv_noref)	echo "freed-while-open ltd_file_state_release" ;;
	esac
}

# open_across VARIANT: is a file held open across the unbind?
open_across() {
	[ "$1" != cdev_noparent ]
}

# read_after VARIANT: is the file read after the unbind (its memory pinned)?
read_after() {
	case $1 in
	cdev_parent | priv_ref) return 0 ;;
	*) return 1 ;;
	esac
}

# what VARIANT: a regex the report's second line must match
what() {
	case $1 in
	cdev_noparent)
		echo "\\] Free of size [0-9]+ at addr [0-9a-f]+ by task [^ ]+/[0-9]+ outside any refcount release: the struct cdev of [0-9]+:0 inside it was added without a parent that pins this memory" ;;
	priv_noref)
		echo "\\] Free of size [0-9]+ at addr [0-9a-f]+ by task [^ ]+/[0-9]+ in the release of refcount:ltd_file_state_release, while the open file $NAME reaches it" ;;
	esac
}

# stacks VARIANT: the stack titles the report must have, in order
stacks() {
	case $1 in
	cdev_noparent)	echo "Freed Registered" ;;
	priv_noref)	echo "Freed Opened" ;;
	esac
}

bound() {
	[ -e "$DRV/$NAME" ]
}

run_variant() {
	local exp type fn title total live_before
	VARIANT=$1

	exp=$(expected "$VARIANT")
	type=${exp% *}
	fn=${exp#* }
	title="${TS}BUG: LIFETIME: ${type} in ${fn}\+"
	echo "--- variant $VARIANT: $([ -n "$exp" ] && echo "$type in $fn" || echo silent)"
	dmesg -C
	live_before=$(counter fileref_records_live)
	insmod "$LT_MODDIR/$MOD.ko" variant="$VARIANT" || fail "$VARIANT: insmod"
	bound || fail "$VARIANT: $NAME did not bind"
	wait_dev "$DEV"
	expect_eq "$VARIANT: read" "$(head -c 13 "$DEV")" "$DATA"
	if open_across "$VARIANT"; then
		exec 3< "$DEV" || fail "$VARIANT: open $DEV"
		expect_eq "$VARIANT: read through the held file" "$(head -c 13 <&3)" "$DATA"
		exec 3< "$DEV" || fail "$VARIANT: reopen $DEV"
	fi
	[ "$(count "$ANY_REPORT")" -eq 0 ] || { blocks "$ANY_REPORT"; fail "$VARIANT: reported before unbind"; }

	echo "$NAME" > "$DRV/unbind" || fail "$VARIANT: unbind"
	bound && fail "$VARIANT: still bound after unbind"
	echo "  unbound$(open_across "$VARIANT" && echo " with $DEV open")"
	if open_across "$VARIANT" && read_after "$VARIANT"; then
		expect_eq "$VARIANT: read after unbind" "$(head -c 13 <&3)" "$DATA"
	fi
	if open_across "$VARIANT"; then
		exec 3<&-
	fi
	rmmod "$MOD" || fail "$VARIANT: rmmod"

	blocks "$ANY_REPORT" | sed 's/^/    | /'
	total=$(count "$ANY_REPORT")
	if [ -z "$exp" ]; then
		[ "$total" -eq 0 ] || fail "$VARIANT: $total report(s), want none"
		expect_eq "$VARIANT: fileref records back to before" \
			"$(counter fileref_records_live)" "$live_before"
		echo "variant $VARIANT: silent as expected"
		return 0
	fi
	[ "$(count "$title")" -eq 1 ] || fail "$VARIANT: $(count "$title") reports '$type in $fn', want 1"
	[ "$total" -eq 1 ] || fail "$VARIANT: $total reports, want 1"
	blocks "$title" | grep -Eq -- "$(what "$VARIANT")" ||
		fail "$VARIANT: the report lacks /$(what "$VARIANT")/"
	for s in $(stacks "$VARIANT"); do
		blocks "$title" | grep -Eq "\] $s by task [^ ]+/[0-9]+ on cpu" ||
			fail "$VARIANT: the report lacks the '$s by task' stack"
	done
	blocks "$title" | grep -q ltd_file_probe ||
		[ "$VARIANT" != cdev_noparent ] ||
		fail "$VARIANT: the Registered stack lacks ltd_file_probe"
	expect_no_dmesg "BUG: KASAN"
	echo "variant $VARIANT: report as expected"
}

cleanup() {
	exec 3<&- 2>/dev/null
	[ -d "/sys/module/$MOD" ] || return 0
	bound && echo "$NAME" > "$DRV/unbind"
	rmmod "$MOD" || echo "  cleanup: rmmod failed"
}

[ -n "${LT_MODDIR:-}" ] || fail "LT_MODDIR not set"
[ -r "$LT_MODDIR/$MOD.ko" ] || fail "$LT_MODDIR/$MOD.ko missing"
expect_eq "sanitizer enabled" "$(counter enabled)" 1

FAILED=
N=0
for v in $VARIANTS; do
	if (run_variant "$v"); then
		N=$((N + 1))
	else
		FAILED="$FAILED $v"
		cleanup
	fi
done
echo "domain files: $N variants as expected; failed:${FAILED:- none}"
[ -z "$FAILED" ] || fail "variants not as expected:$FAILED"
exit 0
