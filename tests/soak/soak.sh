#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The soak (run in the guest by tests/soak/run): two correct in-tree GPIO
# drivers are unbound and bound SOAK_CYCLES times each while readers use
# their files: gpio-mockup through its debugfs pull files (devres data
# behind each file) and the GPIO character device, gpio-sim through the
# character device and its sysfs line attributes. Then a driver with a
# planted missing guard (ltd_domain_scenarios, variant debugfs: a debugfs
# file on devm data that unbind leaves behind) must be reported as on a
# fresh boot. The sanitizer's own memory (meta_bytes in lifetime_debug/stats)
# is read after a warm-up of 100 cycles (start: by then the refcount classes
# the drivers use have made their on-demand arrays) and at the end, in the
# same state: both drivers bound, readers stopped.
set -u
. "$LT_REPO/tests/drivers/lib.sh"

CYCLES=${SOAK_CYCLES:-1000}
WARMUP=100
driver_begin soak gpio

mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config ||
	fail "mount configfs"
load gpio-mockup gpio_mockup_ranges=-1,8 gpio_mockup_named_lines
load gpio-sim
CFG=/sys/kernel/config/gpio-sim
wait_until 5 test -d $CFG || fail "$CFG missing"
step "gpio-sim chip" mkdir $CFG/soak
step "gpio-sim bank" mkdir $CFG/soak/bank0
step "gpio-sim num_lines" sh -c "echo 8 > $CFG/soak/bank0/num_lines"
step "gpio-sim live" sh -c "echo 1 > $CFG/soak/live"
SIM=$(cat $CFG/soak/dev_name)
MOCK=gpio-mockup.0
wait_until 5 test -e /sys/bus/platform/drivers/gpio-mockup/$MOCK || fail "$MOCK not bound"
wait_until 5 test -e /sys/bus/platform/drivers/gpio-sim/$SIM || fail "$SIM not bound"

# Readers: each loops over what exists now; files vanish and come back
# with every cycle, so errors are expected and ignored (a crash or a hang
# is not).
reader_debugfs() {
	while :; do
		for f in /sys/kernel/debug/gpio-mockup/gpiochip*/[0-7]; do
			cat "$f" >/dev/null 2>&1
		done
	done
}
reader_cdev() {
	while :; do
		for c in /dev/gpiochip*; do
			gpioinfo "$c" >/dev/null 2>&1
			gpioget "$c" 1 >/dev/null 2>&1
		done
	done
}
reader_sysfs() {
	while :; do
		for f in /sys/bus/platform/devices/$SIM/gpiochip*/sim_gpio*/value \
			 /sys/bus/platform/devices/$SIM/gpiochip*/sim_gpio*/pull; do
			cat "$f" >/dev/null 2>&1
		done
	done
}

# cycle: unbind and bind both drivers once
cycle() {
	echo $MOCK > /sys/bus/platform/drivers/gpio-mockup/unbind || fail "unbind $MOCK"
	echo $SIM > /sys/bus/platform/drivers/gpio-sim/unbind || fail "unbind $SIM"
	echo $MOCK > /sys/bus/platform/drivers/gpio-mockup/bind || fail "bind $MOCK"
	echo $SIM > /sys/bus/platform/drivers/gpio-sim/bind || fail "bind $SIM"
}

meta() {
	stat meta_bytes
}

# state WHEN: what the metadata is made of (live objects, domains, access
# records, refcount classes, file records)
state() {
	local tags recs

	tags=$(($(stat objects_tagged) - $(stat objects_untagged)))
	recs=$(awk '{ s += $8 } END { print s + 0 }' /sys/kernel/debug/lifetime_debug/domains)
	echo "soak: $1: meta_bytes $(meta), objects $tags, domains $(grep -vc "^#" /sys/kernel/debug/lifetime_debug/domains), access records $recs, refcount classes $(stat refcount_classes), file records $(stat fileref_records_live)"
}

degraded() {
	grep '^degraded\[' "$STATS" | awk -F': ' '{ s += $2 } END { print s + 0 }'
}

reader_debugfs & r1=$!
reader_cdev & r2=$!
reader_sysfs & r3=$!
for i in $(seq $WARMUP); do cycle; done
kill $r1 $r2 $r3; wait $r1 $r2 $r3 2>/dev/null
start=$(meta)
state start

reader_debugfs & r1=$!
reader_cdev & r2=$!
reader_sysfs & r3=$!
t0=$(date +%s)
for i in $(seq $((CYCLES - WARMUP))); do
	cycle
	[ $((i % 500)) -eq 0 ] && echo "soak: $((i + WARMUP)) cycles, meta_bytes $(meta)"
done
kill $r1 $r2 $r3; wait $r1 $r2 $r3 2>/dev/null
end=$(meta)
state end
echo "soak: $CYCLES cycles in $(($(date +%s) - t0)) s"
deg=$(degraded)
grep '^degraded\[' "$STATS"
# What the readers made the sanitizer judge: it was not idle.
for s in teardowns teardowns_unwatched objects_tagged foreign_accesses \
	 foreign_access_records verdict_cache_hits; do
	echo "soak: $s $(stat $s)"
done
[ "$(stat foreign_accesses)" -gt 0 ] || fail "the readers made no foreign access"
[ "$(stat teardowns_unwatched)" -eq 0 ] || fail "teardowns went unwatched"
before=$(stat reports)
[ "$before" -eq 0 ] || echo "soak: $before reports during the cycles"

# The planted bug: as in domain_reports.sh's debugfs variant.
PLANT=ltd_domain_scenarios
insmod "$LT_MODDIR/$PLANT.ko" variant=debugfs || fail "insmod $PLANT"
wait_until 5 test -r /sys/kernel/debug/ltd_dom/data || fail "planted debugfs file missing"
cat /sys/kernel/debug/ltd_dom/data >/dev/null
echo ltd_dom > /sys/bus/platform/drivers/ltd_dom/unbind || fail "unbind ltd_dom"
planted=no
dmesg | grep -Eq 'BUG: LIFETIME: unprotected-access in ltd_dom_debugfs_read' && planted=yes

echo "SOAK-RESULT: cycles $CYCLES, metadata start $start end $end bytes, degraded $deg, planted reported $planted"
driver_end
