#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mem*() calls into devres memory, one boot: every variant of
# ltd_memfn_scenarios.ko. Each variant loads the module (the platform device
# ltd_memfn binds at once), reaches the driver's devm data from a file with
# no guard only through one mem*() call, unbinds the driver and unloads the
# module:
#
#   memcpy    read of /dev/ltd_memfn: memcpy() from the devm data
#   memset    write to /dev/ltd_memfn: memset() of the devm data
#   memmove   write to /dev/ltd_memfn: memmove() into the devm data
#
# The boot banner must say whether mem*() calls are checked, and say it
# right: "lifetime_debug: mem*() calls are checked" on a kernel with
# CONFIG_CC_HAS_KASAN_MEMINTRINSIC_PREFIX (clang, the default build), which
# clang kernels must have; then each variant must give exactly one
# unprotected-access report, at the access, naming the driver function, the
# device and driver, ltd_memfn_probe in the allocation stack, and the whole
# 15-byte range of the call ("Read of size 15" for memcpy, "Write of size
# 15" for memset and memmove: no single load or store has that size, only
# __asan_mem*() range checks). On a kernel without it
# (scripts/build --gcc: Debian 12's GCC 12) the banner must say "mem*()
# calls are not checked by this compiler", and the variants must be silent:
# the documented blind spot.
# lt-expect-splat: ^BUG: LIFETIME: unprotected-access in ltd_memfn_(read_memcpy|write_memset|write_memmove)\+
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 300
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_memfn_scenarios
NAME=ltd_memfn
DRV=/sys/bus/platform/drivers/$NAME
DEV=/dev/$NAME
DATA="ltd_memfn data"
# dmesg lines start with a timestamp.
TS='^\[ *[0-9.]+\] '
ANY_REPORT='BUG: LIFETIME: '
CHECKED='lifetime_debug: mem\*\(\) calls are checked$'
UNCHECKED='lifetime_debug: mem\*\(\) calls are not checked by this compiler$'

# kconfig SYMBOL: its value in the running kernel's config, empty if unset
kconfig() {
	zcat /proc/config.gz | sed -n "s/^CONFIG_$1=//p"
}

# The banner is printed once, at boot, and it is the truth about this build.
if [ "$(kconfig CC_HAS_KASAN_MEMINTRINSIC_PREFIX)" = y ]; then
	CHECKS=1
	expect_dmesg "$CHECKED" "the boot banner does not say: mem*() calls are checked"
	expect_no_dmesg "$UNCHECKED"
else
	CHECKS=0
	[ "$(kconfig CC_IS_CLANG)" != y ] ||
		fail "a clang kernel without CONFIG_CC_HAS_KASAN_MEMINTRINSIC_PREFIX"
	expect_dmesg "$UNCHECKED" "the boot banner does not say: mem*() calls are not checked by this compiler"
	expect_no_dmesg "$CHECKED"
fi
expect_eq "mem*() banner lines" "$(count 'lifetime_debug: mem\*\(\) calls are')" 1

# The bytes each mem*() call touches (ltd_memfn_len, and what is written).
LEN=15
WRITE=0123456789abcde

# expected VARIANT: "FUNCTION ACCESS"
expected() {
	case $1 in
	memcpy)		echo "ltd_memfn_read_memcpy Read" ;;
	memset)		echo "ltd_memfn_write_memset Write" ;;
	memmove)	echo "ltd_memfn_write_memmove Write" ;;
	esac
}

bound() {
	[ -e "$DRV/$NAME" ]
}

# access VARIANT: reach the devm data through the variant's mem*() call
access() {
	local got

	case $1 in
	memcpy)
		got=$(dd if="$DEV" bs=64 count=1 status=none) || fail "$1: read $DEV"
		[ "$got" = "$DATA" ] ||
			fail "$1: read $DEV returned '$got', want '$DATA'"
		echo "  read $DEV: '$got'"
		;;
	memset | memmove)
		printf '%s' "$WRITE" > "$DEV" || fail "$1: write $DEV"
		echo "  wrote '$WRITE' to $DEV"
		;;
	esac
}

# run_variant VARIANT
run_variant() {
	local exp fn what title block total
	VARIANT=$1

	exp=$(expected "$VARIANT")
	fn=${exp% *}
	what=${exp#* }
	title="${TS}BUG: LIFETIME: unprotected-access in ${fn}\+"

	echo "--- variant $VARIANT: $([ $CHECKS = 1 ] && echo "report in $fn" || echo "silent (not checked)")"
	dmesg -C
	insmod "$LT_MODDIR/$MOD.ko" variant="$VARIANT" || fail "$VARIANT: insmod"
	bound || fail "$VARIANT: $NAME did not bind"
	wait_dev "$DEV"

	access "$VARIANT"
	if [ $CHECKS = 1 ]; then
		wait_until 2 has_report "$title" || fail "$VARIANT: no report at the $VARIANT() call"
		echo "  reported at the access"
	fi

	echo "$NAME" > "$DRV/unbind" || fail "$VARIANT: unbind"
	bound && fail "$VARIANT: still bound after unbind"
	rmmod "$MOD" || fail "$VARIANT: rmmod"
	[ ! -d "/sys/module/$MOD" ] || fail "$VARIANT: module still loaded"

	blocks "$ANY_REPORT" | sed 's/^/    | /'
	total=$(count "$ANY_REPORT")
	if [ $CHECKS = 0 ]; then
		expect_eq "$VARIANT: reports (mem*() not checked)" "$total" 0
		return
	fi
	expect_eq "$VARIANT: reports" "$total" 1
	expect_eq "$VARIANT: reports in $fn" "$(count "$title")" 1
	block=$(blocks "$title")
	echo "$block" | grep -Eq 'device ltd_memfn \(driver ltd_memfn\)' ||
		fail "$VARIANT: the report does not name 'device ltd_memfn (driver ltd_memfn)'"
	echo "$block" | grep -q ltd_memfn_probe ||
		fail "$VARIANT: the report's allocation stack lacks ltd_memfn_probe"
	echo "$block" | grep -Eq "$what of size $LEN at addr " ||
		fail "$VARIANT: the report lacks '$what of size $LEN' (was the access not the $VARIANT() call?)"
	echo "  the report names $fn, device ltd_memfn (driver ltd_memfn), ltd_memfn_probe, $what of size $LEN"
	[ "$(debug_locks)" = 1 ] || fail "$VARIANT: lockdep turned itself off"
}

[ -n "${LT_MODDIR:-}" ] || fail "LT_MODDIR not set"
[ -r "$LT_MODDIR/$MOD.ko" ] || fail "$LT_MODDIR/$MOD.ko missing"
[ -r "$STATS" ] || fail "$STATS missing"
expect_eq "sanitizer enabled" "$(counter enabled)" 1
expect_eq "multi_shot" "$(counter multi_shot)" 1

for v in memcpy memset memmove; do
	run_variant "$v"
done
echo "domain_memfn: 3 variants, $([ $CHECKS = 1 ] && echo "each reported at its mem*() call" || echo "silent: mem*() calls are not checked by this compiler")"
exit 0
