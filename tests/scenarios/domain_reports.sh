#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lifetime domains, one boot: every "report or silence" variant of
# ltd_domain_scenarios.ko. Each variant loads the module (the platform device
# ltd_dom binds at once), reaches the driver's devm data from a foreign
# context (a file read, debugfs, sysfs, a timer, a work item), unbinds the
# driver and unloads the module. Then the kernel log of that variant must
# hold exactly the expected outcome:
#
#   nolock        unprotected-access in ltd_dom_read_nolock, at the read
#   debugfs       ... in ltd_dom_debugfs_read, at unbind (file left behind)
#   timer         ... in ltd_dom_timer_fn, at unbind (timer not cancelled)
#   work          ... in ltd_dom_work_fn, at unbind (work not cancelled)
#   class         ... in ltd_dom_class_attr_show, at unbind (class device
#                 left behind)
#   ures_timer    unprotected-access in
#                 ltd_dom_ures_timer_fn, at unbind: the timer wrote
#                 ures-owned memory and nothing cancelled it before the
#                 ures's final put
#   ures, mutex, srcu, debugfs_devm, timer_sync, work_sync, sysfs: no report
#
# A devres report must name the device and driver ("device ltd_dom (driver
# ltd_dom)") and show ltd_dom_probe in its allocation stack (the ures_timer
# report too: its memory was allocated in probe), no other report may come
# with the expected one (the timer and work item bytes are the primitive's
# own: kernel timer and workqueue code is never reported), and the
# sanitizer's reports counter must grow by the number of reports printed.
# After unbind, reads of files kept open fail with ENODEV where a guard
# exists (ures, mutex, srcu).
#
# domain_off.sh runs this script with LTD_DOMAIN_MODE=off in a boot with
# lifetime_debug.enabled=0: the same exercises, and no report at all.
# lt-expect-splat: ^BUG: LIFETIME: unprotected-access in
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 600
set -u
. "$LT_REPO/tests/guest/lib.sh"

MODE=${LTD_DOMAIN_MODE:-on}
MOD=ltd_domain_scenarios
NAME=ltd_dom
DRV=/sys/bus/platform/drivers/$NAME
PDEV=/sys/bus/platform/devices/$NAME
DEV=/dev/$NAME
PARAMS=/sys/module/$MOD/parameters
DBG_FILE=/sys/kernel/debug/$NAME/data
CLASS_FILE=/sys/class/ltd_dom_class/ltd_dom_cls/data
DATA="ltd_dom data"
# dmesg lines start with a timestamp.
TS='^\[ *[0-9.]+\] '
ANY_REPORT='BUG: LIFETIME: '

VARIANTS="nolock ures mutex srcu debugfs_devm debugfs timer_sync timer work_sync work sysfs class ures_timer"

# expected VARIANT: "FUNCTION WHEN" for a variant that must report (WHEN is
# "read" or "unbind"), nothing for a silent one.
expected() {
	[ "$MODE" = on ] || return 0
	case $1 in
	nolock)		echo "ltd_dom_read_nolock read" ;;
	debugfs)	echo "ltd_dom_debugfs_read unbind" ;;
	timer)		echo "ltd_dom_timer_fn unbind" ;;
	work)		echo "ltd_dom_work_fn unbind" ;;
	class)		echo "ltd_dom_class_attr_show unbind" ;;
	ures_timer)	echo "ltd_dom_ures_timer_fn unbind" ;;
	esac
}

# show_reports: every report of this variant, for the record (indented so
# that the log analysis does not count it twice)
show_reports() {
	blocks "$ANY_REPORT" | sed 's/^/    | /'
}

bound() {
	[ -e "$DRV/$NAME" ]
}

# shellcheck disable=SC2317 # called through wait_until
param_ge() {
	[ "$(cat "$PARAMS/$1" 2>/dev/null || echo 0)" -ge "$2" ]
}

# expect_data WHAT GOT
expect_data() {
	[ "$2" = "$DATA" ] ||
		fail "$VARIANT: $1 returned '$2', want '$DATA' (was a copy from tagged memory skipped?)"
	echo "  $1: '$2'"
}

# expect_enodev: a read of fd 3 (open since before unbind) fails with ENODEV
expect_enodev() {
	local out

	out=$(dd bs=64 count=1 status=none <&3 2>&1) &&
		fail "$VARIANT: read after unbind succeeded: '$out'"
	case $out in
	*"No such device"*) echo "  read after unbind: $out" ;;
	*) fail "$VARIANT: read after unbind: '$out', want ENODEV (No such device)" ;;
	esac
}

# before_unbind VARIANT: reach the devm data while bound
before_unbind() {
	case $1 in
	nolock)
		wait_until 5 test -c "$DEV" || fail "$1: $DEV did not appear"
		expect_data "read $DEV" "$(dd if="$DEV" bs=64 count=1 status=none)"
		;;
	ures | mutex | srcu)
		wait_until 5 test -c "$DEV" || fail "$1: $DEV did not appear"
		exec 3<"$DEV" || fail "$1: open $DEV"
		expect_data "read $DEV (kept open)" "$(dd bs=64 count=1 status=none <&3)"
		;;
	debugfs | debugfs_devm)
		[ -r "$DBG_FILE" ] || fail "$1: $DBG_FILE missing"
		expect_data "read $DBG_FILE" "$(cat "$DBG_FILE")"
		;;
	timer | timer_sync | ures_timer)
		wait_until 5 param_ge timer_fired 1 || fail "$1: the timer did not fire"
		echo "  timer fired"
		;;
	work | work_sync)
		wait_until 5 param_ge work_ran 1 || fail "$1: the work item did not run"
		echo "  work item ran"
		;;
	sysfs)
		expect_data "read $PDEV/data" "$(cat "$PDEV/data")"
		;;
	class)
		[ -r "$CLASS_FILE" ] || fail "$1: $CLASS_FILE missing"
		expect_data "read $CLASS_FILE" "$(cat "$CLASS_FILE")"
		;;
	*)
		fail "no exercise for variant $1"
		;;
	esac
}

# after_unbind VARIANT: what must hold once the driver is unbound. Files
# left behind (debugfs, class) are not read again: that would be a real
# use-after-free.
after_unbind() {
	case $1 in
	ures | mutex | srcu)
		expect_enodev
		exec 3<&-
		;;
	debugfs)
		[ -e "$DBG_FILE" ] || fail "$1: $DBG_FILE gone at unbind"
		echo "  $DBG_FILE left behind (not read again)"
		;;
	debugfs_devm)
		[ ! -e "$DBG_FILE" ] || fail "$1: $DBG_FILE still there after unbind"
		echo "  $DBG_FILE removed at unbind"
		;;
	sysfs)
		[ ! -e "$PDEV/data" ] || fail "$1: $PDEV/data still there after unbind"
		echo "  $PDEV/data removed at unbind"
		;;
	class)
		[ -e "$CLASS_FILE" ] || fail "$1: $CLASS_FILE gone at unbind"
		echo "  $CLASS_FILE left behind (not read again)"
		;;
	esac
	case $1 in
	nolock | ures | mutex | srcu)
		wait_until 5 test ! -e "$DEV" || fail "$1: $DEV still there after unbind"
		;;
	esac
}

# check_block VARIANT TITLE: the expected report says whose data it was
check_block() {
	local block

	block=$(blocks "$2")
	echo "$block" | grep -q ltd_dom_probe ||
		fail "$1: the report's allocation stack lacks ltd_dom_probe"
	if [ "$1" = ures_timer ]; then
		# ures-owned memory: no device/driver line to insist on.
		echo "  the report shows ltd_dom_probe"
		return 0
	fi
	echo "$block" | grep -Eq 'device ltd_dom \(driver ltd_dom\)' ||
		fail "$1: the report does not name 'device ltd_dom (driver ltd_dom)'"
	echo "  the report names device ltd_dom (driver ltd_dom) and ltd_dom_probe"
}

# run_variant VARIANT
run_variant() {
	local exp fn when title reports_before total named delta
	VARIANT=$1

	exp=$(expected "$VARIANT")
	fn=${exp% *}
	when=${exp#* }
	title="${TS}BUG: LIFETIME: unprotected-access in ${fn}([+ ]|\$)"

	echo "--- variant $VARIANT: $([ -n "$exp" ] && echo "report in $fn at $when" || echo silent)"
	dmesg -C
	reports_before=$(counter reports)
	insmod "$LT_MODDIR/$MOD.ko" variant="$VARIANT" || fail "$VARIANT: insmod"
	bound || fail "$VARIANT: $NAME did not bind"

	before_unbind "$VARIANT"
	if [ -n "$exp" ] && [ "$when" = read ]; then
		wait_until 2 has_report "$title" ||
			fail "$VARIANT: no report at the read"
		echo "  reported at the read"
	elif [ -n "$exp" ]; then
		[ "$(count "$title")" -eq 0 ] ||
			{ show_reports; fail "$VARIANT: reported before unbind"; }
	fi
	expect_eq "$VARIANT: reports before unbind" "$(count "$ANY_REPORT")" \
		"$([ "$when" = read ] && echo 1 || echo 0)"

	echo "$NAME" > "$DRV/unbind" || fail "$VARIANT: unbind"
	bound && fail "$VARIANT: still bound after unbind"
	echo "  unbound"
	after_unbind "$VARIANT"
	if [ -n "$exp" ] && [ "$when" = unbind ]; then
		wait_until 2 has_report "$title" ||
			{ show_reports; fail "$VARIANT: no report at unbind"; }
		echo "  reported at unbind"
	fi

	rmmod "$MOD" || fail "$VARIANT: rmmod"
	[ ! -d "/sys/module/$MOD" ] || fail "$VARIANT: module still loaded"

	show_reports
	total=$(count "$ANY_REPORT")
	if [ -z "$exp" ]; then
		[ "$total" -eq 0 ] || fail "$VARIANT: $total report(s), want none"
	else
		named=$(count "$title")
		[ "$named" -eq 1 ] || fail "$VARIANT: $named reports in $fn, want 1"
		[ "$total" -eq 1 ] ||
			fail "$VARIANT: $((total - named)) report(s) besides the one in $fn"
		check_block "$VARIANT" "$title"
	fi

	if [ "$MODE" = on ]; then
		delta=$(($(stat reports) - reports_before))
		expect_eq "$VARIANT: reports counter increase" "$delta" "$total"
	fi
	[ "$(debug_locks)" = 1 ] || fail "$VARIANT: lockdep turned itself off"

	if [ -z "$exp" ]; then
		echo "variant $VARIANT: silent as expected"
		SILENT=$((SILENT + 1))
	else
		echo "variant $VARIANT: report as expected ($total report(s))"
		REPORTED=$((REPORTED + 1))
	fi
}

[ -n "${LT_MODDIR:-}" ] || fail "LT_MODDIR not set"
[ -r "$LT_MODDIR/$MOD.ko" ] || fail "$LT_MODDIR/$MOD.ko missing"
[ ! -d "/sys/module/$MOD" ] || fail "$MOD already loaded"
case $MODE in
on)
	[ -r "$STATS" ] || fail "$STATS missing"
	expect_eq "sanitizer enabled" "$(counter enabled)" 1
	expect_eq "multi_shot" "$(counter multi_shot)" 1
	;;
off)
	expect_eq "lifetime_debug.enabled" "$(cat /sys/module/lifetime_debug/parameters/enabled)" N
	if [ -r "$STATS" ]; then
		expect_eq "stats enabled" "$(counter enabled)" 0
	fi
	;;
*)
	fail "LTD_DOMAIN_MODE=$MODE: want on or off"
	;;
esac

SILENT=0
REPORTED=0
for v in $VARIANTS; do
	run_variant "$v"
done
[ "$MODE" = on ] || expect_no_dmesg "BUG: LIFETIME"
echo "domain scenarios ($MODE): $((SILENT + REPORTED)) variants checked, $REPORTED reported, $SILENT silent"
exit 0
