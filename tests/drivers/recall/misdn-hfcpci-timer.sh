#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hfcpci, upstream 009fc857c5f6 ("mISDN: fix possible use-after-free in
# HFC_cleanup()") reverted (with its follow-up 175302f6b79e, which dropped
# the timer_pending() test): the module exit stops the hfcpci_softirq()
# poll timer with del_timer() again, when it is pending. A PCI mISDN
# driver: loaded with poll= other than the default 128, HFC_init() arms
# the software poll timer before registering the PCI driver, card or not
# (hfcpci_softirq() walks no devices and re-arms itself every poll/8000 s:
# poll=64 is 8 ms), so it loads in the guest with no hardware. The ordinary
# sequence: load the mISDN core, load the driver with poll=64, let
# hfcpci_softirq() run, unload. Expected: unpinned-module-reference in
# hfcpci_softirq, reported at rmmod.
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin misdn-hfcpci-timer recall
load mISDN_core
insmod_recall misdn-hfcpci-timer hfcpci poll=64
expect_dmesg "HFC_init: Using alternative poll value of 64"
timer_fired hfcpci_softirq 1
unload hfcpci
driver_end
