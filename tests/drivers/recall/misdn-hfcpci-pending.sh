#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hfcpci, upstream 175302f6b79e ("mISDN: hfcpci: Fix use-after-free bug
# in hfcpci_softirq") reverted: the module exit waits for the poll timer
# with del_timer_sync() only when timer_pending() is true. As in
# misdn-hfcpci-timer: a PCI mISDN
# driver: loaded with poll= other than the default 128, HFC_init() arms
# the software poll timer before registering the PCI driver, card or not
# (hfcpci_softirq() walks no devices and re-arms itself every poll/8000 s:
# poll=64 is 8 ms), so it loads in the guest with no hardware. The ordinary
# sequence: load the mISDN core, load the driver with poll=64, let
# hfcpci_softirq() run, unload. Expected: unpinned-module-reference in
# hfcpci_softirq; missed (declared hole): the timer is pending, the wait runs.
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin misdn-hfcpci-pending recall
load mISDN_core
insmod_recall misdn-hfcpci-pending hfcpci poll=64
expect_dmesg "HFC_init: Using alternative poll value of 64"
timer_fired hfcpci_softirq 1
unload hfcpci
driver_end
