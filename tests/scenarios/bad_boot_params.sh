#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Garbage boot parameters are rejected (-EINVAL) and change nothing: the
# sanitizer boots with its Kconfig defaults.
# lt-append: lifetime_debug.enabled=maybe lifetime_debug.multi_shot=2x lifetime_debug.refcount_classes=9999 lifetime_debug.sample=0 '"lifetime_debug.annotate=owner 9bad;guard x"'
# lt-timeout: 120
. "$LT_REPO/tests/guest/lib.sh"

P=/sys/module/lifetime_debug/parameters
for p in enabled multi_shot refcount_classes sample annotate; do
	dmesg | grep -E "(Invalid|invalid|Bad|bad).*lifetime_debug\.$p|lifetime_debug\.$p.*(Invalid|invalid)" ||
		fail "no rejection message for lifetime_debug.$p"
done
expect_eq "enabled (default y)" "$(cat $P/enabled)" Y
expect_eq "multi_shot (default n)" "$(cat $P/multi_shot)" N
expect_eq "refcount_classes (default 1024)" "$(cat $P/refcount_classes)" 1024
expect_eq "sample (default 1)" "$(cat $P/sample)" 1
expect_eq "stats enabled" "$(stat enabled)" 1
expect_eq "annotate (nothing applied)" "$(cat $P/annotate)" ""
expect_eq "annotations installed" "$(wc -l < /sys/kernel/debug/lifetime_debug/annotate)" 0
# Run-time writes: garbage is refused, the value stays.
echo maybe > $P/enabled 2>/dev/null && fail "enabled=maybe accepted"
expect_eq "enabled after garbage write" "$(cat $P/enabled)" Y
echo 7 > $P/multi_shot 2>/dev/null && fail "multi_shot=7 accepted"
expect_eq "multi_shot after garbage write" "$(cat $P/multi_shot)" N
echo 64 > $P/refcount_classes 2>/dev/null && fail "refcount_classes is writable at run time"
expect_eq "refcount_classes after write" "$(cat $P/refcount_classes)" 1024
echo 5 > $P/sample 2>/dev/null && fail "sample is writable at run time"
expect_eq "sample after write" "$(cat $P/sample)" 1
echo "owner x" > $P/annotate 2>/dev/null && fail "annotate is writable at run time"
echo "guard onlyone" > /sys/kernel/debug/lifetime_debug/annotate 2>/dev/null &&
	fail "malformed annotation accepted"
expect_eq "annotations after garbage write" "$(wc -l < /sys/kernel/debug/lifetime_debug/annotate)" 0
exit 0
