#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Callbacks into a module that its exit leaves behind: a pending timer, a
# pending delayed work and a running work item of ltd_domain_scenarios
# (variant module_timer) at rmmod. The lifetime sanitizer reports each as an
# unpinned module reference at unload. They would fire after 60 s; the guest
# reboots right after this script.
# lt-expect-splat: ^BUG: LIFETIME: unpinned-module-reference in ltd_dom_mod_(timer|dwork|work)_fn\+
# lt-append: lifetime_debug.multi_shot=1
# lt-timeout: 120
set -u
. "$LT_REPO/tests/guest/lib.sh"

MOD=ltd_domain_scenarios
before=$(stat 'bugs[unpinned-module-reference]')
insmod "$LT_MODDIR/$MOD.ko" variant=module_timer || fail "insmod"
n=100
while [ "$(cat /sys/module/$MOD/parameters/mod_work_started)" != 1 ]; do
	n=$((n - 1))
	[ $n -gt 0 ] || fail "the work item did not start"
	sleep 0.05
done
rmmod $MOD || fail "rmmod"
for fn in ltd_dom_mod_timer_fn ltd_dom_mod_dwork_fn ltd_dom_mod_work_fn; do
	expect_dmesg "BUG: LIFETIME: unpinned-module-reference in $fn\+"
done
expect_dmesg "Timer [0-9a-f]+ with callback ltd_dom_mod_timer_fn.* is pending while module $MOD unloads"
expect_dmesg "Delayed work with callback ltd_dom_mod_dwork_fn.* is pending while module $MOD unloads"
expect_dmesg "Work item with callback ltd_dom_mod_work_fn.* is queued or running while module $MOD unloads"
expect_eq "unpinned-module-reference reports" \
	"$(($(stat 'bugs[unpinned-module-reference]') - before))" 3
dmesg | sed -n '/BUG: LIFETIME: unpinned-module-reference in ltd_dom_mod_timer_fn/,/^\[.*\] ====/p' |
	sed 's/^/    | /'
exit 0
