#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Annotations given on the boot command line (lifetime_debug.annotate=,
# lines separated by ';') are installed at late init: the listing shows
# them, their kprobes are registered, and a line naming an unknown symbol is
# refused with a warning while the others stay.
# lt-append: '"lifetime_debug.annotate=revoke synchronize_rcu;owner no_such_fn_at_boot;nosleep-release kfree_link"'
# lt-timeout: 120
. "$LT_REPO/tests/guest/lib.sh"

ANN=/sys/kernel/debug/lifetime_debug/annotate
cat "$ANN"
grep -q "^revoke synchronize_rcu hits=" "$ANN" || fail "revoke synchronize_rcu not installed"
grep -q "^nosleep-release kfree_link hits=" "$ANN" || fail "nosleep-release kfree_link not installed"
expect_eq "annotations installed" "$(wc -l < "$ANN")" 2
expect_dmesg "annotate: 'owner no_such_fn_at_boot': unknown symbol no_such_fn_at_boot"
expect_eq "kprobes registered" "$(grep -c 'synchronize_rcu\|kfree_link' /sys/kernel/debug/kprobes/list)" 2
# The revoke probe fires.
before=$(sed -n 's/^revoke synchronize_rcu hits=//p' "$ANN")
insmod "$LT_MODDIR/ltd_bench.ko" iters=10 >/dev/null 2>&1; rmmod ltd_bench 2>/dev/null
echo "revoke synchronize_rcu hits: $before -> $(sed -n 's/^revoke synchronize_rcu hits=//p' "$ANN")"
expect_eq "boot parameter" "$(cat /sys/module/lifetime_debug/parameters/annotate)" \
	"revoke synchronize_rcu;owner no_such_fn_at_boot;nosleep-release kfree_link"
exit 0
