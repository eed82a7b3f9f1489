#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The refcount hooks reachable from the kref and refcount inlines, and the
# static key they test, are exported to any module: ltd_nongpl.ko, under a
# GPL-incompatible license ("Proprietary", which taints the kernel), uses
# kref_get(), kref_put() and refcount_dec_and_test(), loads without an
# "Unknown symbol" and unloads.
# lt-timeout: 120
set -u
. "$LT_REPO/tests/guest/lib.sh"

out=$(insmod "$LT_MODDIR/ltd_nongpl.ko" 2>&1) || fail "insmod ltd_nongpl.ko: $out"
echo "ok: insmod ltd_nongpl.ko"
expect_no_dmesg "ltd_nongpl: Unknown symbol"
expect_dmesg "ltd_nongpl: kref and refcount puts done"
expect_dmesg "ltd_nongpl: module license 'Proprietary' taints kernel"
rmmod ltd_nongpl || fail "rmmod ltd_nongpl"
[ ! -d /sys/module/ltd_nongpl ] || fail "ltd_nongpl still loaded"
echo "ok: rmmod ltd_nongpl"
expect_no_dmesg "BUG: LIFETIME"
exit 0
