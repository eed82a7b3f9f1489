#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/bench/ures: i2c-dev on i2c-stub, upstream's module and
# the ures conversion (patches/ures/0001) loaded in turn, in the order
# LT_URES_ORDER (a kernel parameter, e.g. "upstream,converted"), in
# LT_URES_ROUNDS rounds. Per module: open+close,
# ioctl(I2C_FUNCS) (dispatch only), an SMBus read (a transfer), and the
# removal of the adapter (delete_module of i2c-stub) with no file open;
# for the conversion also with 1, 4 and 16 files open (upstream refuses
# the removal while a file is open). Prints "BENCH <module> <what> <value>".
set -u
. "$LT_REPO/tests/drivers/lib.sh"

MS=${LT_BENCH_MS:-300}
ORDER=${LT_URES_ORDER:-upstream,converted}
ORDER=${ORDER//,/ }

stub_up() {
	modprobe i2c-stub chip_addr=0x50 || fail "modprobe i2c-stub"
	bus=$(i2cdetect -l | awk '/SMBus stub driver/ { sub("i2c-", "", $1); print $1; exit }')
	[ -n "$bus" ] || fail "no i2c-stub adapter"
	wait_dev /dev/i2c-$bus
}

ns() {
	"$LT_BIN/ures_i2c" bench "$bus" 0x50 "$1" "$MS" | sed -n 's/^BENCH-NS //p'
}

# Rounds of the short loops, both modules in each round, so that a busy
# host slows both alike; the removals once per module.
ROUNDS=${LT_URES_ROUNDS:-3}

use() {
	if [ "$1" = upstream ]; then
		modprobe i2c-dev || fail "modprobe i2c-dev"
	else
		insmod "$LT_URES/i2c-dev/i2c-dev.ko" || fail "insmod converted i2c-dev"
	fi
	stub_up
}

for round in $(seq "$ROUNDS"); do
	for mode in $ORDER; do
		use "$mode"
		for op in open funcs smbus; do
			echo "BENCH $mode $op $(ns $op)"
		done
		rmmod i2c_stub || fail "rmmod i2c_stub"
		rmmod i2c_dev || fail "rmmod i2c_dev"
	done
done
for mode in $ORDER; do
	use "$mode"
	files="0"
	[ "$mode" = converted ] && files="0 1 4 16"
	for n in $files; do
		out=$("$LT_BIN/ures_i2c" unplug "$bus" 0x50 "$n" i2c_stub) || fail "unplug $n: $out"
		case "$out" in
		UNPLUG-US*) echo "BENCH $mode unplug$n ${out#UNPLUG-US }" ;;
		*) fail "unplug with $n files: $out" ;;
		esac
		[ "$n" = 16 ] || [ "$mode" = upstream ] || stub_up
	done
	rmmod i2c_dev || fail "rmmod i2c_dev"
done
echo "BENCH-DONE"
