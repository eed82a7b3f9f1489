#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lifetime contexts, one boot: every variant of ltd_ctx_scenarios.ko.
#
# Device variants: the module registers the platform device ltd_ctx, which
# binds at once; a context holding no lock touches the driver's devm data
# (a hard-IRQ handler of an irq_sim interrupt, an hrtimer callback, a
# tasklet, a kthread, a runtime_resume callback); then the driver is unbound
# and the module unloaded. The context's object is the access's guard;
# the unbind must close it by waiting for the context, or the access is
# reported at the end of the teardown:
#
#   irq               devm_request_irq(): free_irq() at unbind      silent
#   irq_nofree        request_irq(), never freed at unbind           ltd_ctx_irq_nofree_handler
#   hrtimer           hrtimer_cancel() in remove()                   silent
#   hrtimer_nocancel  hrtimer_try_to_cancel() in remove()            ltd_ctx_hrtimer_nocancel_fn
#   tasklet           tasklet_kill() in remove()                     silent
#   tasklet_nokill    nothing                                        ltd_ctx_tasklet_nokill_fn
#   kthread           kthread_stop() in remove()                     silent
#   kthread_nostop    stopped by the module's exit only              ltd_ctx_kthread_nostop_fn
#   rpm               devm_pm_runtime_enable()                       silent
#   rpm_nodisable     pm_runtime_enable(), disabled by the exit only ltd_ctx_rpm_nodisable_resume
#
# Each reported variant must give exactly one "unprotected-access in FN" at
# unbind, none before it, and no other report in the module; a silent
# variant none at all. hrtimer_nocancel and tasklet_nokill may also report
# unprotected-access in kernel code (the hrtimer and tasklet core touch the
# hrtimer and tasklet embedded in the devm data, and nothing waited for
# them either); reports are deduplicated per (site, guards) for the whole
# boot, so a kernel site reported by an earlier variant is not repeated.
# Before unbind, the callback must have run, read LTD_CTX_DATA from the devm
# buffer, and the device's domain must hold a recorded foreign access (so
# silence comes from the wait, not from an access never seen).
#
# Module-exit variants (no device): a timer, an hrtimer or a work item with
# its callback in the module, stopped by the module's exit:
#
#   exit_timer_nowait    del_timer()                        ltd_ctx_exit_timer_fn, "timer_delete()"
#   exit_timer_sync      del_timer(), del_timer_sync()      silent
#   exit_hrtimer_nowait  hrtimer_try_to_cancel()            ltd_ctx_exit_hrtimer_fn, "hrtimer_try_to_cancel()"
#   exit_hrtimer_sync    hrtimer_try_to_cancel(), hrtimer_cancel()   silent
#   exit_work_nowait     cancel_work()                      ltd_ctx_exit_work_fn, "cancel_work()"
#   exit_work_sync       cancel_work(), cancel_work_sync()  silent
#
# reported at rmmod as one "unpinned-module-reference in FN".
#
# Every variant runs, also after one failed; the script fails at the end,
# naming the failed variants.
# lt-expect-splat: ^BUG: LIFETIME: unprotected-access in ltd_ctx_(irq_nofree_handler|hrtimer_nocancel_fn|tasklet_nokill_fn|kthread_nostop_fn|rpm_nodisable_resume)\+
# lt-expect-splat: ^BUG: LIFETIME: unprotected-access in [A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+$
# lt-expect-splat: ^BUG: LIFETIME: unpinned-module-reference in ltd_ctx_exit_(timer|hrtimer|work)_fn\+
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 600
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_ctx_scenarios
NAME=ltd_ctx
DRV=/sys/bus/platform/drivers/$NAME
PDEV=/sys/bus/platform/devices/$NAME
PARAMS=/sys/module/$MOD/parameters
DOMAINS=/sys/kernel/debug/lifetime_debug/domains
DATA="ltd_ctx data"
# dmesg lines start with a timestamp.
TS='^\[ *[0-9.]+\] '
ANY_REPORT='BUG: LIFETIME: '
# An unprotected-access report whose site is kernel code (no "[module]")
KERNEL_REPORT="${TS}BUG: LIFETIME: unprotected-access in [A-Za-z0-9_.]+\\+0x[0-9a-f]+/0x[0-9a-f]+\$"

# LTD_CTX_VARIANTS: a subset to run, for debugging (default: all)
VARIANTS=${LTD_CTX_VARIANTS:-"irq irq_nofree hrtimer hrtimer_nocancel tasklet tasklet_nokill
kthread kthread_nostop rpm rpm_nodisable
exit_timer_nowait exit_timer_sync exit_hrtimer_nowait exit_hrtimer_sync
exit_work_nowait exit_work_sync"}

# expected VARIANT: the function a reporting variant's report names,
# nothing for a silent one
expected() {
	case $1 in
	irq_nofree)		echo ltd_ctx_irq_nofree_handler ;;
	hrtimer_nocancel)	echo ltd_ctx_hrtimer_nocancel_fn ;;
	tasklet_nokill)		echo ltd_ctx_tasklet_nokill_fn ;;
	kthread_nostop)		echo ltd_ctx_kthread_nostop_fn ;;
	rpm_nodisable)		echo ltd_ctx_rpm_nodisable_resume ;;
	exit_timer_nowait)	echo ltd_ctx_exit_timer_fn ;;
	exit_hrtimer_nowait)	echo ltd_ctx_exit_hrtimer_fn ;;
	exit_work_nowait)	echo ltd_ctx_exit_work_fn ;;
	esac
}

# stop_call VARIANT: the non-waiting call an exit_*_nowait report names (ERE)
stop_call() {
	case $1 in
	exit_timer_nowait)	echo 'timer_delete\(\)' ;;
	exit_hrtimer_nowait)	echo 'hrtimer_try_to_cancel\(\)' ;;
	exit_work_nowait)	echo 'cancel_work\(\)' ;;
	esac
}

# others_allowed VARIANT: may reports in kernel code come with the expected one?
others_allowed() {
	case $1 in
	hrtimer_nocancel | tasklet_nokill) return 0 ;;
	*) return 1 ;;
	esac
}

is_exit_variant() {
	case $1 in
	exit_*) return 0 ;;
	*) return 1 ;;
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

# shellcheck disable=SC2317 # called through wait_until
rpm_status_is() {
	[ "$(cat "$PDEV/power/runtime_status" 2>/dev/null)" = "$1" ]
}

# domain_accesses: recorded foreign accesses of the device's devres domain
domain_accesses() {
	awk -v n="$NAME" '$1 == "devres" && $2 == n { print $7; exit }' "$DOMAINS"
}

# exercise VARIANT: make the variant's context touch the devm data, and
# check that it did
exercise() {
	local seen acc

	case $1 in
	irq | irq_nofree | kthread | kthread_nostop | rpm | rpm_nodisable)
		echo 1 > "$PARAMS/trigger" || fail "$1: write to trigger"
		;;
	esac
	# hrtimer and tasklet: started by probe().
	wait_until 5 param_ge ran 1 || fail "$1: the callback did not run"
	echo "  callback ran ($(cat "$PARAMS/ran")x)"
	seen=$(cat "$PARAMS/seen")
	[ "$seen" = "$DATA" ] ||
		fail "$1: the callback read '$seen', want '$DATA' (not the devm buffer?)"
	echo "  the callback read '$seen' from the devm data"
	case $1 in
	rpm | rpm_nodisable)
		wait_until 5 param_ge suspended 1 || fail "$1: runtime_suspend did not run"
		wait_until 5 rpm_status_is suspended ||
			fail "$1: runtime_status $(cat "$PDEV/power/runtime_status"), want suspended"
		echo "  resumed and suspended through the PM core"
		;;
	esac
	acc=$(domain_accesses)
	if [ -z "$acc" ] || [ "$acc" -lt 1 ]; then
		grep -E "^(#|devres $NAME )" "$DOMAINS" | sed 's/^/    /'
		fail "$1: no foreign access recorded in the devres domain of $NAME"
	fi
	echo "  domain: $(awk -v n="$NAME" '$1 == "devres" && $2 == n' "$DOMAINS") (kind owner driver state tags bytes accesses syncs)"
}

# run_variant VARIANT: exits (fail) on the first problem; run it in a
# subshell
run_variant() {
	local fn title reports_before total named others delta call
	VARIANT=$1

	fn=$(expected "$VARIANT")
	if is_exit_variant "$VARIANT"; then
		title="${TS}BUG: LIFETIME: unpinned-module-reference in ${fn}\+"
	else
		title="${TS}BUG: LIFETIME: unprotected-access in ${fn}\+"
	fi

	echo "--- variant $VARIANT: $([ -n "$fn" ] && echo "report in $fn" || echo silent)"
	dmesg -C
	reports_before=$(counter reports)
	insmod "$LT_MODDIR/$MOD.ko" variant="$VARIANT" || fail "$VARIANT: insmod"

	if is_exit_variant "$VARIANT"; then
		case $VARIANT in
		exit_work_*)
			wait_until 5 param_ge ran 1 || fail "$VARIANT: the work item did not run"
			echo "  work item ran"
			;;
		*)
			expect_eq "$VARIANT: callbacks run before rmmod" "$(cat "$PARAMS/ran")" 0
			;;
		esac
		expect_eq "$VARIANT: reports before rmmod" "$(count "$ANY_REPORT")" 0
		rmmod "$MOD" || fail "$VARIANT: rmmod"
		echo "  unloaded"
	else
		bound || fail "$VARIANT: $NAME did not bind"
		exercise "$VARIANT"
		[ "$(count "$ANY_REPORT")" -eq 0 ] ||
			{ show_reports; fail "$VARIANT: reported before unbind"; }

		echo "$NAME" > "$DRV/unbind" || fail "$VARIANT: unbind"
		bound && fail "$VARIANT: still bound after unbind"
		echo "  unbound"
		if [ -n "$fn" ]; then
			wait_until 2 has_report "$title" ||
				{ show_reports; fail "$VARIANT: no report at unbind"; }
			echo "  reported at unbind"
		fi
		rmmod "$MOD" || fail "$VARIANT: rmmod"
	fi
	[ ! -d "/sys/module/$MOD" ] || fail "$VARIANT: module still loaded"

	show_reports
	total=$(count "$ANY_REPORT")
	if [ -z "$fn" ]; then
		[ "$total" -eq 0 ] || fail "$VARIANT: $total report(s), want none"
	else
		named=$(count "$title")
		[ "$named" -eq 1 ] || fail "$VARIANT: $named reports in $fn, want 1"
		others=$((total - named))
		if [ "$others" -gt 0 ]; then
			others_allowed "$VARIANT" ||
				fail "$VARIANT: $others report(s) besides the one in $fn"
			[ "$(count "$KERNEL_REPORT")" -eq "$others" ] ||
				fail "$VARIANT: a report besides the one in $fn is not an unprotected-access in kernel code"
			echo "  also $others unprotected-access report(s) in kernel code"
		fi
		if is_exit_variant "$VARIANT"; then
			call=$(stop_call "$VARIANT")
			blocks "$title" | grep -Eq "with callback ${fn}.* was stopped by ${call} while module $MOD exited" ||
				fail "$VARIANT: the report does not say '... callback $fn ... was stopped by $call while module $MOD exited'"
			echo "  the report names $fn and ${call//\\/}"
		else
			blocks "$title" | grep -Eq "device $NAME \(driver $NAME\)" ||
				fail "$VARIANT: the report does not name 'device $NAME (driver $NAME)'"
			blocks "$title" | grep -q ltd_ctx_probe ||
				fail "$VARIANT: the report's allocation stack lacks ltd_ctx_probe"
			echo "  the report names device $NAME (driver $NAME) and ltd_ctx_probe"
		fi
	fi

	if [ -n "$reports_before" ]; then
		delta=$(($(counter reports) - reports_before))
		expect_eq "$VARIANT: reports counter increase" "$delta" "$total"
	fi
	[ "$(debug_locks)" = 1 ] || fail "$VARIANT: lockdep turned itself off"

	if [ -z "$fn" ]; then
		echo "variant $VARIANT: silent as expected"
	else
		echo "variant $VARIANT: report as expected"
	fi
}

# cleanup: after a failed variant, unbind and unload what it left
cleanup() {
	[ -d "/sys/module/$MOD" ] || return 0
	if bound; then
		echo "$NAME" > "$DRV/unbind" || echo "  cleanup: unbind failed"
	fi
	rmmod "$MOD" || echo "  cleanup: rmmod failed"
}

[ -n "${LT_MODDIR:-}" ] || fail "LT_MODDIR not set"
[ -r "$LT_MODDIR/$MOD.ko" ] || fail "$LT_MODDIR/$MOD.ko missing"
[ ! -d "/sys/module/$MOD" ] || fail "$MOD already loaded"
[ -r "$STATS" ] || fail "$STATS missing"
expect_eq "sanitizer enabled" "$(counter enabled)" 1
expect_eq "multi_shot" "$(counter multi_shot)" 1

SILENT=0
REPORTED=0
FAILED=
for v in $VARIANTS; do
	if (run_variant "$v"); then
		if [ -n "$(expected "$v")" ]; then
			REPORTED=$((REPORTED + 1))
		else
			SILENT=$((SILENT + 1))
		fi
	else
		FAILED="$FAILED $v"
		cleanup
	fi
done
echo "domain contexts: $((SILENT + REPORTED)) variants as expected, $REPORTED reported, $SILENT silent; failed:${FAILED:- none}"
[ -z "$FAILED" ] || fail "variants not as expected:$FAILED"
exit 0
