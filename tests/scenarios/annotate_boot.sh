#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Annotations given on the boot command line (lifetime_debug.annotate=,
# lines separated by ';') are installed at late init: the listing shows
# them, their kprobes are registered and fire (a module unload calls
# synchronize_rcu(), readlink of /proc/self frees its buffer with
# kfree_link()), and a line naming an unknown symbol is refused with a
# warning while the others stay.
# lt-append: '"lifetime_debug.annotate=revoke synchronize_rcu;owner no_such_fn_at_boot;nosleep-release kfree_link"'
# lt-timeout: 120
. "$LT_REPO/tests/guest/lib.sh"

ANN=/sys/kernel/debug/lifetime_debug/annotate
grep -q "^revoke synchronize_rcu hits=" "$ANN" || fail "revoke synchronize_rcu not installed"
grep -q "^nosleep-release kfree_link hits=" "$ANN" || fail "nosleep-release kfree_link not installed"
expect_eq "annotations installed" "$(wc -l < "$ANN")" 2
expect_dmesg "annotate: 'owner no_such_fn_at_boot': unknown symbol no_such_fn_at_boot"
expect_eq "kprobes registered" "$(grep -c 'synchronize_rcu\|kfree_link' /sys/kernel/debug/kprobes/list)" 2

# hits NAME: the hit count of the annotation listed as "NAME hits=N"
hits() {
	sed -n "s/^$1 hits=//p" "$ANN"
}

rcu_before=$(hits "revoke synchronize_rcu")
link_before=$(hits "nosleep-release kfree_link")
insmod "$LT_MODDIR/ltd_refcount_scenarios.ko" scenario=types || fail "insmod"
rmmod ltd_refcount_scenarios || fail "rmmod"
readlink /proc/self >/dev/null || fail "readlink /proc/self"
rcu_after=$(hits "revoke synchronize_rcu")
link_after=$(hits "nosleep-release kfree_link")
[ "$rcu_after" -gt "$rcu_before" ] ||
	fail "revoke synchronize_rcu did not fire at rmmod: hits $rcu_before -> $rcu_after"
echo "ok: revoke synchronize_rcu hits $rcu_before -> $rcu_after"
[ "$link_after" -gt "$link_before" ] ||
	fail "nosleep-release kfree_link did not fire at readlink: hits $link_before -> $link_after"
echo "ok: nosleep-release kfree_link hits $link_before -> $link_after"
expect_eq "boot parameter" "$(cat /sys/module/lifetime_debug/parameters/annotate)" \
	"revoke synchronize_rcu;owner no_such_fn_at_boot;nosleep-release kfree_link"
exit 0
